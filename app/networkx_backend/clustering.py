"""``triangles``, ``clustering``, ``average_clustering`` and ``transitivity`` for networkx.

All four read two per-node arrays, computed once per converted graph by the engine's
graphlet code (:class:`engine.graphlets.common.SimpleGraph`: self-loops dropped, a Numba
count of the triangles on every edge): twice the triangles through each node, and its
degree without self-loops. networkx ignores self-loops in all four too.

``clustering`` (and so ``average_clustering``) takes networkx's other formulas too:
weighted (Onnela et al.: the geometric mean of the triangle's weights over the largest
weight; the products from Numba kernels, their cube roots from NumPy as networkx takes
them, so a value may differ from networkx's in the last bit where the sum runs in another
order) and directed (Fagiolo: integer counts, exact; weighted, the same products).
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp

from app.networkx_backend.clustering_kernels import (
    directed_triangle_terms,
    directed_weighted_products,
    square_terms,
    successor_pairs,
    weighted_triangle_products,
)
from app.networkx_backend.graph import BackendGraph
from engine.graphlets import common_kernels as kernels
from engine.graphlets.common import SimpleGraph, thread_count


def simple_graph(G: BackendGraph) -> SimpleGraph:
    """The engine's simple undirected CSR of ``G`` (self-loops dropped), once per graph."""
    return G.cached("simple", lambda: SimpleGraph.of(G.engine_graph(None), orient=False))


def triangle_arrays(G: BackendGraph) -> tuple[np.ndarray, np.ndarray]:
    """``(2 × triangles, degree without self-loops)`` per node, int64, once per graph.

    >>> twice, degree = triangle_arrays(BackendGraph.from_networkx(nx.complete_graph(4)))
    >>> twice.tolist(), degree.tolist()
    ([6, 6, 6, 6], [3, 3, 3, 3])
    """

    def build() -> tuple[np.ndarray, np.ndarray]:
        # Not SimpleGraph's orient=True: the degree-oriented copy serves the 4-clique
        # search only and took half of a triangle count on the 30k-node benchmark graph.
        simple = simple_graph(G)
        tri = kernels.edge_triangles(simple.csr, simple.degree, thread_count())
        twice = kernels.node_sums(simple.csr, simple.degree, tri)[0]
        return twice.astype(np.int64), simple.degree.astype(np.int64)

    return G.cached("triangles", build)


