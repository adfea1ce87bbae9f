"""Numba kernel of :mod:`app.networkx_backend.pagerank` (to move into
``engine/pagerank/`` with the start and dangling options of the exact iteration)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def pagerank_step(indptr, indices, values, scale, x, lost, alpha, sink, teleport, out):
    """One step ``out ← alpha·(xP + lost·sink) + teleport`` by pulling over the in-arcs
    (``indptr``/``indices``/``values``: the transposed adjacency, ``values`` empty for
    unit weights; ``scale``: 1 / out-weight); returns the L1 change ``Σ|out − x|``.

    One pass over the arcs, instead of a scaled copy of the matrix, a sparse product
    and three vector passes.
    """
    n = indptr.shape[0] - 1
    spread = np.empty(n)
    for j in range(n):
        spread[j] = x[j] * scale[j]
    change = 0.0
    unit = values.shape[0] == 0
    for i in range(n):
        total = 0.0
        for slot in range(indptr[i], indptr[i + 1]):
            if unit:
                total += spread[indices[slot]]
            else:
                total += spread[indices[slot]] * values[slot]
        new = alpha * (total + lost * sink[i]) + teleport[i]
        change += abs(new - x[i])
        out[i] = new
    return change
