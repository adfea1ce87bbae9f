"""Text files as raw bytes: streamed in chunks cut at line ends, compressed or not.

The edge-list reader tokenizes bytes, not decoded strings, so these helpers keep
track of what a line is (``\\n``, ``\\r\\n`` or ``\\r``) and check that text is
UTF-8 without decoding it into Python objects.
"""

from __future__ import annotations

import mmap
import os
import re
import threading
from pathlib import Path

import numpy as np
import pyarrow as pa

from loaders._edgelist_kernels import next_line_start
from loaders.errors import GraphFormatError

BOM = b"\xef\xbb\xbf"
LINE_END = re.compile(r"\r\n|\r|\n")
#: Bytes read per chunk; the reader tokenizes chunks on every core (4 MiB: a 1M-edge
#: file already spans both cores, and each chunk's spans stay in cache).
CHUNK_BYTES = 4 << 20


def chunks(path: Path, compression: str | None):
    """Yield ``(buffer, end)``: writable uint8 arrays whose first ``end`` bytes are whole lines."""
    chunk_bytes = CHUNK_BYTES
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
                reason = f"cannot read {what(compression)}: {error}"
                raise GraphFormatError(path, None, reason) from None
            if not block:
                if carry:
                    yield np.frombuffer(bytearray(carry), dtype=np.uint8), len(carry)
                return
            data = bytearray(carry)
            data += block
            cut = last_line_end(data)
            carry = bytes(data[cut:])
            if cut:
                yield np.frombuffer(data, dtype=np.uint8), cut


def spans(size: int) -> list[tuple[int, int]]:
    """A plain file's nominal chunks ``[a, b)`` of :data:`CHUNK_BYTES`; :func:`read_chunk`
    moves each end to a line start, so that the chunks read share no line."""
    step = max(CHUNK_BYTES, 1)
    return [(a, min(a + step, size)) for a in range(0, size, step)]


_scratch = threading.local()
#: Bytes read past a chunk's nominal end to find the end of its last line (more if need be).
_OVERHANG = 1 << 16


def read_chunk(
    path: Path, fd: int, span: tuple[int, int], size: int
) -> tuple[np.ndarray, int, int, int]:
    """The lines that start in ``span`` of a plain file: ``(buffer, start, end, offset)``.

    ``buffer[start:end]`` holds them and ``buffer[i]`` is the file's byte
    ``offset + i``. A line belongs to the span its first byte lies in, so
    neighbouring spans, each read on its own thread, agree on their border
    without talking to each other. The buffer is this thread's and is reused by
    its next call; ``os.preadv`` fills it without holding the GIL.
    """
    nominal_start, nominal_end = span
    offset = max(nominal_start - 1, 0)
    overhang = _OVERHANG
    while True:
        stop = min(nominal_end + overhang, size)
        buffer = _read_into_scratch(path, fd, offset, stop - offset)
        n, at_eof = buffer.shape[0], stop == size
        start = 0
        if nominal_start:
            start = next_line_start(buffer, nominal_start - offset, n, at_eof)
        end = next_line_start(buffer, nominal_end - offset, n, at_eof) if start >= 0 else -1
        if start >= 0 and end >= 0:
            return buffer, start, max(start, end), offset
        overhang *= 4  # a line longer than the overhang: read further


def _read_into_scratch(path: Path, fd: int, offset: int, length: int) -> np.ndarray:
    scratch = getattr(_scratch, "buffer", None)
    if scratch is None or scratch.shape[0] < length:
        scratch = np.frombuffer(mmap.mmap(-1, max(length, 2 * CHUNK_BYTES)), dtype=np.uint8)
        _scratch.buffer = scratch
    view = memoryview(scratch)[:length]
    filled = 0
    while filled < length:
        try:
            got = os.preadv(fd, [view[filled:]], offset + filled)
        except OSError as error:
            raise GraphFormatError(path, None, f"cannot read the file: {error}") from None
        if got == 0:
            raise GraphFormatError(path, None, "the file shrank while it was read")
        filled += got
    return scratch[:length]


def what(compression: str | None) -> str:
    return f"{compression} data" if compression else "the file"


def last_line_end(data: bytearray) -> int:
    """Offset just after the last complete line (0 when there is none yet)."""
    end = len(data)
    if data.endswith(b"\r"):
        end -= 1  # a "\n" may follow in the next block: keep "\r\n" together
    return max(data.rfind(b"\n", 0, end), data.rfind(b"\r", 0, end)) + 1


def head(path: Path, compression: str | None, size: int) -> tuple[np.ndarray, int, bool]:
    """The whole lines among the first ``size`` bytes, and whether that is the whole file."""
    try:
        with pa.input_stream(str(path), compression=compression) as stream:
            data = bytearray(stream.read(size))
    except (OSError, pa.ArrowException, EOFError) as error:
        raise GraphFormatError(path, None, f"cannot read {what(compression)}: {error}") from None
    whole_file = len(data) < size
    end = len(data) if whole_file else last_line_end(data)
    return np.frombuffer(data, dtype=np.uint8), end, whole_file


def check_utf8(path: Path, buffer: np.ndarray, start: int, end: int, first_line: int) -> None:
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
            line = first_line + lines_before(buffer, start, start + error.start)
            raise GraphFormatError(path, line + 1, f"not UTF-8 text ({error.reason})") from None
        raise


def lines_before(buffer: np.ndarray, start: int, position: int) -> int:
    """Line ends (``\\r\\n`` once) in ``buffer[start:position]``."""
    text = buffer[start:position].tobytes()
    return text.count(b"\n") + text.count(b"\r") - text.count(b"\r\n")
