"""Numba kernels that build a CSR adjacency from edge arrays in O(m).

A counting sort by source row, then an independent sort-and-merge of each row,
is about ten times faster on 10M edges than scipy's COO→CSR conversion followed
by ``sum_duplicates`` or a global ``np.argsort`` of (row, column) keys, because
rows are short and each can be handled in cache on its own thread.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from checks.twins import serial_and_parallel

# Rows shorter than this are sorted in place by insertion; longer ones by argsort.
_INSERTION_SORT_MAX = 16


@njit(cache=True)
def row_counts(src, dst, n_nodes, symmetrize):
    """Entries per CSR row; with ``symmetrize`` each non-loop edge also counts for ``dst``."""
    counts = np.zeros(n_nodes + 1, dtype=np.int64)
    for e in range(src.shape[0]):
        counts[src[e] + 1] += 1
        if symmetrize and src[e] != dst[e]:
            counts[dst[e] + 1] += 1
    return counts


@njit(cache=True)
def scatter_edges(src, dst, weights, has_weights, indptr, symmetrize, out_cols, out_weights):
    """Place every edge (and, with ``symmetrize``, its reverse) into its row's slot range."""
    cursor = indptr[:-1].copy()
    for e in range(src.shape[0]):
        u = src[e]
        v = dst[e]
        slot = cursor[u]
        out_cols[slot] = v
        if has_weights:
            out_weights[slot] = weights[e]
        cursor[u] = slot + 1
        if symmetrize and u != v:
            slot = cursor[v]
            out_cols[slot] = u
            if has_weights:
                out_weights[slot] = weights[e]
            cursor[v] = slot + 1


MERGE_SUM, MERGE_MAX, MERGE_MIN = 0, 1, 2


def sort_and_merge_rows(indptr, cols, weights, has_weights, merge):
    """Sort each row by column and merge repeated columns in place.

    Weights of merged entries combine by ``merge``: MERGE_SUM, MERGE_MAX or MERGE_MIN.

    Returns the number of distinct columns kept at the start of each row.
    """
    n_rows = indptr.shape[0] - 1
    kept = np.zeros(n_rows, dtype=np.int64)
    for row in prange(n_rows):
        start = indptr[row]
        stop = indptr[row + 1]
        length = stop - start
        if length == 0:
            continue
        if length <= _INSERTION_SORT_MAX:
            for i in range(start + 1, stop):
                col = cols[i]
                w = weights[i] if has_weights else 0.0
                j = i - 1
                while j >= start and cols[j] > col:
                    cols[j + 1] = cols[j]
                    if has_weights:
                        weights[j + 1] = weights[j]
                    j -= 1
                cols[j + 1] = col
                if has_weights:
                    weights[j + 1] = w
        elif has_weights:
            order = np.argsort(cols[start:stop], kind="mergesort")
            sorted_cols = cols[start:stop][order]
            cols[start:stop] = sorted_cols
            sorted_weights = weights[start:stop][order]
            weights[start:stop] = sorted_weights
        else:
            cols[start:stop].sort()
        write = start
        for read in range(start + 1, stop):
            if cols[read] == cols[write]:
                if has_weights:
                    if merge == MERGE_SUM:
                        weights[write] += weights[read]
                    elif merge == MERGE_MAX:
                        weights[write] = max(weights[write], weights[read])
                    else:
                        weights[write] = min(weights[write], weights[read])
            else:
                write += 1
                cols[write] = cols[read]
                if has_weights:
                    weights[write] = weights[read]
        kept[row] = write - start + 1
    return kept


def compact_rows(indptr, new_indptr, cols, weights, has_weights, out_cols, out_weights):
    """Copy the first ``new_indptr[r+1] - new_indptr[r]`` entries of each row to a packed array."""
    n_rows = indptr.shape[0] - 1
    for row in prange(n_rows):
        src_start = indptr[row]
        dst_start = new_indptr[row]
        for k in range(new_indptr[row + 1] - dst_start):
            out_cols[dst_start + k] = cols[src_start + k]
            if has_weights:
                out_weights[dst_start + k] = weights[src_start + k]


def relabel(ids, new_id):
    """``new_id[ids]`` on both cores: a random gather that numpy does on one."""
    out = np.empty(ids.shape[0], dtype=np.int64)
    for k in prange(ids.shape[0]):
        out[k] = new_id[ids[k]]
    return out


# Serial and parallel variants compiled from one source: on small graphs a
# parallel launch costs more than the work (tens of ms when the cores are busy).
SERIAL_BELOW = 1 << 16
sort_and_merge_rows_serial, sort_and_merge_rows_parallel = serial_and_parallel(sort_and_merge_rows)
compact_rows_serial, compact_rows_parallel = serial_and_parallel(compact_rows)
relabel_serial, relabel_parallel = serial_and_parallel(relabel)


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
