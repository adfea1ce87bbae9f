"""Five-node graphlet kernels: the ESU walk, and the probe sums of the counting mode.

The enumeration kernel (every connected 5-node set once, each classified by table)
is in :mod:`engine.graphlets.five_enumeration_kernels`; it walks as described here.

The sets are enumerated with ESU (Wernicke 2006): from each root ``v``, sets
whose other nodes all have larger ids, grown one node at a time from an
*extension list*: a new node ``w`` adds to the list only its *exclusive*
neighbours (larger than ``v``, adjacent to no node already in the set), so every
connected set is reached along exactly one path. The depth is fixed at five,
so the four levels are written out as nested loops.

A per-thread array ``mask[z]`` holds, in bits 0–3, which of the set's first
four nodes (positions 0–3: ``v``, then the nodes in the order added) ``z`` is
adjacent to, and in bits 4–7 whether ``z`` *is* one of them. One read then
answers "is ``z`` outside the closed neighbourhood of the set?" (``mask == 0``)
and "which members is it adjacent to?", which, packed position by position,
is the set's 10-bit adjacency code: position ``s`` contributes its adjacency
to positions ``0..s-1`` at bit offset ``s(s-1)/2``. ``orbit_of[code, s]`` (built
in :mod:`engine.graphlets.five`) is the orbit of the node at position ``s``.

The fifth nodes of one 4-node set are tallied by their 4-bit adjacency pattern
first, so the four fixed nodes get one add per pattern rather than one per
5-node set. Each thread adds into its own ``counts[thread]`` (roots spread
their sets over other nodes' rows); the caller sums the threads.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from checks.twins import serial_and_parallel

# Common-neighbour counts use the stamped encoding every orbit kernel shares (see there).
from engine.graphlets.common_kernels import COUNT_BITS, count_of, next_chunk
from engine.graphlets.five_probe_kernels import (
    _MEMBERS,
    _SUFFIX,
    _WORDS_PER_STEP,
    _and_count,
    _candidates,
    _common3,
    _common_of_pair,
    _common_of_root_pair,
    _count_common,
    _edge_triangles,
    _level2_probe,
    _next_stamp,
    _search,
    _spans_pay,
    _stamp_neighbours,
)

_MEMBER = 16  # mask bit of position 0; position s is bit 4 + s


@njit(cache=True, inline="always")
def _mark(csr, node, position, mask):
    """Add ``node`` at ``position``: its neighbours learn the adjacency, it the membership."""
    bit = np.int32(1 << position)
    for p in range(csr.indptr[node], csr.indptr[node + 1]):
        mask[csr.indices[p]] |= bit
    mask[node] |= np.int32(_MEMBER << position)


@njit(cache=True, inline="always")
def _unmark(csr, node, position, mask):
    keep = np.int32(~(1 << position))
    for p in range(csr.indptr[node], csr.indptr[node + 1]):
        mask[csr.indices[p]] &= keep
    mask[node] &= np.int32(~(_MEMBER << position))


@njit(cache=True, inline="always")
def _extend(csr, root, w, parent, start, stop, mask, out, slots):
    """``out`` = ``parent[start:stop]`` then the exclusive neighbours of ``w`` larger than
    ``root`` (-1: any), each with the CSR slot of its edge from ``w`` in ``slots``
    (call before marking ``w``); returns the length."""
    size = 0
    for i in range(start, stop):
        out[size] = parent[i]
        size += 1
    for p in range(csr.indptr[w], csr.indptr[w + 1]):
        u = csr.indices[p]
        if u > root and mask[u] == 0:
            out[size] = u
            slots[size] = p
            size += 1
    return size


# ------------------------------------------------------------------ equations

# The counting mode: from each node x, every connected 4-node set T that holds x
# (ESU rooted at x, without the smallest-id rule), and for each T the *probes*
# its adjacency code asks for: a probe (P, j) adds to sum j of x the number of
# nodes outside T adjacent to every node of P (positions in T). Each sum is a
# known mix of 5-node orbit counts (engine.graphlets.five solves the system). Most
# probes cost O(1): one node's degree, or a common-neighbour count with x, summed
# per code over the last node (see _candidates: only the last nodes adjacent to
# w2, or whose code has rows of its own, are visited one by one). The rest count
# the nodes adjacent to all of P from stamped counts, a popcount of ANDed
# adjacency bits, or a walk of P's lowest-degree node's row, whichever is cheapest.


# Probe kinds (decided per code in engine.graphlets.five, with the positions they use):
DEGREE = 0  # one node: its degree
COMMON = 1  # node ``a`` (position 0 or 1) and node ``b``: their common neighbours
EDGE = 2  # an edge ``a``-``b``: its triangle count
SCAN = 3  # anything else: scan the lowest-degree node's neighbours


class Probes(NamedTuple):
    """The probes of every 4-node code, as :func:`five_node_sums` reads them (chosen
    in :mod:`engine.graphlets.five`).

    Attributes
    ----------
    start : int64 (65,)
        The rows of the 6-bit code ``c`` of T (x at position 0) are
        ``rows[start[c]:start[c + 1]]``.
    split : int64 (64,)
        Degree and common-neighbour rows come first, edge and scan rows from
        ``split[c]`` on.
    rows : int64 (k, 7)
        Per probe: the sum it adds to, its kind, positions ``a`` and ``b``, the
        4-bit set of positions, how many nodes of T to subtract (those adjacent
        to the whole set, which scans skip themselves), and how many nodes of T
        are adjacent to the whole set.
    """

    start: np.ndarray
    split: np.ndarray
    rows: np.ndarray


_SEARCH_COST = 8
# Rows of more words than this may be ANDed over their common span only (finding
# it costs more than it saves on narrow rows).
_SPANS_FROM_WORDS = 32


@serial_and_parallel
def five_node_sums(
    csr, degree, reach, tri, words, probes, start, stop, masks, commons, lists, scratch, sums
):
    """``sums[x - start, j]`` for ``start <= x < stop``: probe sums over the 4-node sets holding x.

    ``probes`` says which sums each 4-node set T adds to (:class:`Probes`).
    ``masks`` ``(n_threads, n)`` int32 zeros; ``commons`` ``(n_threads, 7, n)``
    int64 zeros; ``lists`` ``(n_threads, 8, L)`` int64, ``L >= 3 × max degree``;
    ``scratch`` ``(n_threads, 80)`` int64 zeros (column 0: the last stamp of
    ``commons[t, 2]``; the rest, small per-root arrays allocated once);
    ``tri`` the common neighbours of each CSR slot's two ends; ``reach`` each
    node's neighbours' degrees, summed; ``words`` ``(n, W)`` uint64 each node's
    adjacency bits (``W = 0``: none, scans walk rows).
    """
    tables = _probe_tables(probes)
    # One loop per thread, each taking roots off a shared queue (next_chunk): prange
    # alone gives each thread a fixed block of roots, and hubs carry most of the work.
    queue = np.array([0, 1], dtype=np.int64)
    for thread in prange(masks.shape[0]):
        first, last = next_chunk(queue, start, stop)
        while first < last:
            x = first
            _sums_of_root(
                csr,
                degree,
                reach,
                tri,
                words,
                probes,
                tables,
                x,
                masks[thread],
                commons[thread],
                lists[thread],
                scratch[thread],
                sums[x - start],
            )
            first, last = next_chunk(queue, start, stop)


@njit(cache=True)
def _probe_tables(probes):
    """``(needs, scan_rows, per_set)``: which level-2 probes the codes below each
    3-bit code of (x, w1, w2) scan, how many rows of each a code scans, and which
    codes have rows to run per set (once per call, not per root: on the 2642
    nodes of lgc-minnesota, per-root tables and arrays were half the time)."""
    probe_start, probe_split, probe_rows = probes.start, probes.split, probes.rows
    needs = np.zeros(8, dtype=np.int64)
    scan_rows = np.zeros((64, 3), dtype=np.int64)
    per_set = np.zeros(64, dtype=np.bool_)
    for code in range(64):
        per_set[code] = probe_split[code] < probe_start[code + 1]
        for e in range(probe_split[code], probe_start[code + 1]):
            if probe_rows[e, 1] == SCAN:
                k = _level2_probe(probe_rows[e, 4])
                if k >= 0:
                    needs[code & 7] |= 1 << k
                    scan_rows[code, k] += 1
    return needs, scan_rows, per_set


# Scans were 80% of the time on lgc-ppi-mips. The probes of positions {1, 2, 3}
# (13 of the 28 scanned rows), {2, 3} (8) and {0, 2, 3} (2) can instead be read
# from counts stamped, once per (x, w1, w2), on every neighbour y of each z in
# N(w1) ∩ N(w2), N(w2) and N(x) ∩ N(w2) (less T's nodes): worth it when those z's
# degrees add up to less than the scans below them would cost (hubs' neighbourhoods,
# dense graphs). Row k + 3 of ``common`` holds probe k's counts.
_LEVEL2_PAIRS = ((1, 2), (2, -1), (0, 2))  # the positions whose common neighbours are z
# The probe of x, w1 and w3 the same way, stamped once per (x, w1) at its first use
# and read by every 4-node set below it (w2 is not left out of N(x) ∩ N(w1) there,
# so the reader subtracts it when it is a common neighbour adjacent to w3).
_WITH_ROOT = 0b1011
_W2_IN_ROOT_PAIR = 0b100110  # code bits: x-w2, w1-w2, w2-w3
_STAMP_LIMIT = (1 << 31) - 8
# The probe of x, w1 and w2 does not depend on w3: counted once per (x, w1, w2).
# That of all four: stamped from N(x) ∩ N(w1) ∩ N(w2) (few nodes) at first use.
_FIRST_THREE = 0b0111
_ALL_FOUR = 0b1111


@njit(cache=True)
def _sums_of_root(
    csr, degree, reach, tri, words, probes, tables, x, mask, common, lists, scratch, out
):
    indptr, indices = csr.indptr, csr.indices
    n_words = words.shape[1]
    probe_start, probe_split, probe_rows = probes.start, probes.split, probes.rows
    needs, scan_rows, per_set = tables
    # Small arrays, views of ``scratch`` (an allocation per root costs more than a
    # small graph's walk).
    stamps = scratch[0:1]
    bases = scratch[1:3]
    level2_bases = scratch[3:6]
    lows = scratch[6:9]
    scans = scratch[9:12]
    nodes = scratch[12:16]
    p_nodes = scratch[16:20]
    spans = scratch[20:22]
    class_sizes = scratch[22:26]
    tally = scratch[26:58].reshape((4, 8))
    # Per class, the tallies of every level-2 entry after w2 (``running[:, c]``).
    running = scratch[58:74].reshape((4, 4))
    bases[0] = np.int64(x + 1) << COUNT_BITS
    _count_common(csr, x, bases[0], common[0])
    level2, level3 = lists[0], lists[1]
    slots2, slots3 = lists[2], lists[3]
    found = lists[4]
    # The level-2 entries after the current w2, by their adjacency to x and w1
    # (class 1: x only, 2: w1 only, 3: both); rows 5–7 of ``lists``.
    classes = lists[5:8]
    with_root = common[2]
    nodes[0] = x
    first, last = indptr[x], indptr[x + 1]
    _mark(csr, x, 0, mask)
    for i1 in range(first, last):
        w1 = indices[i1]
        nodes[1] = w1
        # Common neighbours with w1: the slot number i1 stamps the pair (x, w1).
        bases[1] = np.int64(i1 + 1) << COUNT_BITS
        _count_common(csr, w1, bases[1], common[1])
        n2 = _extend(csr, -1, w1, indices, i1 + 1, last, mask, level2, slots2)
        inherited2 = last - i1 - 1  # entries before this one came from N(x), not N(w1)
        _mark(csr, w1, 1, mask)
        root_base = np.int64(-1)
        running[:] = 0
        class_sizes[:] = 0
        # Backwards, so that the entries after w2 (its level-3 candidates from the
        # level-2 list) are those already passed: flagged _SUFFIX in ``mask``,
        # listed per class, and their tallies summed per class in ``running``.
        for i2 in range(n2 - 1, -1, -1):
            w2 = level2[i2]
            nodes[2] = w2
            code2 = 1 | (mask[w2] & 3) << 1
            if code2 & 4:  # w1-w2 is an edge: its triangles (the slot is known unless inherited)
                if i2 >= inherited2:
                    tri12 = np.int64(tri[slots2[i2]])
                else:
                    tri12 = _edge_triangles(csr, degree, tri, w1, w2)
            else:
                tri12 = 0
            _mark(csr, w2, 2, mask)
            n3 = _candidates(
                csr, degree, common, bases, code2, w2, mask, per_set, running, classes,
                class_sizes, tally, level3, slots3,
            )  # fmt: skip
            if stamps[0] >= _STAMP_LIMIT:
                common[2:] = 0
                stamps[0] = 0
                root_base = -1
            level2_bases[:] = -1
            first_three = np.int64(-1)  # |N(x) ∩ N(w1) ∩ N(w2) − T|, at first use
            all_four_base = np.int64(-1)
            if needs[code2] and n3 > 0:
                # What the scans below would cost, against a bound on stamping (the
                # degrees of the scanned node's neighbours): nothing is built unless
                # it pays.
                for k in range(3):
                    s, t = _LEVEL2_PAIRS[k]
                    lows[k] = degree[nodes[s]] if t < 0 else min(degree[nodes[s]], degree[nodes[t]])
                    scans[k] = 0
                for i3 in range(n3):
                    w3 = level3[i3]
                    reach3 = _SEARCH_COST * degree[w3]
                    code = code2 | (mask[w3] & 7) << 3
                    for k in range(3):
                        scans[k] += scan_rows[code, k] * min(lows[k], reach3)
                for k in range(3):
                    s, t = _LEVEL2_PAIRS[k]
                    scanned = (
                        nodes[s] if t < 0 or degree[nodes[s]] <= degree[nodes[t]] else nodes[t]
                    )
                    if needs[code2] >> k & 1 and reach[scanned] < scans[k]:
                        size, _ = _common_of_pair(csr, degree, nodes, s, t, mask, found)
                        level2_bases[k] = _next_stamp(stamps)
                        _stamp_neighbours(csr, found, size, level2_bases[k], common[k + 3])
            # Edge and scan probes run per set, on the candidates whose codes have them.
            for i3 in range(n3):
                w3 = level3[i3]
                nodes[3] = w3
                code = code2 | (mask[w3] & 7) << 3
                for e in range(probe_split[code], probe_start[code + 1]):
                    if probe_rows[e, 1] == EDGE:
                        a = probe_rows[e, 2]
                        if a == 2 and slots3[i3] >= 0:  # w2-w3, w3 found from w2
                            value = np.int64(tri[slots3[i3]])
                        else:
                            value = _edge_triangles(csr, degree, tri, nodes[a], w3)
                    elif probe_rows[e, 4] == _FIRST_THREE:
                        if first_three < 0:
                            first_three = _common3(csr, degree, nodes, mask, found)
                        # The scan would leave out w3 when it is adjacent to all three.
                        value = first_three - ((code >> 3) == 7)
                    elif probe_rows[e, 4] == _WITH_ROOT:
                        if root_base < 0:
                            size = _common_of_root_pair(csr, degree, x, w1, mask, found)
                            root_base = _next_stamp(stamps)
                            _stamp_neighbours(csr, found, size, root_base, with_root)
                        value = count_of(with_root[w3], root_base)
                        value -= (code & _W2_IN_ROOT_PAIR) == _W2_IN_ROOT_PAIR
                    else:
                        probe = probe_rows[e, 4]
                        k = _level2_probe(probe)
                        # The probe's lowest-degree node, whose row a scan would walk
                        # (_scan, written out: a call here costs a reference count per
                        # array passed, per set).
                        scan = -1
                        size = 0
                        for s in range(4):
                            if probe >> s & 1:
                                p_nodes[size] = nodes[s]
                                size += 1
                                if scan < 0 or degree[nodes[s]] < degree[nodes[scan]]:
                                    scan = s
                        if k >= 0 and level2_bases[k] >= 0:
                            value = count_of(common[k + 3, w3], level2_bases[k])
                        elif n_words and n_words * size <= _WORDS_PER_STEP * degree[nodes[scan]]:
                            # Popcount of the rows' AND, less T's nodes adjacent to all of P.
                            value = _and_count(words, 0, n_words, p_nodes, size)
                            value -= probe_rows[e, 6]
                        elif n_words > _SPANS_FROM_WORDS and _spans_pay(
                            indptr, indices, p_nodes, size, degree[nodes[scan]], spans
                        ):
                            # The same over their rows' common words: neighbours' ids
                            # span a few words when ids follow the graph's structure
                            # (lgc-senate: 12 of 141).
                            value = _and_count(words, spans[0], spans[1], p_nodes, size)
                            value -= probe_rows[e, 6]
                        elif probe == _ALL_FOUR:
                            if all_four_base < 0:
                                size = _common3(csr, degree, nodes, mask, found)
                                all_four_base = _next_stamp(stamps)
                                _stamp_neighbours(csr, found, size, all_four_base, common[6])
                            value = count_of(common[6, w3], all_four_base)
                        else:
                            if probe >> 3 & 1 and degree[w3] <= _SEARCH_COST * degree[nodes[scan]]:
                                scan = 3
                            marked = probe & 7 & ~(1 << scan)
                            check_last = probe >> 3 & 1 and scan != 3
                            value = 0
                            for p in range(indptr[nodes[scan]], indptr[nodes[scan] + 1]):
                                z = indices[p]
                                bits = mask[z]
                                if bits & _MEMBERS or z == w3 or (bits & marked) != marked:
                                    continue
                                if check_last:
                                    q = _search(indices, indptr[w3], indptr[w3 + 1], z)
                                    if q == indptr[w3 + 1] or indices[q] != z:
                                        continue
                                value += 1
                    out[probe_rows[e, 0]] += value - probe_rows[e, 5]
            # Degree and common-neighbour probes are sums over the last node:
            # tallied per code (w3's adjacency to the first three), then added
            # once per code.
            for low in range(1, 8):
                sets = tally[0, low]
                if sets == 0:
                    continue
                code = code2 | low << 3
                for e in range(probe_start[code], probe_split[code]):
                    kind, a, b = probe_rows[e, 1], probe_rows[e, 2], probe_rows[e, 3]
                    if kind == DEGREE:
                        value = tally[1, low] if a == 3 else sets * degree[nodes[a]]
                    elif kind == EDGE:  # w1-w2
                        value = sets * tri12
                    elif b == 3:  # COMMON of position a (0 or 1) with w3
                        value = tally[2 + a, low]
                    else:
                        value = sets * count_of(common[a, nodes[b]], bases[a])
                    out[probe_rows[e, 0]] += value - sets * probe_rows[e, 5]
            _unmark(csr, w2, 2, mask)
            # w2 is a level-3 candidate of every earlier entry.
            c = mask[w2] & 3
            mask[w2] |= _SUFFIX
            classes[c - 1, class_sizes[c]] = w2
            class_sizes[c] += 1
            running[0, c] += 1
            running[1, c] += degree[w2]
            running[2, c] += count_of(common[0, w2], bases[0])
            running[3, c] += count_of(common[1, w2], bases[1])
        for i2 in range(n2):
            mask[level2[i2]] &= ~_SUFFIX
        _unmark(csr, w1, 1, mask)
    _unmark(csr, x, 0, mask)


@serial_and_parallel
def back_substitute(sums, order, diagonal, starts, columns, weights, orbits):
    """``orbits[x, k] = (sums[x, k] − Σ weights · orbits[x, columns]) / diagonal`` for the
    ``k = order[i]`` in turn, the sum over ``starts[i]:starts[i + 1]`` (orbits solved
    before); returns how many divisions left a remainder."""
    undivided = 0
    for x in prange(sums.shape[0]):
        for i in range(order.shape[0]):
            k = order[i]
            rest = sums[x, k]
            for t in range(starts[i], starts[i + 1]):
                rest -= weights[t] * orbits[x, columns[t]]
            quotient = rest // diagonal[i]
            undivided += quotient * diagonal[i] != rest
            orbits[x, k] = quotient
    return undivided
