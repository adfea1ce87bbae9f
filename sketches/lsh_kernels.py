"""The kernels that sort the LSH bands: a radix sort of each band's keys.

Each band of ``rows`` signature values is ordered by its key ``(head, tail)``
(:func:`band_key`): the first values packed, then a hash of the rest. The index
is, per band, the row ids in that order; equal bands are neighbours in it, and
so are bands agreeing on their first value or two, which is what the prefix
queries of :meth:`sketches.lsh.MinHashLSH.query_top` search.

The order is exactly NumPy's ``np.lexsort((tails, heads))``: a stable sort by
head, then tail, ties by row id. It is built by a most-significant-digit radix
sort. The first counting pass buckets the rows by :data:`TOP_DIGIT` bits of
their first value, from the highest bit in which the band's first values
differ, computing each key as it goes. Every bucket of more than :data:`SMALL`
rows is then split again on the highest bits in which *its* keys differ, heads
first and tails once the heads are equal, until no piece out of order is longer
than :data:`SMALL` rows; one insertion sort over the whole band then finishes
them (a sort per piece mispredicts a branch at every piece's end, and most
pieces hold one or two rows). MinHash values pile up: every neighbour of the
node with the smallest hash shares that value, so a bucket is often one value
many times over. Choosing each digit at the keys' highest differing bit skips
the bits they share, and a bucket of equal keys costs one pass.

Where a band's tail is its last value and that value is 32 bits (the default
banding of 32-bit signatures: three values a band, the first two packed into
the head), or where a band has no tail, the tail and the row id share one
64-bit word, ``tail << 32 | row`` (the packed path). Every key is then
distinct, two words a row move instead of three, and ``order`` is read off the
low halves at the end: 8% less time a band than three arrays on a 10M-edge
R-MAT. Wider tails (hashes of the later values, 64-bit values) move the order
as a third array. One source serves both: the kernels take ``spare_order``, the
third array's scratch, and ``None`` there is the packed path (Numba compiles
each apart and drops the other's branches).

The bands are sorted from columns, one signature position a row of
``columns``: reading a band's values out of row-major signatures touches a
cache line of every row for a few bytes, which a prefetcher does not follow.
Signatures written in columns (``minhash_signatures(..., order="F")``) are
sorted where they lie; row-major ones are copied into columns a block of bands
at a time (:func:`copy_columns`, tile by tile). Bands are sorted in parallel,
each by one worker in its own scratch rows, so the serial and parallel twins
write the same order.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from checks.twins import serial_and_parallel

#: Bits of the first counting pass. Its scatter writes two arrays, so 512 buckets
#: keep 1,024 lines open: as many as L1 holds. 12 bits (8,192 lines, every store
#: a miss) was 1.13-1.16x slower a row on the 10M- and 100M-edge R-MATs; 8 and 10
#: bits 1.01-1.12x.
TOP_DIGIT = 9
#: Most bits in the counting pass of a bucket (a 32 KiB histogram): the first
#: pass leaves buckets of thousands of rows, which 12 bits split to a row or two
#: each (1.04x faster a row than 11 on the 100M-edge R-MAT, equal on the 10M one).
BUCKET_DIGIT = 12
#: Buckets of at most this many rows are left to the final insertion sort.
SMALL = 32
#: Rows per tile of :func:`copy_columns` (a tile of 128-value rows: 128 KiB).
TILE = 256
#: Positions are unsigned in the hot loops (see :func:`_sort_bucket`).
ONE = np.uint64(1)


@njit(cache=True, inline="always")
def column_key(columns, start, item, rows, pack):
    """``(head, tail)`` of row ``item``'s band whose first value is ``columns[start, item]``
    (one signature position a row of ``columns``): the first ``pack`` values packed,
    then the one value left, or a hash of the values left."""
    head = np.uint64(columns[start, item])
    if pack == 2 and rows > 1:
        head = (head << np.uint64(32)) | np.uint64(columns[start + 1, item])
    else:
        pack = 1
    if rows - pack == 1:
        # One value left: itself is an exact key.
        return head, np.uint64(columns[start + pack, item])
    tail = np.uint64(0x9E3779B97F4A7C15)
    for offset in range(pack, rows):
        # SplitMix64's finalizer: every input bit reaches every output bit.
        tail ^= np.uint64(columns[start + offset, item])
        tail *= np.uint64(0xBF58476D1CE4E5B9)
        tail ^= tail >> np.uint64(31)
        tail *= np.uint64(0x94D049BB133111EB)
        tail ^= tail >> np.uint64(29)
    return head, tail


@njit(cache=True, inline="always")
def _bit_length(value):
    """Bits needed for ``value`` (a uint64): 0 for 0, 64 for values >= 2**63."""
    bits = 0
    for step in (32, 16, 8, 4, 2, 1):
        if value >> np.uint64(step):
            value >>= np.uint64(step)
            bits += step
    return bits + (value != np.uint64(0))


@njit(cache=True, inline="always")
def _before(head, tail, other_head, other_tail):
    return head < other_head or (head == other_head and tail < other_tail)


@njit(cache=True)
def _insertion_sort(heads, lows, order, spare_order, lo, hi):
    """Sort positions ``lo..hi-1`` by ``(head, low)``, stably; ``order`` moves with
    them unless ``spare_order`` is None (packed: the row id is in ``lows``)."""
    lo = np.uint64(lo)  # unsigned positions: no negative-index wrap (see _sort_bucket)
    for position in range(lo + ONE, np.uint64(hi)):
        head, low = heads[position], lows[position]
        if spare_order is not None:
            item = order[position]
        slot = position
        while slot > lo and _before(head, low, heads[slot - ONE], lows[slot - ONE]):
            heads[slot] = heads[slot - ONE]
            lows[slot] = lows[slot - ONE]
            if spare_order is not None:
                order[slot] = order[slot - ONE]
            slot -= ONE
        heads[slot], lows[slot] = head, low
        if spare_order is not None:
            order[slot] = item


@njit(cache=True)
def _differing_bits(keys, lo, hi):
    """OR of every key's XOR with the first: its highest bit is where they first differ."""
    first = keys[lo]
    spread = np.uint64(0)
    for position in range(lo + ONE, hi):
        spread |= keys[position] ^ first
    return spread


