"""Reading text edge lists: whitespace, CSV and TSV, SNAP, compressed or not.

One tokenizer (:mod:`loaders._edgelist_kernels`) applies the reading contract
written in :func:`read_edgelist` to every file: there is no fast path with
rules of its own beside a slow exact one. The file is streamed in chunks cut at
line ends; the chunks are tokenized in parallel (the kernels release the GIL)
and their ids, weights and errors are checked in file order, so an error names
the first bad line of the file.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numba
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from loaders import _edgelist_kernels as kernels
from loaders.check import check_choice
from loaders.errors import GraphFormatError
from loaders.graph import Graph

COMPRESSION = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd", ".zstd": "zstd"}
_CHUNK_BYTES = 32 << 20
_HEAD_BYTES = 1 << 18
_SNIFF_ROWS = 1000
_SNIFF_COLUMNS = 64
_BOM = b"\xef\xbb\xbf"
_LINE_END = re.compile(r"\r\n|\r|\n")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)

#: Names a user gives the endpoint columns of an edge table (compared in lower case).
ENDPOINT_NAMES = frozenset(
    {
        "source",
        "target",
        "src",
        "dst",
        "from",
        "to",
        "node1",
        "node2",
        "node_1",
        "node_2",
        "source_id",
        "target_id",
        "sourceid",
        "targetid",
        "id1",
        "id2",
    }
)


@dataclass(frozen=True)
class _Dialect:
    """How fields are separated and which lines are comments."""

    blank_separated: bool  # runs of spaces/tabs, no quoting
    delimiter: int  # the separating byte when not blank_separated
    is_comment: np.ndarray  # bool[256]: first non-blank bytes that start a comment line


@dataclass(frozen=True)
class _Layout:
    """What reading the head of a file found."""

    dialect: _Dialect
    header_at: int  # byte offset of the header line, -1 when there is none
    column_names: list[str]
    has_header: bool
    first_data_line: int  # 1-based line of the first data row (header excluded)


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
    memory_limit: int | None = None,
) -> Graph:
    """Read a text edge list into a :class:`Graph`.

    The reading contract, the same for every file (plain or compressed, int or
    string ids, small or large):

    - **Lines.** UTF-8 text; a leading byte-order mark is dropped; lines end in
      ``\\n``, ``\\r\\n`` or ``\\r``, the last one optionally without. Blank and
      whitespace-only lines are skipped anywhere. A line whose first non-blank
      character is one of ``comments`` is skipped anywhere; the same character
      inside or after a field is data.
    - **Fields.** With ``delimiter`` given, or sniffed from the first data
      lines: tab when every line of several words holds a tab (ids may then
      hold spaces; a file that mixes tabs and runs of spaces between ids is
      blank-separated), else comma when a line holds one, else runs of blanks.
      Fields are trimmed of surrounding blanks. With a delimiter, a field may be
      quoted as in RFC 4180: it may then hold the delimiter and blanks, and
      ``""`` stands for a quote; a quoted field must end on its line. Blank-
      separated files have no quoting. Columns beyond those used are ignored; an
      empty id or weight is an error.
    - **Header.** ``header="auto"`` takes the first data line as column names
      only when its two endpoint fields are names a user gives such columns
      (``source``, ``target``, ``src``, ``dst``, ``from``, ``to``, ``node1``,
      ``node2``, ... in any case, e.g. Gephi's ``Source,Target,Weight``), or when
      they are not numbers while every other line read for sniffing has numbers
      there. Otherwise the first line is an edge.
    - **Ids.** ``ids="auto"`` reads integers only when every id in the file is a
      plain ASCII decimal that prints back as written (``0``, ``-7``, ``42``;
      not ``007``, ``+1``, ``1_000`` or other scripts' digits) and fits int64;
      otherwise every id is the string as written. ``ids="int"`` accepts any
      ASCII decimal within int64 and names the file and line of any other id;
      ``ids="str"`` keeps every id as a string.
    - **Weights.** A number as Arrow parses it (``1``, ``0.5``, ``1e-3``),
      finite and ≥ 0; anything else is an error naming the line.

    Every error is a :class:`GraphFormatError` naming the file and, where one is
    to blame, the line.

    Parameters
    ----------
    path : path-like
        A text file, optionally compressed (``.gz``, ``.bz2``, ``.zst``).
    directed : bool
        Keep edge direction (SNAP's directed graphs need ``directed=True``).
    delimiter : str, optional
        One ASCII character; ``" "`` means runs of blanks. Sniffed by default.
    comments : str
        ASCII characters that start a comment line.
    header : bool or "auto"
        Whether the first data line holds column names.
    source_col, target_col : int or str
        Columns of the edge endpoints, by position or header name.
    weight_col : int or str, optional
        Column of edge weights. When None the graph is unweighted unless the
        header names a ``weight`` column.
    ids : {"auto", "int", "str"}
    self_loops : {"keep", "drop"}
    merge : {"sum", "max", "min"}
        How weights of repeated edges combine (see :meth:`Graph.from_edges`).
    name : str, optional
        Defaults to the file name without extensions.
    memory_limit : int, optional
        Accepted for symmetry with the readers of formats that declare sizes in
        a header; an edge list declares none, so its memory follows its length.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    GraphFormatError
        A malformed line, named by file and line number, or an unreadable file.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "edges.csv")
    >>> _ = open(path, "w").write('source,target\\n"Smith, J", Doe\\n# a comment\\nDoe,Roe\\n')
    >>> g = read_edgelist(path)
    >>> g
    <Graph 'edges': 3 nodes, 2 edges, undirected, unweighted>
    >>> g.labels.tolist()
    ['Doe', 'Roe', 'Smith, J']
    """
    check_choice("ids", ids, ("auto", "int", "str"))
    check_choice("self_loops", self_loops, ("keep", "drop"))
    check_choice("merge", merge, ("sum", "max", "min"))
    if header not in (True, False, "auto"):
        raise ValueError(f"header must be True, False or 'auto'; got {header!r}")
    if delimiter is not None and (len(delimiter) != 1 or not delimiter.isascii()):
        raise ValueError(f"delimiter must be a single ASCII character; got {delimiter!r}")
    if not comments.isascii() or any(c in " \t\r\n" for c in comments):
        raise ValueError(f"comments must be ASCII characters other than blanks; got {comments!r}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"edge list not found: {path}")
    if header == "auto" and any(isinstance(c, str) for c in (source_col, target_col, weight_col)):
        header = True  # columns named by the header
    compression = COMPRESSION.get(path.suffix.lower())
    layout = _sniff(path, compression, delimiter, comments, header, (source_col, target_col))
    columns = _resolve_columns(path, layout, source_col, target_col, weight_col)
    src, dst, weights = _parse(path, compression, layout, columns, ids)
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


# ---------------------------------------------------------------- reading bytes


def _chunks(path: Path, compression: str | None):
    """Yield ``(buffer, end)``: writable uint8 arrays whose first ``end`` bytes are whole lines."""
    chunk_bytes = _CHUNK_BYTES
    try:
        stream = pa.input_stream(str(path), compression=compression)
    except (OSError, pa.ArrowException) as error:
        raise GraphFormatError(path, None, f"cannot open: {error}") from None
    carry = b""
    with stream:
        while True:
            try:
                block = stream.read(chunk_bytes)
            except (OSError, pa.ArrowException, EOFError) as error:
                reason = f"cannot read {_what(compression)}: {error}"
                raise GraphFormatError(path, None, reason) from None
            if not block:
                if carry:
                    yield np.frombuffer(bytearray(carry), dtype=np.uint8), len(carry)
                return
            data = bytearray(carry)
            data += block
            cut = _last_line_end(data)
            carry = bytes(data[cut:])
            if cut:
                yield np.frombuffer(data, dtype=np.uint8), cut


def _what(compression: str | None) -> str:
    return f"{compression} data" if compression else "the file"


def _last_line_end(data: bytearray) -> int:
    """Offset just after the last complete line (0 when there is none yet)."""
    end = len(data)
    if data.endswith(b"\r"):
        end -= 1  # a "\n" may follow in the next block: keep "\r\n" together
    return max(data.rfind(b"\n", 0, end), data.rfind(b"\r", 0, end)) + 1


def _head(path: Path, compression: str | None, size: int) -> tuple[np.ndarray, int, bool]:
    """The whole lines among the first ``size`` bytes, and whether that is the whole file."""
    try:
        with pa.input_stream(str(path), compression=compression) as stream:
            data = bytearray(stream.read(size))
    except (OSError, pa.ArrowException, EOFError) as error:
        raise GraphFormatError(path, None, f"cannot read {_what(compression)}: {error}") from None
    whole_file = len(data) < size
    end = len(data) if whole_file else _last_line_end(data)
    return np.frombuffer(data, dtype=np.uint8), end, whole_file


def _check_utf8(path: Path, buffer: np.ndarray, start: int, end: int, first_line: int) -> None:
    """Raise GraphFormatError naming the line of the first byte that is not UTF-8."""
    offsets = pa.py_buffer(np.array([0, end - start], dtype=np.int64))
    text = pa.Array.from_buffers(
        pa.large_binary(), 1, [None, offsets, pa.py_buffer(buffer[start:end])]
    )
    try:
        text.cast(pa.large_string())
    except pa.ArrowInvalid:
        try:
            buffer[start:end].tobytes().decode("utf-8")
        except UnicodeDecodeError as error:
            line = first_line + _lines_before(buffer, start, start + error.start)
            raise GraphFormatError(path, line + 1, f"not UTF-8 text ({error.reason})") from None
        raise


def _lines_before(buffer: np.ndarray, start: int, position: int) -> int:
    """Line ends (``\\r\\n`` once) in ``buffer[start:position]``."""
    text = buffer[start:position].tobytes()
    return text.count(b"\n") + text.count(b"\r") - text.count(b"\r\n")


# ---------------------------------------------------------------- the head


def _sniff(path, compression, delimiter, comments, header, endpoint_cols) -> _Layout:
    size = _HEAD_BYTES
    while True:
        buffer, end, whole_file = _head(path, compression, size)
        start = 3 if buffer[:3].tobytes() == _BOM else 0
        _check_utf8(path, buffer, start, end, 0)
        text = buffer[start:end].tobytes().decode("utf-8")
        data_lines = [
            stripped
            for line in _LINE_END.split(text)
            if (stripped := line.strip(" \t")) and stripped[0] not in comments
        ][:_SNIFF_ROWS]
        if data_lines or whole_file:
            break
        size *= 8  # a long comment block: look further
    if not data_lines:
        raise GraphFormatError(path, None, "no edges: the file has no data lines")

    if delimiter is None:
        # A tab separates fields only if every line of several words has one: files
        # that mix tabs and runs of spaces between ids are blank-separated.
        several = [line for line in data_lines if re.search(r"[ \t]", line)]
        if any("\t" in line for line in several) and all("\t" in line for line in several):
            delimiter = "\t"
        elif any("," in line for line in data_lines):
            delimiter = ","
        else:
            delimiter = " "
    dialect = _Dialect(
        blank_separated=delimiter == " ",
        delimiter=ord(delimiter),
        is_comment=_comment_table(comments),
    )
    rows, first_row_at = _sample_rows(path, buffer, start, end, dialect)

    first = rows[0]
    if header == "auto":
        positions = [c if isinstance(c, int) else i for i, c in enumerate(endpoint_cols)]
        ends = [first[p] if p < len(first) else "" for p in positions]
        named = all(e.lower() in ENDPOINT_NAMES for e in ends)
        others = [row for row in rows[1:] if len(row) > max(positions)]
        above_numbers = (
            bool(others)
            and not any(_NUMBER.fullmatch(e) for e in ends)
            and all(_NUMBER.fullmatch(row[p]) for row in others for p in positions)
        )
        has_header = named or above_numbers
    else:
        has_header = bool(header)
    n_columns = max(len(row) for row in rows[:100])
    names = [f"column{i}" for i in range(n_columns)]
    if has_header:
        names[: len(first)] = first
    header_line = _lines_before(buffer, 0, first_row_at) + 1
    return _Layout(
        dialect=dialect,
        header_at=first_row_at if has_header else -1,
        column_names=names,
        has_header=has_header,
        first_data_line=header_line + int(has_header),
    )


def _comment_table(comments: str) -> np.ndarray:
    table = np.zeros(256, dtype=np.bool_)
    for character in comments:
        table[ord(character)] = True
    return table


def _sample_rows(path, buffer, start, end, dialect: _Dialect) -> tuple[list[list[str]], int]:
    """The fields of the first data rows of the head, and the offset of the first one."""
    buffer = buffer.copy()  # the tokenizer unescapes quotes in place
    starts = np.empty((_SNIFF_ROWS + 1, _SNIFF_COLUMNS), dtype=np.int32)
    stops = np.empty_like(starts)
    n_rows, _, first_row_at, error, error_line, _, n_fields = kernels.tokenize(
        buffer,
        start,
        end,
        dialect.blank_separated,
        dialect.delimiter,
        dialect.is_comment,
        0,
        -1,
        starts,
        stops,
    )
    if error:
        raise GraphFormatError(path, error_line + 1, _TOKENIZE_ERRORS[error])
    rows = []
    for row in range(n_rows):
        count = min(int(n_fields[row]), _SNIFF_COLUMNS)
        rows.append(
            [buffer[starts[row, k] : stops[row, k]].tobytes().decode("utf-8") for k in range(count)]
        )
    return rows, first_row_at


_TOKENIZE_ERRORS = {
    kernels.UNTERMINATED_QUOTE: "a quoted field does not end on its line",
    kernels.TEXT_AFTER_QUOTE: "text after the closing quote of a field",
}


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
        if isinstance(column, bool) or not 0 <= column < len(layout.column_names):
            raise GraphFormatError(
                path,
                layout.first_data_line,
                f"{what} column {column!r} does not exist; lines have "
                f"{len(layout.column_names)} columns",
            )
        return int(column)

    if weight_col is None and layout.has_header:
        lowered = [name.lower() for name in layout.column_names]
        weight_col = layout.column_names[lowered.index("weight")] if "weight" in lowered else None
    return (
        position("source", source_col),
        position("target", target_col),
        None if weight_col is None else position("weight", weight_col),
    )


# ---------------------------------------------------------------- the body


@dataclass
class _Chunk:
    """One chunk's edges, or the first error in it (line counted from the chunk's start)."""

    n_lines: int
    src: np.ndarray | pa.Array | None = None
    dst: np.ndarray | pa.Array | None = None
    weights: np.ndarray | None = None
    error_line: int = -1
    error: str = ""


def _parse(path: Path, compression, layout: _Layout, columns, ids: str):
    threads = max(1, numba.get_num_threads())
    chunks: list[_Chunk] = []
    first_line = 0

    def collect(chunk: _Chunk) -> None:
        nonlocal first_line
        if chunk.error:
            raise GraphFormatError(path, first_line + chunk.error_line + 1, chunk.error)
        first_line += chunk.n_lines
        chunks.append(chunk)

    # A file of one chunk (most files) is parsed in this thread: starting a pool
    # would cost more than the parse.
    offset = 0
    waiting: tuple | None = None
    pending: list = []
    pool: ThreadPoolExecutor | None = None
    try:
        for buffer, end in _chunks(path, compression):
            start = 3 if offset == 0 and buffer[:3].tobytes() == _BOM else 0
            job = (path, buffer, start, end, offset, layout, columns, ids)
            offset += end
            if pool is None and waiting is None:
                waiting = job
                continue
            if pool is None:
                pool = ThreadPoolExecutor(threads)
                pending.append(pool.submit(_parse_chunk, *waiting))
            pending.append(pool.submit(_parse_chunk, *job))
            if len(pending) > threads:
                collect(pending.pop(0).result())
        if pool is None and waiting is not None:
            collect(_parse_chunk(*waiting))
        for future in pending:
            collect(future.result())
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    if not any(len(chunk.src) for chunk in chunks):
        raise GraphFormatError(path, None, "no edges: the file has a header but no data lines")
    return _combine(chunks, ids, columns[2] is not None)


def _parse_chunk(path, buffer, start, end, offset, layout: _Layout, columns, ids) -> _Chunk:
    src_col, dst_col, weight_col = columns
    n_needed = max(c for c in columns if c is not None) + 1
    # Every data row ends at a line end, or at the chunk's end.
    body = buffer[start:end]
    max_rows = int(np.count_nonzero(body == kernels.LF) + np.count_nonzero(body == kernels.CR)) + 1
    starts = np.empty((max_rows, n_needed), dtype=np.int32)
    stops = np.empty_like(starts)
    dialect = layout.dialect
    skip_at = layout.header_at - offset if layout.header_at >= offset else -1
    n_rows, n_lines, _, error, error_line, row_lines, n_fields = kernels.tokenize(
        buffer,
        start,
        end,
        dialect.blank_separated,
        dialect.delimiter,
        dialect.is_comment,
        n_needed,
        skip_at,
        starts,
        stops,
    )
    utf8_error = _utf8_error(path, buffer, start, end)
    if utf8_error is not None and (not error or utf8_error[0] <= error_line):
        return _Chunk(n_lines, error_line=utf8_error[0], error=utf8_error[1])
    if error == kernels.TOO_FEW_FIELDS:
        found = int(n_fields[n_rows])
        return _Chunk(
            n_lines,
            error_line=error_line,
            error=f"expected at least {n_needed} columns, found {found}: "
            f"{_line_text(buffer, start, end, error_line)!r}",
        )
    if error:
        return _Chunk(n_lines, error_line=error_line, error=_TOKENIZE_ERRORS[error])

    def field(row: int, column: int) -> str:
        return buffer[starts[row, column] : stops[row, column]].tobytes().decode("utf-8")

    lengths = stops[:n_rows] - starts[:n_rows]
    empty = np.flatnonzero((lengths[:, [c for c in columns if c is not None]] == 0).any(axis=1))
    if empty.size:
        row = int(empty[0])
        what = "weight" if weight_col is not None and lengths[row, weight_col] == 0 else "node id"
        return _Chunk(n_lines, error_line=int(row_lines[row]), error=f"{what} is empty")

    weights = None
    if weight_col is not None:
        weights, bad = _parse_weights(buffer, starts, stops, n_rows, weight_col)
        if bad is not None:
            row, reason = bad
            return _Chunk(
                n_lines,
                error_line=int(row_lines[row]),
                error=f"weight {field(row, weight_col)!r} {reason}",
            )

    ends = []
    for column in (src_col, dst_col):
        values = None
        if ids != "str":
            mode = kernels.LENIENT if ids == "int" else kernels.CANONICAL
            parsed, bad_row = kernels.parse_ids(buffer, starts, stops, n_rows, column, mode)
            if bad_row < 0:
                values = parsed
            elif ids == "int":
                token = field(bad_row, column)
                reason = (
                    "is outside the int64 range"
                    if re.fullmatch(r"[+-]?[0-9]+", token)
                    else "is not an integer"
                )
                return _Chunk(
                    n_lines, error_line=int(row_lines[bad_row]), error=f"node id {token!r} {reason}"
                )
        if values is None:
            offsets, data = kernels.gather_text(buffer, starts, stops, n_rows, column)
            values = pa.Array.from_buffers(
                pa.large_string(), n_rows, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
            )
        ends.append(values)
    return _Chunk(n_lines, ends[0], ends[1], weights)


def _utf8_error(path, buffer, start, end) -> tuple[int, str] | None:
    try:
        _check_utf8(path, buffer, start, end, 0)
    except GraphFormatError as error:
        return error.line - 1, error.reason
    return None


def _line_text(buffer, start, end, line: int) -> str:
    lines = _LINE_END.split(buffer[start:end].tobytes().decode("utf-8", "replace"))
    return lines[line][:80] if line < len(lines) else ""


def _parse_weights(buffer, starts, stops, n_rows, column):
    """Weights as float64, or ``(None, (row, reason))`` for the first bad one."""
    offsets, data = kernels.gather_text(buffer, starts, stops, n_rows, column)
    text = pa.Array.from_buffers(
        pa.large_string(), n_rows, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    try:
        weights = pc.cast(text, pa.float64()).to_numpy()
    except pa.ArrowInvalid:
        return None, (_first_unparsable(text), "is not a number")
    bad = ~np.isfinite(weights)
    if bad.any():
        return None, (int(np.flatnonzero(bad)[0]), "is not finite")
    negative = weights < 0
    if negative.any():
        return None, (int(np.flatnonzero(negative)[0]), "is negative")
    return weights, None


def _first_unparsable(text: pa.Array) -> int:
    """The first row Arrow cannot cast to float, by bisection (a cast per halving)."""
    low, high = 0, len(text)  # the bad row lies in [low, high)
    while high - low > 1:
        middle = (low + high) // 2
        try:
            pc.cast(text.slice(low, middle - low), pa.float64())
        except pa.ArrowInvalid:
            high = middle
        else:
            low = middle
    return low


def _combine(chunks: list[_Chunk], ids: str, weighted: bool):
    as_text = ids == "str" or any(
        isinstance(values, pa.Array) for chunk in chunks for values in (chunk.src, chunk.dst)
    )
    if as_text:
        # Every int here printed back as written (CANONICAL), so its text is the id.
        def text(values):
            if isinstance(values, pa.Array):
                return values
            return pa.array(values).cast(pa.large_string())

        src = pa.chunked_array([text(c.src) for c in chunks], type=pa.large_string())
        dst = pa.chunked_array([text(c.dst) for c in chunks], type=pa.large_string())
    else:
        src = np.concatenate([c.src for c in chunks])
        dst = np.concatenate([c.dst for c in chunks])
    weights = np.concatenate([c.weights for c in chunks]) if weighted else None
    return src, dst, weights
