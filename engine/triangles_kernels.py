"""Numba kernel of :mod:`engine.triangles`: directed transitivity's triangle term."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def successor_pairs(indptr, indices):
    """Per node ``v``: arcs ``w → x`` between two of its successors (self-loops left out),
    the triangle term networkx's ``transitivity`` takes on a directed graph.

    >>> import numpy as np
    >>> successor_pairs(np.array([0, 2, 3, 3]), np.array([1, 2, 2])).tolist()  # 0→1→2, 0→2
    [1, 0, 0]
    """
    n = indptr.shape[0] - 1
    mark = np.zeros(n, dtype=np.bool_)
    pairs = np.zeros(n, dtype=np.int64)
    for v in range(n):
        for p in range(indptr[v], indptr[v + 1]):
            if indices[p] != v:
                mark[indices[p]] = True
        for p in range(indptr[v], indptr[v + 1]):
            w = indices[p]
            if w == v:
                continue
            for q in range(indptr[w], indptr[w + 1]):
                if indices[q] != w and mark[indices[q]]:
                    pairs[v] += 1
        for p in range(indptr[v], indptr[v + 1]):
            mark[indices[p]] = False
    return pairs
