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


#: How far conductance must rise after a local minimum of the sweep for it to count
#: as a cluster's edge: MAPPR's factor (Yin, Benson, Leskovec, KDD 2017).
DEEP_RISE = 1.2


@njit(cache=True, nogil=True)
def first_deep_minimum(volume, conductance, total_volume, min_size):
    """Index of the first prefix of at least ``min_size`` nodes (and at most half the
    volume) whose conductance is a local minimum that the sweep climbs
    :data:`DEEP_RISE` times above before it next goes lower; -1 if none.

    Conductance tends to fall as a set grows (a union of communities cuts less of
    itself than one), so the least conductance of a long sweep is often half the
    graph; the first deep minimum is where the seed's own community ends
    (MAPPR, Yin et al. 2017). Past half the volume the conductance measures the
    complement, so the search stops there.
    """
    size = volume.shape[0]
    limit = 0
    while limit < size and 2.0 * volume[limit] <= total_volume:
        limit += 1
    k = min_size - 1
    while k < limit:
        low = conductance[k]
        peak = low
        j = k + 1
        while j < limit and conductance[j] >= low:
            peak = max(peak, conductance[j])
            if peak >= DEEP_RISE * low:
                return k
            j += 1
        if j >= limit:
            return -1
        # conductance[j] < low: the next candidate is the lowest point of the new descent
        k = j
        while k + 1 < limit and conductance[k + 1] < conductance[k]:
            k += 1
    return -1


@njit(cache=True, nogil=True)
def chosen_prefix(volume, conductance, total_volume, min_size):
    """Index of the sweep prefix a local cluster keeps: :func:`first_deep_minimum`,
    else the least conductance among prefixes of at least ``min_size`` nodes
    holding at most half the volume.

    Half the volume, because past it the conductance measures the complement, and
    a set that is most of the graph is not local. When no prefix qualifies, the
    size rule gives way first (a seed whose component is smaller than ``min_size``
    keeps that component), then the volume rule (on a graph of a few nodes, or a
    seed holding half the graph's volume); 0 for an empty sweep.
    """
    deep = first_deep_minimum(volume, conductance, total_volume, min_size)
    if deep >= 0:
        return deep
    best = -1
    fallback = -1
    for k in range(volume.shape[0]):
        if 2.0 * volume[k] > total_volume:
            break
        if k + 1 >= min_size and (best < 0 or conductance[k] < conductance[best]):
            best = k
        if fallback < 0 or conductance[k] < conductance[fallback]:
            fallback = k
    if best >= 0:
        return best
    # A conductance of 1 separates nothing: the whole sweep may do better.
    if fallback >= 0 and conductance[fallback] < 1.0:
        return fallback
    return np.argmin(conductance) if volume.shape[0] > 0 else 0


@njit(cache=True, nogil=True)
def sort_and_sweep(csr, support, values, scale, rank, total_volume, min_size, seed_nodes):
    """Sort ``support`` by ``scale·value/deg`` (best first, ties by id), the seeds of
    ``seed_nodes`` in it first, and sweep it.

    The seeds lead so that every prefix holds them: a diffusion that has mixed (a
    long heat kernel on a small graph) scores every node alike, and its sweep
    would otherwise start anywhere. A node without edges has no degree to
    normalise by; its raw score stands in.
    Returns ``(order, scores, volume, cut, conductance, best)`` with ``best`` the
    prefix :func:`chosen_prefix` keeps (0 for an empty support).
    """
    by_id = np.argsort(support)
    support = support[by_id]
    values = values[by_id]
    size = support.shape[0]
    scores = np.empty(size)
    for k in range(size):
        degree = node_degree(csr, support[k])
        scores[k] = values[k] / (degree if degree > 0 else 1.0) * scale
    keys = -scores
    for k in range(seed_nodes.shape[0]):
        at = np.searchsorted(support, seed_nodes[k])
        if at < size and support[at] == seed_nodes[k]:
            keys[at] = -np.inf
    # A stable sort keeps equal scores in id order.
    by_score = np.argsort(keys, kind="mergesort")
    order = support[by_score]
    scores = scores[by_score]
    volume, cut, conductance = sweep_profile(csr, order, rank, total_volume)
    best = chosen_prefix(volume, conductance, total_volume, min_size)
    return order, scores, volume, cut, conductance, best
