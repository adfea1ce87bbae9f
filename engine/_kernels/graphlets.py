"""Graphlet-orbit kernels: simple-graph CSR, per-edge triangles, node and edge orbits.

Every kernel takes the CSR of a *simple undirected* graph (both directions
stored, rows sorted, no self-loops). The two orbit walks hand out nodes
in small chunks to whichever thread is free (the caller sets the chunk size),
each thread using the scratch row of its ``numba.get_thread_id()``; the other
kernels split nodes over ``n_workers`` workers, worker ``w`` taking ``w, w +
n_workers, ...``, which spreads the hubs that generators and crawls number
first. Scratch arrays are O(n) per thread, allocated once and never cleared:
an entry stamped with the current node (or slot) id is "set", anything else
"unset". Results go to rows the thread owns, except the 4-clique tallies,
which use atomic adds.

The orbit equations are those of Hočevar & Demšar (2014); the comments name
what each raw sum over-counts and the solvers subtract it.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def _atomic_add(typingctx, array, index, value):
    """``array[index] += value`` as one atomic instruction (LLVM ``atomicrmw add``)."""

    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        data = context.make_array(array_type)(context, builder, args[0])
        pointer = cgutils.get_item_pointer(context, builder, array_type, data, [args[1]])
        amount = context.cast(builder, args[2], signature.args[2], array_type.dtype)
        builder.atomic_rmw("add", pointer, amount, "monotonic")
        return context.get_dummy_value()

    return types.void(array, index, value), codegen


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


# ------------------------------------------------------------------ 4-cliques


@njit(parallel=True, cache=True)
def count_cliques(up_indptr, up_indices, n_workers, node_cliques, slot_cliques, per_slot):
    """Every 4-clique once, from its lowest-ranked node, added to its nodes and edges.

    ``a < b < c < d`` in rank: ``b`` is an out-neighbour of ``a``, ``c`` one of both,
    ``d`` one of all three. Walking out-lists only (each at most ``√(2m)`` long)
    is far cheaper than a search around every node. The cliques of one pair
    ``(a, b)`` are tallied per node first, so other workers' nodes get one atomic
    add per triangle ``a, b, c`` rather than one per clique. With ``per_slot``,
    ``slot_cliques[r]`` counts the 4-cliques on the edge of out-list slot ``r``.
    """
    n = up_indptr.shape[0] - 1
    for worker in prange(n_workers):
        # in_a[v] = a while v is an out-neighbour of a (slot_a[v]: its slot);
        # in_ab[v] = slot of (a, b) while v is an out-neighbour of both, and then
        # v = both[position[v]], slot_b[v] its slot in b's list.
        in_a = np.full(n, -1, dtype=np.int64)
        in_ab = np.full(n, -1, dtype=np.int64)
        position = np.zeros(n, dtype=np.int64)
        slot_a = np.empty(n, dtype=np.int64)
        slot_b = np.empty(n, dtype=np.int64)
        both = np.empty(n, dtype=np.int64)
        hits = np.zeros(n, dtype=np.int64)
        for a in range(worker, n, n_workers):
            if up_indptr[a + 1] - up_indptr[a] < 3:
                continue
            for r in range(up_indptr[a], up_indptr[a + 1]):
                in_a[up_indices[r]] = a
                slot_a[up_indices[r]] = r
            on_a = 0
            for r_ab in range(up_indptr[a], up_indptr[a + 1]):
                b = up_indices[r_ab]
                n_both = 0
                for r in range(up_indptr[b], up_indptr[b + 1]):
                    c = up_indices[r]
                    if in_a[c] == a:
                        in_ab[c] = r_ab
                        slot_b[c] = r
                        position[c] = n_both
                        both[n_both] = c
                        hits[n_both] = 0
                        n_both += 1
                if n_both < 2:
                    continue
                on_ab = 0
                for i in range(n_both):
                    c = both[i]
                    on_c = 0
                    for r_cd in range(up_indptr[c], up_indptr[c + 1]):
                        d = up_indices[r_cd]
                        # Branch-free tally: about half the tests hit on dense graphs.
                        hit = np.int64(in_ab[d] == r_ab)
                        on_c += hit
                        hits[position[d]] += hit
                        if per_slot and hit:
                            # One add per clique: skip the locked instruction
                            # when no other thread can touch the array.
                            if n_workers == 1:
                                slot_cliques[r_cd] += 1
                            else:
                                _atomic_add(slot_cliques, r_cd, 1)
                    hits[i] += on_c
                    on_ab += on_c
                if on_ab == 0:
                    continue
                on_a += on_ab
                _atomic_add(node_cliques, b, on_ab)
                if per_slot:
                    _atomic_add(slot_cliques, r_ab, on_ab)
                for i in range(n_both):
                    if hits[i]:
                        _atomic_add(node_cliques, both[i], hits[i])
                        if per_slot:
                            _atomic_add(slot_cliques, slot_a[both[i]], hits[i])
                            _atomic_add(slot_cliques, slot_b[both[i]], hits[i])
            if on_a:
                _atomic_add(node_cliques, a, on_a)


# ------------------------------------------------------------------ node orbits

# A worker's ``state[z]`` answers both "is z in N[x]?" and "how many common
# neighbours have x and z?" with one memory access, the cost that dominates:
# ``-(x + 1)`` marks N[x]; ``(x + 1) << 32 | c`` is the count c for the current x;
# anything else is left over from an earlier node and reads as 0. Nothing is
# ever cleared.
_COUNT_BITS = 32
_COUNT_LIMIT = 1 << _COUNT_BITS


@njit(cache=True)
def _count_of(value, base):
    count = value - base
    return count if 0 <= count < _COUNT_LIMIT else 0


@njit(parallel=True, cache=True)
def node_orbits(
    indptr, indices, degree, tri, tri_sum, open_sum, cliques, start, stop, state, orbits
):
    """Fill ``orbits[x]`` (15 orbits) for the nodes ``start <= x < stop``.

    ``tri_sum[y] = Σ_z tri(y, z)`` and ``open_sum[y] = Σ_z (deg z − 1 − tri(y, z))``
    over ``z`` in N(y) (:func:`node_sums`); ``cliques[x]`` is the number of
    4-cliques on ``x`` (:func:`count_cliques`); ``state`` is ``(n_workers, n)``
    int64, zeros at first (see above).
    """
    # Threads take nodes in chunks as they free up (the caller sets the chunk
    # size), so a thread that loses its core to another process holds up little.
    for x in prange(start, stop):
        _orbits_of_node(
            x,
            indptr,
            indices,
            degree,
            tri,
            tri_sum,
            open_sum,
            cliques[x],
            state[numba.get_thread_id()],
            orbits[x],
        )


@njit(cache=True)
def _orbits_of_node(x, indptr, indices, degree, tri, tri_sum, open_sum, cliques, state, out):
    dx = np.int64(degree[x])
    mark = -(x + 1)
    base = (x + 1) << _COUNT_BITS
    state[x] = mark
    for q in range(indptr[x], indptr[x + 1]):
        state[indices[q]] = mark
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
                count = _count_of(value, base)
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


# ------------------------------------------------------------------ edge orbits


@njit(parallel=True, cache=True)
def node_sums(indptr, indices, degree, tri):
    """Per node ``x``, over ``z`` in N(x): ``Σ tri(x, z)`` (twice x's triangles),
    ``Σ (deg z − 1)`` and ``Σ (deg z − 1 − tri(x, z))``."""
    n = indptr.shape[0] - 1
    tri_sum = np.zeros(n, dtype=np.int64)
    degree_sum = np.zeros(n, dtype=np.int64)
    for x in prange(n):
        for p in range(indptr[x], indptr[x + 1]):
            tri_sum[x] += tri[p]
            degree_sum[x] += degree[indices[p]] - 1
    return tri_sum, degree_sum, degree_sum - tri_sum


@njit(cache=True)
def _up_slot(up_indptr, up_indices, x, y, degree):
    """The out-list slot of edge (x, y): in y's list when x outranks y, else in x's."""
    if _outranks(x, y, degree):
        x, y = y, x
    row = up_indices[up_indptr[x] : up_indptr[x + 1]]
    return up_indptr[x] + np.searchsorted(row, y)


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

    ``state`` is ``(n_workers, n)`` int64, zeros at first (see :func:`node_orbits`);
    ``slots`` ``(n_workers, n)`` int64 receives the slot of ``x → z``.
    """
    for x in prange(start, stop):
        worker = numba.get_thread_id()
        here = state[worker]
        slot_of = slots[worker]
        dx = np.int64(degree[x])
        mark = -(x + 1)
        base = (x + 1) << _COUNT_BITS
        here[x] = mark
        for q in range(indptr[x], indptr[x + 1]):
            here[indices[q]] = mark
            slot_of[indices[q]] = q
        # First pass: |N(x) ∩ N(z)| for every z at distance two from x.
        for q in range(indptr[x], indptr[x + 1]):
            y = indices[q]
            for p in range(indptr[y], indptr[y + 1]):
                value = here[indices[p]]
                if value != mark:
                    here[indices[p]] = base + _count_of(value, base) + 1
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
            row[11] = slot_cliques[_up_slot(up_indptr, up_indices, x, y, degree)]


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


# ------------------------------------------------------------------ orbit adjacency


@njit(parallel=True, cache=True)
def slot_sums(indptr, indices, degree, tri, up_indptr, up_indices, slot_cliques, state, out):
    """Per CSR slot ``q = (x → y)``, the sums the one-hop orbit adjacencies need.

    ``out[q]`` = (Σ tri(y, z) over common neighbours z of x and y, Σ deg z over
    them, Σ (|N(x) ∩ N(w)| − 1) over w in N(y) \\ N[x], 4-cliques on the edge).
    ``state`` as in :func:`node_orbits`.
    """
    n = indptr.shape[0] - 1
    n_workers = state.shape[0]
    for worker in prange(n_workers):
        here = state[worker]
        for x in range(worker, n, n_workers):
            mark = -(x + 1)
            base = (x + 1) << _COUNT_BITS
            here[x] = mark
            for q in range(indptr[x], indptr[x + 1]):
                here[indices[q]] = mark
            for q in range(indptr[x], indptr[x + 1]):
                y = indices[q]
                for p in range(indptr[y], indptr[y + 1]):
                    value = here[indices[p]]
                    if value != mark:
                        here[indices[p]] = base + _count_of(value, base) + 1
            for q in range(indptr[x], indptr[x + 1]):
                y = indices[q]
                tri_yz = 0
                degree_z = 0
                cycles = 0
                for p in range(indptr[y], indptr[y + 1]):
                    z = indices[p]
                    value = here[z]
                    if value == mark:
                        if z != x:
                            tri_yz += tri[p]
                            degree_z += degree[z]
                    else:
                        cycles += value - base - 1
                out[q, 0] = tri_yz
                out[q, 1] = degree_z
                out[q, 2] = cycles
                out[q, 3] = slot_cliques[_up_slot(up_indptr, up_indices, x, y, degree)]


@njit(parallel=True, cache=True)
def two_hop_pairs(indptr, indices, degree, tri, row_start, fill, state, scratch, columns, sums):
    """The non-adjacent pairs ``(x, z)`` with common neighbours, and per pair the sums
    the two-hop orbit adjacencies need.

    Without ``fill``, only ``row_start[x + 1]`` = the number of such ``z`` for each
    ``x``. With it, ``columns[row_start[x]:row_start[x + 1]]`` are those ``z`` and
    ``sums`` their (common neighbours c, Σ deg y, Σ tri(x, y), Σ tri(y, z), twice the
    edges among the common neighbours), y running over the common neighbours.
    ``scratch`` is ``(n_workers, 7, n)`` int64: a stamp of N(y), the position of z
    in x's row, and the five sums.
    """
    n = indptr.shape[0] - 1
    for x in prange(n):
        worker = numba.get_thread_id()
        here = state[worker]
        in_ny = scratch[worker, 0]
        position = scratch[worker, 1]
        mark = -(x + 1)
        base = (x + 1) << _COUNT_BITS
        here[x] = mark
        for q in range(indptr[x], indptr[x + 1]):
            here[indices[q]] = mark
        found = 0
        out = row_start[x]
        for q in range(indptr[x], indptr[x + 1]):
            y = indices[q]
            for p in range(indptr[y], indptr[y + 1]):
                z = indices[p]
                value = here[z]
                if value == mark:
                    continue
                count = _count_of(value, base)
                here[z] = base + count + 1
                if count == 0:
                    if fill:
                        position[z] = out + found
                        columns[out + found] = z
                        for k in range(5):
                            scratch[worker, 2 + k, z] = 0
                    found += 1
                if fill:
                    scratch[worker, 3, z] += degree[y]
                    scratch[worker, 4, z] += tri[q]
                    scratch[worker, 5, z] += tri[p]
                    in_ny[z] = y
            if not fill:
                continue
            # Edges {y, w} among the common neighbours of x and z: w a neighbour
            # of x and y, z one of w and y (each edge seen from both ends).
            for p in range(indptr[y], indptr[y + 1]):
                w = indices[p]
                if here[w] != mark or w == x:
                    continue
                for r in range(indptr[w], indptr[w + 1]):
                    z = indices[r]
                    if in_ny[z] == y and here[z] != mark:
                        scratch[worker, 6, z] += 1
        if not fill:
            row_start[x + 1] = found
            continue
        # Columns in increasing order, as scipy expects of a canonical CSR row.
        row = columns[out : out + found]
        row[:] = np.sort(row)
        for i in range(out, out + found):
            z = columns[i]
            sums[i, 0] = _count_of(here[z], base)
            for k in range(1, 5):
                sums[i, k] = scratch[worker, 2 + k, z]


@njit(parallel=True, cache=True)
def subtract_sorted_rows(indptr, indices, data, sub_indptr, sub_indices, sub_data):
    """``data -= sub`` in place, for CSR rows sorted by column, ``sub``'s pattern ⊆ ours.

    Returns how many entries of ``sub`` had no place in the pattern (0 when it holds).
    """
    n = indptr.shape[0] - 1
    missing = 0
    for row in prange(n):
        q = indptr[row]
        end = indptr[row + 1]
        for p in range(sub_indptr[row], sub_indptr[row + 1]):
            column = sub_indices[p]
            while q < end and indices[q] < column:
                q += 1
            if q < end and indices[q] == column:
                data[q] -= sub_data[p]
            else:
                missing += 1
    return missing


@njit(parallel=True, cache=True)
def three_step_walks(indptr, indices, row_start, fill, state, seen, walks, buffer, columns, counts):
    """Walks ``x-y-z-u`` with ``z`` and ``u`` both outside N[x], counted per pair ``(x, u)``.

    Without ``fill``, ``row_start[x + 1]`` = how many such ``u``; with it,
    ``columns``/``counts`` of row ``x`` (sorted by ``u``). Each distinct ``z`` at
    distance two is walked once, weighted by its common-neighbour count, so the
    work is ``Σ deg z`` over the two-step neighbourhood rather than over walks.
    ``state`` as in :func:`node_orbits`; ``seen``, ``walks`` ``(n_workers, n)``
    int64 (``seen`` -1 at first); ``buffer`` ``(n_workers, 2, n)`` int64.
    """
    n = indptr.shape[0] - 1
    for x in prange(n):
        worker = numba.get_thread_id()
        here = state[worker]
        seen_by = seen[worker]
        total = walks[worker]
        middles = buffer[worker, 0]
        ends = buffer[worker, 1]
        mark = -(x + 1)
        base = (x + 1) << _COUNT_BITS
        here[x] = mark
        for q in range(indptr[x], indptr[x + 1]):
            here[indices[q]] = mark
        n_middles = 0
        for q in range(indptr[x], indptr[x + 1]):
            y = indices[q]
            for p in range(indptr[y], indptr[y + 1]):
                value = here[indices[p]]
                if value == mark:
                    continue
                count = _count_of(value, base)
                if count == 0:
                    middles[n_middles] = indices[p]
                    n_middles += 1
                here[indices[p]] = base + count + 1
        n_ends = 0
        for i in range(n_middles):
            z = middles[i]
            weight = here[z] - base
            for p in range(indptr[z], indptr[z + 1]):
                u = indices[p]
                if here[u] == mark:
                    continue
                if seen_by[u] != x:
                    seen_by[u] = x
                    total[u] = 0
                    ends[n_ends] = u
                    n_ends += 1
                total[u] += weight
        if not fill:
            row_start[x + 1] = n_ends
            continue
        out = row_start[x]
        row = np.sort(ends[:n_ends])
        for i in range(n_ends):
            columns[out + i] = row[i]
            counts[out + i] = total[row[i]]
