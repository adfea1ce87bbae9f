"""Node tables: a ``nodes.csv`` (or Parquet/Arrow) of per-node attributes beside an edge list.

Gephi, Neo4j's import, Cytoscape and Graphistry keep node attributes in a table
with an id column, a display label and more columns. :func:`read_node_table`
reads one; :func:`attach_node_table` joins it onto a graph by node name.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.feather as feather
import pyarrow.parquet as pq

from loaders.errors import GraphFormatError
from loaders.graph import Graph
from loaders.labels import name_values

#: Names of the id column, in order of preference (compared in lower case).
ID_COLUMNS = ("id", "node", "node_id", "nodeid", "name")
#: Names of the display-label column (compared in lower case); stored as ``label``.
LABEL_COLUMNS = ("label", "display_name", "title")
_COMPRESSED = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd"}


def read_node_table(
    path: str | os.PathLike, *, id_col: str | int | None = None
) -> tuple[list, dict[str, np.ndarray]]:
    """Read a node table: its ids and its other columns, typed.

    Parameters
    ----------
    path : path-like
        CSV or TSV (delimiter sniffed by pyarrow's reader; ``.gz``/``.bz2``/``.zst``
        too), Parquet, or Arrow/Feather.
    id_col : str or int, optional
        The id column; by default the first of ``Id``, ``node``, ``node_id``,
        ``name`` (any case), else the first column. Ids follow the edge lists'
        rule: ints when every one is a plain integer, else strings.

    Returns
    -------
    ids : list
    columns : dict of str to array
        Every other column, numbers as numbers. A ``Label`` column (any case; also
        ``display_name``, ``title``) is returned as ``label``.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "nodes.csv")
    >>> _ = open(path, "w").write("Id,Label,age\\n1,Ann,31\\n2,Bo,\\n")
    >>> ids, columns = read_node_table(path)
    >>> ids, columns["label"].tolist(), columns["age"].tolist()
    ([1, 2], ['Ann', 'Bo'], [31.0, nan])
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"node table not found: {path}")
    table = _read_table(path, id_col)
    if table.num_columns == 0 or table.num_rows == 0:
        raise GraphFormatError(path, None, "the node table has no rows")
    names = table.column_names
    if (isinstance(id_col, str) and id_col not in names) or (
        isinstance(id_col, int) and not 0 <= id_col < len(names)
    ):
        raise GraphFormatError(path, None, f"no id column {id_col!r}; columns: {', '.join(names)}")
    position = names.index(_id_column_name(names, id_col))
    id_values = table.column(position)
    if id_values.null_count:
        row = int(np.flatnonzero(id_values.is_null().to_numpy(zero_copy_only=False))[0])
        raise GraphFormatError(path, _line(path, row), f"row {row + 1} has no id")
    ids = name_values(_as_text(id_values).to_pylist())
    if len(set(ids)) != len(ids):
        repeated = pd.Series(ids)[pd.Series(ids).duplicated()].iloc[0]
        raise GraphFormatError(path, None, f"id {repeated!r} appears more than once")
    columns: dict[str, np.ndarray] = {}
    label_taken = False
    for k, name in enumerate(names):
        if k == position:
            continue
        key = name
        if not label_taken and name.lower() in LABEL_COLUMNS:
            key, label_taken = "label", True
        columns[key] = _column_values(table.column(k))
    return ids, columns


def attach_node_table(
    graph: Graph, path: str | os.PathLike, *, id_col: str | int | None = None
) -> Graph:
    """``graph`` with the node table's columns as node attributes.

    Ids of the table that no edge uses become isolated nodes. Nodes the table
    does not list get missing values (None / NaN); the function warns with
    their count, because a table that misses nodes is often a table of the
    wrong graph, yet often deliberate (only the labelled nodes).

    >>> import tempfile, os
    >>> from loaders import Graph
    >>> path = os.path.join(tempfile.mkdtemp(), "nodes.csv")
    >>> _ = open(path, "w").write("id,team\\na,red\\nb,blue\\nc,red\\n")
    >>> g = attach_node_table(Graph.from_edges(["a"], ["b"]), path)
    >>> g.labels.tolist(), g.attributes["team"].tolist()
    (['a', 'b', 'c'], ['red', 'blue', 'red'])
    """
    ids, columns = read_node_table(path, id_col=id_col)
    labels = graph.labels
    if labels.dtype.kind in "iu" and not all(isinstance(i, int) for i in ids):
        raise GraphFormatError(
            path,
            None,
            f"the graph's node names are integers but the table's ids are not "
            f"(e.g. {next(i for i in ids if not isinstance(i, int))!r})",
        )
    if labels.dtype == object:
        ids = [str(i) for i in ids]  # an int id's text is what the edge list had
    index = pd.Index(labels)
    positions = index.get_indexer(pd.Index(ids, dtype=object if labels.dtype == object else None))
    extra = [ids[k] for k in np.flatnonzero(positions < 0)]
    grown = _with_isolated_nodes(graph, extra) if extra else graph
    order = pd.Index(grown.labels).get_indexer(pd.Index(ids, dtype=grown.labels.dtype))
    unlisted = grown.n_nodes - len(ids)
    if unlisted:
        warnings.warn(
            f"{path}: {unlisted:,} of the graph's {grown.n_nodes:,} nodes are not in the "
            "node table; their attributes are missing",
            UserWarning,
            stacklevel=2,
        )
    attributes = {}
    for key, values in columns.items():
        aligned = (
            _empty_like(values, grown.n_nodes)
            if unlisted
            else np.empty(grown.n_nodes, dtype=values.dtype)
        )
        aligned[order] = values
        attributes[key] = aligned
    result = grown.with_attributes(**attributes)
    result.provenance = {
        **getattr(graph, "provenance", {}),
        "node table": f"{path} ({len(ids):,} rows, {len(extra):,} isolated nodes added)",
    }
    return result


