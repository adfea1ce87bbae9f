"""Kernels every graphlet counter shares: the simple graph, triangles, 4-cliques, stamps.

Every kernel takes the CSR of a *simple undirected* graph (both directions
stored, rows sorted, no self-loops) as one :class:`~engine._kernels.csr.CSR`,
``csr`` (its weights empty), and the 4-clique kernels also the degree-oriented
copy, ``up`` (:func:`orient_by_degree`). The orbit walks of the other kernel
modules, and the ranked-graph kernels at the end, hand out nodes in small
chunks to whichever thread is free (the caller sets the chunk size), each
thread using the scratch row of its ``numba.get_thread_id()``; the older
kernels here split nodes over ``n_workers`` workers, worker ``w`` taking ``w,
w + n_workers, ...``, which spreads the hubs that generators and crawls number
first. Scratch arrays are O(n) per thread,
allocated once and never cleared: an entry stamped with the current node (or
slot) id is "set", anything else "unset". Results go to rows the thread owns,
except the 4-clique tallies, which use atomic adds.

The orbit equations are those of Hočevar & Demšar (2014); the comments name
what each raw sum over-counts and the solvers subtract it.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

from checks.twins import serial_and_parallel


@intrinsic
def atomic_add(typingctx, array, index, value):
    """``array[index] += value`` as one atomic instruction (LLVM ``atomicrmw add``)."""

    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        data = context.make_array(array_type)(context, builder, args[0])
        pointer = cgutils.get_item_pointer(context, builder, array_type, data, [args[1]])
        amount = context.cast(builder, args[2], signature.args[2], array_type.dtype)
        builder.atomic_rmw("add", pointer, amount, "monotonic")
        return context.get_dummy_value()

    return types.void(array, index, value), codegen


@intrinsic
def fetch_add(typingctx, array, index, value):
    """``array[index] += value``, atomically, returning the value before the add."""

    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        data = context.make_array(array_type)(context, builder, args[0])
        pointer = cgutils.get_item_pointer(context, builder, array_type, data, [args[1]])
        amount = context.cast(builder, args[2], signature.args[2], array_type.dtype)
        return builder.atomic_rmw("add", pointer, amount, "monotonic")

    return array.dtype(array, index, value), codegen


@njit(cache=True, inline="always")
def next_chunk(queue, first, last):
    """The next ``(start, stop)`` of items ``first..last-1`` off a shared queue, or an
    empty range when none is left.

    ``queue`` is int64 ``[taken, chunk]`` (``taken`` 0 at first): each call takes the
    next ``chunk`` items. Numba's ``prange`` hands each thread a fixed block of the
    range (OpenMP's static schedule, whatever ``parallel_chunksize`` says), so the
    ranked passes, whose items come heaviest first, run one loop per thread over
    this queue instead: a thread takes more while another is busy, or has lost its
    core to another process.
    """
    start = first + fetch_add(queue, 0, queue[1])
    return start, min(start + queue[1], last)


@njit(cache=True)
def outranks(a, b, degree):
    """True when node ``a`` comes after ``b`` in the (degree, id) order."""
    return degree[a] > degree[b] or (degree[a] == degree[b] and a > b)


# ------------------------------------------------------------------ preparation


@njit(inline="always")
def _keeps(y, x, degree, upward):
    """Whether row ``x`` keeps neighbour ``y``: any but x, or (``upward``) one that outranks x."""
    return outranks(y, x, degree) if upward else y != x


@serial_and_parallel
def _kept_entries(csr, degree, upward):
    """``(indptr, indices)`` of the entries :func:`_keeps` keeps, rows still sorted."""
    n = csr.indptr.shape[0] - 1
    counts = np.zeros(n + 1, dtype=np.int64)
    for x in prange(n):
        count = 0
        for p in range(csr.indptr[x], csr.indptr[x + 1]):
            count += _keeps(csr.indices[p], x, degree, upward)
        counts[x + 1] = count
    kept_indptr = np.cumsum(counts)
    kept_indices = np.empty(kept_indptr[n], dtype=csr.indices.dtype)
    for x in prange(n):
        out = kept_indptr[x]
        for p in range(csr.indptr[x], csr.indptr[x + 1]):
            if _keeps(csr.indices[p], x, degree, upward):
                kept_indices[out] = csr.indices[p]
                out += 1
    return kept_indptr, kept_indices


def drop_self_loops(csr):
    """``(indptr, indices)`` of the CSR without its diagonal entries (rows stay sorted)."""
    return _kept_entries(csr, np.empty(0, dtype=np.int64), False)


def orient_by_degree(csr, degree):
    """``(indptr, indices)``: the neighbours of each node that outrank it in (degree, id) order.

    Every edge appears once, pointing up the order, so a node's out-degree is at
    most ``sqrt(2m)``: walking out-lists keeps the 4-clique search cheap at hubs.
    """
    return _kept_entries(csr, degree, True)


@serial_and_parallel
def edge_triangles(csr, degree, n_workers):
    """``tri[p]``: common neighbours of the two endpoints of CSR slot ``p``.

    Each edge is handled once, by its higher-ranked endpoint ``x``, which walks
    the (shorter) list of the other endpoint ``y`` against a stamp of ``N(x)``
    and fills both slots of the edge: the one in row ``x`` and its twin in row ``y``.
    """
    indptr, indices = csr.indptr, csr.indices
    n = indptr.shape[0] - 1
    tri = np.zeros(indices.shape[0], dtype=np.int32)
    for worker in prange(n_workers):
        stamp = np.full(n, -1, dtype=np.int64)
        for x in range(worker, n, n_workers):
            for q in range(indptr[x], indptr[x + 1]):
                stamp[indices[q]] = x
            for q in range(indptr[x], indptr[x + 1]):
                y = indices[q]
                if outranks(y, x, degree):
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


# ------------------------------------------------------------------ 4-cliques


@serial_and_parallel
def count_cliques(up, n_workers, node_cliques, slot_cliques, per_slot):
    """Every 4-clique once, from its lowest-ranked node, added to its nodes and edges.

    ``a < b < c < d`` in rank: ``b`` is an out-neighbour of ``a``, ``c`` one of both,
    ``d`` one of all three. Walking out-lists only (each at most ``√(2m)`` long)
    is far cheaper than a search around every node. The cliques of one pair
    ``(a, b)`` are tallied per node first, so other workers' nodes get one atomic
    add per triangle ``a, b, c`` rather than one per clique. With ``per_slot``,
    ``slot_cliques[r]`` counts the 4-cliques on the edge of out-list slot ``r``
    (``up`` is the CSR of the out-lists, :func:`orient_by_degree`).
    """
    up_indptr, up_indices = up.indptr, up.indices
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
                                atomic_add(slot_cliques, r_cd, 1)
                    hits[i] += on_c
                    on_ab += on_c
                if on_ab == 0:
                    continue
                on_a += on_ab
                atomic_add(node_cliques, b, on_ab)
                if per_slot:
                    atomic_add(slot_cliques, r_ab, on_ab)
                for i in range(n_both):
                    if hits[i]:
                        atomic_add(node_cliques, both[i], hits[i])
                        if per_slot:
                            atomic_add(slot_cliques, slot_a[both[i]], hits[i])
                            atomic_add(slot_cliques, slot_b[both[i]], hits[i])
            if on_a:
                atomic_add(node_cliques, a, on_a)


# ------------------------------------------------------------------ stamped counters

# A worker's ``state[z]`` answers both "is z in N[x]?" and "how many common
# neighbours have x and z?" with one memory access, the cost that dominates:
# ``-(x + 1)`` marks N[x]; ``(x + 1) << 32 | c`` is the count c for the current x;
# anything else is left over from an earlier node and reads as 0. Nothing is
# ever cleared.
COUNT_BITS = 32
COUNT_LIMIT = 1 << COUNT_BITS


@njit(cache=True)
def count_of(value, base):
    """The common-neighbour count a stamped ``state`` entry holds for the node of ``base``."""
    count = value - base
    return count if 0 <= count < COUNT_LIMIT else 0


@njit(cache=True)
def stamp_neighbourhood(csr, x, state):
    """Mark N[x] in ``state``; returns ``(mark, base)``, x's mark and count base."""
    mark = -(x + 1)
    state[x] = mark
    for q in range(csr.indptr[x], csr.indptr[x + 1]):
        state[csr.indices[q]] = mark
    return mark, (x + 1) << COUNT_BITS


@njit(cache=True)
def count_two_step(csr, x, mark, base, state):
    """Stamp ``|N(x) ∩ N(z)|`` on every z at distance two from x (N[x] already marked)."""
    indptr, indices = csr.indptr, csr.indices
    for q in range(indptr[x], indptr[x + 1]):
        y = indices[q]
        for p in range(indptr[y], indptr[y + 1]):
            value = state[indices[p]]
            if value != mark:
                state[indices[p]] = base + count_of(value, base) + 1


# ------------------------------------------------------------------ per-node sums


@serial_and_parallel
def node_sums(csr, degree, tri):
    """Per node ``x``, over ``z`` in N(x): ``Σ tri(x, z)`` (twice x's triangles),
    ``Σ (deg z − 1)`` and ``Σ (deg z − 1 − tri(x, z))``."""
    indptr, indices = csr.indptr, csr.indices
    n = indptr.shape[0] - 1
    tri_sum = np.zeros(n, dtype=np.int64)
    degree_sum = np.zeros(n, dtype=np.int64)
    for x in prange(n):
        for p in range(indptr[x], indptr[x + 1]):
            tri_sum[x] += tri[p]
            degree_sum[x] += degree[indices[p]] - 1
    return tri_sum, degree_sum, degree_sum - tri_sum


@njit(cache=True)
def up_slot(up, x, y, degree):
    """The out-list slot of edge (x, y): in y's list when x outranks y, else in x's."""
    if outranks(x, y, degree):
        x, y = y, x
    row = up.indices[up.indptr[x] : up.indptr[x + 1]]
    return up.indptr[x] + np.searchsorted(row, y)


# ------------------------------------------------------------------ the ranked graph

# Node orbits renumber the nodes by rank, (degree, id) ascending, so that "the
# neighbours of v ranked below w" is a prefix of v's sorted row: the 4-cycle
# search stops early at every row, and hubs (ranked last) are never walked
# from below.


@njit(cache=True)
def rank_rows(csr, perm, rank, indptr, indices, low, wedges, reach):
    """Fill the ranked CSR: row ``r`` holds the ranks of node ``perm[r]``'s neighbours, sorted.

    Rows are filled by scattering the sources in rank order, so each row comes
    out sorted with no sort. Per rank ``r``, also: ``low[r]``, its neighbours
    ranked below it (its row's first ``low[r]`` entries); ``wedges[r]``, the
    paths ``r-u-w`` with ``u`` and ``w`` ranked below ``r`` (what the 4-cycle
    search walks from ``r``); ``reach[r]``, the degrees of its lower neighbours,
    summed (the rows counting triangles on its edges walks).
    """
    n = perm.shape[0]
    fill = indptr[:-1].copy()
    for r in range(n):
        x = perm[r]
        row_wedges = 0
        row_reach = 0
        for q in range(csr.indptr[x], csr.indptr[x + 1]):
            u = rank[csr.indices[q]]
            p = fill[u]
            indices[p] = r
            fill[u] = p + 1
            if u < r:
                # Row u holds only ranks below r so far: r's position is its count.
                row_wedges += p - indptr[u]
                row_reach += indptr[u + 1] - indptr[u]
            else:
                low[u] += 1
        wedges[r] = row_wedges
        reach[r] = row_reach


@serial_and_parallel
def ranked_triangles(ranked, low, first, last, queue, state, tri):
    """``tri[p]`` for the edges of ranks ``n-1-first`` down to ``n-last``: common neighbours
    of slot ``p``'s two ends, written to both of the edge's slots.

    Each edge is counted from its higher-ranked end ``x``, which stamps ``N(x)``
    and walks the row of the lower end ``y`` (the shorter one: rank follows
    degree). Ranks run from the top down, taken off ``queue``
    (:func:`next_chunk`) by one loop per row of ``state``, so the hubs' long
    lists go first and the light tail evens the threads out. ``state`` is
    ``(n_threads, n)`` int32, zeros at first.
    """
    indptr, indices = ranked.indptr, ranked.indices
    n = indptr.shape[0] - 1
    for worker in prange(state.shape[0]):
        stamp = state[worker]
        start, stop = next_chunk(queue, first, last)
        while start < stop:
            for i in range(start, stop):
                x = n - 1 - i
                if low[x] == 0:
                    continue  # x is no edge's higher end
                mark = x + 1
                for q in range(indptr[x], indptr[x + 1]):
                    stamp[indices[q]] = mark
                for q in range(indptr[x], indptr[x] + low[x]):
                    y = indices[q]
                    count = 0
                    twin = -1
                    for p in range(indptr[y], indptr[y + 1]):
                        z = indices[p]
                        count += stamp[z] == mark  # branch-free: a coin toss on dense rows
                        if z == x:
                            twin = p
                    tri[q] = count
                    tri[twin] = count
            start, stop = next_chunk(queue, first, last)


@serial_and_parallel
def rank_counts(csr, degree, low, reach, around):
    """Per node, without building the ranked graph: ``low``, its neighbours ranked below it
    in (degree, id) order; ``reach``, their degrees summed (see ``rank_rows``); and
    ``around``, all its neighbours' degrees summed."""
    indptr, indices = csr.indptr, csr.indices
    for x in prange(indptr.shape[0] - 1):
        count = 0
        below = 0
        total = 0
        for q in range(indptr[x], indptr[x + 1]):
            y = indices[q]
            total += degree[y]
            if outranks(x, y, degree):
                count += 1
                below += degree[y]
        low[x] = count
        reach[x] = below
        around[x] = total
