"""The enumeration kernel of 5-node orbits: every connected 5-node set once, by table.

:func:`engine.graphlets.five.five_node_orbit_counts_by_enumeration` runs it as the
tests' second opinion. The ESU walk, the per-thread ``mask`` and the 10-bit
adjacency codes are those of :mod:`engine.graphlets.five_kernels` (see there).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from checks.twins import serial_and_parallel
from engine.graphlets.five_kernels import _extend, _mark, _unmark


@serial_and_parallel
def five_node_orbits(csr, orbit_of, start, stop, masks, lists, counts):
    """Add every connected 5-node set whose smallest id is in ``start..stop-1`` to ``counts``.

    ``orbit_of`` is ``(1024, 5)`` int64 (orbit index, or -1 for a disconnected
    code); ``masks`` ``(n_threads, n)`` int32, zeros at first and left zero;
    ``lists`` ``(n_threads, 3, L)`` int64 with ``L >= 3 × max degree``;
    ``counts`` ``(n_threads, n, n_orbits)`` int64.
    """
    for v in prange(start, stop):
        thread = numba.get_thread_id()
        _sets_of_root(csr, orbit_of, v, masks[thread], lists[thread], counts[thread])


@njit(cache=True)
def _sets_of_root(csr, orbit_of, v, mask, lists, out):
    indptr, indices = csr.indptr, csr.indices
    first = indptr[v] + np.searchsorted(indices[indptr[v] : indptr[v + 1]], v, side="right")
    last = indptr[v + 1]
    if last - first == 0:
        return
    level2 = lists[0]
    level3 = lists[1]
    slots = lists[2]  # (not needed here)
    tally = np.zeros(16, dtype=np.int64)
    _mark(csr, v, 0, mask)
    for i1 in range(first, last):
        w1 = indices[i1]
        n2 = _extend(csr, v, w1, indices, i1 + 1, last, mask, level2, slots)
        _mark(csr, w1, 1, mask)
        for i2 in range(n2):
            w2 = level2[i2]
            code2 = 1 | (mask[w2] & 3) << 1
            n3 = _extend(csr, v, w2, level2, i2 + 1, n2, mask, level3, slots)
            _mark(csr, w2, 2, mask)
            for i3 in range(n3):
                w3 = level3[i3]
                code3 = code2 | (mask[w3] & 7) << 3
                _mark(csr, w3, 3, mask)
                tally[:] = 0
                # Fifth nodes: the rest of this level's list, then w3's exclusive
                # neighbours (adjacent to w3 alone: mask exactly bit 3).
                for i4 in range(i3 + 1, n3):
                    u = level3[i4]
                    pattern = mask[u] & 15
                    tally[pattern] += 1
                    out[u, orbit_of[code3 | pattern << 6, 4]] += 1
                for p in range(indptr[w3], indptr[w3 + 1]):
                    u = indices[p]
                    if u > v and mask[u] == 8:
                        tally[8] += 1
                        out[u, orbit_of[code3 | 8 << 6, 4]] += 1
                for pattern in range(1, 16):
                    if tally[pattern]:
                        code = code3 | pattern << 6
                        out[v, orbit_of[code, 0]] += tally[pattern]
                        out[w1, orbit_of[code, 1]] += tally[pattern]
                        out[w2, orbit_of[code, 2]] += tally[pattern]
                        out[w3, orbit_of[code, 3]] += tally[pattern]
                _unmark(csr, w3, 3, mask)
            _unmark(csr, w2, 2, mask)
        _unmark(csr, w1, 1, mask)
    _unmark(csr, v, 0, mask)


@serial_and_parallel
def sum_threads(counts, out):
    """``out[x] = Σ_t counts[t, x]`` (rows in parallel)."""
    n_threads = counts.shape[0]
    for x in prange(counts.shape[1]):
        for t in range(n_threads):
            for k in range(counts.shape[2]):
                out[x, k] += counts[t, x, k]
