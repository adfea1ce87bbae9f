"""MQI (Lang & Rao 2004): the subset of a node set of least conductance, by repeated max flows.

Used by :func:`engine.local_cluster` to refine a sweep's set (``refine="mqi"``,
the default); its max flow is clustering's own kernel,
:func:`engine.cluster_kernels.mqi_step`.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from checks import check_positive_int
from engine import cluster_kernels as kernels
from engine.conductance import set_stats
from engine.local_view import LocalView, local_view, symmetrised
from loaders import Graph


def mqi(g: Graph, nodes: Iterable, min_size: int = 1) -> np.ndarray:
    """MQI (Lang & Rao 2004): the subset of ``nodes`` (labels) of least conductance,
    of at least ``min_size`` nodes.

    Repeats one max flow per step: with ``a = cut(S)/vol(S)``, a subset ``T`` with
    ``cut(T) − a·vol(T) < 0`` is the source side of a minimum cut of the network
    source → u (capacity ``a·d(u)``), u → v (``w(u,v)``) inside ``S``, u → sink
    (the edges of u leaving ``S``). Stops when no subset of at least ``min_size``
    nodes does better, and returns
    ``nodes`` unchanged when ``vol(S) > vol(V)/2`` (where the quotient is not the
    conductance). The max flow is Dinic's, in one Numba kernel per step on arrays
    sized by the set's volume; capacities are exact integers on unweighted graphs
    and floats on weighted ones, where a candidate is kept only if its exact
    conductance is lower. Returns the labels of the subset, sorted by id.

    >>> import engine
    >>> g = engine.sample("karate")
    >>> from engine.conductance import set_conductance
    >>> big = engine.local_cluster(g, 0, alpha=0.5, refine=None).nodes
    >>> set_conductance(g, mqi(g, big))[2] <= set_conductance(g, big)[2]
    True
    """
    min_size = check_positive_int("min_size", min_size)
    ids = mqi_ids(local_view(symmetrised(g)), g.node_ids(list(nodes)), min_size)
    return g.labels_of(ids)


def mqi_ids(view: LocalView, ids, min_size: int = 1) -> np.ndarray:
    current = np.unique(np.asarray(ids, dtype=np.int64))
    volume, cut, best = set_stats(view, current)
    if current.size <= max(min_size, 1) or 2 * volume > view.total_volume or cut == 0:
        return current
    for _ in range(64):
        # One max flow: the source side of the minimum cut (empty if none beats S).
        candidate = kernels.mqi_step(view.csr, current, view.scratch().rank, cut, volume)
        if candidate.size < min_size or candidate.size == current.size:
            return current
        new_volume, new_cut, new_conductance = set_stats(view, candidate)
        if new_conductance >= best - 1e-12:
            return current
        current, volume, cut, best = candidate, new_volume, new_cut, new_conductance
        if cut == 0:
            return current
    return current
