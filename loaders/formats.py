"""Readers for the non-edge-list formats: Matrix Market, GML/GraphML/Pajek, Parquet/Arrow.

Each wraps the library that reads the format best (scipy's fast_matrix_market,
igraph's C parsers, pyarrow) and turns its failures into
:class:`GraphFormatError` naming the file.

Sizes a file declares are checked before those libraries allocate for them:
a Matrix Market size line, a Pajek ``*Vertices`` count, GraphML's
``parse.nodes``/``parse.edges``, a Parquet file's row count, and for GML and
GraphML (which declare nothing) the file's size. Past the memory limit
(``memory_limit=`` in bytes, else ``$GWB_MEMORY_LIMIT``, else the available
memory capped by :func:`loaders.memory.read_cap`: 1 GiB plus 64 bytes per byte
of the file) the reader raises
:class:`GraphFormatError` naming the line and the bytes it would need, so a
file of a few bytes cannot make it allocate gigabytes:

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> path = folder / "hostile.mtx"
>>> _ = path.write_text("%%MatrixMarket matrix coordinate pattern general\\n"
...                     "100000000 100000000 1000000000\\n1 2\\n")
>>> try:
...     read_matrix_market(path, memory_limit=2**30)
... except GraphFormatError as error:
...     print(f"line {error.line}: {error.reason[:76]}...")
line 2: the size line declares a 100,000,000 x 100,000,000 matrix with 1,000,000,000...
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq

from loaders import labels
from loaders.declared_sizes import check_igraph_input, check_matrix_market_header, check_rows
from loaders.errors import GraphFormatError
from loaders.graph import Graph

_IGRAPH_READERS = {"gml": "Read_GML", "graphml": "Read_GraphML", "pajek": "Read_Pajek"}


def read_matrix_market(
    path: str | os.PathLike,
    *,
    directed: bool | None = None,
    self_loops: str = "keep",
    name: str | None = None,
    memory_limit: int | str | None = None,
) -> Graph:
    """Read a Matrix Market ``.mtx`` adjacency matrix.

    A ``symmetric`` matrix gives an undirected graph and a ``general`` one a
    directed graph unless ``directed`` says otherwise; ``pattern`` matrices are
    unweighted. Node ids are the 0-based row numbers (the file's are 1-based).

    ``memory_limit`` (bytes, or e.g. ``"2G"``) bounds what the size line may
    declare; see the module notes for the default.
    """
    import scipy.io

    path = _existing(path)
    check_matrix_market_header(path, memory_limit)
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
    memory_limit: int | str | None = None,
) -> Graph:
    """Read GML, GraphML or Pajek through igraph's parsers.

    Parameters
    ----------
    fmt : {"gml", "graphml", "pajek"}
    directed : bool, optional
        Override the direction the file declares.
    label_attr : str or None
        Vertex attribute holding node names. "auto" takes, among those every node
        has without repeats: GML ``label`` (networkx's rule), else ``name`` (igraph
        writes it), else ``id``; GraphML ``name`` (igraph), else ``label``, else
        the node id; Pajek the quoted vertex names, else the vertex number. Names
        are ints when every one is an integer, else strings. The other vertex
        attributes (``id`` included) stay node attributes; None numbers nodes 0..n-1.
    weight_attr : str or None
        Edge attribute holding weights; "auto" takes ``weight``, else ``value``
        (the convention of Newman's GML files), else unweighted.

    memory_limit : int or str, optional
        Bound on what the file may declare (Pajek ``*Vertices``, GraphML
        ``parse.nodes``) and on igraph's parse of it (about
        ``_IGRAPH_BYTES_PER_FILE_BYTE`` times the file size); see :mod:`loaders.declared_sizes`.

    Repeated edges (e.g. the duplicated games of Newman's ``football.gml``) merge,
    their weights adding.
    """

    path = _existing(path)
    check_igraph_input(path, fmt, memory_limit)
    graph = _read_with_igraph(path, fmt)
    vertex_attributes = graph.vs.attributes()
    if fmt == "gml":
        for key in vertex_attributes:
            graph.vs[key] = labels.unescape_entities(graph.vs[key])
    if label_attr == "auto":
        label_attr = labels.choose_name_attribute(
            fmt, {key: graph.vs[key] for key in vertex_attributes}
        )
    if label_attr is not None and label_attr in vertex_attributes:
        graph.vs[label_attr] = labels.name_values(graph.vs[label_attr])
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
    notes = {"file": str(path), "names": f"{label_attr!r} attribute" if label_attr else "0..n-1"}
    if weight_attr is not None:
        notes["weights"] = f"{weight_attr!r} attribute"
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
        built = rebuilt.with_attributes(**built.attributes)
    built.provenance = notes
    return built


def _read_with_igraph(path: Path, fmt: str):
    """igraph's parser; networkx's for the GraphML igraph refuses (e.g. networkx's own
    files that declare one attribute under two types)."""
    import igraph as ig

    reader = getattr(ig.Graph, _IGRAPH_READERS[fmt])
    try:
        with warnings.catch_warnings():
            # networkx writes non-ASCII as &#235;: unescaped after reading, so
            # igraph's warning that it keeps them verbatim is noise.
            warnings.filterwarnings("ignore", message=".*entit", category=RuntimeWarning)
            return reader(str(path))
    except Exception as error:  # igraph raises InternalError, SystemError, ValueError...
        failure = GraphFormatError(
            path, _igraph_line(error), f"cannot read {fmt.upper()}: {_first_line(error)}"
        )
    if fmt != "graphml":
        raise failure
    import networkx as nx

    try:
        parsed = nx.read_graphml(path)
    except Exception:  # networkx raises many kinds; igraph's message is the one to show
        raise failure from None
    graph = ig.Graph.from_networkx(parsed)
    graph.vs["id"] = graph.vs["_nx_name"]
    del graph.vs["_nx_name"]
    return graph


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
    memory_limit: int | str | None = None,
) -> Graph:
    """Read a Parquet or Arrow/Feather edge table.

    Columns default to ``source`` and ``target`` (else ``src``/``dst``, else the
    first two); ``weight`` is used when present and ``weight_col`` is not given.
    ``memory_limit`` bounds the row count: a Parquet file's metadata is checked
    before any column is read, an Arrow file's once it is memory-mapped.
    """
    path = _existing(path)
    try:
        if path.suffix.lower() == ".parquet":
            metadata = pq.ParquetFile(str(path)).metadata
            check_rows(path, metadata.num_rows, metadata.num_columns, memory_limit)
            table = pq.read_table(str(path))
        else:
            table = feather.read_table(str(path), memory_map=True)
            check_rows(path, table.num_rows, table.num_columns, memory_limit)
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
    src, dst = _id_column(path, source_col, src), _id_column(path, target_col, dst)
    if pa.types.is_integer(src.type) != pa.types.is_integer(dst.type):
        # One column of ints, one of strings: the names are all strings, as written.
        src, dst = src.cast(pa.large_string()), dst.cast(pa.large_string())
    weights = None
    if weight_col is not None:
        column = table.column(weight_col)
        kind = column.type
        if not (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
            raise GraphFormatError(
                path, None, f"weight column {weight_col!r} holds {kind} values, not numbers"
            )
        if column.null_count:
            raise GraphFormatError(
                path, _first_null_row(column) + 1, f"column {weight_col!r} has a missing weight"
            )
        weights = column.to_numpy(zero_copy_only=False).astype(np.float64)
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


def _id_column(path: Path, name: str, column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Node ids as integers or strings; integral floats (pandas' ints with gaps) as ints."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        column, kind = column.cast(kind.value_type), kind.value_type
    if pa.types.is_integer(kind) or pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return column
    if pa.types.is_floating(kind):
        values = column.to_numpy()
        integral = np.isfinite(values) & (values == np.round(values))
        if integral.all() and (np.abs(values) < 2**63).all():
            return pa.chunked_array([pa.array(values.astype(np.int64))])
        row = int(np.flatnonzero(~integral)[0]) if not integral.all() else 0
        raise GraphFormatError(
            path, row + 1, f"column {name!r} holds the node id {values[row]!r}, not an integer"
        )
    raise GraphFormatError(
        path, None, f"column {name!r} holds {kind} values; node ids must be integers or strings"
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

    match = re.search(r"line (\d+)", str(error))
    return int(match.group(1)) if match else None