def triangles(G: BackendGraph, nodes=None):
    """Triangles through each node, as :func:`networkx.triangles` counts them.

    >>> nx.triangles(nx.karate_club_graph(), 0, backend="gwb")
    18
    """
    twice = triangle_arrays(G)[0]
    return _per_node(G, nodes, (twice // 2).tolist())


def clustering(G: BackendGraph, nodes=None, weight: str | None = None):
    """Clustering coefficient of each node, by networkx's formula for ``G``: ``2T / (d (d −
    1))`` (weighted: ``T`` sums geometric means of normalised weights; directed: Fagiolo's).

    >>> round(nx.clustering(nx.karate_club_graph(), 0, backend="gwb"), 4)
    0.15
    >>> round(nx.clustering(nx.karate_club_graph(), 0, weight="weight", backend="gwb"), 4)
    0.0663
    """
    return _per_node(G, nodes, _coefficients(G, weight))


def average_clustering(
    G: BackendGraph, nodes=None, weight: str | None = None, count_zeros: bool = True
) -> float:
    """Mean clustering coefficient over ``nodes`` (all by default), as networkx takes it.

    >>> round(nx.average_clustering(nx.karate_club_graph(), backend="gwb"), 4)
    0.5706
    """
    values = clustering(G, nodes, weight)
    values = list(values.values())
    if not count_zeros:
        values = [v for v in values if abs(v) > 0]
    return sum(values) / len(values)


def transitivity(G: BackendGraph) -> float:
    """``3 × triangles / connected triples``, summed over the graph as networkx sums it
    (on a directed graph, networkx's count over each node's successors).

    >>> round(nx.transitivity(nx.karate_club_graph(), backend="gwb"), 4)
    0.2557
    """
    if G.directed:
        twice = successor_pairs(G.indptr, G.indices)
        loops = G.rows()[G.rows() == G.indices]
        degree = np.diff(G.indptr) - np.bincount(loops, minlength=len(G))
    else:
        twice, degree = triangle_arrays(G)
    triangles_ = int(twice.sum())
    if triangles_ == 0:
        return 0
    return triangles_ / int((degree * (degree - 1)).sum())


def square_clustering(G: BackendGraph, nodes=None):
    """Squares through each node over the squares its neighbours could close, as
    :func:`networkx.square_clustering` counts both (Lind et al. 2005).

    >>> nx.square_clustering(nx.complete_graph(4), 0, backend="gwb")
    1.0
    """
    if nodes is None:
        ids = np.arange(len(G))
    elif nodes in G:
        ids = np.array([G.index[nodes]])
    else:
        try:
            ids = G.ids(nodes)
        except TypeError:
            raise nx.NetworkXError(
                f"nbunch {nodes!r} is not a node or a sequence of nodes"
            ) from None
        ids = ids[np.sort(np.unique(ids, return_index=True)[1])]  # networkx's order, once each
    simple = simple_graph(G)
    squares, degree_sum = square_terms(simple.csr.indptr, simple.csr.indices, ids)
    twice, degree = (part[ids] for part in triangle_arrays(G))
    # networkx's terms, all integers: the pairs (u, w) of neighbours, their other
    # neighbours, less the triangles (twice) and the squares already closed.
    potential = (degree - 1) * degree_sum - degree * (degree - 1) - twice - squares
    values = [
        s / p if d > 1 and p > 0 else 0
        for s, p, d in zip(squares.tolist(), potential.tolist(), degree.tolist())
    ]
    if nodes is not None and nodes in G:
        return values[0]
    return dict(zip((G.nodes[i] for i in ids.tolist()), values))


def can_run_square_clustering(G, **_) -> bool | str:
    """networkx's square clustering of a directed graph walks successors; not ours."""
    if G.is_directed():
        return "square clustering of directed graphs is not implemented by gwb"
    return True


def _coefficients(G: BackendGraph, weight: str | None = None) -> list:
    values = None if weight is None else G.values(weight)
    if G.directed and values is not None:
        return G.cached(("clustering", weight), lambda: _directed_weighted_coefficients(G, values))
    if G.directed:
        return G.cached("directed clustering", lambda: _directed_coefficients(G))
    if values is not None:
        return G.cached(("clustering", weight), lambda: _weighted_coefficients(G, values))

    def build() -> list:
        twice, degree = triangle_arrays(G)
        pairs = (degree * (degree - 1)).astype(np.float64)
        # Both counts are exact in float64, so the quotient is networkx's to the last bit
        # (networkx writes an int 0 where we write 0.0; they compare equal).
        ratio = np.divide(twice, pairs, out=np.zeros(len(G)), where=twice > 0)
        return ratio.tolist()

    return G.cached("clustering", build)


def _weighted_coefficients(G: BackendGraph, values: np.ndarray) -> list:
    n = len(G)
    ids = np.arange(n)
    scale = float(values.max()) if values.size else 1.0
    ends = np.zeros(n + 1, dtype=np.int64)
    # Two passes: count the products, then fill an array of exactly that size.
    weighted_triangle_products(G.indptr, G.indices, values, scale, ids, ends, np.empty(0))
    products = np.empty(int(ends[-1]))
    if products.size:
        weighted_triangle_products(G.indptr, G.indices, values, scale, ids, ends, products)
    owner = np.repeat(ids, np.diff(ends))
    twice = 2 * np.bincount(owner, weights=np.cbrt(products), minlength=n)
    degree = triangle_arrays(G)[1]
    return [0 if t == 0 else t / (d * (d - 1)) for t, d in zip(twice.tolist(), degree.tolist())]


def _in_arcs(G: BackendGraph, values: np.ndarray | None) -> tuple:
    """``(indptr, indices, values)`` of the in-arcs (the transposed adjacency)."""
    n = len(G)
    data = np.ones(G.indices.shape[0]) if values is None else values
    into = sp.csr_array((data, G.indices, G.indptr), shape=(n, n)).T.tocsr()
    return into.indptr.astype(np.int64), into.indices.astype(G.indices.dtype), into.data


def _directed_terms(G: BackendGraph) -> tuple[list, list, list]:
    """Per node: directed triangles, in- plus out-degree, reciprocated neighbours."""
    n = len(G)
    in_ptr, in_idx, _ = _in_arcs(G, None)
    parts = [np.zeros(n, dtype=np.int64) for _ in range(3)]
    directed_triangle_terms(G.indptr, G.indices, in_ptr, in_idx, np.arange(n), *parts)
    return tuple(part.tolist() for part in parts)


def _directed_weighted_coefficients(G: BackendGraph, values: np.ndarray) -> list:
    n = len(G)
    ids = np.arange(n)
    scale = float(values.max()) if values.size else 1.0
    arrays = (G.indptr, G.indices, values, *_in_arcs(G, values), scale, ids)
    ends = np.zeros(n + 1, dtype=np.int64)
    directed_weighted_products(*arrays, ends, np.empty(0))
    products = np.empty(int(ends[-1]))
    if products.size:
        directed_weighted_products(*arrays, ends, products)
    sums = np.bincount(np.repeat(ids, np.diff(ends)), weights=np.cbrt(products), minlength=n)
    _, total, both = _directed_terms(G)
    return [
        0 if t == 0 else t / ((dt * (dt - 1) - 2 * db) * 2)
        for t, dt, db in zip(sums.tolist(), total, both)
    ]


def _directed_coefficients(G: BackendGraph) -> list:
    triangles_, total, both = _directed_terms(G)
    return [
        0 if t == 0 else t / ((dt * (dt - 1) - 2 * db) * 2)
        for t, dt, db in zip(triangles_, total, both)
    ]


def _per_node(G: BackendGraph, nodes, values: list):
    """networkx's ``nodes`` argument: all (None), one node (a value), or a container."""
    if nodes is None:
        return dict(zip(G.nodes, values))
    if nodes in G:
        return values[G.index[nodes]]
    try:
        ids = G.ids(nodes)
    except TypeError:
        raise nx.NetworkXError(f"nbunch {nodes!r} is not a node or a sequence of nodes") from None
    return {G.nodes[i]: values[i] for i in ids.tolist()}
