"""The body of a text edge list, parsed in chunks on several threads.

:func:`loaders.edgelist.read_edgelist` sniffs the head (:mod:`loaders._sniff`)
and hands the body here, to :func:`parse_body`. The body is read in chunks cut
at line starts: a plain file's chunks by the threads that parse them (each
reads its own span of the file, :func:`loaders._text.read_chunk`), a compressed
file's as they are decompressed (:mod:`loaders._text`). Chunks are parsed in
parallel (the kernels release the GIL) and their ids, weights and errors are
collected in file order, so an error names the first bad line of the file.

A chunk of plain int ids goes through the tokenizer a cache-sized tile of rows
at a time straight into int arrays (``int_edges`` of
:mod:`loaders._edgelist_parse_kernels`); at the first thing that needs more (a
byte that is not ASCII, an id that is not an integer, a weight, a quote to
unescape, an error to report) it hands the chunk, unread, to the path that
builds text columns, which the same tokenizer and id parser serve. On the
100M-edge R-MAT file of issue #28 (1.58 GB) the parse reads about 380 MB/s on
one core (``pyarrow.csv.read_csv``: about 100, most of it faulting in memory),
and the build of the graph (:func:`loaders._build.build_csr`) writes its output
over the parsed ids (``python -m benchmarks.load --sizes 100M``).

It is a module of its own, apart from the reader's options and whole-file
decisions in :mod:`loaders.edgelist`, because it is the part tuned for speed:
threads, scratch buffers and a fast path that must keep the contract exactly.
"""

from __future__ import annotations

import itertools
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numba
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from loaders import _edgelist_parse_kernels as kernels
from loaders import _text as text
from loaders._build import fresh_array
from loaders._edgelist_kernels import CR, LF, TOO_FEW_FIELDS
from loaders._sniff import TOKENIZE_ERRORS, Layout, tokenize
from loaders.errors import GraphFormatError


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


def parse_body(path: Path, compression, layout: Layout, columns, ids: str):
    """``(src, dst, weights, types)`` of the body's data lines, chunks parsed on threads.

    A :class:`GraphFormatError` names the first bad line of the file.
    """
    threads = max(1, numba.get_num_threads())
    chunks: list[_Chunk] = []
    first_line = 0

    def collect(chunk: _Chunk) -> None:
        nonlocal first_line
        if chunk.error:
            raise GraphFormatError(path, first_line + chunk.error_line + 1, chunk.error)
        first_line += chunk.n_lines
        chunks.append(chunk)

    with _Source(path, compression) as source:
        jobs = source.jobs()
        # A file of one chunk (most files) is parsed in this thread: starting a
        # pool would cost more than the parse.
        first = next(jobs, None)
        second = next(jobs, None) if first is not None else None
        if second is None:
            if first is not None:
                collect(_job(source, first, layout, columns, ids))
        else:
            with ThreadPoolExecutor(threads) as pool:
                pending = []
                try:
                    for job in itertools.chain((first, second), jobs):
                        pending.append(pool.submit(_job, source, job, layout, columns, ids))
                        if len(pending) > 2 * threads:
                            collect(pending.pop(0).result())
                    for future in pending:
                        collect(future.result())
                finally:
                    for future in pending:
                        future.cancel()
    if not any(len(chunk.src) for chunk in chunks):
        raise GraphFormatError(path, None, "no edges: the file has a header but no data lines")
    return _combine(chunks, ids, columns[2] is not None, columns[3] is not None)


class _Source:
    """A file's chunks: a plain file's are read by the threads that parse them, at
    offsets cut at line starts; a compressed file's are decompressed in this thread."""

    def __init__(self, path: Path, compression) -> None:
        self.path = path
        self.compression = compression
        self.fd = -1
        self.size = 0

    def __enter__(self) -> _Source:
        if self.compression is None:
            try:
                self.fd = os.open(self.path, os.O_RDONLY)
                self.size = os.fstat(self.fd).st_size
            except OSError as error:
                raise GraphFormatError(self.path, None, f"cannot open: {error}") from None
        return self

    def __exit__(self, *exc) -> None:
        if self.fd >= 0:
            os.close(self.fd)

    def jobs(self):
        """Nominal spans of a plain file, else ``(buffer, end, offset)`` of decompressed text."""
        if self.compression is None:
            yield from text.spans(self.size)
            return
        offset = 0
        for buffer, end in text.chunks(self.path, self.compression):
            yield buffer, end, offset
            offset += end

    def read(self, job) -> tuple[np.ndarray, int, int, int]:
        """``(buffer, start, end, offset)``: the job's lines are ``buffer[start:end]``,
        and ``buffer[0]`` is the text's byte ``offset``."""
        if self.compression is None:
            buffer, start, end, offset = text.read_chunk(self.path, self.fd, job, self.size)
        else:
            buffer, end, offset = job
            start = 0
        if offset == 0 and start == 0 and buffer[:3].tobytes() == text.BOM:
            start = min(3, end)
        return buffer, start, end, offset


