"""Numba kernels of the edge-list reader: one tokenizer for every dialect, id parsing, gathers.

The tokenizer walks raw bytes once and applies the reading contract of
:func:`loaders.edgelist.read_edgelist` itself (blank and comment lines, blanks
around fields, RFC 4180 quotes), so the same rules hold for every file, small or
large, compressed or not, int or string ids: there is no second parser whose
rules could drift from the first. Kernels release the GIL, so the reader runs
them on several chunks of a file at once from a thread pool.
"""

from __future__ import annotations

import numpy as np
from numba import njit

SPACE, TAB, LF, CR, QUOTE, MINUS, PLUS, ZERO, NINE = 32, 9, 10, 13, 34, 45, 43, 48, 57

#: ``tokenize``'s error codes (0 means no error).
UNTERMINATED_QUOTE, TEXT_AFTER_QUOTE, TOO_FEW_FIELDS = 1, 2, 3

#: ``parse_ids``'s modes: canonical decimals only ("auto"), or any ASCII decimal ("int").
CANONICAL, LENIENT = 0, 1

# Parsing accumulates negatively, so -2**63 fits: a value below _CUTOFF, or at it
# with a last digit above _CUTLIM, would leave int64.
_CUTOFF = np.int64(-922337203685477580)
_CUTLIM = 8
_INT64_MIN = np.int64(-9223372036854775807 - 1)


@njit(nogil=True, cache=True)
def tokenize(
    buf, start, end, blank_separated, delimiter, is_comment, n_needed, skip_at, starts, stops
):
    """Split the lines of ``buf[start:end]`` into fields, recording the first ``n_out`` spans.

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
    max_rows, n_out = starts.shape
    row_lines = np.empty(max_rows, dtype=np.int32)
    n_fields = np.empty(max_rows, dtype=np.int32)
    row = 0
    line = 0
    first_row_at = -1
    pos = start
    while pos < end:
        line_start = pos
        stop = pos
        while stop < end and buf[stop] != LF and buf[stop] != CR:
            stop += 1
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
            break  # only when sampling the head: a chunk's caller counts its lines first
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
                while i < stop and buf[i] != SPACE and buf[i] != TAB:
                    i += 1
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
                                buf[write] = QUOTE
                                write += 1
                                i += 2
                                continue
                            closed = True
                            i += 1
                            break
                        buf[write] = byte
                        write += 1
                        i += 1
                    if not closed:
                        error = UNTERMINATED_QUOTE
                        return row, line, first_row_at, error, line, row_lines, n_fields
                    field_stop = write
                    while i < stop and buf[i] != delimiter and (buf[i] == SPACE or buf[i] == TAB):
                        i += 1
                    if i < stop and buf[i] != delimiter:
                        error = TEXT_AFTER_QUOTE
                        return row, line, first_row_at, error, line, row_lines, n_fields
                else:
                    field_start = i
                    while i < stop and buf[i] != delimiter:
                        i += 1
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
            return row, line, first_row_at, TOO_FEW_FIELDS, line, row_lines, n_fields
        row_lines[row] = line
        n_fields[row] = count
        row += 1
        pos = following
        line += 1
    if pos >= end and end > start and buf[end - 1] != LF and buf[end - 1] != CR:
        line += 1  # a last line without a line end still counts
    return row, line, first_row_at, 0, -1, row_lines, n_fields


@njit(nogil=True, cache=True)
def parse_ids(buf, starts, stops, n_rows, column, mode):
    """Integer values of one column's fields; stops at the first field that is not one.

    ``CANONICAL`` accepts ``0`` or ``-?[1-9][0-9]*`` (text that an int prints back
    to exactly), ``LENIENT`` any ``[+-]?[0-9]+``; both only within int64.

    Returns ``(values, first_bad_row)`` with ``first_bad_row`` -1 when all parsed.
    """
    values = np.empty(n_rows, dtype=np.int64)
    for row in range(n_rows):
        i = starts[row, column]
        stop = stops[row, column]
        negative = False
        if i < stop and (buf[i] == MINUS or (mode == LENIENT and buf[i] == PLUS)):
            negative = buf[i] == MINUS
            i += 1
        if i >= stop:
            return values, row
        if mode == CANONICAL and buf[i] == ZERO and (stop - i > 1 or negative):
            return values, row  # leading zeros and -0 do not print back as written
        value = np.int64(0)
        for k in range(i, stop):
            digit = buf[k] - ZERO
            if digit < 0 or digit > 9:
                return values, row
            if value < _CUTOFF or (value == _CUTOFF and digit > _CUTLIM):
                return values, row
            value = value * 10 - digit
        if not negative:
            if value == _INT64_MIN:
                return values, row
            value = -value
        values[row] = value
    return values, -1


@njit(nogil=True, cache=True)
def gather_text(buf, starts, stops, n_rows, column):
    """One column's fields packed as Arrow string buffers: (int64 offsets, bytes)."""
    offsets = np.empty(n_rows + 1, dtype=np.int64)
    offsets[0] = 0
    for row in range(n_rows):
        offsets[row + 1] = offsets[row] + (stops[row, column] - starts[row, column])
    data = np.empty(offsets[n_rows], dtype=np.uint8)
    for row in range(n_rows):
        at = offsets[row]
        for k in range(starts[row, column], stops[row, column]):
            data[at] = buf[k]
            at += 1
    return offsets, data