@njit(cache=True, inline="always")
def _digit(spread, size, most):
    """``(shift, mask)`` of the digit for keys differing in ``spread``: its top bit is
    their highest differing bit, its width enough for ``size`` keys (up to ``most``)."""
    top = _bit_length(spread)
    width = min(most, max(1, _bit_length(size - ONE)), top)
    return np.uint64(top - width), np.uint64((1 << width) - 1), width


@njit(cache=True)
def _digit_starts(keys, lo, hi, shift, mask, buckets, counts):
    """``counts[bucket]`` := where the bucket starts, counted from ``lo``."""
    counts[: buckets + 1] = 0
    for position in range(lo, hi):
        counts[((keys[position] >> shift) & mask) + ONE] += 1
    for bucket in range(buckets):
        counts[bucket + 1] += counts[bucket]


@njit(cache=True)
def _scatter_by_digit(
    keys, shift, mask, counts, heads, lows, order, lo, hi, spare_heads, spare_lows, spare_order
):
    """Rows ``lo..hi-1`` into the spare rows from 0, bucket by bucket, stably;
    ``counts[bucket]`` ends where the bucket ends."""
    for position in range(lo, hi):
        bucket = (keys[position] >> shift) & mask
        slot = np.uint64(counts[bucket])
        counts[bucket] = slot + ONE
        spare_heads[slot] = heads[position]
        spare_lows[slot] = lows[position]
        if spare_order is not None:
            spare_order[slot] = order[position]


