"""The pieces of the 5-node probe-sum kernel (:mod:`engine.graphlets.five_kernels`).

Stamped common-neighbour counts, the tallies of a 4-node set's last node, and
counts from adjacency bits. Every function here is inlined into the kernel
(``inline="always"``): a call from its per-set loop would cost a reference
count per array passed, which took a third of the time on lgc-ppi-mips.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import intrinsic

# Common-neighbour counts use the stamped encoding every orbit kernel shares (see there).
from engine.graphlets.common_kernels import COUNT_BITS, count_of

# A scan step costs about what ANDing four words of adjacency bits does.
_WORDS_PER_STEP = 4
# The kernel's ``mask`` bits (see engine.graphlets.five_kernels): 4–7, T's nodes
# themselves; 8, the level-2 entries after the current w2 (see _candidates).
_MEMBERS = 0xF0
_SUFFIX = 0x100
# Rows 3–5 of ``common`` stamp the level-2 probes (see engine.graphlets.five_kernels).
_LEVEL2_PROBES = (0b1110, 0b1100, 0b1101)


@njit(cache=True, inline="always")
def _search(indices, lo, hi, b):
    """The first slot of ``indices[lo:hi]`` (sorted) not below ``b`` (a slice would cost
    a reference count per call)."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if indices[mid] < b:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, inline="always")
def _edge_triangles(csr, degree, tri, u, v):
    """Common neighbours of the adjacent ``u`` and ``v``: the slot's count, from the shorter row."""
    if degree[u] > degree[v]:
        u, v = v, u
    return np.int64(tri[_search(csr.indices, csr.indptr[u], csr.indptr[u + 1], v)])


@intrinsic
def _popcount(typingctx, x):
    """The set bits of a uint64 (LLVM ``ctpop``: one instruction)."""

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return types.uint64(types.uint64), codegen


@njit(cache=True, inline="always")
def _and_count(words, first_word, end_word, p_nodes, size):
    """Nodes adjacent to all of ``p_nodes[:size]`` (2–4 nodes): the popcount of their
    rows' AND in ``words``, over the words ``first_word..end_word-1`` that can be
    set in all of them."""
    a, b, c, d = p_nodes[0], p_nodes[1], p_nodes[min(size, 3) - 1], p_nodes[size - 1]
    count = np.uint64(0)
    for w in range(first_word, end_word):
        count += _popcount(words[a, w] & words[b, w] & words[c, w] & words[d, w])
    return np.int64(count)


@njit(cache=True, inline="always")
def _spans_pay(indptr, indices, p_nodes, size, steps, spans):
    """Whether ANDing the rows of ``p_nodes[:size]`` over the words they can share,
    ``spans[0]..spans[1]-1`` (set here), reads fewer words than ``steps`` scan steps
    cost. (Inline in the kernel's loop, this slowed its other paths by a fifth.)"""
    first_word, end_word = np.int64(0), np.int64(1 << 62)
    for j in range(size):
        v = p_nodes[j]
        first_word = max(first_word, np.int64(indices[indptr[v]] >> 6))
        end_word = min(end_word, np.int64(indices[indptr[v + 1] - 1] >> 6) + 1)
    spans[0], spans[1] = first_word, max(end_word, first_word)
    return (spans[1] - first_word) * size <= _WORDS_PER_STEP * steps


@njit(cache=True, inline="always")
def _count_common(csr, node, base, common):
    """``common[z] = base + |N(node) ∩ N(z)|`` for every z two steps from ``node``
    (stamped, never cleared: other values read as 0)."""
    indptr, indices = csr.indptr, csr.indices
    for q in range(indptr[node], indptr[node + 1]):
        y = indices[q]
        for p in range(indptr[y], indptr[y + 1]):
            z = indices[p]
            common[z] = base + count_of(common[z], base) + 1


@njit(cache=True, inline="always")
def _next_stamp(stamps):
    """A fresh stamp base for rows 2– of ``common`` (callers clear them at the limit)."""
    stamps[0] += 1
    return stamps[0] << COUNT_BITS


@njit(cache=True, inline="always")
def _common3(csr, degree, nodes, mask, found):
    """``found[:size]`` = N(x) ∩ N(w1) ∩ N(w2) less T's first three nodes (all
    three marked in ``mask``); returns ``size``."""
    a = nodes[0]
    for s in range(1, 3):
        if degree[nodes[s]] < degree[a]:
            a = nodes[s]
    size = 0
    for p in range(csr.indptr[a], csr.indptr[a + 1]):
        z = csr.indices[p]
        value = mask[z]
        if not value & _MEMBERS and (value & 7) == 7:
            found[size] = z
            size += 1
    return np.int64(size)


