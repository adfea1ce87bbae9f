"""Exact neighbourhood overlap for a few candidate nodes, straight from the CSR.

The neighbourhood of ``v`` is its row of the :class:`engine._kernels.csr.CSR`, plus
``v`` itself when ``include_self``. Both kernels count, by :func:`_overlaps`, how
much of each candidate's neighbourhood falls in the neighbourhoods of a few given
nodes, marked in an n-sized boolean array (``marks``: lent zeroed and returned
zeroed, so one buffer serves many calls).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _has_self_loop(csr, node):
    # Rows are sorted, so one binary search answers it.
    row = csr.indices[csr.indptr[node] : csr.indptr[node + 1]]
    position = np.searchsorted(row, node)
    return position < len(row) and row[position] == node


@njit(cache=True)
def _set_size(csr, include_self, node):
    size = csr.indptr[node + 1] - csr.indptr[node]
    if include_self and not _has_self_loop(csr, node):
        size += 1
    return size


@njit(cache=True)
def _overlaps(csr, include_self, sources, candidates, marks):
    """``(shared, size)`` per candidate: how many members of its neighbourhood lie in
    the union of the ``sources``' neighbourhoods, and its neighbourhood's size.

    One function holds the loops (an inline helper per candidate that takes
    ``marks`` ran the kernels 2.5 times slower).
    """
    for source in sources:
        for position in range(csr.indptr[source], csr.indptr[source + 1]):
            marks[csr.indices[position]] = True
        if include_self:
            marks[source] = True
    shared = np.empty(len(candidates), dtype=np.int64)
    size = np.empty(len(candidates), dtype=np.int64)
    for slot in range(len(candidates)):
        other = candidates[slot]
        count = 0
        for position in range(csr.indptr[other], csr.indptr[other + 1]):
            count += marks[csr.indices[position]]
        if include_self and marks[other] and not _has_self_loop(csr, other):
            count += 1
        shared[slot] = count
        size[slot] = _set_size(csr, include_self, other)
    for source in sources:
        for position in range(csr.indptr[source], csr.indptr[source + 1]):
            marks[csr.indices[position]] = False
        marks[source] = False
    return shared, size


@njit(cache=True)
def exact_jaccard(csr, include_self, node, candidates, marks):
    """Jaccard of ``node``'s neighbourhood with each candidate's (0 where both are empty)."""
    shared, size = _overlaps(csr, include_self, np.array([node]), candidates, marks)
    union = _set_size(csr, include_self, node) + size - shared
    out = np.empty(len(candidates), dtype=np.float64)
    for slot in range(len(candidates)):
        out[slot] = shared[slot] / union[slot] if union[slot] > 0 else 0.0
    return out


@njit(cache=True)
def containment(csr, include_self, members, candidates, marks):
    """For each candidate, the fraction of its neighbourhood inside the members' neighbourhoods."""
    shared, size = _overlaps(csr, include_self, members, candidates, marks)
    out = np.empty(len(candidates), dtype=np.float64)
    for slot in range(len(candidates)):
        out[slot] = shared[slot] / size[slot] if size[slot] > 0 else 0.0
    return out
