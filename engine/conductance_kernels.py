"""Conductance kernels: the sweep profile of an ordered set, and the sort that orders it.

Every kernel takes the graph as one :class:`engine._kernels.csr.CSR` (its weights
and weighted degrees are read only when it has weights; :func:`node_degree` and
:func:`edge_weight` say which) and does work proportional to the volume of the
nodes it is given: the n-sized ``rank`` scratch array is lent zeroed by the
caller and left zeroed again on return, so no call costs O(n).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from engine._kernels.csr import is_weighted, out_degree


@njit(inline="always")
def node_degree(csr, node):
    """Degree of ``node``: its weighted degree, or its number of edges."""
    if is_weighted(csr):
        return csr.strength[node]
    return float(out_degree(csr, node))


@njit(inline="always")
def edge_weight(csr, position):
    """Weight of the edge at ``position`` in ``csr.indices``: 1 on an unweighted graph."""
    return csr.weights[position] if is_weighted(csr) else 1.0


@njit(cache=True, nogil=True)
def sweep_profile(csr, order, rank, total_volume):
    """Volume, cut and conductance of every prefix ``order[:k+1]`` of a sweep.

    Adding ``u`` to the prefix ``S`` turns its edges into ``S`` from cut into inside
    edges and its other edges (a self-loop excepted) into cut edges, so each prefix
    costs ``deg(u)``: the whole sweep is linear in the volume of the support, not
    quadratic. ``rank`` is an n-sized scratch array of zeros (int64, or float64 when
    the caller lends a zeroed work array that is already in cache); it is zero again
    on return. Conductance is ``cut / min(vol, total_volume - vol)``, and 1 where
    that minimum is 0 (an empty, isolated or whole set separates nothing).
    """
    size = order.shape[0]
    volume = np.empty(size)
    cut = np.empty(size)
    conductance = np.empty(size)
    running_volume = 0.0
    running_cut = 0.0
    for k in range(size):
        node = order[k]
        rank[node] = k + 1
        inside = 0.0
        loop = 0.0
        for p in range(csr.indptr[node], csr.indptr[node + 1]):
            target = csr.indices[p]
            weight = edge_weight(csr, p)
            if target == node:
                loop += weight
            elif rank[target] > 0:
                inside += weight
        degree = node_degree(csr, node)
        running_volume += degree
        running_cut += degree - loop - 2.0 * inside
        # Float sums of weights can dip a hair below zero when a prefix closes a component.
        running_cut = max(running_cut, 0.0)
        volume[k] = running_volume
        cut[k] = running_cut
        denominator = min(running_volume, total_volume - running_volume)
        conductance[k] = running_cut / denominator if denominator > 0 else 1.0
    for k in range(size):
        rank[order[k]] = 0
    return volume, cut, conductance


@njit(cache=True, nogil=True)
def sort_and_sweep(csr, support, values, scale, rank, total_volume):
    """Sort ``support`` by ``scale·value/deg`` (best first, ties by id) and sweep it.

    A node without edges has no degree to normalise by; its raw score stands in.
    Returns ``(order, scores, volume, cut, conductance, best)`` with ``best`` the
    index of the least conductance (0 for an empty support).
    """
    by_id = np.argsort(support)
    support = support[by_id]
    values = values[by_id]
    size = support.shape[0]
    scores = np.empty(size)
    for k in range(size):
        degree = node_degree(csr, support[k])
        scores[k] = values[k] / (degree if degree > 0 else 1.0) * scale
    # A stable sort of the negated scores keeps equal scores in id order.
    by_score = np.argsort(-scores, kind="mergesort")
    order = support[by_score]
    scores = scores[by_score]
    volume, cut, conductance = sweep_profile(csr, order, rank, total_volume)
    best = np.argmin(conductance) if size > 0 else 0
    return order, scores, volume, cut, conductance, best
