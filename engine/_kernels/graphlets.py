"""Graphlet-orbit kernels: simple-graph CSR, per-edge triangles, node and edge orbits.

Every kernel takes the CSR of a *simple undirected* graph (both directions
stored, rows sorted, no self-loops). Work is split over ``n_workers`` workers
(one per thread), worker ``w`` taking nodes ``w, w + n_workers, ...``: the
interleaving spreads the hubs, which generators and crawls tend to number
first, over all threads without any atomic update. Each worker owns O(n)
scratch arrays (stamps, common-neighbour counters) allocated once by the
caller, so nothing is cleared between nodes: a stamp equal to the current
node (or slot) id means "set", anything else means "unset".

The orbit equations are those of Hočevar & Demšar (2014); the comments name
what each raw sum over-counts and the solvers subtract it.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True)
def _outranks(a, b, degree):
    """True when node ``a`` comes after ``b`` in the (degree, id) order."""
    return degree[a] > degree[b] or (degree[a] == degree[b] and a > b)


# ------------------------------------------------------------------ preparation


@njit(parallel=True, cache=True)
def drop_self_loops(indptr, indices):
    """The CSR without its diagonal entries (rows stay sorted)."""
    n = indptr.shape[0] - 1
    kept = np.zeros(n + 1, dtype=np.int64)
    for x in prange(n):
        count = 0
        for p in range(indptr[x], indptr[x + 1]):
            if indices[p] != x:
                count += 1
        kept[x + 1] = count
    new_indptr = np.cumsum(kept)
    new_indices = np.empty(new_indptr[n], dtype=indices.dtype)
    for x in prange(n):
        out = new_indptr[x]
        for p in range(indptr[x], indptr[x + 1]):
            if indices[p] != x:
                new_indices[out] = indices[p]
                out += 1
    return new_indptr, new_indices


@njit(parallel=True, cache=True)
def orient_by_degree(indptr, indices, degree):
    """The neighbours of each node that outrank it in (degree, id) order, as a CSR.

    Every edge appears once, pointing up the order, so a node's out-degree is at
    most ``sqrt(2m)``: walking out-lists keeps the 4-clique search cheap at hubs.
    """
    n = indptr.shape[0] - 1
    counts = np.zeros(n + 1, dtype=np.int64)
    for x in prange(n):
        count = 0
        for p in range(indptr[x], indptr[x + 1]):
            if _outranks(indices[p], x, degree):
                count += 1
        counts[x + 1] = count
    up_indptr = np.cumsum(counts)
    up_indices = np.empty(up_indptr[n], dtype=indices.dtype)
    for x in prange(n):
        out = up_indptr[x]
        for p in range(indptr[x], indptr[x + 1]):
            if _outranks(indices[p], x, degree):
                up_indices[out] = indices[p]
                out += 1
    return up_indptr, up_indices


@njit(parallel=True, cache=True)
def edge_triangles(indptr, indices, degree, n_workers):
    """``tri[p]``: common neighbours of the two endpoints of CSR slot ``p``.

    Each edge is handled once, by its higher-ranked endpoint ``x``, which walks
    the (shorter) list of the other endpoint ``y`` against a stamp of ``N(x)``
    and fills both slots of the edge: the one in row ``x`` and its twin in row ``y``.
    """
    n = indptr.shape[0] - 1
    tri = np.zeros(indices.shape[0], dtype=np.int32)
    for worker in prange(n_workers):
        stamp = np.full(n, -1, dtype=np.int64)
        for x in range(worker, n, n_workers):
            for q in range(indptr[x], indptr[x + 1]):
                stamp[indices[q]] = x
            for q in range(indptr[x], indptr[x + 1]):
                y = indices[q]
                if _outranks(y, x, degree):
                    continue
                count = 0
                twin = -1
                for p in range(indptr[y], indptr[y + 1]):
                    z = indices[p]
                    if stamp[z] == x:
                        count += 1
                    elif z == x:
                        twin = p
                tri[q] = count
                tri[twin] = count
    return tri


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


# ------------------------------------------------------------------ node orbits


@njit(parallel=True, cache=True)
def node_orbits(
    indptr, indices, degree, tri, up_indptr, up_indices, start, stop, scratch, buffer, orbits
):
    """Fill ``orbits[x]`` (15 orbits) for the nodes ``start <= x < stop``.

    ``scratch`` is ``(n_workers, 3, n)`` int64 (stamp of ``N(x)``, stamp of the
    current common neighbourhood, common-neighbour counters) and ``buffer``
    ``(n_workers, 2, n)`` int64 (touched nodes, the current common neighbourhood).
    """
    n_workers = scratch.shape[0]
    for worker in prange(n_workers):
        in_nx = scratch[worker, 0]
        in_common = scratch[worker, 1]
        common = scratch[worker, 2]
        touched = buffer[worker, 0]
        shared = buffer[worker, 1]
        for x in range(start + worker, stop, n_workers):
            _orbits_of_node(
                x,
                indptr,
                indices,
                degree,
                tri,
                up_indptr,
                up_indices,
                in_nx,
                in_common,
                common,
                touched,
                shared,
                orbits[x],
            )


@njit(cache=True)
def _orbits_of_node(
    x,
    indptr,
    indices,
    degree,
    tri,
    up_indptr,
    up_indices,
    in_nx,
    in_common,
    common,
    touched,
    shared,
    out,
):
    dx = np.int64(degree[x])
    for q in range(indptr[x], indptr[x + 1]):
        in_nx[indices[q]] = x
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
    f_9_12 = 0
    f_4_8 = 0
    f_8_12 = 0
    cliques = 0  # 4-cliques on x: triangles of the subgraph induced by N(x)
    n_touched = 0
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
        n_shared = 0
        for p in range(indptr[y], indptr[y + 1]):
            z = indices[p]
            if z == x:
                continue
            tp = np.int64(tri[p])
            if in_nx[z] == x:  # triangle x, y, z: seen once from y and once from z
                f_12_14 += tp - 1
                f_10_13 += dy - 1 - tp
                if _outranks(z, y, degree):
                    in_common[z] = q
                    shared[n_shared] = z
                    n_shared += 1
            else:  # path x-y-z
                if common[z] == 0:
                    touched[n_touched] = z
                    n_touched += 1
                common[z] += 1
                f_9_12 += tp
                f_4_8 += degree[z] - 1 - tp
        # Triangles y < z < w (in rank) inside N(x): w is a common neighbour of x
        # and y that z points to, so each 4-clique on x is found exactly once.
        for i in range(n_shared):
            z = shared[i]
            for r in range(up_indptr[z], up_indptr[z + 1]):
                if in_common[up_indices[r]] == q:
                    cliques += 1
    for i in range(n_touched):
        c = common[touched[i]]
        f_8_12 += c * (c - 1)  # pairs of paths x-y-z, x-w-z: 4-cycles through x
        common[touched[i]] = 0
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


# ------------------------------------------------------------------ edge orbits


@njit(cache=True)
def node_sums(indptr, indices, degree, tri):
    """Per node: ``Σ_z tri(x, z)`` (twice its triangles) and ``Σ_z (deg z − 1)`` over N(x)."""
    n = indptr.shape[0] - 1
    tri_sum = np.zeros(n, dtype=np.int64)
    degree_sum = np.zeros(n, dtype=np.int64)
    for x in range(n):
        for p in range(indptr[x], indptr[x + 1]):
            tri_sum[x] += tri[p]
            degree_sum[x] += degree[indices[p]] - 1
    return tri_sum, degree_sum


@njit(parallel=True, cache=True)
def edge_orbit_sums(
    indptr,
    indices,
    degree,
    tri,
    up_indptr,
    up_indices,
    tri_sum,
    degree_sum,
    first_up,
    edge_offset,
    start,
    stop,
    scratch,
    buffer,
    half_cycles,
    eorbits,
):
    """Raw sums of the edges ``x < y`` with ``start <= x < stop`` into ``eorbits``.

    Also ``half_cycles[q]`` for every slot ``q = (x, y)`` of those rows: the
    paths ``x-y-z-w-x`` seen from ``x`` (``z`` not adjacent to ``x``), whose twin
    half from ``y`` only ``y``'s walk can count; :func:`solve_edge_orbits` adds
    the two once every row is done.

    ``scratch`` is ``(n_workers, 4, n)`` int64 (stamp of ``N(x)``, slot of ``x → z``,
    stamp of the common neighbourhood, counters); ``buffer`` ``(n_workers, 2, n)``.
    """
    n_workers = scratch.shape[0]
    for worker in prange(n_workers):
        in_nx = scratch[worker, 0]
        slot_of = scratch[worker, 1]
        in_common = scratch[worker, 2]
        common = scratch[worker, 3]
        touched = buffer[worker, 0]
        shared = buffer[worker, 1]
        for x in range(start + worker, stop, n_workers):
            dx = np.int64(degree[x])
            for q in range(indptr[x], indptr[x + 1]):
                in_nx[indices[q]] = x
                slot_of[indices[q]] = q
            # common[z] = |N(x) ∩ N(z)| for every z at distance two from x.
            n_touched = 0
            for q in range(indptr[x], indptr[x + 1]):
                y = indices[q]
                for p in range(indptr[y], indptr[y + 1]):
                    z = indices[p]
                    if z != x and in_nx[z] != x:
                        if common[z] == 0:
                            touched[n_touched] = z
                            n_touched += 1
                        common[z] += 1
            for q in range(indptr[x], indptr[x + 1]):
                y = indices[q]
                owned = y > x
                cycles = 0
                tri_yz = 0  # Σ over common neighbours z of tri(y, z)
                tri_xz = 0
                degree_z = 0  # Σ over common neighbours z of deg z
                n_shared = 0
                for p in range(indptr[y], indptr[y + 1]):
                    z = indices[p]
                    if z == x:
                        continue
                    if in_nx[z] == x:
                        if owned:
                            tri_yz += tri[p]
                            tri_xz += tri[slot_of[z]]
                            degree_z += degree[z]
                            in_common[z] = q
                            shared[n_shared] = z
                            n_shared += 1
                    else:
                        cycles += common[z] - 1
                half_cycles[q] = cycles
                if not owned:
                    continue
                cliques = 0  # edges among the common neighbours of x and y
                for i in range(n_shared):
                    for r in range(up_indptr[shared[i]], up_indptr[shared[i] + 1]):
                        if in_common[up_indices[r]] == q:
                            cliques += 1
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
                row[11] = cliques
            for i in range(n_touched):
                common[touched[i]] = 0


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
