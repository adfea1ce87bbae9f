"""Kernel of the 2–4 node orbits: one walk over each node's two-step neighbourhood.

See :mod:`engine.graphlets.common_kernels` for the CSR and scratch conventions.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from checks.twins import serial_and_parallel
from engine.graphlets.common_kernels import count_of, stamp_neighbourhood


@serial_and_parallel
def node_orbits(csr, degree, tri, tri_sum, open_sum, cliques, start, stop, state, orbits):
    """Fill ``orbits[x]`` (15 orbits) for the nodes ``start <= x < stop``.

    ``tri_sum[y] = Σ_z tri(y, z)`` and ``open_sum[y] = Σ_z (deg z − 1 − tri(y, z))``
    over ``z`` in N(y) (``node_sums``); ``cliques[x]`` is the number of 4-cliques
    on ``x`` (``count_cliques``); ``state`` is ``(n_workers, n)`` int64, zeros at
    first (the stamped counters of :mod:`engine.graphlets.common_kernels`).
    """
    # Threads take nodes in chunks as they free up (the caller sets the chunk
    # size), so a thread that loses its core to another process holds up little.
    for x in prange(start, stop):
        _orbits_of_node(
            x,
            csr,
            degree,
            tri,
            tri_sum,
            open_sum,
            cliques[x],
            state[numba.get_thread_id()],
            orbits[x],
        )


@njit(cache=True)
def _orbits_of_node(x, csr, degree, tri, tri_sum, open_sum, cliques, state, out):
    indptr, indices = csr.indptr, csr.indices
    dx = np.int64(degree[x])
    mark, base = stamp_neighbourhood(csr, x, state)
    # Each f_* below counts a set of 4-node configurations (not necessarily
    # induced) around x; it is a known combination of true orbit counts, and the
    # equations at the end peel off the denser graphlets it also counts.
    o1 = 0  # paths x-y-z, z not adjacent to x
    twice_o3 = 0
    f_12_14 = 0  # twice: triangles xyz with a second common neighbour of y, z
    f_10_13 = 0
    f_13_14 = 0
    f_11_13 = 0
    f_7_11 = 0
    f_5_8 = 0
    f_6_9 = 0
    f_9_12 = 0  # paths x-y-z with a triangle on y-z
    f_4_8 = 0  # paths x-y-z-w, w not adjacent to y
    f_8_12 = 0  # pairs of paths x-y-z, x-w-z: 4-cycles through x
    for q in range(indptr[x], indptr[x + 1]):
        y = indices[q]
        dy = np.int64(degree[y])
        t = np.int64(tri[q])
        open_x = dx - 1 - t  # neighbours of x other than y and not adjacent to y
        open_y = dy - 1 - t
        twice_o3 += t
        f_13_14 += t * (t - 1)
        f_11_13 += t * open_x
        f_7_11 += open_x * (open_x - 1)
        f_5_8 += open_x * open_y
        o1 += open_y
        f_6_9 += open_y * (open_y - 1)
        # Sums over z in N(y) \ N[x] are sums over N(y) minus the few z in N[x].
        f_9_12 += tri_sum[y] - t
        f_4_8 += open_sum[y] - open_x
        for p in range(indptr[y], indptr[y + 1]):
            z = indices[p]
            value = state[z]
            if value == mark:
                if z != x:  # triangle x, y, z: seen once from y and once from z
                    tp = np.int64(tri[p])
                    f_12_14 += tp - 1
                    f_10_13 += dy - 1 - tp
                    f_9_12 -= tp
                    f_4_8 -= degree[z] - 1 - tp
            else:  # path x-y-z: the c-th one to z closes c - 1 new 4-cycles
                count = count_of(value, base)
                f_8_12 += 2 * count
                state[z] = base + count + 1
    f_12_14 //= 2
    o3 = twice_o3 // 2
    out[0] = dx
    out[1] = o1
    out[2] = dx * (dx - 1) // 2 - o3
    out[3] = o3
    out[14] = cliques
    out[13] = (f_13_14 - 6 * cliques) // 2
    out[12] = f_12_14 - 3 * cliques
    out[11] = (f_11_13 - f_13_14 + 6 * cliques) // 2
    out[10] = f_10_13 - f_13_14 + 6 * cliques
    out[9] = (f_9_12 - 2 * f_12_14 + 6 * cliques) // 2
    out[8] = (f_8_12 - 2 * f_12_14 + 6 * cliques) // 2
    out[7] = (f_13_14 + f_7_11 - f_11_13 - 6 * cliques) // 6
    out[6] = (2 * f_12_14 + f_6_9 - f_9_12 - 6 * cliques) // 2
    out[5] = 2 * f_12_14 + f_5_8 - f_8_12 - 6 * cliques
    out[4] = 2 * f_12_14 + f_4_8 - f_8_12 - 6 * cliques
