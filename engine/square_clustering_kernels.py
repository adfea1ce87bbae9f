"""Numba kernel of :mod:`engine.square_clustering`."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def square_terms(indptr, indices, ids):
    """Per node of ``ids`` in a simple undirected CSR (no self-loops): ``Σ_x C(c_x, 2)``,
    ``c_x`` the common neighbours of the node and ``x ≠`` node (the squares through it,
    as networkx counts them), and ``Σ_u deg u`` over its neighbours.

    One walk over the two-step paths from the node, counting each end in a shared
    array that the walk leaves zeroed again (``touched`` lists what to clear).
    """
    n = indptr.shape[0] - 1
    count = np.zeros(n, dtype=np.int64)
    touched = np.empty(n, dtype=np.int64)
    squares = np.zeros(ids.shape[0], dtype=np.int64)
    degree_sum = np.zeros(ids.shape[0], dtype=np.int64)
    for k in range(ids.shape[0]):
        v = ids[k]
        n_touched = 0
        for p in range(indptr[v], indptr[v + 1]):
            u = indices[p]
            degree_sum[k] += indptr[u + 1] - indptr[u]
            for q in range(indptr[u], indptr[u + 1]):
                x = indices[q]
                if x == v:
                    continue
                if count[x] == 0:
                    touched[n_touched] = x
                    n_touched += 1
                count[x] += 1
        total = 0
        for t in range(n_touched):
            x = touched[t]
            total += count[x] * (count[x] - 1) // 2
            count[x] = 0
        squares[k] = total
    return squares, degree_sum