@njit(cache=True)
def _copy_back(heads, lows, order, lo, hi, spare_heads, spare_lows, spare_order):
    """Rows ``lo..hi-1`` := the spare rows from 0."""
    for offset in range(hi - lo):
        heads[lo + offset] = spare_heads[offset]
        lows[lo + offset] = spare_lows[offset]
    if spare_order is not None:
        for offset in range(hi - lo):
            order[lo + offset] = spare_order[offset]


@njit(cache=True)
def _sort_bucket(heads, lows, order, lo, hi, spare_heads, spare_lows, spare_order, counts, stack):
    """Split positions ``lo..hi-1`` of ``(heads, lows)`` (and ``order``, unless
    ``spare_order`` is None) on their keys' highest differing bits until every
    bucket left out of order holds at most :data:`SMALL` rows, stably (``spare_*``:
    scratch for ``hi - lo`` rows, used from its start, so that every bucket splits
    through the same cache lines). An insertion sort finishes them.

    Positions are unsigned: Numba wraps a negative signed index (a test and an
    add at every access, and the registers they hold), and each pass is a kernel
    of its own, so that its loop keeps its few values in registers. The two
    together made this stage about 1.7x faster (perf samples, one thread, the
    100M-edge R-MAT; issue #28)."""
    # The bits of the low words that order rows: all of them, or the tail's half
    # where the row id packs beside it. Rows whose keys are equal are in row order
    # already (every pass is stable), so their row bits are never split again.
    tail_bits = np.uint64(0xFFFFFFFFFFFFFFFF)
    if spare_order is None:
        tail_bits = np.uint64(0xFFFFFFFF00000000)
    stack[0], stack[1] = lo, hi
    pending = 1
    while pending:
        pending -= 1
        first, stop = np.uint64(stack[2 * pending]), np.uint64(stack[2 * pending + 1])
        spread = _differing_bits(heads, first, stop)
        keys = heads
        if spread == np.uint64(0):
            spread = _differing_bits(lows, first, stop) & tail_bits
            keys = lows
            if spread == np.uint64(0):
                continue  # all equal: already in row order
        shift, mask, width = _digit(spread, stop - first, BUCKET_DIGIT)
        buckets = 1 << width
        _digit_starts(keys, first, stop, shift, mask, buckets, counts)
        _scatter_by_digit(
            keys,
            shift,
            mask,
            counts,
            heads,
            lows,
            order,
            first,
            stop,
            spare_heads,
            spare_lows,
            spare_order,
        )
        _copy_back(heads, lows, order, first, stop, spare_heads, spare_lows, spare_order)
        offset = int(first)
        bucket_start = 0
        for bucket in range(buckets):
            bucket_stop = counts[bucket]
            if bucket_stop - bucket_start > SMALL:
                stack[2 * pending] = offset + bucket_start
                stack[2 * pending + 1] = offset + bucket_stop
                pending += 1
            bucket_start = bucket_stop


@njit(cache=True)
def _scatter_band_keys(
    columns, start, rows, pack, shift, mask, counts, heads, lows, order, spare_order
):
    """The first pass's placing: each row's key into its bucket of the first value's
    digit (``counts[bucket]``: where it starts)."""
    first = columns[start]
    for item in range(first.shape[0]):
        bucket = (np.uint64(first[item]) >> shift) & mask
        slot = np.uint64(counts[bucket])
        counts[bucket] = slot + ONE
        head, tail = column_key(columns, start, item, rows, pack)
        heads[slot] = head
        if spare_order is None:
            # A missing tail is column_key's constant: shifted, still one value for all.
            lows[slot] = (tail << np.uint64(32)) | np.uint64(item)
        else:
            lows[slot] = tail
            order[slot] = item


