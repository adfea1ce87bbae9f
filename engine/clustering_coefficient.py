"""Local clustering coefficients by networkx's four formulas, and their average.

- undirected: ``c_v = 2 T(v) / (d (d − 1))``, ``T(v)`` the triangles through ``v``,
  ``d`` its degree without self-loops (from :func:`engine.triangles.triangle_terms`;
  both counts exact, so the quotient is networkx's to the last bit);
- undirected weighted (Onnela et al. 2005): ``T(v)`` sums the geometric means of each
  triangle's weights, each weight over the graph's largest;
- directed (Fagiolo 2007): ``c_v = T(v) / (2 (d_tot (d_tot − 1) − 2 d↔))``, ``T(v)``
  the directed triangles through ``v``, ``d_tot`` its in- plus out-degree, ``d↔`` its
  reciprocated neighbours;
- directed weighted: the same, each triangle counting the geometric mean of its weights.

Self-loops are left out of every term, as networkx leaves them out. The weighted
products come from Numba kernels (:mod:`engine.clustering_coefficient_kernels`), their
cube roots from NumPy, which networkx calls too (Numba's ``cbrt`` differs in the last
bit about half the time), so a coefficient may differ from networkx's in the last bit
only where a sum runs in another order.

``weights`` is as :mod:`engine.edge_weights` describes.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from engine import clustering_coefficient_kernels as kernels
from engine.edge_weights import Weights, derived_for, edge_weights
from engine.per_graph import derived
from engine.triangles import triangle_terms
from loaders import Graph


def clustering(g: Graph, weights: Weights = None) -> np.ndarray:
    """Clustering coefficient of every node (float64, by node id), by networkx's formula
    for ``g``'s kind: undirected or directed, unweighted or (``weights``) weighted.

    >>> import networkx as nx
    >>> from loaders import Graph
    >>> g = Graph.from_networkx(nx.karate_club_graph())
    >>> clustering(g)[:3].round(4).tolist()
    [0.15, 0.3333, 0.2444]
    >>> clustering(g, weights=True)[:3].round(4).tolist()
    [0.0663, 0.1669, 0.1314]
    >>> clustering(Graph.from_edges([0, 1, 2], [1, 2, 0], directed=True)).tolist()
    [0.5, 0.5, 0.5]
    """
    values = edge_weights(g, weights)
    if values is None:
        name = "clustering.directed" if g.directed else "clustering"
        build = _directed_coefficients if g.directed else _coefficients
        return derived(name, g, build)
    build = _directed_weighted_coefficients if g.directed else _weighted_coefficients
    return derived_for("clustering.weighted", g, weights, lambda: build(g, values))


def average_clustering(
    g: Graph, ids=None, weights: Weights = None, count_zeros: bool = True
) -> float:
    """Mean of :func:`clustering` over the nodes ``ids`` (all by default); with
    ``count_zeros=False``, over those whose coefficient is not 0. The sum is correctly
    rounded (``math.fsum``), so it does not depend on the order of the nodes.

    >>> import networkx as nx
    >>> from loaders import Graph
    >>> round(average_clustering(Graph.from_networkx(nx.karate_club_graph())), 4)
    0.5706
    >>> average_clustering(Graph.from_edges([0], [1]), count_zeros=False)
    Traceback (most recent call last):
    ...
    ZeroDivisionError: no node to average over
    """
    values = clustering(g, weights)
    if ids is not None:
        values = values[_check_ids(g, ids)]
    if not count_zeros:
        values = values[values != 0]
    if values.size == 0:
        raise ZeroDivisionError("no node to average over")
    return math.fsum(values.tolist()) / values.size


def _check_ids(g: Graph, ids) -> np.ndarray:
    ids = np.asarray(ids, dtype=np.int64)
    if ids.ndim != 1 or (ids.size and (ids.min() < 0 or ids.max() >= g.n_nodes)):
        raise ValueError(f"ids must be node ids in [0, {g.n_nodes})")
    return ids


def _coefficients(g: Graph) -> np.ndarray:
    twice, degree = triangle_terms(g)
    pairs = (degree * (degree - 1)).astype(np.float64)
    return np.divide(twice, pairs, out=np.zeros(g.n_nodes), where=twice > 0)


def _weighted_coefficients(g: Graph, values: np.ndarray) -> np.ndarray:
    n = g.n_nodes
    ids = np.arange(n)
    scale = float(values.max()) if values.size else 1.0
    ends = np.zeros(n + 1, dtype=np.int64)
    # Two passes: count the products, then fill an array of exactly that size.
    kernels.weighted_triangle_products(g.indptr, g.indices, values, scale, ids, ends, _NONE)
    products = np.empty(int(ends[-1]))
    if products.size:
        kernels.weighted_triangle_products(g.indptr, g.indices, values, scale, ids, ends, products)
    owner = np.repeat(ids, np.diff(ends))
    twice = 2 * np.bincount(owner, weights=np.cbrt(products), minlength=n)
    degree = triangle_terms(g)[1]
    return np.divide(twice, degree * (degree - 1.0), out=np.zeros(n), where=twice != 0)


def _in_arcs(g: Graph, values: np.ndarray | None) -> tuple:
    """``(indptr, indices, values)`` of the in-arcs (the transposed adjacency)."""
    n = g.n_nodes
    data = np.ones(g.nnz) if values is None else values
    into = sp.csr_array((data, g.indices, g.indptr), shape=(n, n)).T.tocsr()
    return into.indptr.astype(np.int64), into.indices.astype(g.indices.dtype), into.data


def _directed_terms(g: Graph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per node: directed triangles, in- plus out-degree, reciprocated neighbours."""

    def build(g: Graph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        in_ptr, in_idx, _ = _in_arcs(g, None)
        parts = tuple(np.zeros(g.n_nodes, dtype=np.int64) for _ in range(3))
        kernels.directed_triangle_terms(
            g.indptr, g.indices, in_ptr, in_idx, np.arange(g.n_nodes), *parts
        )
        return parts

    return derived("clustering.directed_terms", g, build)


def _fagiolo(triangles_: np.ndarray, total: np.ndarray, both: np.ndarray) -> np.ndarray:
    denominator = (total * (total - 1) - 2 * both) * 2.0
    out = np.zeros(triangles_.shape[0])
    return np.divide(triangles_, denominator, out=out, where=triangles_ != 0)


def _directed_coefficients(g: Graph) -> np.ndarray:
    return _fagiolo(*_directed_terms(g))


def _directed_weighted_coefficients(g: Graph, values: np.ndarray) -> np.ndarray:
    n = g.n_nodes
    ids = np.arange(n)
    scale = float(values.max()) if values.size else 1.0
    arrays = (g.indptr, g.indices, values, *_in_arcs(g, values), scale, ids)
    ends = np.zeros(n + 1, dtype=np.int64)
    kernels.directed_weighted_products(*arrays, ends, _NONE)
    products = np.empty(int(ends[-1]))
    if products.size:
        kernels.directed_weighted_products(*arrays, ends, products)
    sums = np.bincount(np.repeat(ids, np.diff(ends)), weights=np.cbrt(products), minlength=n)
    _, total, both = _directed_terms(g)
    return _fagiolo(sums, total, both)


_NONE = np.empty(0)  # the kernels' "count only" products
