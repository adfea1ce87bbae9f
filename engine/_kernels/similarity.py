"""Exact neighbourhood Jaccard for a few candidate nodes, straight from the CSR."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _has_self_loop(indptr, indices, node):
    # Rows are sorted, so one binary search answers it.
    row = indices[indptr[node] : indptr[node + 1]]
    position = np.searchsorted(row, node)
    return position < len(row) and row[position] == node


@njit(cache=True)
def _set_size(indptr, indices, include_self, node):
    size = indptr[node + 1] - indptr[node]
    if include_self and not _has_self_loop(indptr, indices, node):
        size += 1
    return size


@njit(cache=True)
def exact_jaccard(indptr, indices, include_self, node, candidates, marks):
    """Jaccard of ``node``'s neighbourhood with each candidate's (``marks``: zeroed, size n).

    The neighbourhood of ``v`` is its row, plus ``v`` itself when ``include_self``.
    ``marks`` is returned zeroed, so one buffer serves many calls.
    """
    for position in range(indptr[node], indptr[node + 1]):
        marks[indices[position]] = True
    if include_self:
        marks[node] = True
    node_size = _set_size(indptr, indices, include_self, node)
    out = np.empty(len(candidates), dtype=np.float64)
    for slot in range(len(candidates)):
        other = candidates[slot]
        shared = 0
        for position in range(indptr[other], indptr[other + 1]):
            shared += marks[indices[position]]
        if include_self and marks[other] and not _has_self_loop(indptr, indices, other):
            shared += 1
        union = node_size + _set_size(indptr, indices, include_self, other) - shared
        out[slot] = shared / union if union > 0 else 0.0
    for position in range(indptr[node], indptr[node + 1]):
        marks[indices[position]] = False
    marks[node] = False
    return out


@njit(cache=True)
def containment(indptr, indices, include_self, members, candidates, marks):
    """For each candidate, the fraction of its neighbourhood inside the members' neighbourhoods.

    ``marks`` (zeroed, size n) is returned zeroed.
    """
    for member in members:
        for position in range(indptr[member], indptr[member + 1]):
            marks[indices[position]] = True
        if include_self:
            marks[member] = True
    out = np.empty(len(candidates), dtype=np.float64)
    for slot in range(len(candidates)):
        other = candidates[slot]
        inside = 0
        for position in range(indptr[other], indptr[other + 1]):
            inside += marks[indices[position]]
        if include_self and marks[other] and not _has_self_loop(indptr, indices, other):
            inside += 1
        size = _set_size(indptr, indices, include_self, other)
        out[slot] = inside / size if size > 0 else 0.0
    for member in members:
        for position in range(indptr[member], indptr[member + 1]):
            marks[indices[position]] = False
        marks[member] = False
    return out
