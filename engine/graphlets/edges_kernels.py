"""Kernels of the 12 edge orbits of 2–4 node graphlets (ORCA's ``edge`` mode).

See :mod:`engine.graphlets.common_kernels` for the CSR and scratch conventions.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np
from numba import njit, prange

from checks.twins import serial_and_parallel
from engine.graphlets.common_kernels import count_two_step, stamp_neighbourhood, up_slot


class UpperEdges(NamedTuple):
    """The ids of the edges ``u < v``, numbered in CSR order (see :func:`edge_id`).

    Attributes
    ----------
    first : int64 (n,)
        Row ``x``'s first slot with a neighbour above ``x``.
    offset : int64 (n,)
        The id of the edge in that slot.
    """

    first: np.ndarray
    offset: np.ndarray


@njit(inline="always")
def edge_id(upper, x, q):
    """The id of the edge in slot ``q`` of row ``x`` (a neighbour above ``x``)."""
    return upper.offset[x] + q - upper.first[x]


def upper_edges(csr) -> UpperEdges:
    """The :class:`UpperEdges` of a simple graph's CSR."""
    return UpperEdges(*_upper_edge_offsets(csr))


@serial_and_parallel
def _upper_edge_offsets(csr):
    indptr, indices = csr.indptr, csr.indices
    n = indptr.shape[0] - 1
    first = np.empty(n, dtype=np.int64)
    counts = np.zeros(n + 1, dtype=np.int64)
    for x in prange(n):
        lo = indptr[x] + np.searchsorted(indices[indptr[x] : indptr[x + 1]], x, side="right")
        first[x] = lo
        counts[x + 1] = indptr[x + 1] - lo
    return first, np.cumsum(counts)[:n]


@serial_and_parallel
def edge_orbit_sums(
    csr, degree, tri, up, slot_cliques, tri_sum, degree_sum, upper, start, stop, state, slots,
    half_cycles, eorbits,
):  # fmt: skip
    """Raw sums of the edges ``x < y`` with ``start <= x < stop`` into ``eorbits``.

    Also ``half_cycles[q]`` for every slot ``q = (x, y)`` of those rows: the
    paths ``x-y-z-w-x`` seen from ``x`` (``z`` not adjacent to ``x``), whose twin
    half from ``y`` only ``y``'s walk can count; :func:`solve_edge_orbits` adds
    the two once every row is done.

    ``upper`` numbers the rows of ``eorbits`` (:class:`UpperEdges`); ``state`` is
    ``(n_workers, n)`` int64, zeros at first (see
    :func:`~engine.graphlets.common_kernels.stamp_neighbourhood`);
    ``slots`` ``(n_workers, n)`` int64 receives the slot of ``x → z``.
    """
    indptr, indices = csr.indptr, csr.indices
    for x in prange(start, stop):
        worker = numba.get_thread_id()
        here = state[worker]
        slot_of = slots[worker]
        dx = np.int64(degree[x])
        mark, base = stamp_neighbourhood(csr, x, here)
        for q in range(indptr[x], indptr[x + 1]):
            slot_of[indices[q]] = q
        # First pass: |N(x) ∩ N(z)| for every z at distance two from x.
        count_two_step(csr, x, mark, base, here)
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
            row = eorbits[edge_id(upper, x, q)]
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
            row[11] = slot_cliques[up_slot(up, x, y, degree)]


@serial_and_parallel
def solve_edge_orbits(csr, upper, half_cycles, eorbits):
    """Add the twin half of the 4-cycle sum, then turn every row's raw sums into orbits."""
    indptr, indices = csr.indptr, csr.indices
    n = indptr.shape[0] - 1
    for x in prange(n):
        for q in range(upper.first[x], indptr[x + 1]):
            y = indices[q]
            twin = indptr[y] + np.searchsorted(indices[indptr[y] : indptr[y + 1]], x)
            e = eorbits[edge_id(upper, x, q)]
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
