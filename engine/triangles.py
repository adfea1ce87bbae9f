"""Triangles through each node and a graph's transitivity, as networkx counts them.

Self-loops are ignored, as networkx ignores them. On an undirected graph the counts
are the graphlet code's: :class:`engine.graphlets.common.SimpleGraph` (self-loops
dropped) and its Numba count of the triangles on every edge, summed per node, once per
graph. networkx defines the transitivity of a directed graph too (arcs between two
successors of each node, over its pairs of successors); :func:`transitivity` counts
that with :func:`~engine.triangles_kernels.successor_pairs`.
"""

from __future__ import annotations

import numpy as np

from engine import triangles_kernels as kernels
from engine.graphlets import common_kernels
from engine.graphlets.common import SimpleGraph, thread_count
from engine.per_graph import derived
from loaders import Graph


def triangles(g: Graph) -> np.ndarray:
    """Triangles through each node of an undirected graph (int64, by node id).

    >>> from loaders import sample
    >>> triangles(sample("karate"))[:5].tolist()
    [18, 12, 11, 10, 2]
    """
    _check_undirected(g, "triangles")
    return triangle_terms(g)[0] // 2


def transitivity(g: Graph) -> float:
    """``3 × triangles / connected triples`` over the whole graph, as networkx sums it.

    Undirected: twice the triangles through each node over ``d (d − 1)``, each summed
    over the nodes (``d`` the degree without self-loops). Directed: the arcs between two
    successors of each node over its ``d (d − 1)`` ordered pairs of successors. 0 when
    there is no triangle.

    >>> from loaders import Graph, sample
    >>> round(transitivity(sample("karate")), 4)
    0.2557
    >>> transitivity(Graph.from_edges([0, 1, 0], [1, 2, 2], directed=True))  # 0→1→2, 0→2
    0.5
    """
    twice, degree = _directed_terms(g) if g.directed else triangle_terms(g)
    closed = int(twice.sum())
    if closed == 0:
        return 0.0
    return closed / int((degree * (degree - 1)).sum())


def triangle_terms(g: Graph) -> tuple[np.ndarray, np.ndarray]:
    """``(2 × triangles, degree without self-loops)`` per node of an undirected graph,
    int64, computed once per graph (the clustering coefficients read both).

    >>> import networkx as nx
    >>> from loaders import Graph
    >>> twice, degree = triangle_terms(Graph.from_networkx(nx.complete_graph(4)))
    >>> twice.tolist(), degree.tolist()
    ([6, 6, 6, 6], [3, 3, 3, 3])
    """
    _check_undirected(g, "triangle_terms")

    def build(g: Graph) -> tuple[np.ndarray, np.ndarray]:
        # Not SimpleGraph's orient=True: the degree-oriented copy serves the 4-clique
        # search only and took half of a triangle count on a 30k-node BA graph.
        simple = simple_graph(g)
        tri = common_kernels.edge_triangles(simple.csr, simple.degree, thread_count())
        twice = common_kernels.node_sums(simple.csr, simple.degree, tri)[0]
        return twice.astype(np.int64), simple.degree.astype(np.int64)

    return derived("triangles.terms", g, build)


def simple_graph(g: Graph) -> SimpleGraph:
    """``g``'s simple undirected CSR (self-loops dropped), built once per graph."""
    return derived("triangles.simple", g, lambda graph: SimpleGraph.of(graph, orient=False))


def _directed_terms(g: Graph) -> tuple[np.ndarray, np.ndarray]:
    twice = kernels.successor_pairs(g.indptr, g.indices)
    rows = np.repeat(np.arange(g.n_nodes), np.diff(g.indptr))
    loops = rows[rows == g.indices]
    return twice, np.diff(g.indptr) - np.bincount(loops, minlength=g.n_nodes)


def _check_undirected(g: Graph, name: str) -> None:
    if g.directed:
        raise ValueError(
            f"{name} counts undirected triangles; for a directed graph's undirected "
            "version, engine.graphlets.orbit_counts gives them (orbit 3)"
        )
