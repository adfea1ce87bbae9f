"""Numba kernels of :mod:`engine.cuts`: each walks the rows of the given node sets only,
not the whole graph (but for a directed cut against the complement)."""

from __future__ import annotations

from numba import njit


@njit(cache=True)
def _weight(values, slot):
    # An empty ``values`` stands for unit weights: one kernel for both.
    return 1.0 if values.shape[0] == 0 else values[slot]


@njit(cache=True)
def row_volume(indptr, indices, values, ids, loops_twice):
    """Σ over ``ids`` (repeats counted) of the row's weight; with ``loops_twice``, a
    self-loop's weight counts twice (networkx's undirected degree)."""
    total = 0.0
    for k in range(ids.shape[0]):
        r = ids[k]
        for slot in range(indptr[r], indptr[r + 1]):
            w = _weight(values, slot)
            total += w
            if loops_twice and indices[slot] == r:
                total += w
    return total


@njit(cache=True)
def set_boundary(indptr, indices, values, ids, in_s):
    """``(volume, cut)`` of the set ``ids`` (no repeats, marked in ``in_s``) of an
    undirected graph: its degrees summed (a self-loop twice) and the weight of its edges
    to the rest, in one walk over its rows."""
    volume = 0.0
    cut = 0.0
    for k in range(ids.shape[0]):
        r = ids[k]
        for slot in range(indptr[r], indptr[r + 1]):
            w = _weight(values, slot)
            c = indices[slot]
            volume += w
            if c == r:
                volume += w
            elif not in_s[c]:
                cut += w
    return volume, cut


@njit(cache=True)
def cut_weight(indptr, indices, values, rows, in_s, in_t, directed):
    """networkx's ``cut_size``: the weight of the edges with one end in S and the other in
    T, checked from either end, from the rows of S ∪ T (``rows``, no repeats).

    Undirected, each edge is counted once, from its lower end (both ends of a counted
    edge are in S ∪ T). Directed, an arc counts once for S → T and once for T → S, as
    networkx adds ``edge_boundary(S, T)`` and ``edge_boundary(T, S)``.
    """
    total = 0.0
    for k in range(rows.shape[0]):
        r = rows[k]
        for slot in range(indptr[r], indptr[r + 1]):
            c = indices[slot]
            forward = in_s[r] and in_t[c]
            backward = in_s[c] and in_t[r]
            if directed:
                count = 0
                if in_s[r] and (in_t[c] or backward):
                    count += 1
                if in_t[r] and (in_s[c] or (in_t[c] and in_s[r])):
                    count += 1
                total += count * _weight(values, slot)
            elif c >= r and (forward or backward):
                total += _weight(values, slot)
    return total
