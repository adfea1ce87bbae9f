"""Kernels of the 2–4 node orbits: 4-cliques, triangle sums and 4-cycles on the ranked graph.

ORCA walks each node's two-step neighbourhood (``Σ deg²`` steps, which hubs
make huge); these kernels compute the same sums from passes over the graph
ranked by degree, each finding a pattern once from one of its nodes
(:mod:`engine.graphlets.four` says which). See
:mod:`engine.graphlets.common_kernels` for the CSR and scratch conventions.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange, types
from numba.extending import intrinsic

from checks.twins import serial_and_parallel
from engine.graphlets.common_kernels import next_chunk

# ------------------------------------------------------------------ on the ranked graph
#
# The kernels below work on the ranked CSR (common_kernels.rank_rows): nodes
# renumbered by (degree, id), rows sorted, so a node's lower neighbours are a
# prefix of its row and its *up-list* (the neighbours ranked above it, at most
# √(2m) of them) the rest. Each pass takes items from the top rank down in
# small chunks off a shared queue (common_kernels.next_chunk; the caller sets
# the size); a thread adds what lands on other nodes into its own row of an
# ``(n_threads, n)`` accumulator.


@serial_and_parallel
def cliques_and_triangle_sums(
    ranked,
    low,
    tri,
    first,
    last,
    queue,
    in_a,
    position,
    buffers,
    bits,
    tallies,
    cliques,
    triangle_sums,
):
    """4-cliques on each node, and the triangles of each node weighted by their opposite edge.

    For ranks ``a`` from ``n-1-first`` down to ``n-last``: every triangle
    ``a < b < c`` (in rank) adds ``tri(b, c)`` to ``triangle_sums`` of ``a``,
    ``tri(a, c)`` to ``b``'s and ``tri(a, b)`` to ``c``'s; every 4-clique
    ``a < b < c < d`` adds 1 to ``cliques`` of each. As in Chiba and
    Nishizeki's listing (and kClist), the subgraph of ``a``'s up-list is
    listed once per ``a``: each member's up-neighbours within it (its
    *sub-list*). The 4-cliques on an edge ``a``-``b`` are the edges among
    ``S``, ``b``'s sub-list: each ``x`` in ``S`` has as many as ``S`` holds of
    its neighbours, counted either by walking ``x``'s sub-list against a stamp
    of ``S`` or, when ``a``'s up-list is short enough to keep its adjacency as
    bits, as the popcount of ``x``'s bits ANDed with ``S``'s, whichever costs
    less (on R-MAT hubs most tests hit: one AND then counts 64 of them).

    ``in_a`` ``(n_threads, n)`` int64 zeros; ``position`` ``(n_threads, n)``
    int64; ``buffers`` ``(n_threads, 2, B)`` int32, each ``a``'s sub-lists when
    they fit in ``B`` entries (else ``x``'s whole up-list is walked); ``bits``
    ``(n_threads, K)`` uint64, the adjacency bits of up-lists of ``k`` nodes when
    ``k · ⌈k/64⌉ <= K``; ``tallies`` ``(n_threads, 4, U)`` int64 zeros, ``U`` >
    the longest up-list; ``cliques``, ``triangle_sums`` ``(n_threads, n)`` int64 zeros.
    Items are taken off ``queue`` (:func:`~engine.graphlets.common_kernels.next_chunk`)
    by one loop per thread.
    """
    indptr, indices = ranked.indptr, ranked.indices
    n = indptr.shape[0] - 1
    for worker in prange(in_a.shape[0]):
        start, stop = next_chunk(queue, first, last)
        while start < stop:
            for i in range(start, stop):
                a = n - 1 - i
                if indptr[a + 1] - indptr[a] - low[a] < 2:
                    continue  # no triangle has a as its lowest node
                _cliques_from(
                    indptr,
                    indices,
                    low,
                    tri,
                    a,
                    in_a[worker],
                    position[worker],
                    buffers[worker],
                    bits[worker],
                    tallies[worker],
                    cliques[worker],
                    triangle_sums[worker],
                )
            start, stop = next_chunk(queue, first, last)


@intrinsic
def _popcount(typingctx, x):
    """The set bits of a uint64 (LLVM ``ctpop``: one instruction)."""

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return types.uint64(types.uint64), codegen


_ONE = np.uint64(1)
_ALL = ~np.uint64(0)


@njit(cache=True)
def _cliques_from(indptr, indices, low, tri, a, in_a, position, buffer, bits, tally, cliques, sums):
    s = indptr[a] + low[a]
    k = indptr[a + 1] - s
    mark = a + 1
    for i in range(k):
        c = indices[s + i]
        in_a[c] = mark
        position[c] = i
    listed, offsets = buffer[0], buffer[1]
    capacity = listed.shape[0]
    clique_tally, sum_tally, key_of = tally[0], tally[1], tally[2]
    width = (k + 63) >> 6
    with_bits = k * width <= bits.shape[0]
    if with_bits:
        bits[: k * width] = 0
    # The sub-list of b (its up-neighbours that are also a's, as positions in
    # a's up-list, ascending) for every b; each entry c closes a triangle a, b, c.
    fits = True
    total = 0
    on_a = 0
    for i in range(k):
        b = indices[s + i]
        offsets[i] = total
        slot_ab = s + i
        for p in range(indptr[b] + low[b], indptr[b + 1]):
            c = indices[p]
            if in_a[c] == mark:
                j = position[c]
                on_a += tri[p]
                sum_tally[i] += tri[s + j]
                sum_tally[j] += tri[slot_ab]
                if with_bits:
                    bits[i * width + (j >> 6)] |= _ONE << np.uint64(j & 63)
                    bits[j * width + (i >> 6)] |= _ONE << np.uint64(i & 63)
                if fits:
                    if total < capacity:
                        listed[total] = j
                    else:
                        fits = False
                total += 1
    offsets[k] = total
    sums[a] += on_a
    on_a = 0
    for i in range(k):
        b = indices[s + i]
        key = s + i + 1  # unique to the pair (a, b)
        on_b = 0
        if fits:
            size = offsets[i + 1] - offsets[i]
            if size < 2:
                continue
            walk = 0
            for t in range(offsets[i], offsets[i + 1]):
                j = listed[t]
                walk += offsets[j + 1] - offsets[j]
            # S's members all come after b in a's up-list: only those words.
            low_word = (i + 1) >> 6
            if with_bits and size * (width - low_word) < walk:
                row = i * width
                head = _ALL << np.uint64((i + 1) & 63)
                for t in range(offsets[i], offsets[i + 1]):
                    j = listed[t]
                    other = j * width
                    count = _popcount(bits[row + low_word] & bits[other + low_word] & head)
                    for w in range(low_word + 1, width):
                        count += _popcount(bits[row + w] & bits[other + w])
                    hits = np.int64(count)
                    clique_tally[j] += hits
                    on_b += hits
                on_b //= 2
            else:
                for t in range(offsets[i], offsets[i + 1]):
                    key_of[listed[t]] = key
                for t in range(offsets[i], offsets[i + 1]):
                    j = listed[t]
                    on_c = 0
                    for u in range(offsets[j], offsets[j + 1]):
                        m = listed[u]
                        # Branch-free: on dense graphs about half the tests hit.
                        hit = np.int64(key_of[m] == key)
                        on_c += hit
                        clique_tally[m] += hit
                    clique_tally[j] += on_c
                    on_b += on_c
        else:
            for p in range(indptr[b] + low[b], indptr[b + 1]):
                c = indices[p]
                if in_a[c] == mark:
                    key_of[position[c]] = key
            for p in range(indptr[b] + low[b], indptr[b + 1]):
                c = indices[p]
                if in_a[c] != mark:
                    continue
                j = position[c]
                on_c = 0
                for r in range(indptr[c] + low[c], indptr[c + 1]):
                    d = indices[r]
                    if in_a[d] == mark:
                        hit = np.int64(key_of[position[d]] == key)
                        on_c += hit
                        clique_tally[position[d]] += hit
                clique_tally[j] += on_c
                on_b += on_c
        clique_tally[i] += on_b
        on_a += on_b
    cliques[a] += on_a
    for i in range(k):
        c = indices[s + i]
        if clique_tally[i]:
            cliques[c] += clique_tally[i]
            clique_tally[i] = 0
        if sum_tally[i]:
            sums[c] += sum_tally[i]
            sum_tally[i] = 0


@serial_and_parallel
def four_cycles(ranked, low, first, last, queue, counts, touched, cycles):
    """Twice the 4-cycles (as subgraphs, chords allowed) through each node, from ranks
    ``n-1-first`` down to ``n-last`` as the top of the cycle.

    A 4-cycle is found once, from its top-ranked node ``v``: ``v``'s lower
    neighbours ``u``, their neighbours ``w`` ranked below ``v`` (a prefix of each
    sorted row). ``k`` paths ``v-u-w`` close ``k(k-1)/2`` cycles on the pair
    ``v, w``, and each ``u`` lies on ``k - 1`` of them: a first walk counts the
    paths to each ``w``, a second reads the counts. ``cycles[x]`` ends as
    ``Σ_z c(x,z)(c(x,z)-1)`` over ``z ≠ x``, with ``c`` the common neighbours.
    ``counts`` ``(n_threads, n)`` int32 zeros (left zero); ``touched``
    ``(n_threads, n)`` int32; ``cycles`` ``(n_threads, n)`` int64 zeros. Items
    are taken off ``queue`` (:func:`~engine.graphlets.common_kernels.next_chunk`).
    """
    indptr, indices = ranked.indptr, ranked.indices
    n = indptr.shape[0] - 1
    for worker in prange(counts.shape[0]):
        start, stop = next_chunk(queue, first, last)
        while start < stop:
            for i in range(start, stop):
                v = n - 1 - i
                if low[v] < 2:
                    continue  # no 4-cycle has v on top
                _cycles_from(
                    indptr, indices, low, v, counts[worker], touched[worker], cycles[worker]
                )
            start, stop = next_chunk(queue, first, last)


@njit(cache=True)
def _cycles_from(indptr, indices, low, v, counts, touched, cycles):
    # Branch-free walks (which w are new is a coin toss the predictor loses); each
    # row's w below v are a prefix of it.
    end = indptr[v] + low[v]
    size = 0
    for q in range(indptr[v], end):
        u = indices[q]
        p, stop = indptr[u], indptr[u + 1]
        while p < stop and indices[p] < v:
            w = indices[p]
            count = counts[w]
            touched[size] = w
            size += count == 0
            counts[w] = count + 1
            p += 1
    for q in range(indptr[v], end):
        u = indices[q]
        on_u = 0
        p = first = indptr[u]
        stop = indptr[u + 1]
        while p < stop and indices[p] < v:
            on_u += counts[indices[p]]
            p += 1
        cycles[u] += 2 * (on_u - (p - first))
    on_v = 0
    for t in range(size):
        w = touched[t]
        count = np.int64(counts[w])
        pairs = count * (count - 1)
        on_v += pairs
        cycles[w] += pairs
        counts[w] = 0
    cycles[v] += on_v


# Columns of the per-node sums that node_orbit_sums fills and solve_orbits reads.
LOCAL_SUMS = 12


@serial_and_parallel
def node_orbit_sums(ranked, rank, tri, tri_sum, open_sum, start, stop, sums):
    """``sums[x - start]`` for nodes (original ids) ``start <= x < stop``: the sums over
    x's edges that the orbit equations need (all but cliques, triangles weighted by
    their opposite edge, and 4-cycles).

    ``tri_sum[y] = Σ_z tri(y, z)`` and ``open_sum[y] = Σ_z (deg z − 1 − tri(y, z))``
    over ``z`` in N(y), ranked (``node_sums`` on the ranked graph).
    """
    indptr, indices = ranked.indptr, ranked.indices
    for x in prange(start, stop):
        r = rank[x]
        out = sums[x - start]
        dx = np.int64(indptr[r + 1] - indptr[r])
        o1 = 0
        twice_o3 = 0
        f_13_14 = 0
        f_11_13 = 0
        f_7_11 = 0
        f_5_8 = 0
        f_6_9 = 0
        f_9_12 = 0
        f_4_8 = 0
        weighted = 0  # Σ over triangles x, y, z of deg y + deg z
        for q in range(indptr[r], indptr[r + 1]):
            y = indices[q]
            dy = np.int64(indptr[y + 1] - indptr[y])
            t = np.int64(tri[q])
            open_x = dx - 1 - t
            open_y = dy - 1 - t
            twice_o3 += t
            f_13_14 += t * (t - 1)
            f_11_13 += t * open_x
            f_7_11 += open_x * (open_x - 1)
            f_5_8 += open_x * open_y
            o1 += open_y
            f_6_9 += open_y * (open_y - 1)
            f_9_12 += tri_sum[y] - t
            f_4_8 += open_sum[y] - open_x
            weighted += t * dy
        out[0] = dx
        out[1] = o1
        out[2] = twice_o3
        out[3] = f_13_14
        out[4] = f_11_13
        out[5] = f_7_11
        out[6] = f_5_8
        out[7] = f_6_9
        out[8] = f_9_12
        out[9] = f_4_8
        out[10] = weighted
        out[11] = r


@serial_and_parallel
def solve_orbits(sums, cliques, triangle_sums, cycles, orbits):
    """The 15 orbits of each row of ``sums`` (:func:`node_orbit_sums`), with the node's
    4-cliques, opposite-edge triangle sum and 4-cycle count (indexed by rank)."""
    for i in prange(sums.shape[0]):
        row = sums[i]
        out = orbits[i]
        r = row[11]
        dx, o1, twice_o3, f_13_14 = row[0], row[1], row[2], row[3]
        f_11_13, f_7_11, f_5_8, f_6_9 = row[4], row[5], row[6], row[7]
        k, e = cliques[r], triangle_sums[r]
        o3 = twice_o3 // 2
        # ORCA's sums over the walk from x, summed per triangle (each seen from both
        # sides) and per 4-cycle rather than per step of the walk.
        f_12_14 = e - o3
        f_10_13 = row[10] - 2 * o3 - 2 * e
        f_9_12 = row[8] - 2 * e
        f_4_8 = row[9] - f_10_13
        f_8_12 = cycles[r] - f_13_14
        out[0] = dx
        out[1] = o1
        out[2] = dx * (dx - 1) // 2 - o3
        out[3] = o3
        out[14] = k
        out[13] = (f_13_14 - 6 * k) // 2
        out[12] = f_12_14 - 3 * k
        out[11] = (f_11_13 - f_13_14 + 6 * k) // 2
        out[10] = f_10_13 - f_13_14 + 6 * k
        out[9] = (f_9_12 - 2 * f_12_14 + 6 * k) // 2
        out[8] = (f_8_12 - 2 * f_12_14 + 6 * k) // 2
        out[7] = (f_13_14 + f_7_11 - f_11_13 - 6 * k) // 6
        out[6] = (2 * f_12_14 + f_6_9 - f_9_12 - 6 * k) // 2
        out[5] = 2 * f_12_14 + f_5_8 - f_8_12 - 6 * k
        out[4] = 2 * f_12_14 + f_4_8 - f_8_12 - 6 * k


@serial_and_parallel
def up_reach(ranked, low, out):
    """``out[a]``: the up-list lengths of ``a``'s up-neighbours, summed (the steps of
    listing the triangles with ``a`` lowest)."""
    indptr, indices = ranked.indptr, ranked.indices
    for a in prange(indptr.shape[0] - 1):
        total = 0
        for p in range(indptr[a] + low[a], indptr[a + 1]):
            b = indices[p]
            total += indptr[b + 1] - indptr[b] - low[b]
        out[a] = total
