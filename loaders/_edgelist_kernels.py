"""Numba kernels of the edge-list reader's tokenizer: fields and line starts in raw bytes.

The tokenizer walks raw bytes once and applies the reading contract of
:func:`loaders.edgelist.read_edgelist` itself (blank and comment lines, blanks
around fields, RFC 4180 quotes), so the same rules hold for every file, small or
large, compressed or not, int or string ids: there is no second parser whose
rules could drift from the first. Kernels release the GIL, so the reader runs
them on several chunks of a file at once from a thread pool. What becomes of the
fields (ints, text, weights) is in :mod:`loaders._edgelist_parse_kernels`.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

SPACE, TAB, LF, CR, QUOTE, MINUS, PLUS, ZERO, NINE = 32, 9, 10, 13, 34, 45, 43, 48, 57

#: ``tokenize``'s error codes (0 means no error); the last only without ``may_write``.
UNTERMINATED_QUOTE, TEXT_AFTER_QUOTE, TOO_FEW_FIELDS, NEEDS_UNESCAPE = 1, 2, 3, 4


@njit(nogil=True, cache=True)
def tokenize(
    buf, start, end, blank_separated, delimiter, is_comment, n_needed, skip_at, starts, stops
):
    """Split the lines of ``buf[start:end]`` into fields, recording the first ``n_out`` spans.

    The one tokenizer of the reader: the body's chunks and the sniffed head
    both go through :func:`tokenize_rows`, which this calls.

    Parameters
    ----------
    buf : uint8 array
        Raw UTF-8 text; quoted fields are unescaped in place (``""`` → ``"``).
    blank_separated : bool
        Fields are runs of non-blanks (space, tab); no quoting. Otherwise fields
        are separated by the byte ``delimiter``, trimmed of blanks, and may be quoted.
    is_comment : bool array of 256
        First non-blank bytes that make a line a comment.
    n_needed : int
        A data line with fewer fields is an error.
    skip_at : int
        Offset of a line start whose row is not recorded (the header), or -1.
    starts, stops : int32 arrays, shape (max_rows, n_out)
        Byte spans ``[start, stop)`` of each row's first ``n_out`` fields; -1 where absent.

    Returns
    -------
    (n_rows, n_lines, first_row_at, error, error_line, row_lines, n_fields)
        ``n_lines`` counts line ends (``\\r\\n`` once); ``first_row_at`` is the
        offset of the first data line (-1 if none); ``error`` is 0 or an error
        code, ``error_line`` its 0-based line within the chunk; ``row_lines``
        (int32) is each row's 0-based line and ``n_fields`` its field count.
    """
    result = tokenize_rows(
        buf,
        start,
        end,
        blank_separated,
        delimiter,
        is_comment,
        n_needed,
        skip_at,
        starts,
        stops,
        True,
    )
    return result[:7]


@njit(nogil=True, cache=True)
def tokenize_rows(
    buf,
    start,
    end,
    blank_separated,
    delimiter,
    is_comment,
    n_needed,
    skip_at,
    starts,
    stops,
    may_write,
):
    """:func:`tokenize`, also returning where it stopped, and able to leave ``buf`` as it is.

    It stops at the first data line that ``starts`` has no row left for, and
    returns that line's offset as an eighth value (``end`` when it read
    everything), so a caller can tokenize a chunk a cache-sized tile of rows at
    a time. Without ``may_write`` a quoted field holding ``""`` (which the
    tokenizer would unescape in place) is error :data:`NEEDS_UNESCAPE` instead,
    and ``buf`` is never written.
    """
    max_rows, n_out = starts.shape
    row_lines = np.empty(max_rows, dtype=np.int32)
    n_fields = np.empty(max_rows, dtype=np.int32)
    row = 0
    line = 0
    first_row_at = -1
    pos = start
    while pos < end:
        line_start = pos
        stop = _first_of(buf, pos, end, LF, CR)
        if stop < end:
            crlf = buf[stop] == CR and stop + 1 < end and buf[stop + 1] == LF
            following = stop + 2 if crlf else stop + 1
        else:
            following = end
        first = line_start
        while first < stop and (buf[first] == SPACE or buf[first] == TAB):
            first += 1
        if first == stop or is_comment[buf[first]]:
            pos = following
            line += 1
            continue
        if first_row_at < 0:
            first_row_at = line_start
        if row == max_rows:
            break  # the rows are full: the caller goes on from this line
        if line_start == skip_at:
            pos = following
            line += 1
            continue
        for k in range(n_out):
            starts[row, k] = -1
            stops[row, k] = -1
        count = 0
        i = line_start
        if blank_separated:
            while True:
                while i < stop and (buf[i] == SPACE or buf[i] == TAB):
                    i += 1
                if i >= stop:
                    break
                field_start = i
                i = _first_of(buf, i, stop, SPACE, TAB)
                if count < n_out:
                    starts[row, count] = field_start
                    stops[row, count] = i
                count += 1
        else:
            while True:
                while i < stop and buf[i] != delimiter and (buf[i] == SPACE or buf[i] == TAB):
                    i += 1
                if i < stop and buf[i] == QUOTE:
                    i += 1
                    field_start = i
                    write = i
                    closed = False
                    while i < stop:
                        byte = buf[i]
                        if byte == QUOTE:
                            if i + 1 < stop and buf[i + 1] == QUOTE:
                                if not may_write:
                                    error = NEEDS_UNESCAPE
                                    return (
                                        row,
                                        line,
                                        first_row_at,
                                        error,
                                        line,
                                        row_lines,
                                        n_fields,
                                        line_start,
                                    )
                                buf[write] = QUOTE
                                write += 1
                                i += 2
                                continue
                            closed = True
                            i += 1
                            break
                        if may_write:
                            buf[write] = byte
                        write += 1
                        i += 1
                    if not closed:
                        error = UNTERMINATED_QUOTE
                        return (
                            row,
                            line,
                            first_row_at,
                            error,
                            line,
                            row_lines,
                            n_fields,
                            line_start,
                        )
                    field_stop = write
                    while i < stop and buf[i] != delimiter and (buf[i] == SPACE or buf[i] == TAB):
                        i += 1
                    if i < stop and buf[i] != delimiter:
                        error = TEXT_AFTER_QUOTE
                        return (
                            row,
                            line,
                            first_row_at,
                            error,
                            line,
                            row_lines,
                            n_fields,
                            line_start,
                        )
                else:
                    field_start = i
                    i = _first_of(buf, i, stop, delimiter, delimiter)
                    field_stop = i
                    while field_stop > field_start and (
                        buf[field_stop - 1] == SPACE or buf[field_stop - 1] == TAB
                    ):
                        field_stop -= 1
                if count < n_out:
                    starts[row, count] = field_start
                    stops[row, count] = field_stop
                count += 1
                if i < stop and buf[i] == delimiter:
                    i += 1
                else:
                    break
        if count < n_needed:
            n_fields[row] = count
            error = TOO_FEW_FIELDS
            return row, line, first_row_at, error, line, row_lines, n_fields, line_start
        row_lines[row] = line
        n_fields[row] = count
        row += 1
        pos = following
        line += 1
    if pos >= end and end > start and buf[end - 1] != LF and buf[end - 1] != CR:
        line += 1  # a last line without a line end still counts
    return row, line, first_row_at, 0, -1, row_lines, n_fields, pos


_ONES = np.uint64(0x0101010101010101)
_HIGHS = np.uint64(0x8080808080808080)


@njit(inline="always")
def _first_of(buf, i, stop, first, second):
    """The first offset in ``[i, stop)`` holding byte ``first`` or ``second``, else ``stop``.

    Eight bytes at a time: a byte equal to the target is a zero byte of
    ``word ^ target``, which the borrow of ``x - 0x01...01`` flags in its high
    bit (flags above the lowest true one may be false; the lowest is exact).
    Finding line ends so takes a third of the time a byte loop does.
    """
    firsts = _ONES * np.uint64(first)
    seconds = _ONES * np.uint64(second)
    while i + 8 <= stop:
        word = _load_u64(buf, i)
        a = word ^ firsts
        b = word ^ seconds
        found = ((a - _ONES) & ~a | (b - _ONES) & ~b) & _HIGHS
        if found:
            return i + np.int64(_trailing_zeros(found) >> np.uint64(3))
        i += 8
    while i < stop and buf[i] != first and buf[i] != second:
        i += 1
    return i


@intrinsic
def _trailing_zeros(typingctx, word):
    """The number of trailing zero bits of a non-zero uint64 (LLVM's cttz)."""
    signature = types.uint64(types.uint64)

    def codegen(context, builder, sig, args):
        function = builder.module.declare_intrinsic("llvm.cttz", [ir.IntType(64), ir.IntType(1)])
        return builder.call(function, [args[0], ir.Constant(ir.IntType(1), 1)])

    return signature, codegen


@intrinsic
def _load_u64(typingctx, array, index):
    """The 8 bytes of a contiguous uint8 array from ``index`` as one little-endian
    uint64 (an unaligned load; the caller keeps ``index + 8`` within the array)."""
    if not (
        isinstance(array, types.Array)
        and array.dtype == types.uint8
        and array.ndim == 1
        and array.layout == "C"
    ):
        return None
    signature = types.uint64(array, index)

    def codegen(context, builder, sig, args):
        data = context.make_array(sig.args[0])(context, builder, args[0]).data
        pointer = builder.bitcast(builder.gep(data, [args[1]]), ir.IntType(64).as_pointer())
        return builder.load(pointer, align=1)

    return signature, codegen


@njit(nogil=True, cache=True)
def next_line_start(buf, position, n, at_eof):
    """The first line start at or after ``position`` in ``buf[:n]``; -1 to read further.

    A line starts after ``\\n``, after a ``\\r`` not followed by ``\\n``, and at
    the end of the file (``at_eof``: ``buf[:n]`` reaches it). ``position`` ≥ 1
    (offset 0 of a file is a line start the caller knows).
    """
    for k in range(position - 1, n):
        byte = buf[k]
        if byte == LF:
            return k + 1
        if byte == CR:
            if k + 1 < n:
                return k + 2 if buf[k + 1] == LF else k + 1
            return k + 1 if at_eof else -1
    return n if at_eof else -1