_scratch = threading.local()


def _job(source: _Source, job, layout: Layout, columns, ids) -> _Chunk:
    """One chunk's edges: ints straight from the tokenizer when that is all it holds,
    else (text ids, weights, a Gephi type column, anything to report) the exact path."""
    buffer, start, end, offset = source.read(job)
    src_col, dst_col, weight_col, type_col = columns
    if ids != "str" and weight_col is None and type_col is None:
        rows = (end - start + 1) // 2 + 1  # a row takes a byte and a line end, but the last
        out = getattr(_scratch, "ids", None)
        if out is None or out.shape[1] < rows:
            out = _scratch.ids = fresh_array((2, max(rows, 1 << 20)), np.int64)
        dialect = layout.dialect
        status, n_rows, n_lines, low, high = kernels.int_edges(
            buffer,
            start,
            end,
            dialect.blank_separated,
            dialect.delimiter,
            dialect.is_comment,
            max(src_col, dst_col) + 1,
            _skip_at(layout, offset),
            src_col,
            dst_col,
            kernels.LENIENT if ids == "int" else kernels.CANONICAL,
            out[0],
            out[1],
        )
        if status == 0:
            dtype = np.int32 if n_rows == 0 or (low >= 0 and high < 2**31) else np.int64
            return _Chunk(n_lines, out[0, :n_rows].astype(dtype), out[1, :n_rows].astype(dtype))
    chunk = _parse_chunk(source.path, buffer, start, end, offset, layout, columns, ids)
    for side in ("src", "dst"):
        values = getattr(chunk, side)
        if isinstance(values, np.ndarray) and values.size:
            if values.min() >= 0 and values.max() < 2**31:
                setattr(chunk, side, values.astype(np.int32))
    return chunk


def _skip_at(layout: Layout, offset: int) -> int:
    """The header line's offset within a chunk whose first byte is the text's ``offset``."""
    return layout.header_at - offset if layout.header_at >= offset else -1


def _parse_chunk(path, buffer, start, end, offset, layout: Layout, columns, ids) -> _Chunk:
    src_col, dst_col, weight_col, type_col = columns
    n_needed = max(c for c in columns if c is not None) + 1
    # Every data row ends at a line end, or at the chunk's end.
    body = buffer[start:end]
    max_rows = int(np.count_nonzero(body == LF) + np.count_nonzero(body == CR)) + 1
    starts = np.empty((max_rows, n_needed), dtype=np.int32)
    stops = np.empty_like(starts)
    n_rows, n_lines, _, error, error_line, row_lines, n_fields = tokenize(
        buffer, start, end, layout.dialect, n_needed, _skip_at(layout, offset), starts, stops
    )
    utf8_error = _utf8_error(path, buffer, start, end)
    if utf8_error is not None and (not error or utf8_error[0] <= error_line):
        return _Chunk(n_lines, error_line=utf8_error[0], error=utf8_error[1])
    if error == TOO_FEW_FIELDS:
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


def _stack(sources: list[np.ndarray], targets: list[np.ndarray]):
    """The chunks' int ids as the two rows of one array, copied on every core.

    One block, so that the CSR build can write its output over it once the ids
    are read (:func:`loaders._build.build_csr`'s ``spare``).
    """
    dtype = np.result_type(*sources, *targets)
    ends = np.cumsum([0] + [len(values) for values in sources])
    both = fresh_array((2, int(ends[-1])), dtype)

    def put(k: int) -> None:
        both[0, ends[k] : ends[k + 1]] = sources[k]
        both[1, ends[k] : ends[k + 1]] = targets[k]

    if len(sources) == 1:
        put(0)
    else:
        with ThreadPoolExecutor(max(1, numba.get_num_threads())) as pool:
            list(pool.map(put, range(len(sources))))
    return both[0], both[1]


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
        src, dst = _stack([c.src for c in chunks], [c.dst for c in chunks])
    weights = np.concatenate([c.weights for c in chunks]) if weighted else None
    types = pa.chunked_array([c.types for c in chunks], pa.large_string()) if typed else None
    return src, dst, weights, types