def _id_column_name(names: list[str], id_col) -> str:
    lowered = [name.lower() for name in names]
    if isinstance(id_col, str) and id_col in names:
        return id_col
    if isinstance(id_col, int) and 0 <= id_col < len(names):
        return names[id_col]
    return names[next((lowered.index(c) for c in ID_COLUMNS if c in lowered), 0)]


def _read_table(path: Path, id_col) -> pa.Table:
    suffixes = [s.lower() for s in path.suffixes]
    compression = _COMPRESSED.get(suffixes[-1]) if suffixes else None
    kind = suffixes[-2] if compression and len(suffixes) > 1 else (suffixes[-1] if suffixes else "")
    try:
        if kind == ".parquet":
            return pq.read_table(path)
        if kind in (".arrow", ".feather", ".ipc"):
            return feather.read_table(path)
        options = pa_csv.ParseOptions(delimiter="\t" if kind == ".tsv" else ",")
        with pa.input_stream(str(path), compression=compression) as stream:
            names = pa_csv.open_csv(stream, parse_options=options).schema.names
        # Ids are read as text so that "007" stays "007" (then ints only if plain).
        id_name = _id_column_name(names, id_col)
        with pa.input_stream(str(path), compression=compression) as stream:
            return pa_csv.read_csv(
                stream,
                parse_options=options,
                convert_options=pa_csv.ConvertOptions(
                    strings_can_be_null=True, column_types={id_name: pa.string()}
                ),
            )
    except (pa.ArrowException, OSError) as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise GraphFormatError(path, None, f"cannot read the node table: {message}") from None


def _as_text(column) -> pa.ChunkedArray:
    if pa.types.is_floating(column.type):
        values = column.to_numpy(zero_copy_only=False)
        if np.all(np.isfinite(values)) and np.all(values == np.round(values)):
            return pa.chunked_array([pa.array(values.astype(np.int64))]).cast(pa.string())
    return pc.cast(column, pa.string())


def _column_values(column) -> np.ndarray:
    if pa.types.is_integer(column.type) and column.null_count:
        return column.to_numpy(zero_copy_only=False).astype(np.float64)
    if (
        pa.types.is_integer(column.type)
        or pa.types.is_floating(column.type)
        or pa.types.is_boolean(column.type)
    ) and not column.null_count:
        return column.to_numpy(zero_copy_only=False)
    if pa.types.is_floating(column.type):
        return column.to_numpy(zero_copy_only=False)
    return np.asarray(column.to_pylist(), dtype=object)


def _empty_like(values: np.ndarray, n: int) -> np.ndarray:
    if values.dtype.kind == "f":
        return np.full(n, np.nan, dtype=values.dtype)
    if values.dtype.kind in "iub":
        return np.full(n, np.nan) if values.dtype.kind != "b" else np.full(n, None, dtype=object)
    return np.full(n, None, dtype=object)


def _with_isolated_nodes(graph: Graph, extra: list) -> Graph:
    labels = graph.labels
    dtype = labels.dtype if all(isinstance(i, int) for i in extra) else object
    new_labels = np.concatenate([labels.astype(dtype), np.asarray(extra, dtype=dtype)])
    indptr = np.concatenate([graph.indptr, np.full(len(extra), graph.indptr[-1])])
    attributes = {
        key: np.concatenate([values, _empty_like(values, len(extra))])
        for key, values in graph.attributes.items()
    }
    grown = graph._with_nodes(new_labels, attributes, indptr=indptr)
    grown._n_self_loops = graph._n_self_loops
    return grown


def _line(path: Path, row: int) -> int | None:
    """A CSV data row's line (header on line 1), when the file has no blank lines to skip."""
    return row + 2 if path.suffix.lower() in (".csv", ".tsv") else None
