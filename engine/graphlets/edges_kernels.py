"""Kernels of the 12 edge orbits of 2–4 node graphlets (ORCA's ``edge`` mode).

See :mod:`engine.graphlets.common_kernels` for the CSR and scratch conventions.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from engine.graphlets.common_kernels import count_two_step, stamp_neighbourhood, up_slot


@njit(parallel=True, cache=True)
def upper_edge_offsets(indptr, indices):
    """``(first, offset)``: row ``x``'s first slot with a neighbour above ``x``, and the id
    of the edge in that slot when the edges ``u < v`` are numbered in CSR order."""
    n = indptr.shape[0] - 1
    first = np.empty(n, dtype=np.int64)
    counts = np.zeros(n + 1, dtype=np.int64)
    for x in prange(n):
        lo = indptr[x] + np.searchsorted(indices[indptr[x] : indptr[x + 1]], x, side="right")
        first[x] = lo
        counts[x + 1] = indptr[x + 1] - lo
    return first, np.cumsum(counts)[:n]


@njit(parallel=True, cache=True)
def edge_orbit_sums(
    indptr,
    indices,
    degree,
    tri,
    up_indptr,
    up_indices,
    slot_cliques,
    tri_sum,
    degree_sum,
    first_up,
    edge_offset,
    start,
    stop,
    state,
    slots,
    half_cycles,
    eorbits,
):
    """Raw sums of the edges ``x < y`` with ``start <= x < stop`` into ``eorbits``.

    Also ``half_cycles[q]`` for every slot ``q = (x, y)`` of those rows: the
    paths ``x-y-z-w-x`` seen from ``x`` (``z`` not adjacent to ``x``), whose twin
    half from ``y`` only ``y``'s walk can count; :func:`solve_edge_orbits` adds
    the two once every row is done.

    ``state`` is ``(n_workers, n)`` int64, zeros at first (see
    :func:`~engine.graphlets.four_kernels.node_orbits`);
    ``slots`` ``(n_workers, n)`` int64 receives the slot of ``x → z``.
    """
    for x in prange(start, stop):
        worker = numba.get_thread_id()
        here = state[worker]
        slot_of = slots[worker]
        dx = np.int64(degree[x])
        mark, base = stamp_neighbourhood(indptr, indices, x, here)
        for q in range(indptr[x], indptr[x + 1]):
            slot_of[indices[q]] = q
        # First pass: |N(x) ∩ N(z)| for every z at distance two from x.
        count_two_step(indptr, indices, x, mark, base, here)
        for q in range(indptr[x], indptr[x + 1]):
            y = indices[q]
            owned = y > x
            cycles = 0
            tri_yz = 0  # Σ over common neighbours z of tri(y, z)
            tri_xz = 0
            degree_z = 0  # Σ over common neighbours z of deg z
            for p in range(indptr[y], indptr[y + 1]):
                z = indices[p]
                value = here[z]
                if value == mark:
                    if owned and z != x:
                        tri_yz += tri[p]
                        tri_xz += tri[slot_of[z]]
                        degree_z += degree[z]
                else:
                    cycles += value - base - 1
            half_cycles[q] = cycles
            if not owned:
                continue
            dy = np.int64(degree[y])
            t = np.int64(tri[q])
            row = eorbits[edge_offset[x] + q - first_up[x]]
            # Each row[k] counts configurations in which the edge sits where
            # orbit k puts it; solve_edge_orbits removes the denser graphlets.
            row[0] = (dx - 1 - t) + (dy - 1 - t)
            row[1] = t
            row[2] = (degree_sum[y] - (dx - 1) - (degree_z - t)) + (
                degree_sum[x] - (dy - 1) - (degree_z - t)
            )
            row[3] = (dy - 1 - t) * (dx - 1) + (dx - 1 - t) * (dy - 1)
            row[4] = (dy - 1 - t) * (dy - 2) + (dx - 1 - t) * (dx - 2)
            row[5] = cycles
            row[6] = (tri_sum[y] - t - tri_yz) + (tri_sum[x] - t - tri_xz)
            row[7] = degree_z - 2 * t
            row[8] = t * (dx + dy - 4)
            row[9] = (tri_xz - t) + (tri_yz - t)
            row[10] = t * (t - 1)
            row[11] = slot_cliques[up_slot(up_indptr, up_indices, x, y, degree)]


@njit(parallel=True, cache=True)
def solve_edge_orbits(indptr, indices, first_up, edge_offset, half_cycles, eorbits):
    """Add the twin half of the 4-cycle sum, then turn every row's raw sums into orbits."""
    n = indptr.shape[0] - 1
    for x in prange(n):
        for q in range(first_up[x], indptr[x + 1]):
            y = indices[q]
            twin = indptr[y] + np.searchsorted(indices[indptr[y] : indptr[y + 1]], x)
            e = eorbits[edge_offset[x] + q - first_up[x]]
            e[5] += half_cycles[twin]
            e[10] = (e[10] - 2 * e[11]) // 2
            e[9] = e[9] - 4 * e[11]
            e[8] = e[8] - e[9] - 4 * e[10] - 4 * e[11]
            e[7] = e[7] - e[9] - 2 * e[11]
            e[6] = (e[6] - e[9]) // 2
            e[5] = (e[5] - e[9]) // 2
            e[4] = (e[4] - 2 * e[6] - e[8] - e[9]) // 2
            e[3] = (e[3] - 2 * e[5] - e[8] - e[9]) // 2
            e[2] = e[2] - 2 * e[5] - 2 * e[6] - e[9]
