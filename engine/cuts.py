"""Cut size, volume and conductance of node sets, in networkx's conventions.

These differ from :mod:`engine.conductance` (the local clustering's measure) where

- the graph is directed: networkx counts the arcs both ways across the cut and takes
  out-degrees as volumes; :mod:`engine.conductance` measures the symmetrised graph;
- a node has a self-loop: networkx's undirected degree counts it twice, the
  adjacency row (and :mod:`engine.conductance`) once;
- a side has no volume: networkx divides by zero (``ZeroDivisionError``, raised here
  too); :mod:`engine.conductance` gives such a set conductance 1.

Node sets are node ids; ``S`` may repeat a node, which :func:`volume` then counts each
time (as networkx sums the degrees of what it is given). The Numba kernels
(:mod:`engine.cuts_kernels`) walk the rows of the sets only, in float64 from the
``weights`` (as :mod:`engine.edge_weights` describes), so a set of k nodes costs the
sum of their degrees, not the graph's size.
"""

from __future__ import annotations

import numpy as np

from engine import cuts_kernels as kernels
from engine.edge_weights import Weights, derived_for, edge_weights
from loaders import Graph


def cut_size(g: Graph, S, T=None, weights: Weights = None) -> float:
    """Total weight of the edges between ``S`` and ``T`` (default: every other node);
    in a directed graph, the arcs both ways.

    >>> import networkx as nx
    >>> from loaders import Graph
    >>> cut_size(Graph.from_networkx(nx.barbell_graph(3, 0)), [0, 1, 2])
    1.0
    """
    values, in_s, _ = _prepare(g, S, weights)
    if T is None and not g.directed:
        # S's own rows hold every crossing edge.
        return kernels.set_boundary(g.indptr, g.indices, values, np.flatnonzero(in_s), in_s)[1]
    if T is None:
        in_t = ~in_s
        rows = np.arange(g.n_nodes)  # arcs into S come from anywhere
    else:
        in_t = _mask(g, _ids(g, T, "T"))
        rows = np.flatnonzero(in_s | in_t)
    return kernels.cut_weight(g.indptr, g.indices, values, rows, in_s, in_t, g.directed)


def volume(g: Graph, S, weights: Weights = None) -> float:
    """Sum of the (out-)degrees of ``S``, an undirected self-loop counting twice.

    >>> import networkx as nx
    >>> from loaders import Graph
    >>> volume(Graph.from_networkx(nx.barbell_graph(3, 0)), [0, 1, 2])
    7.0
    """
    values = _values(g, weights)
    ids = _ids(g, S, "S")
    return kernels.row_volume(g.indptr, g.indices, values, ids, not g.directed)


def conductance(g: Graph, S, T=None, weights: Weights = None) -> float:
    """``cut_size(S, T) / min(volume(S), volume(T))``, ``T`` every other node by default.

    Raises ``ZeroDivisionError`` where a side has no volume, as networkx does.

    >>> import networkx as nx
    >>> from loaders import Graph
    >>> conductance(Graph.from_networkx(nx.barbell_graph(3, 0)), [0, 1, 2])
    0.14285714285714285
    """
    values, in_s, ids = _prepare(g, S, weights)
    unique = np.flatnonzero(in_s)
    if T is None and not g.directed and unique.size == ids.size:
        # One walk over S's rows: its volume and its cut; T's volume is the rest.
        volume_s, cut = kernels.set_boundary(g.indptr, g.indices, values, unique, in_s)
        volume_t = _total_volume(g, weights, values) - volume_s
    else:
        if T is None:
            T = np.flatnonzero(~in_s)
        cut = cut_size(g, ids, T, weights)
        volume_s = volume(g, ids, weights)
        volume_t = volume(g, T, weights)
    smaller = min(volume_s, volume_t)
    if smaller == 0:
        raise ZeroDivisionError("conductance of a cut with a side of no volume")
    return cut / smaller


def _total_volume(g: Graph, weights: Weights, values: np.ndarray) -> float:
    """Every degree summed (an undirected self-loop twice), once per graph and weights."""

    def build() -> float:
        everything = np.arange(g.n_nodes)
        return kernels.row_volume(g.indptr, g.indices, values, everything, not g.directed)

    return derived_for("cuts.total_volume", g, weights, build)


def _prepare(g: Graph, S, weights: Weights) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    values = _values(g, weights)
    ids = _ids(g, S, "S")
    return values, _mask(g, ids), ids


def _values(g: Graph, weights: Weights) -> np.ndarray:
    """The kernels' weights: an empty array for unit weights (one compiled kernel)."""
    values = edge_weights(g, weights)
    return _UNIT if values is None else values


def _ids(g: Graph, nodes, name: str) -> np.ndarray:
    ids = np.asarray(nodes, dtype=np.int64)
    if ids.ndim != 1 or (ids.size and (ids.min() < 0 or ids.max() >= g.n_nodes)):
        raise ValueError(f"{name} must be node ids in [0, {g.n_nodes})")
    return ids


def _mask(g: Graph, ids: np.ndarray) -> np.ndarray:
    mask = np.zeros(g.n_nodes, dtype=bool)
    mask[ids] = True
    return mask


_UNIT = np.empty(0, dtype=np.float64)