@njit(cache=True)
def sort_band(
    columns,
    start,
    rows,
    pack,
    order,
    heads,
    lows,
    spare_heads,
    spare_lows,
    spare_order,
    counts,
    bucket_counts,
    stack,
):
    """``order`` := the rows sorted stably by their keys, read from ``columns``.

    The first counting pass buckets the rows by the highest differing bits of
    their first value (``columns[start]``), writing each row's key into ``heads``/``lows``
    as it is placed; the large buckets are then sorted in place. ``lows`` holds
    the tails, or, where ``spare_order`` is None (:func:`packs_tail_with_row`),
    ``tail << 32 | row``, from which ``order`` is read at the end.
    """
    n = len(order)
    if n == 0:
        return
    first = columns[start]
    # The digit starts at the first values' highest differing bit, as the bucket
    # passes' do: on a dense graph every value is the least of many hashes, and
    # the top bits alone would put every row in one bucket.
    shift, mask, width = _digit(
        _differing_bits(first, np.uint64(0), np.uint64(n)), np.uint64(n), TOP_DIGIT
    )
    buckets = 1 << width
    _digit_starts(first, np.uint64(0), np.uint64(n), shift, mask, buckets, counts)
    _scatter_band_keys(
        columns, start, rows, pack, shift, mask, counts, heads, lows, order, spare_order
    )
    lo = 0
    for bucket in range(buckets):
        hi = counts[bucket]
        if hi - lo > SMALL:
            _sort_bucket(
                heads,
                lows,
                order,
                lo,
                hi,
                spare_heads,
                spare_lows,
                spare_order,
                bucket_counts,
                stack,
            )
        lo = hi
    # Every run left unsorted is at most SMALL rows between smaller and larger keys:
    # one insertion sort over the band puts them in order, its branch mostly
    # predicted (a pass per small bucket mispredicts at every bucket boundary).
    _insertion_sort(heads, lows, order, spare_order, 0, n)
    if spare_order is None:
        for position in range(n):
            order[position] = lows[position] & np.uint64(0xFFFFFFFF)


def packs_tail_with_row(rows: int, pack: int, itemsize: int, n: int) -> bool:
    """Whether a band's tail fits beside a row id in 64 bits: the tail is one
    32-bit value (``rows - pack == 1``) or absent, and row ids fit in 32 bits."""
    pack = pack if pack == 2 and rows > 1 else 1
    return n < 2**31 and (rows == pack or (rows - pack == 1 and itemsize <= 4))


@serial_and_parallel
def copy_columns(signatures, first, columns):
    """``columns[k, row] = signatures[row, first + k]``, a tile of rows at a time."""
    n = signatures.shape[0]
    for tile in prange((n + TILE - 1) // TILE):
        lo = tile * TILE
        hi = min(lo + TILE, n)
        for k in range(columns.shape[0]):
            for row in range(lo, hi):
                columns[k, row] = signatures[row, first + k]


@serial_and_parallel
def sort_bands(
    columns,
    first_band,
    last_band,
    rows,
    pack,
    orders,
    heads,
    lows,
    spare_heads,
    spare_lows,
    spare_order,
    counts,
    bucket_counts,
    stack,
):
    """Sort bands ``first_band..last_band-1``, whose values ``columns`` holds from row 0.

    Worker ``w`` (a row of each scratch array) sorts every ``workers``-th band
    from ``first_band + w``. ``spare_order`` None: the packed path (:func:`sort_band`).
    """
    workers = heads.shape[0]
    for worker in prange(workers):
        for band in range(first_band + worker, last_band, workers):
            sort_band(
                columns,
                (band - first_band) * rows,
                rows,
                pack,
                orders[band],
                heads[worker],
                lows[worker],
                spare_heads[worker],
                spare_lows[worker],
                _row(spare_order, worker),
                counts[worker],
                bucket_counts[worker],
                stack[worker],
            )


@njit(cache=True, inline="always")
def _row(scratch, worker):
    """``scratch[worker]``, or None for None (Numba compiles the two apart)."""
    if scratch is None:
        return None
    return scratch[worker]
