"""Kernels of :mod:`engine.graphlets.cost`: the 4-clique search's triangles, sampled."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def sampled_clique_triangles(indptr, indices, degree, up, rows, picked):
    """``(Σ over the sampled slots a → b pointing up the order, up(a) ≥ 3, of Σ over
    common neighbours c above b of up(c); how many sampled slots point up)``."""
    found = 0
    oriented = 0
    for k in range(picked.shape[0]):
        a, b = rows[k], indices[picked[k]]
        if not outranks(b, a, degree):
            continue
        oriented += 1
        if up[a] < 3:
            continue
        # a ranks below b, so its row is the shorter: search each entry in b's row.
        start, stop = indptr[b], indptr[b + 1]
        for p in range(indptr[a], indptr[a + 1]):
            c = indices[p]
            if outranks(c, b, degree):
                at = start + np.searchsorted(indices[start:stop], c)
                if at < stop and indices[at] == c:
                    found += up[c]
    return found, oriented


@njit(cache=True)
def outranks(a, b, degree):
    """Whether ``a`` ranks above ``b``: the higher degree, then the higher id."""
    return degree[a] > degree[b] or (degree[a] == degree[b] and a > b)
