"""Reading text edge lists: whitespace, CSV and TSV, SNAP, compressed or not.

The fast path hands the whole file to pyarrow's multithreaded CSV reader
(pandas' C tokenizer when columns are separated by runs of blanks). Whenever
that path rejects the file or the values fail a check, an exact line-by-line
reader runs instead: it accepts everything the format allows (comments in the
middle, ragged whitespace) and raises :class:`GraphFormatError` naming the file
and line of the first bad row. So valid files are parsed at C speed and bad
files get a precise message.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from loaders.check import check_choice
from loaders.errors import GraphFormatError
from loaders.graph import Graph

COMPRESSION = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd", ".zstd": "zstd"}
_HEAD_BYTES = 1 << 18
_SNIFF_LINES = 1000
_HEADER_WORDS = {
    "source",
    "target",
    "src",
    "dst",
    "from",
    "to",
    "node1",
    "node2",
    "u",
    "v",
    "weight",
    "id1",
    "id2",
    "source_id",
    "target_id",
    "head",
    "tail",
}


@dataclass(frozen=True)
class _Layout:
    """What sniffing the head of a file found."""

    skip_rows: int  # leading comment/blank lines, plus the header line
    first_data_line: int  # 1-based line number of the first data row
    delimiter: str  # one character; " " for blank-separated
    irregular: bool  # blank-separated with runs of blanks or mixed tabs/spaces
    column_names: list[str]
    has_header: bool
    sample: list[str]  # the first data lines (header excluded), for type sniffing


def read_edgelist(
    path: str | os.PathLike,
    *,
    directed: bool = False,
    delimiter: str | None = None,
    comments: str = "#%",
    header: bool | str = "auto",
    source_col: int | str = 0,
    target_col: int | str = 1,
    weight_col: int | str | None = None,
    ids: str = "auto",
    self_loops: str = "keep",
    merge: str = "sum",
    name: str | None = None,
) -> Graph:
    """Read a text edge list into a :class:`Graph`.

    Parameters
    ----------
    path : path-like
        A text file, optionally compressed (``.gz``, ``.bz2``, ``.zst``).
    directed : bool
        Keep edge direction (SNAP's directed graphs need ``directed=True``).
    delimiter : str, optional
        One character; by default tab, comma or blanks, sniffed from the file.
    comments : str
        Characters that start a comment line (anywhere in the file).
    header : bool or "auto"
        Whether the first data line holds column names. "auto" detects it.
    source_col, target_col : int or str
        Columns of the edge endpoints, by position or header name.
    weight_col : int or str, optional
        Column of edge weights (finite, ≥ 0). When None the graph is unweighted
        unless the header names a ``weight`` column.
    ids : {"auto", "int", "str"}
        How to read node ids: "auto" uses integers when every id is one, else strings.
    self_loops : {"keep", "drop"}
    merge : {"sum", "max", "min"}
        How weights of repeated edges combine (see :meth:`Graph.from_edges`).
    name : str, optional
        Defaults to the file name without extensions.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    GraphFormatError
        A malformed line, named by file and line number.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "edges.txt")
    >>> _ = open(path, "w").write("# a triangle\\n1 2\\n2 3\\n3 1\\n")
    >>> read_edgelist(path)
    <Graph 'edges': 3 nodes, 3 edges, undirected, unweighted>
    """
    check_choice("ids", ids, ("auto", "int", "str"))
    check_choice("self_loops", self_loops, ("keep", "drop"))
    if delimiter is not None and len(delimiter) != 1:
        raise ValueError(f"delimiter must be a single character; got {delimiter!r}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"edge list not found: {path}")
    if header == "auto" and any(isinstance(c, str) for c in (source_col, target_col, weight_col)):
        header = True  # columns named by the header
    compression = COMPRESSION.get(path.suffix.lower())
    layout = _sniff(path, compression, delimiter, comments, header)
    src_index, dst_index, weight_index = _resolve_columns(
        path, layout, source_col, target_col, weight_col
    )
    fast_ids = ids
    if ids == "auto":
        fast_ids = "int" if _sample_ids_are_ints(layout, src_index, dst_index) else "str"

    columns = (src_index, dst_index, weight_index)
    try:
        src, dst, weights = _parse_fast(path, compression, layout, columns, fast_ids, comments)
        if weights is not None:
            _check_weights(path, weights)
    except (pa.ArrowException, ValueError, pd.errors.ParserError):
        src, dst, weights = _parse_exact(path, compression, layout, columns, ids, comments)
    return Graph.from_edges(
        src,
        dst,
        weights,
        directed=directed,
        self_loops=self_loops,
        merge=merge,
        name=name or _stem(path),
    )


def _stem(path: Path) -> str:
    name = path.name
    if path.suffix.lower() in COMPRESSION:
        name = name[: -len(path.suffix)]
    return name.rsplit(".", 1)[0] if "." in name else name


def _open_text(path: Path, compression: str | None) -> io.TextIOWrapper:
    stream = pa.input_stream(str(path), compression=compression)
    return io.TextIOWrapper(stream, encoding="utf-8", errors="strict", newline=None)


def _read_head(path: Path, compression: str | None) -> list[str]:
    with _open_text(path, compression) as text:
        try:
            head = text.read(_HEAD_BYTES)
        except UnicodeDecodeError as error:
            raise GraphFormatError(path, None, f"not UTF-8 text ({error.reason})") from None
    lines = head.splitlines()
    if len(head) == _HEAD_BYTES and lines:
        lines.pop()  # the last line may be cut in the middle
    return lines


def _split(line: str, delimiter: str) -> list[str]:
    if delimiter in " \t":
        return line.split()
    return [token.strip() for token in next(csv.reader([line], delimiter=delimiter))]


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _sniff(
    path: Path, compression: str | None, delimiter: str | None, comments: str, header: bool | str
) -> _Layout:
    lines = _read_head(path, compression)
    leading = 0
    while leading < len(lines) and (
        not lines[leading].strip() or lines[leading].lstrip()[0] in comments
    ):
        leading += 1
    data_lines = (
        line for line in lines[leading:] if line.strip() and line.lstrip()[0] not in comments
    )
    data = list(itertools.islice(data_lines, _SNIFF_LINES))
    if not data:
        raise GraphFormatError(path, None, "no edges: the file has no data lines")
    if delimiter is None:
        if any("\t" in line for line in data):
            delimiter = "\t"
        elif any("," in line for line in data):
            delimiter = ","
        else:
            delimiter = " "
    irregular = delimiter in " \t" and any(
        line != line.strip() or "  " in line or "\t\t" in line or (" " in line and "\t" in line)
        for line in data
    )

    first = _split(data[0], delimiter)
    if header == "auto":
        words = {token.lower() for token in first}
        second = _split(data[1], delimiter) if len(data) > 1 else []
        first_numeric = all(_is_number(t) for t in first[:2])
        second_numeric = len(second) >= 2 and all(_is_number(t) for t in second[:2])
        has_header = bool(words & _HEADER_WORDS) or (not first_numeric and second_numeric)
    else:
        has_header = bool(header)
    n_columns = max(len(_split(line, delimiter)) for line in data[:100])
    names = [f"column{i}" for i in range(n_columns)]
    if has_header:
        names[: len(first)] = first
    return _Layout(
        skip_rows=leading + int(has_header),
        first_data_line=leading + int(has_header) + 1,
        delimiter=delimiter,
        irregular=irregular,
        column_names=names,
        has_header=has_header,
        sample=data[int(has_header) :],
    )


def _resolve_columns(path: Path, layout: _Layout, source_col, target_col, weight_col):
    def position(what: str, column) -> int:
        if isinstance(column, str):
            if column not in layout.column_names:
                raise GraphFormatError(
                    path,
                    None,
                    f"{what} column {column!r} not in the header "
                    f"({', '.join(layout.column_names)})",
                )
            return layout.column_names.index(column)
        if not 0 <= column < len(layout.column_names):
            raise GraphFormatError(
                path,
                layout.first_data_line,
                f"{what} column {column} does not exist; lines have "
                f"{len(layout.column_names)} columns",
            )
        return column

    if weight_col is None and layout.has_header:
        lowered = [name.lower() for name in layout.column_names]
        weight_col = layout.column_names[lowered.index("weight")] if "weight" in lowered else None
    return (
        position("source", source_col),
        position("target", target_col),
        None if weight_col is None else position("weight", weight_col),
    )


def _sample_ids_are_ints(layout: _Layout, src_index: int, dst_index: int) -> bool:
    for line in layout.sample:
        tokens = _split(line, layout.delimiter)
        if len(tokens) <= max(src_index, dst_index):
            continue
        for token in (tokens[src_index], tokens[dst_index]):
            if not _is_int(token):
                return False
    return True


def _parse_fast(path, compression, layout: _Layout, columns, ids: str, comments: str):
    src_index, dst_index, weight_index = columns
    names = [f"c{i}" for i in range(len(layout.column_names))]
    id_type = pa.int64() if ids == "int" else pa.string()
    wanted = {names[src_index]: id_type, names[dst_index]: id_type}
    if weight_index is not None:
        wanted[names[weight_index]] = pa.float64()
    if layout.irregular:
        table = _read_blank_separated(path, compression, layout, names, wanted, comments)
    else:

        def skip_comments(row) -> str:
            text = row.text.strip()
            return "skip" if not text or text[0] in comments else "error"

        table = pa_csv.read_csv(
            str(path),
            read_options=pa_csv.ReadOptions(skip_rows=layout.skip_rows, column_names=names),
            parse_options=pa_csv.ParseOptions(
                delimiter=layout.delimiter,
                ignore_empty_lines=False,
                invalid_row_handler=skip_comments,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=wanted, include_columns=list(wanted)
            ),
        )
    if table.num_rows == 0:
        raise ValueError("no rows")
    for column in table.columns:
        if column.null_count:
            raise ValueError("empty field")
    src = table.column(names[src_index])
    dst = table.column(names[dst_index])
    weights = None if weight_index is None else table.column(names[weight_index]).to_numpy()
    if ids == "int":
        src, dst = src.to_numpy(), dst.to_numpy()
    return src, dst, weights


def _read_blank_separated(path, compression, layout, names, wanted, comments) -> pa.Table:
    dtypes = {
        name: ("int64" if kind == pa.int64() else "float64" if kind == pa.float64() else "string")
        for name, kind in wanted.items()
    }
    frame = pd.read_csv(
        path,
        sep=r"\s+",
        header=None,
        names=names,
        usecols=list(wanted),
        skiprows=layout.skip_rows,
        comment=comments[0] if comments else None,
        dtype=dtypes,
        engine="c",
        compression=compression,
    )
    return pa.Table.from_pandas(frame, preserve_index=False)


def _check_weights(path: Path, weights: np.ndarray) -> None:
    if not (np.isfinite(weights).all() and (weights >= 0).all()):
        raise ValueError("bad weight")  # the exact reader finds and names the line


def _parse_exact(path, compression, layout: _Layout, columns, ids: str, comments: str):
    """Line-by-line reader: slower, accepts every valid file, names the first bad line."""
    src_index, dst_index, weight_index = columns
    needed = max(i for i in columns if i is not None) + 1
    sources: list[str] = []
    targets: list[str] = []
    weights: list[float] = []
    line_numbers: list[int] = []
    header_pending = layout.has_header
    with _open_text(path, compression) as text:
        lineno = 0
        try:
            for lineno, raw in enumerate(text, 1):
                line = raw.strip()
                if not line or line[0] in comments:
                    continue
                if header_pending:
                    header_pending = False
                    continue
                tokens = _split(line, layout.delimiter)
                if len(tokens) < needed:
                    raise GraphFormatError(
                        path,
                        lineno,
                        f"expected at least {needed} columns, found {len(tokens)}: {line[:80]!r}",
                    )
                source, target = tokens[src_index], tokens[dst_index]
                if ids == "int":
                    for token in (source, target):
                        if not _is_int(token):
                            raise GraphFormatError(
                                path, lineno, f"node id {token!r} is not an integer"
                            )
                if weight_index is not None:
                    weights.append(_parse_weight(path, lineno, tokens[weight_index]))
                sources.append(source)
                targets.append(target)
                line_numbers.append(lineno)
        except UnicodeDecodeError as error:
            raise GraphFormatError(path, lineno + 1, f"not UTF-8 text ({error.reason})") from None
    if not sources:
        raise GraphFormatError(path, None, "no edges: the file has no data lines")
    src = np.array(sources, dtype=object)
    dst = np.array(targets, dtype=object)
    if ids != "str":
        try:
            src, dst = src.astype(np.int64), dst.astype(np.int64)
        except (ValueError, OverflowError):
            pass  # "auto" with a non-integer id somewhere: keep strings
    return src, dst, (np.array(weights) if weight_index is not None else None)


def _is_int(token: str) -> bool:
    try:
        int(token)
    except ValueError:
        return False
    return True


def _parse_weight(path, lineno: int, token: str) -> float:
    try:
        value = float(token)
    except ValueError:
        raise GraphFormatError(path, lineno, f"weight {token!r} is not a number") from None
    if not np.isfinite(value):
        raise GraphFormatError(path, lineno, f"weight {token!r} is not finite")
    if value < 0:
        raise GraphFormatError(path, lineno, f"weight {token!r} is negative")
    return value
