"""The graph as the local algorithms see it: undirected, with its degrees and scratch arrays.

Diffusion (:mod:`engine.diffusion`), conductance (:mod:`engine.conductance`) and
clustering (:mod:`engine.cluster`) all run on :func:`symmetrised` graphs through
a :class:`LocalView`: the CSR bundle their kernels take and the graph's volume,
computed once per graph, and per-thread n-sized :class:`Scratch` arrays that every
kernel leaves zeroed again.
"""

from __future__ import annotations

import threading
from typing import NamedTuple

import numpy as np

from engine._kernels.csr import csr_of
from engine.per_graph import derived
from loaders import Graph


class LocalView:
    """The undirected graph as the kernels take it, built once per graph.

    Attributes
    ----------
    n : int
        Number of nodes.
    csr : CSR
        The adjacency bundle of :mod:`engine._kernels.csr` (its ``strength`` holds
        the weighted degrees, O(m) to sum, hence built once).
    total_volume : float
        ``vol(V)``, the sum of all degrees: the sweep's conductance needs it.

    :meth:`scratch` lends each thread n-sized work arrays that every kernel
    leaves zeroed again: zeroing n entries per call would make a local cluster
    cost O(n).
    """

    def __init__(self, g: Graph):
        self.n = g.n_nodes
        self.csr = csr_of(g)
        weighted = self.csr.weights.size > 0
        self.total_volume = float(self.csr.strength.sum()) if weighted else float(g.nnz)
        self._local = threading.local()

    def scratch(self) -> Scratch:
        """This thread's :class:`Scratch` (zero where it must be), made on first use."""
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = Scratch.zeros(self.n)
        return scratch


class Scratch(NamedTuple):
    """One thread's n-sized work arrays, passed to the kernels as one argument.

    Kernels take what they need by name (``scratch.rank``) and leave the zeroed
    ones zero again; the work lists may hold anything.
    """

    estimate: np.ndarray  # float64, zeros
    residual: np.ndarray  # float64, zeros
    spare: np.ndarray  # float64, zeros: hk-relax's second Taylor term
    touched: np.ndarray  # int64, any content: the nodes a diffusion reached
    rank: np.ndarray  # int64, zeros: a sweep's prefix marks, MQI's local ids
    # hk-relax's work lists; np.empty maps pages lazily, so only the used ones cost.
    listed: np.ndarray  # int64, any content
    next_listed: np.ndarray  # int64, any content

    @classmethod
    def zeros(cls, n: int) -> Scratch:
        return cls(
            estimate=np.zeros(n),
            residual=np.zeros(n),
            spare=np.zeros(n),
            touched=np.empty(n, dtype=np.int64),
            rank=np.zeros(n, dtype=np.int64),
            listed=np.empty(n, dtype=np.int64),
            next_listed=np.empty(n, dtype=np.int64),
        )


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
