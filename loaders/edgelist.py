"""Reading text edge lists: whitespace, CSV and TSV, SNAP, KONECT, Gephi; compressed or not.

One tokenizer (:mod:`loaders._edgelist_kernels`) applies the reading contract
written in :func:`read_edgelist` to every file: there is no fast path with
rules of its own beside a slow exact one. The head is sniffed
(:mod:`loaders._sniff`), then the file is streamed in chunks cut at line ends
(:mod:`loaders._text`); chunks are tokenized in parallel (the kernels release
the GIL) and their ids, weights and errors are checked in file order, so an
error names the first bad line of the file.
"""

from __future__ import annotations

import os
import re
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numba
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from checks import check_choice
from loaders import _edgelist_kernels as kernels
from loaders import _text as text
from loaders._sniff import (
    ENDPOINT_NAMES,
    TOKENIZE_ERRORS,
    Layout,
    choose_columns,
    sniff,
    tokenize,
)
from loaders.errors import GraphFormatError
from loaders.graph import Graph

COMPRESSION = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd", ".zstd": "zstd"}
__all__ = ["COMPRESSION", "ENDPOINT_NAMES", "read_edgelist"]


def read_edgelist(
    path: str | os.PathLike,
    *,
    directed: bool | None = None,
    delimiter: str | None = None,
    comments: str = "#%",
    header: bool | str = "auto",
    source_col: int | str = 0,
    target_col: int | str = 1,
    weight_col: int | str | None = "auto",
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
    - **Weights.** ``weight_col="auto"`` takes what a KONECT header says, else
      a header column named like a weight (``weight``, ``Weight``, ``value``...),
      else a third column that is a number on every line sniffed (as igraph's
      NCOL and networkx's ``read_weighted_edgelist`` read it). A third column
      of Unix-time-like integers, or one a header calls ``time``/``timestamp``,
      is ignored with a warning; one numeric on most lines but not all is an
      error naming the first line that is not. A weight is a number as Arrow
      parses it (``1``, ``0.5``, ``1e-3``), finite and ≥ 0.
    - **Direction.** ``directed=None`` lets the file decide: KONECT's ``asym``
      header, or Gephi's ``Type`` column (``Directed``/``Undirected`` per row;
      mixed rows give a directed graph with each undirected row both ways, and
      a warning); otherwise undirected.
    - **KONECT.** A first line ``% sym|asym|bip <weights>`` sets direction and
      weights; a ``% m n1 n2`` line is checked against the edges read, and
      nodes ``1..n`` are all kept (isolated ones too); in a ``bip`` file the
      right-hand side is numbered after the left.

    What the reader decided (the weight column, the direction, what it
    ignored) is in ``graph.provenance`` and shows in ``repr``.

    Every error is a :class:`GraphFormatError` naming the file and, where one is
    to blame, the line.

    Parameters
    ----------
    path : path-like
        A text file, optionally compressed (``.gz``, ``.bz2``, ``.zst``).
    directed : bool, optional
        Keep edge direction (SNAP's directed graphs need ``directed=True``). None
        lets a KONECT header or a Gephi ``Type`` column decide, else undirected.
    delimiter : str, optional
        One ASCII character; ``" "`` means runs of blanks. Sniffed by default.
    comments : str
        ASCII characters that start a comment line.
    header : bool or "auto"
        Whether the first data line holds column names.
    source_col, target_col : int or str
        Columns of the edge endpoints, by position or header name.
    weight_col : int, str, "auto" or None
        Column of edge weights, by position or header name; "auto" as above;
        None reads no weights.
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
    named_columns = (source_col, target_col, None if weight_col == "auto" else weight_col)
    if header == "auto" and any(isinstance(c, str) for c in named_columns):
        header = True  # columns named by the header
    compression = COMPRESSION.get(path.suffix.lower())
    layout = sniff(path, compression, delimiter, comments, header, (source_col, target_col))
    columns = choose_columns(path, layout, source_col, target_col, weight_col)
    src, dst, weights, types = _parse(path, compression, layout, columns, ids)
    directed, src, dst, weights = _direction(path, layout, directed, types, src, dst, weights)
    nodes = _konect_nodes(path, layout, src, dst, len(src))
    graph = Graph.from_edges(
        src,
        dst,
        weights,
        directed=directed,
        self_loops=self_loops,
        merge=merge,
        nodes=nodes,
        name=name or _stem(path),
    )
    graph.provenance = {"file": str(path), **layout.notes}
    return graph


def _stem(path: Path) -> str:
    name = path.name
    if path.suffix.lower() in COMPRESSION:
        name = name[: -len(path.suffix)]
    return name.rsplit(".", 1)[0] if "." in name else name


def _direction(path, layout: Layout, directed, types, src, dst, weights):
    """Direction from the caller, else a KONECT header or a Gephi ``Type`` column, else none."""
    if directed is not None:
        return bool(directed), src, dst, weights
    if layout.konect is not None:
        layout.notes["direction"] = f"KONECT header ({layout.konect.structure})"
        return layout.konect.structure == "asym", src, dst, weights
    if types is None:
        return False, src, dst, weights
    undirected = np.asarray(pc.equal(pc.utf8_lower(types), "undirected"))
    if undirected.all():
        layout.notes["direction"] = "Type column: Undirected"
        return False, src, dst, weights
    layout.notes["direction"] = "Type column: Directed"
    if undirected.any():
        # Gephi's mixed graphs: an undirected row is an arc each way.
        count = int(undirected.sum())
        layout.notes["direction"] = (
            f"Type column: mixed; {count:,} undirected rows read as arcs both ways"
        )
        warnings.warn(
            f"{path}: {count:,} of {len(undirected):,} rows are Undirected and the rest "
            "Directed; read as a directed graph with each undirected row in both directions",
            UserWarning,
            stacklevel=3,
        )
        rows = np.flatnonzero(undirected)
        src, dst = _append(src, dst, rows), _append(dst, src, rows)
        if weights is not None:
            weights = np.concatenate([weights, weights[rows]])
    return True, src, dst, weights


def _append(values, extra_from, rows: np.ndarray):
    if isinstance(values, np.ndarray):
        return np.concatenate([values, np.asarray(extra_from)[rows]])
    return pa.chunked_array(
        [*values.chunks, pa.chunked_array(extra_from).take(pa.array(rows)).combine_chunks()]
    )


def _konect_nodes(path, layout: Layout, src, dst, n_rows: int):
    """KONECT's declared sizes, checked; its nodes 1..n (isolated ones too) as labels."""
    konect = layout.konect
    if konect is None or konect.n_edges is None:
        return None
    if n_rows != konect.n_edges:
        raise GraphFormatError(
            path,
            konect.size_line,
            f"the KONECT header declares {konect.n_edges:,} edges; the file has {n_rows:,}",
        )
    if not isinstance(src, np.ndarray):
        raise GraphFormatError(path, konect.size_line, "KONECT node ids must be integers")
    n_nodes = konect.n_left + (konect.n_right if konect.structure == "bip" else 0)
    if konect.structure == "bip":
        dst += konect.n_left  # the two sides number their nodes separately, from 1
        layout.notes["bipartite"] = f"right-hand nodes numbered from {konect.n_left + 1}"
    low = min(src.min(initial=1), dst.min(initial=1))
    high = max(src.max(initial=1), dst.max(initial=1))
    if low < 1 or high > n_nodes:
        raise GraphFormatError(
            path,
            konect.size_line,
            f"the KONECT header declares nodes 1..{n_nodes:,}; the file uses "
            f"{low if low < 1 else high:,}",
        )
    return np.arange(1, n_nodes + 1, dtype=np.int64)


# ---------------------------------------------------------------- the body


@dataclass
class _Chunk:
    """One chunk's edges, or the first error in it (line counted from the chunk's start)."""

    n_lines: int
    src: np.ndarray | pa.Array | None = None
    dst: np.ndarray | pa.Array | None = None
    weights: np.ndarray | None = None
    types: pa.Array | None = None  # Gephi's per-row Directed/Undirected
    error_line: int = -1
    error: str = ""


def _parse(path: Path, compression, layout: Layout, columns, ids: str):
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
        for buffer, end in text.chunks(path, compression):
            start = 3 if offset == 0 and buffer[:3].tobytes() == text.BOM else 0
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
    return _combine(chunks, ids, columns[2] is not None, columns[3] is not None)


def _parse_chunk(path, buffer, start, end, offset, layout: Layout, columns, ids) -> _Chunk:
    src_col, dst_col, weight_col, type_col = columns
    n_needed = max(c for c in columns if c is not None) + 1
    # Every data row ends at a line end, or at the chunk's end.
    body = buffer[start:end]
    max_rows = int(np.count_nonzero(body == kernels.LF) + np.count_nonzero(body == kernels.CR)) + 1
    starts = np.empty((max_rows, n_needed), dtype=np.int32)
    stops = np.empty_like(starts)
    skip_at = layout.header_at - offset if layout.header_at >= offset else -1
    n_rows, n_lines, _, error, error_line, row_lines, n_fields = tokenize(
        buffer, start, end, layout.dialect, n_needed, skip_at, starts, stops
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
        return _Chunk(n_lines, error_line=error_line, error=TOKENIZE_ERRORS[error])

    def field(row: int, column: int) -> str:
        return buffer[starts[row, column] : stops[row, column]].tobytes().decode("utf-8")

    lengths = stops[:n_rows] - starts[:n_rows]
    used = [c for c in (src_col, dst_col, weight_col) if c is not None]
    empty = np.flatnonzero((lengths[:, used] == 0).any(axis=1))
    if empty.size:
        row = int(empty[0])
        what = "weight" if weight_col is not None and lengths[row, weight_col] == 0 else "node id"
        return _Chunk(n_lines, error_line=int(row_lines[row]), error=f"{what} is empty")

    weights = None
    if weight_col is not None:
        weights, bad = _parse_weights(buffer, starts, stops, n_rows, weight_col, layout.weight_trim)
        if bad is not None:
            row, reason = bad
            hint = ""
            if "weights" in layout.notes and "column" in layout.notes["weights"]:
                hint = (
                    f" ({layout.notes['weights']} was taken as weights; pass weight_col=None "
                    "to read the edges without them)"
                )
            return _Chunk(
                n_lines,
                error_line=int(row_lines[row]),
                error=f"weight {field(row, weight_col)!r} {reason}{hint}",
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
    types = None
    if type_col is not None:
        offsets, data = kernels.gather_text(buffer, starts, stops, n_rows, type_col)
        types = pa.Array.from_buffers(
            pa.large_string(), n_rows, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
        )
        unknown = pc.invert(pc.is_in(pc.utf8_lower(types), pa.array(["directed", "undirected"])))
        if pc.any(unknown).as_py():
            row = int(pc.index(unknown, True).as_py())
            return _Chunk(
                n_lines,
                error_line=int(row_lines[row]),
                error=f"Type {field(row, type_col)!r} is neither Directed nor Undirected",
            )
    return _Chunk(n_lines, ends[0], ends[1], weights, types)


def _utf8_error(path, buffer, start, end) -> tuple[int, str] | None:
    try:
        text.check_utf8(path, buffer, start, end, 0)
    except GraphFormatError as error:
        return error.line - 1, error.reason
    return None


def _line_text(buffer, start, end, line: int) -> str:
    lines = text.LINE_END.split(buffer[start:end].tobytes().decode("utf-8", "replace"))
    return lines[line][:80] if line < len(lines) else ""


def _parse_weights(buffer, starts, stops, n_rows, column, trim: str = ""):
    """Weights as float64, or ``(None, (row, reason))`` for the first bad one."""
    offsets, data = kernels.gather_text(buffer, starts, stops, n_rows, column)
    text = pa.Array.from_buffers(
        pa.large_string(), n_rows, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    if trim:
        text = pc.utf8_rtrim(text, characters=trim)
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


def _combine(chunks: list[_Chunk], ids: str, weighted: bool, typed: bool):
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
    types = pa.chunked_array([c.types for c in chunks], pa.large_string()) if typed else None
    return src, dst, weights, types
