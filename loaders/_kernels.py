"""Numba kernels that build a CSR adjacency from edge arrays in O(m), cache-sized pass by pass.

Rows are grouped into buckets of ``2**shift`` consecutive node ids, sized so that
a bucket's entries (about 64K) fit in a core's L2 cache. Four passes:

1. :func:`count_buckets` reads the edges once and counts each bucket's entries
   per part of the edge list (so the next pass writes in parallel);
2. :func:`partition_edges` writes every entry, packed as one int64 key
   ``(row within its bucket) << 32 | column``, into its bucket's range: a
   streaming write to a few thousand places at once, where a counting sort
   straight into rows misses the cache on every entry;
3. :func:`sort_buckets` sorts each bucket's keys by an LSD radix sort in cache
   (by column, then by row; insertion sort for a few keys), merges repeated
   entries and writes the rows over the bucket's own keys, buckets in parallel;
4. :func:`move_rows` packs the rows into the output, renumbering columns when
   only the ids that occur become nodes (by rank in a bitmap that stays in cache).

Every pass is stable, so repeated edges meet in file order and their weights
combine in that order whatever the number of threads. On the 100M-edge R-MAT
graph of issue #28 (scale 23: 195M entries) the build takes about 5 CPU
seconds (2.7 s on 2 cores), where relabelling the ids, a counting sort into
rows then a sort of each row took 21 (16 s): the scatter, the row sorts and
the relabelling missed the cache on about every entry.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic

from checks.twins import serial_and_parallel

MERGE_SUM, MERGE_MAX, MERGE_MIN = 0, 1, 2

#: Entries a bucket holds on average: its keys and their scratch copy (8 bytes
#: each; twice that with weights, so half as many) stay in a 2 MiB L2 cache.
#: Measured on the 100M-edge R-MAT graph, one core: 2**16 entries a bucket
#: partition in 1.3 s and sort in 1.6 s; 2**14, 2.5 s and 1.6 s (more places
#: to write at once); 2**18, 0.9 s and 2.5 s (buckets out of cache).
BUCKET_ENTRIES = 1 << 16
#: At most this many buckets, so that the partition's write positions stay in cache.
MAX_BUCKETS = 1 << 12
#: Bits sorted per radix pass: 4,096 counters fit in the L1 cache.
DIGIT_BITS = 12
#: Buckets smaller than this are sorted by insertion (a radix pass costs its counters).
_INSERTION_BELOW = 64
_LOW32 = np.int64(0xFFFFFFFF)

# Serial and parallel variants compiled from one source: on small graphs a
# parallel launch costs more than the work (tens of ms when the cores are busy).
SERIAL_BELOW = 1 << 16


def bucket_shift(n_rows: int, n_entries: int, weighted: bool = False) -> int:
    """log2 of the rows per bucket: about :data:`BUCKET_ENTRIES` entries a bucket."""
    per_row = max(n_entries, 1) / max(n_rows, 1)
    target = BUCKET_ENTRIES // 2 if weighted else BUCKET_ENTRIES
    shift = int(np.log2(max(target / per_row, 1.0)))
    fewest = max(int(n_rows - 1).bit_length() - int(MAX_BUCKETS - 1).bit_length(), 0)
    return min(max(shift, fewest), 31)


def count_buckets(src, dst, n_parts, symmetrize, drop_loops, shift, n_buckets, marks):
    """Entries per (part of the edge list, bucket), and the ids no row will show.

    Part ``p`` is the edges ``[m * p // n_parts, m * (p + 1) // n_parts)``. An
    edge is an entry of its source's row and, with ``symmetrize`` and unless a
    self-loop, of its target's. Unless ``marks`` is empty (shape ``(0, 0)``),
    part ``p`` sets bit ``id`` of ``marks[p]`` (64 ids a word) for each id that
    may occur without an entry of its own row: a directed edge's target, the
    node of a dropped self-loop.
    """
    counts = np.zeros((n_parts, n_buckets), dtype=np.int64)
    mark = marks.shape[1] > 0
    m = src.shape[0]
    for part in prange(n_parts):
        row = counts[part]
        for e in range(m * part // n_parts, m * (part + 1) // n_parts):
            u = src[e]
            v = dst[e]
            if u == v:
                if drop_loops:
                    if mark:
                        marks[part, u >> 6] |= np.uint64(1) << np.uint64(u & 63)
                else:
                    row[u >> shift] += 1
                continue
            row[u >> shift] += 1
            if symmetrize:
                row[v >> shift] += 1
            elif mark:
                marks[part, v >> 6] |= np.uint64(1) << np.uint64(v & 63)
    return counts


def partition_edges(
    src, dst, weights, has_weights, symmetrize, drop_loops, shift, cursors, keys, key_weights
):
    """Write each entry's key (and weight) at its part's next position in its bucket.

    ``cursors[part, bucket]`` is where the part's first entry of the bucket goes
    (advanced in place). Parts are the edge ranges of :func:`count_buckets`.
    """
    n_parts = cursors.shape[0]
    m = src.shape[0]
    mask = (np.int64(1) << shift) - 1
    for part in prange(n_parts):
        cursor = cursors[part]
        for e in range(m * part // n_parts, m * (part + 1) // n_parts):
            u = np.int64(src[e])
            v = np.int64(dst[e])
            if u == v and drop_loops:
                continue
            slot = cursor[u >> shift]
            keys[slot] = ((u & mask) << 32) | v
            if has_weights:
                key_weights[slot] = weights[e]
            cursor[u >> shift] = slot + 1
            if symmetrize and u != v:
                slot = cursor[v >> shift]
                keys[slot] = ((v & mask) << 32) | u
                if has_weights:
                    key_weights[slot] = weights[e]
                cursor[v >> shift] = slot + 1


@njit(inline="always")
def _radix_pass(keys, weights, out_keys, out_weights, has_weights, bit, width, count):
    """Stable counting sort of ``keys`` by bits ``[bit, bit + width)`` into ``out_keys``.

    Returns False, having moved nothing, when every key has the same digit there.
    """
    size = keys.shape[0]
    digits = np.int64(1) << width
    mask = digits - 1
    count[: digits + 1] = 0
    for i in range(size):
        count[((keys[i] >> bit) & mask) + 1] += 1
    total = 0
    for d in range(digits):
        if count[d + 1] == size:
            return False
        total += count[d + 1]
        count[d + 1] = total
    for i in range(size):
        d = (keys[i] >> bit) & mask
        slot = count[d]
        out_keys[slot] = keys[i]
        if has_weights:
            out_weights[slot] = weights[i]
        count[d] = slot + 1
    return True


@njit(cache=True)
def _insertion_sort(keys, weights, has_weights):
    """Stable in-place sort of a few keys (and their weights)."""
    for i in range(1, keys.shape[0]):
        key = keys[i]
        weight = weights[i] if has_weights else 0.0
        j = i - 1
        while j >= 0 and keys[j] > key:
            keys[j + 1] = keys[j]
            if has_weights:
                weights[j + 1] = weights[j]
            j -= 1
        keys[j + 1] = key
        if has_weights:
            weights[j + 1] = weight


def sort_buckets(
    keys,
    key_weights,
    has_weights,
    bounds,
    groups,
    column_bits,
    shift,
    merge,
    out_columns,
    out_weights,
    stride,
    row_lengths,
):
    """Sort each bucket's keys, merge repeats, and write its rows from the bucket's start.

    Bucket ``b`` holds ``keys[bounds[b]:bounds[b + 1]]``; ``groups`` splits the
    buckets into ranges of about equal size, one task each. Bucket ``b``'s
    rows go to ``out_columns`` from ``stride * bounds[b]`` on, each row's
    distinct columns in increasing order, with their weights combined by
    ``merge`` (MERGE_SUM, MERGE_MAX or MERGE_MIN; summed in float64 in file
    order); ``row_lengths[r]`` receives row ``r``'s count. ``keys`` is used as
    scratch, and the output may be ``keys`` itself seen as int32 (``stride``
    2): a bucket's output never overtakes its keys still to be read. Returns
    the number of self-loops.
    """
    n_groups = groups.shape[0] - 1
    largest = 0
    for b in range(bounds.shape[0] - 1):
        largest = max(largest, bounds[b + 1] - bounds[b])
    loops = np.zeros(n_groups, dtype=np.int64)
    for g in prange(n_groups):
        scratch = np.empty(largest, dtype=np.int64)
        scratch_weights = np.empty(largest if has_weights else 0, dtype=np.float64)
        count = np.empty((1 << DIGIT_BITS) + 1, dtype=np.int64)
        for b in range(groups[g], groups[g + 1]):
            start = bounds[b]
            size = bounds[b + 1] - start
            if size == 0:
                continue
            current = keys[start : start + size]
            current_weights = key_weights[start : start + size] if has_weights else key_weights
            other = scratch[:size]
            other_weights = scratch_weights[:size] if has_weights else scratch_weights
            if size < _INSERTION_BELOW:
                _insertion_sort(current, current_weights, has_weights)
            else:
                # Least significant digit first: the column's, then the row's.
                for low, high in ((0, column_bits), (32, 32 + shift)):
                    for bit in range(low, high, DIGIT_BITS):
                        width = min(DIGIT_BITS, high - bit)
                        if _radix_pass(
                            current,
                            current_weights,
                            other,
                            other_weights,
                            has_weights,
                            bit,
                            width,
                            count,
                        ):
                            current, other = other, current
                            current_weights, other_weights = other_weights, current_weights
            # Merge repeats and write the rows out; a row's length is written when it ends.
            first_row = np.int64(b) << shift
            write = stride * start
            run_row = current[0] >> 32
            run_start = write
            previous = np.int64(-1)
            accumulated = 0.0
            for i in range(size):
                key = current[i]
                if key == previous:
                    if has_weights:
                        weight = current_weights[i]
                        if merge == MERGE_SUM:
                            accumulated += weight
                        elif merge == MERGE_MAX:
                            accumulated = max(accumulated, weight)
                        else:
                            accumulated = min(accumulated, weight)
                        out_weights[write - 1] = accumulated
                    continue
                previous = key
                row = key >> 32
                if row != run_row:
                    row_lengths[first_row + run_row] = write - run_start
                    run_row = row
                    run_start = write
                column = key & _LOW32
                if column == first_row + row:
                    loops[g] += 1
                out_columns[write] = column
                if has_weights:
                    accumulated = current_weights[i]
                    out_weights[write] = accumulated
                write += 1
            row_lengths[first_row + run_row] = write - run_start
    return loops.sum()


def move_rows(
    starts, kept_bounds, columns, weights, has_weights, words, ranks, out_columns, out_weights
):
    """Pack the buckets' rows: bucket ``b``'s ``kept_bounds[b + 1] - kept_bounds[b]``
    entries from ``starts[b]`` go to ``kept_bounds[b]`` of the output arrays.

    Unless ``words`` is empty, a column ``c`` is renumbered as the count of ids
    below it that are nodes: ``ranks[c >> 6]`` plus the set bits of
    ``words[c >> 6]`` below ``c`` (a 1 MiB bitmap for 8M ids stays in cache,
    where a table of new ids would miss it on every entry).
    """
    relabel = words.shape[0] > 0
    for b in prange(starts.shape[0]):
        source = starts[b]
        target = kept_bounds[b]
        for k in range(kept_bounds[b + 1] - target):
            column = columns[source + k]
            if relabel:
                word = column >> 6
                below = (np.uint64(1) << np.uint64(column & 63)) - np.uint64(1)
                column = ranks[word] + np.int64(_popcount(words[word] & below))
            out_columns[target + k] = column
            if has_weights:
                out_weights[target + k] = weights[source + k]


@intrinsic
def _popcount(typingctx, x):
    """The number of set bits of a uint64 (LLVM's ctpop: one instruction)."""
    signature = types.uint64(types.uint64)

    def codegen(context, builder, sig, args):
        function = builder.module.declare_intrinsic("llvm.ctpop", [ir.IntType(64)])
        return builder.call(function, [args[0]])

    return signature, codegen


count_buckets_serial, count_buckets_parallel = serial_and_parallel(count_buckets)
partition_edges_serial, partition_edges_parallel = serial_and_parallel(partition_edges)
sort_buckets_serial, sort_buckets_parallel = serial_and_parallel(sort_buckets)
move_rows_serial, move_rows_parallel = serial_and_parallel(move_rows)


@njit(inline="always")
def _mix64(x):
    """SplitMix64's finaliser: a bijection of uint64 that scatters every input bit."""
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


def symmetry_checksums(indptr, indices, weight_bits, has_weights):
    """Sums of a hash of every entry ``(u, v, w)`` and of its mirror ``(v, u, w)``.

    The two sums are equal when the adjacency is symmetric (each entry's mirror
    is stored, with the same weight), and differ otherwise except with
    probability about 2**-64: one pass, no transpose, no sort.
    """
    n = indptr.shape[0] - 1
    width = np.uint64(n)
    forward = np.uint64(0)
    backward = np.uint64(0)
    # A wrapping uint64 sum is associative: the rows split over threads freely.
    for u in prange(n):
        for k in range(indptr[u], indptr[u + 1]):
            v = np.uint64(indices[k])
            w = np.uint64(weight_bits[k]) if has_weights else np.uint64(0)
            forward += _mix64(_mix64(np.uint64(u) * width + v) ^ w)
            backward += _mix64(_mix64(v * width + np.uint64(u)) ^ w)
    return forward, backward


symmetry_checksums_serial, symmetry_checksums_parallel = serial_and_parallel(symmetry_checksums)
