"""Conductance of node sets, ``φ(S) = cut(S) / min(vol(S), vol(V) − vol(S))``: of one set,
or of every prefix of an order (the sweep cut of a diffusion).

Conventions
-----------
- Volume is the sum of adjacency row sums (a self-loop counts once, as in
  :meth:`loaders.Graph.degree`), cut the weight of edges leaving the set.
- A set whose ``min(vol(S), vol(V) − vol(S))`` is 0 (an isolated node, a
  whole graph) has conductance **1**: it separates nothing, so it is no better
  than the worst cluster.
- **Directed graphs are symmetrised**: conductance is measured in the undirected
  graph with an edge wherever either arc exists (weights of both arcs added),
  built once per graph and cached (:func:`engine.local_view.symmetrised`).
  Conductance of a directed cut has no single accepted definition.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from engine import conductance_kernels as kernels
from engine.local_view import LocalView, local_view, symmetrised
from loaders import Graph


def set_conductance(g: Graph, nodes: Iterable) -> tuple[float, float, float]:
    """``(volume, cut, conductance)`` of a set of nodes (labels), by the module's conventions.

    >>> import engine
    >>> set_conductance(engine.sample("karate"), [0, 1])
    (25.0, 23.0, 0.92)
    """
    return set_stats(local_view(symmetrised(g)), g.node_ids(list(nodes)))


def prefix_conductance(g: Graph, node_ids) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(volume, cut, conductance)`` of every prefix ``node_ids[:k + 1]`` (ids, no repeats).

    The sweep of :func:`engine.local_cluster` over an order chosen by the caller, in
    time linear in the volume of ``node_ids``.

    >>> import engine
    >>> volume, cut, conductance = prefix_conductance(engine.sample("karate"), [0, 1])
    >>> float(conductance[-1]) == set_conductance(engine.sample("karate"), [0, 1])[2]
    True
    """
    return prefix_stats(local_view(symmetrised(g)), np.asarray(node_ids, dtype=np.int64))


def set_stats(view: LocalView, ids) -> tuple[float, float, float]:
    """``(volume, cut, conductance)`` of the set of ``ids`` (repeats allowed) in ``view``."""
    ids = np.unique(np.asarray(ids, dtype=np.int64))
    if ids.size == 0:
        return 0.0, 0.0, 1.0
    volume, cut, conductance = prefix_stats(view, ids)
    return float(volume[-1]), float(cut[-1]), float(conductance[-1])


def prefix_stats(view: LocalView, order: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(volume, cut, conductance)`` of every prefix of ``order`` (int64 ids) in ``view``."""
    return kernels.sweep_profile(view.csr, order, view.scratch().rank, view.total_volume)