@njit(cache=True, inline="always")
def _level2_probe(probe):
    for k in range(3):
        if _LEVEL2_PROBES[k] == probe:
            return k
    return -1


@njit(cache=True, inline="always")
def _stamp_neighbours(csr, found, size, base, counts):
    """``counts[y]`` (stamped with ``base``) = how many of ``found[:size]`` y is adjacent to."""
    indptr, indices = csr.indptr, csr.indices
    for k in range(size):
        z = found[k]
        for p in range(indptr[z], indptr[z + 1]):
            y = indices[p]
            counts[y] = base + count_of(counts[y], base) + 1


@njit(cache=True, inline="always")
def _common_of_pair(csr, degree, nodes, s, t, mask, found):
    """``found[:size]`` = N(nodes[s]) ∩ N(nodes[t]) (t < 0: N(nodes[s])) less T's
    first three nodes; returns ``size`` and the sum of their degrees (the cost of
    stamping their neighbours)."""
    a, other = nodes[s], 0
    if t >= 0:
        a, other = (
            (nodes[s], 1 << t) if degree[nodes[s]] <= degree[nodes[t]] else (nodes[t], 1 << s)
        )
    size = 0
    cost = 0
    for p in range(csr.indptr[a], csr.indptr[a + 1]):
        z = csr.indices[p]
        value = mask[z]
        if (value & other) == other and not value & _MEMBERS:
            found[size] = z
            size += 1
            cost += degree[z]
    return size, cost


@njit(cache=True, inline="always")
def _common_of_root_pair(csr, degree, x, w1, mask, found):
    """``found[:size]`` = N(x) ∩ N(w1) (w2 included); returns ``size``."""
    a, other = (x, 2) if degree[x] <= degree[w1] else (w1, 1)
    size = 0
    for p in range(csr.indptr[a], csr.indptr[a + 1]):
        z = csr.indices[p]
        if mask[z] & other:
            found[size] = z
            size += 1
    return size


@njit(cache=True, inline="always")
def _candidates(
    csr, degree, common, bases, code2, w2, mask, per_set, running, classes, class_sizes,
    tally, level3, slots3,
):  # fmt: skip
    """Tally the level-3 candidates of (x, w1, w2) per 3-bit adjacency ``low`` to
    them, and list in ``level3`` (with the slot of their edge to w2 in ``slots3``,
    -1 for none) those whose code has rows to run per set; returns how many.

    The candidates are the level-2 entries after w2 (flagged ``_SUFFIX``) and
    w2's exclusive neighbours. Only those adjacent to w2 are visited here, while
    walking N(w2); the tallies of the others are their class's running totals
    less those visited, so a set that adds to per-code rows only costs nothing
    (lgc-ppi-mips: 542 of 599 million sets, around its degree-958 hub). The
    others of a class whose code has per-set rows are listed from ``classes``.
    """
    for q in range(4):
        for low in range(4, 8):
            tally[q, low] = 0
    indptr, indices = csr.indptr, csr.indices
    n3 = 0
    for p in range(indptr[w2], indptr[w2 + 1]):
        z = indices[p]
        value = mask[z]
        c = value & 3
        if value & _MEMBERS or (c and not value & _SUFFIX):
            continue  # in T, or adjacent to x or w1 but not after w2 in the level-2 list
        # low = c | 4 = 4 + c; four adds per candidate (each a store the next
        # candidate of its class waits on).
        tally[0, 4 + c] += 1
        tally[1, 4 + c] += degree[z]
        tally[2, 4 + c] += count_of(common[0, z], bases[0])
        tally[3, 4 + c] += count_of(common[1, z], bases[1])
        if per_set[code2 | (4 + c) << 3]:
            level3[n3] = z
            slots3[n3] = p
            n3 += 1
    for q in range(4):
        for c in range(1, 4):
            tally[q, c] = running[q, c] - tally[q, 4 + c]
    for c in range(1, 4):
        if per_set[code2 | c << 3]:
            for k in range(class_sizes[c]):
                z = classes[c - 1, k]
                if not mask[z] & 4:
                    level3[n3] = z
                    slots3[n3] = -1
                    n3 += 1
    return n3
