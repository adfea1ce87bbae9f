"""The graph as the local algorithms see it: undirected, with its degrees and scratch arrays.

Diffusion (:mod:`engine.diffusion`), conductance (:mod:`engine.conductance`) and
clustering (:mod:`engine.cluster`) all run on :func:`symmetrised` graphs through
a :class:`LocalView`: the arrays their kernels need, computed once per graph, and
per-thread n-sized scratch arrays that every kernel leaves zeroed again.
"""

from __future__ import annotations

import threading

import numpy as np

from engine.per_graph import derived
from loaders import Graph


class LocalView:
    """The arrays the kernels need, computed once per graph (weighted degrees are O(m)),
    and per-thread n-sized scratch arrays that every call leaves zeroed again: zeroing
    n entries per call would make a local cluster cost O(n)."""

    def __init__(self, g: Graph):
        self.n = g.n_nodes
        self.indptr = g.indptr
        self.indices = g.indices
        self.weighted = g.is_weighted
        if g.is_weighted:
            self.weights = g.weights
            self.out_weight = g.degree(weighted=True).astype(np.float64)
            self.total_volume = float(self.out_weight.sum())
        else:
            self.weights = np.empty(0, np.float32)
            self.out_weight = np.empty(0)
            self.total_volume = float(g.nnz)
        self._local = threading.local()

    def scratch(self) -> Scratch:
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = Scratch(self.n)
        return scratch


class Scratch:
    """One thread's n-sized work arrays, zero (or any content, for the work lists)."""

    def __init__(self, n: int):
        self.estimate = np.zeros(n)
        self.residual = np.zeros(n)
        self.spare = np.zeros(n)
        self.touched = np.empty(n, dtype=np.int64)
        self.rank = np.zeros(n, dtype=np.int64)
        # hk-relax's work lists; np.empty maps pages lazily, so only the used ones cost.
        self.listed = np.empty(n, dtype=np.int64)
        self.next_listed = np.empty(n, dtype=np.int64)


def local_view(g: Graph) -> LocalView:
    """The :class:`LocalView` of ``g``, built once per graph."""
    return derived("cluster.local_view", g, LocalView)


def symmetrised(g: Graph) -> Graph:
    """``g`` if undirected, else the undirected graph with an edge wherever either arc
    exists (weights of both arcs added), built once per graph."""
    if not g.directed:
        return g
    return derived("cluster.undirected", g, _symmetrise)


def _symmetrise(g: Graph) -> Graph:
    rows = np.repeat(np.arange(g.n_nodes, dtype=np.int64), np.diff(g.indptr))
    undirected = Graph.from_edges(
        rows,
        g.indices.astype(np.int64),
        None if g.weights is None else g.weights,
        directed=False,
        n_nodes=g.n_nodes,
        name=g.name,
    )
    # Unweighted, from_edges merges (u, v) and (v, u) into one edge: the union of the arcs.
    return Graph(
        undirected.indptr,
        undirected.indices,
        undirected.weights,
        directed=False,
        labels=None if g.has_identity_labels else g.labels,
        name=g.name,
        validate=False,
    )
