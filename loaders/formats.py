"""Readers for the non-edge-list formats: Matrix Market, GML/GraphML/Pajek, Parquet/Arrow.

Each wraps the library that reads the format best (scipy's fast_matrix_market,
igraph's C parsers, pyarrow) and turns its failures into
:class:`GraphFormatError` naming the file.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq

from loaders.errors import GraphFormatError
from loaders.graph import Graph

_IGRAPH_READERS = {"gml": "Read_GML", "graphml": "Read_GraphML", "pajek": "Read_Pajek"}


def read_matrix_market(
    path: str | os.PathLike,
    *,
    directed: bool | None = None,
    self_loops: str = "keep",
    name: str | None = None,
) -> Graph:
    """Read a Matrix Market ``.mtx`` adjacency matrix.

    A ``symmetric`` matrix gives an undirected graph and a ``general`` one a
    directed graph unless ``directed`` says otherwise; ``pattern`` matrices are
    unweighted. Node ids are the 0-based row numbers (the file's are 1-based).
    """
    import scipy.io

    path = _existing(path)
    try:
        info = scipy.io.mminfo(str(path))
        matrix = scipy.io.mmread(str(path))
    except (ValueError, OSError, IndexError) as error:
        raise GraphFormatError(path, None, f"not a valid Matrix Market file ({error})") from None
    rows, cols, _, _, field, symmetry = info
    if rows != cols:
        raise GraphFormatError(path, None, f"adjacency matrix must be square; it is {rows}x{cols}")
    if directed is None:
        directed = symmetry == "general"
    coo = matrix.tocoo() if hasattr(matrix, "tocoo") else _dense_to_coo(matrix)
    weights = None if field == "pattern" else np.abs(coo.data) if field == "complex" else coo.data
    src, dst = coo.row, coo.col
    if symmetry != "general" and not directed:
        # scipy expands a symmetric file to both triangles; keep each edge once.
        lower = src >= dst
        src, dst = src[lower], dst[lower]
        weights = None if weights is None else weights[lower]
    # A general matrix read as undirected may list (u, v) and (v, u): from_edges merges them.
    return Graph.from_edges(
        src,
        dst,
        weights,
        directed=directed,
        self_loops=self_loops,
        n_nodes=rows,
        name=name or path.stem,
    )


def _dense_to_coo(matrix):
    import scipy.sparse as sp

    return sp.coo_array(np.asarray(matrix))


def read_igraph_format(
    path: str | os.PathLike,
    fmt: str,
    *,
    directed: bool | None = None,
    label_attr: str | None = "auto",
    weight_attr: str | None = "auto",
    self_loops: str = "keep",
    name: str | None = None,
) -> Graph:
    """Read GML, GraphML or Pajek through igraph's parsers.

    Parameters
    ----------
    fmt : {"gml", "graphml", "pajek"}
    directed : bool, optional
        Override the direction the file declares.
    label_attr : str or None
        Vertex attribute holding node labels; "auto" takes ``id`` (GML, GraphML)
        or ``name`` when present. Other vertex attributes become node attributes.
    weight_attr : str or None
        Edge attribute holding weights; "auto" takes ``weight``, else ``value``
        (the convention of Newman's GML files), else unweighted.

    Repeated edges (e.g. the duplicated games of Newman's ``football.gml``) merge,
    their weights adding.
    """
    import igraph as ig

    path = _existing(path)
    reader = getattr(ig.Graph, _IGRAPH_READERS[fmt])
    try:
        graph = reader(str(path))
    except Exception as error:  # igraph raises InternalError, SystemError, ValueError...
        raise GraphFormatError(
            path, _igraph_line(error), f"cannot read {fmt.upper()}: {_first_line(error)}"
        ) from None
    vertex_attributes = graph.vs.attributes()
    if label_attr == "auto":
        label_attr = next((a for a in ("id", "name") if a in vertex_attributes), None)
    if label_attr is not None and label_attr in vertex_attributes:
        values = graph.vs[label_attr]
        if all(isinstance(v, float) and v.is_integer() for v in values):
            graph.vs[label_attr] = [int(v) for v in values]
        if len(set(graph.vs[label_attr])) != graph.vcount():
            raise GraphFormatError(
                path,
                None,
                f"vertex attribute {label_attr!r} repeats a value; "
                "pass label_attr=None to label nodes 0..n-1",
            )
    if weight_attr == "auto":
        edge_attributes = graph.es.attributes()
        weight_attr = next((a for a in ("weight", "value") if a in edge_attributes), None)
    if directed is not None and directed != graph.is_directed():
        if directed:
            graph.to_directed(mode="mutual")
        else:
            graph.to_undirected(mode="each")
    built = Graph.from_igraph(
        graph, weight=weight_attr, label_attr=label_attr, name=name or path.stem
    )
    if self_loops == "drop":
        table = built.edges()
        keep = table["source"].to_numpy() != table["target"].to_numpy()
        rebuilt = Graph.from_edges(
            table["source"].to_numpy()[keep],
            table["target"].to_numpy()[keep],
            table["weight"].to_numpy()[keep] if built.is_weighted else None,
            directed=built.directed,
            nodes=built.labels,
            name=built.name,
        )
        return rebuilt.with_attributes(**built.attributes)
    return built


def read_table(
    path: str | os.PathLike,
    *,
    source_col: str | None = None,
    target_col: str | None = None,
    weight_col: str | None = None,
    directed: bool = False,
    self_loops: str = "keep",
    merge: str = "sum",
    name: str | None = None,
) -> Graph:
    """Read a Parquet or Arrow/Feather edge table.

    Columns default to ``source`` and ``target`` (else ``src``/``dst``, else the
    first two); ``weight`` is used when present and ``weight_col`` is not given.
    """
    path = _existing(path)
    try:
        if path.suffix.lower() == ".parquet":
            table = pq.read_table(str(path))
        else:
            table = feather.read_table(str(path), memory_map=True)
    except (pa.ArrowException, OSError) as error:
        raise GraphFormatError(path, None, f"cannot read table: {error}") from None
    names = table.column_names
    if source_col is None or target_col is None:
        pair = next(
            (
                (s, t)
                for s, t in (("source", "target"), ("src", "dst"))
                if s in names and t in names
            ),
            tuple(names[:2]),
        )
        if len(pair) < 2:
            raise GraphFormatError(path, None, f"an edge table needs two columns; found {names}")
        source_col = source_col or pair[0]
        target_col = target_col or pair[1]
    if weight_col is None and "weight" in names:
        weight_col = "weight"
    for what, column in (("source", source_col), ("target", target_col), ("weight", weight_col)):
        if column is not None and column not in names:
            raise GraphFormatError(
                path,
                None,
                f"{what} column {column!r} not in the table (columns: {', '.join(names)})",
            )
    src, dst = table.column(source_col), table.column(target_col)
    for column_name, column in ((source_col, src), (target_col, dst)):
        if column.null_count:
            raise GraphFormatError(
                path, _first_null_row(column) + 1, f"column {column_name!r} has a missing node id"
            )
    weights = None
    if weight_col is not None:
        weights = table.column(weight_col).to_numpy(zero_copy_only=False).astype(np.float64)
        bad = ~np.isfinite(weights) | (weights < 0)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise GraphFormatError(
                path,
                row + 1,
                f"weight in row {row + 1} is {weights[row]}; weights must be finite and >= 0",
            )
    return Graph.from_edges(
        src,
        dst,
        weights,
        directed=directed,
        self_loops=self_loops,
        merge=merge,
        name=name or path.stem,
    )


def _first_null_row(column) -> int:
    return int(np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))[0])


def _existing(path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"graph file not found: {path}")
    return path


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _igraph_line(error: Exception) -> int | None:
    import re

    match = re.search(r"line (\d+)", str(error))
    return int(match.group(1)) if match else None
