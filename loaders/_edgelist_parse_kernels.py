"""Numba kernels that turn a chunk's tokenized fields into ids and text columns.

Beside :mod:`loaders._edgelist_parse`, which calls them: integer ids parsed
under the reading contract's rule (``_parse_id``, the one place that says what
an integer id is), the fast path of a chunk of plain int ids straight from the
tokenizer of :mod:`loaders._edgelist_kernels` into int arrays (``int_edges``),
and fields gathered as Arrow string buffers. They release the GIL, as the
tokenizer does, so several chunks are parsed at once.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from loaders._edgelist_kernels import MINUS, PLUS, ZERO, _load_u64, tokenize_rows

#: ``parse_ids``'s modes: canonical decimals only ("auto"), or any ASCII decimal ("int").
CANONICAL, LENIENT = 0, 1

# Parsing accumulates negatively, so -2**63 fits: a value below _CUTOFF, or at it
# with a last digit above _CUTLIM, would leave int64.
_CUTOFF = np.int64(-922337203685477580)
_CUTLIM = 8
_INT64_MIN = np.int64(-9223372036854775807 - 1)
_INT64_MAX = np.int64(9223372036854775807)


@njit(nogil=True, cache=True)
def parse_ids(buf, starts, stops, n_rows, column, mode):
    """Integer values of one column's fields; stops at the first field that is not one.

    ``CANONICAL`` accepts ``0`` or ``-?[1-9][0-9]*`` (text that an int prints back
    to exactly), ``LENIENT`` any ``[+-]?[0-9]+``; both only within int64.

    Returns ``(values, first_bad_row)`` with ``first_bad_row`` -1 when all parsed.
    """
    values = np.empty(n_rows, dtype=np.int64)
    for row in range(n_rows):
        value, ok = _parse_id(buf, starts[row, column], stops[row, column], mode)
        if not ok:
            return values, row
        values[row] = value
    return values, -1


@njit(inline="always")
def _parse_id(buf, i, stop, mode):
    """``(value, True)`` for the field ``buf[i:stop]`` when it is an id under ``mode``,
    else ``(0, False)``: the one place that says what an integer id is."""
    negative = False
    if i < stop and (buf[i] == MINUS or (mode == LENIENT and buf[i] == PLUS)):
        negative = buf[i] == MINUS
        i += 1
    if i >= stop:
        return np.int64(0), False
    if mode == CANONICAL and buf[i] == ZERO and (stop - i > 1 or negative):
        return np.int64(0), False  # leading zeros and -0 do not print back as written
    if stop - i <= 8 and i + 8 <= buf.shape[0]:
        value, ok = _eight_digits(buf, i, stop - i)
        return (-value if negative else value), ok
    value = np.int64(0)
    if stop - i <= 18:  # cannot leave int64: no range checks
        for k in range(i, stop):
            digit = np.int64(buf[k]) - ZERO
            if digit < 0 or digit > 9:
                return np.int64(0), False
            value = value * 10 + digit
        return (-value if negative else value), True
    for k in range(i, stop):
        digit = np.int64(buf[k]) - ZERO
        if digit < 0 or digit > 9:
            return np.int64(0), False
        if value < _CUTOFF or (value == _CUTOFF and digit > _CUTLIM):
            return np.int64(0), False
        value = value * 10 - digit
    if not negative:
        if value == _INT64_MIN:
            return np.int64(0), False
        value = -value
    return value, True


_U64 = np.uint64
_ZEROS = _U64(0x3030303030303030)
_HIGH_NIBBLES = _U64(0xF0F0F0F0F0F0F0F0)


@njit(inline="always")
def _eight_digits(buf, i, n):
    """``(value, True)`` when the ``n`` (1 to 8) bytes at ``buf[i]`` are all ASCII
    digits, else ``(0, False)``; reads 8 bytes (``i + 8 <= len(buf)``).

    Eight bytes are read as one word, the field's digits moved to its low end
    behind ``'0'`` fill, checked and combined in three multiplications (the
    SWAR method of simdjson): twice as fast as a digit at a time, whose loop
    ends at an unpredictable length and chains a multiplication per digit.
    """
    word = _load_u64(buf, i)
    if n < 8:
        gap = _U64(8 * (8 - n))
        word = (word << gap) | (_ZEROS >> (_U64(64) - gap))
    digits = (word & _HIGH_NIBBLES) | (
        ((word + _U64(0x0606060606060606)) & _HIGH_NIBBLES) >> _U64(4)
    )
    if digits != _U64(0x3333333333333333):
        return np.int64(0), False
    word -= _ZEROS
    word = word * _U64(10) + (word >> _U64(8))
    word = (
        (word & _U64(0x000000FF000000FF)) * _U64(100 + (1000000 << 32))
        + ((word >> _U64(16)) & _U64(0x000000FF000000FF)) * _U64(1 + (10000 << 32))
    ) >> _U64(32)
    return np.int64(word), True


#: ``int_edges``' outcomes besides success: the chunk goes to the exact path, which
#: reports what is wrong, reads the ids as text, or unescapes quotes.
EXACT = 1
#: Rows tokenized per tile by ``int_edges``: their spans stay in the L1/L2 cache.
TILE_ROWS = 4096


@njit(nogil=True, cache=True)
def int_edges(
    buf,
    start,
    end,
    blank_separated,
    delimiter,
    is_comment,
    n_needed,
    skip_at,
    src_col,
    dst_col,
    mode,
    out_src,
    out_dst,
):
    """The ids of ``buf[start:end]``'s rows as ints, straight into ``out_src``/``out_dst``.

    The happy path of a chunk, through the same :func:`tokenize_rows` and
    ``_parse_id`` as everything else, a tile of rows at a time, with nothing
    allocated per row. It gives up (returns status :data:`EXACT`, having
    written nothing to ``buf``) at the first thing that needs more than ints:
    a byte that is not ASCII (the chunk's UTF-8 is then checked), a tokenizer
    error, an empty field, an id that is not an integer under ``mode``.

    ``out_src`` and ``out_dst`` need room for every row (half the chunk's bytes
    plus one always suffices).

    Returns ``(status, n_rows, n_lines, low, high)``: 0 or EXACT, the rows and
    lines read, and the least and greatest id (int64's extremes when no row).
    """
    if not _ascii(buf, start, end):
        return EXACT, 0, 0, 0, 0
    n_out = max(src_col, dst_col) + 1
    starts = np.empty((TILE_ROWS, n_out), dtype=np.int32)
    stops = np.empty((TILE_ROWS, n_out), dtype=np.int32)
    low = np.int64(_INT64_MAX)
    high = np.int64(_INT64_MIN)
    n_rows = 0
    n_lines = 0
    pos = start
    while pos < end:
        rows, lines, _, error, _, _, _, pos = tokenize_rows(
            buf,
            pos,
            end,
            blank_separated,
            delimiter,
            is_comment,
            n_needed,
            skip_at,
            starts,
            stops,
            False,
        )
        if error or n_rows + rows > out_src.shape[0]:
            return EXACT, 0, 0, 0, 0
        # Each mode its own copy of the loop: a constant mode folds _parse_id's
        # tests away (a third of the parse's time).
        if mode == CANONICAL:
            ok = _tile_ids(
                buf, starts, stops, rows, src_col, dst_col, CANONICAL, out_src, out_dst, n_rows
            )
        else:
            ok = _tile_ids(
                buf, starts, stops, rows, src_col, dst_col, LENIENT, out_src, out_dst, n_rows
            )
        if not ok:
            return EXACT, 0, 0, 0, 0
        for k in range(n_rows, n_rows + rows):
            low = min(low, out_src[k], out_dst[k])
            high = max(high, out_src[k], out_dst[k])
        n_rows += rows
        n_lines += lines
    return 0, n_rows, n_lines, low, high


@njit(inline="always")
def _tile_ids(buf, starts, stops, rows, src_col, dst_col, mode, out_src, out_dst, at):
    """The two id columns of a tile's rows into ``out_*[at:]``; False if a field is
    not an id under ``mode`` (checked once per tile: a branch per field that could
    leave the loop costs a third of the parse)."""
    good = True
    for row in range(rows):
        u, u_ok = _parse_id(buf, starts[row, src_col], stops[row, src_col], mode)
        v, v_ok = _parse_id(buf, starts[row, dst_col], stops[row, dst_col], mode)
        good &= u_ok & v_ok
        out_src[at + row] = u
        out_dst[at + row] = v
    return good


@njit(inline="always")
def _ascii(buf, start, end):
    """Whether ``buf[start:end]`` is all ASCII (eight bytes at a time)."""
    bits = np.uint64(0)
    i = start
    while i + 8 <= end:
        bits |= _load_u64(buf, i)
        i += 8
    while i < end:
        bits |= np.uint64(buf[i])
        i += 1
    return (bits & np.uint64(0x8080808080808080)) == 0


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
