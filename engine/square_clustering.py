"""Square clustering (Lind et al. 2005) of an undirected graph, as networkx counts it.

For a node ``v``, the squares through it over the squares its neighbours could close:
``C₄(v) = Σ q_v(u, w) / Σ [a_v(u, w) + q_v(u, w)]`` over pairs ``{u, w}`` of its
neighbours, ``q_v(u, w)`` their common neighbours other than ``v`` and ``a_v(u, w)``
their other neighbours. Summed over the pairs, every term is an integer of a
per-node count: the squares (:func:`~engine.square_clustering_kernels.square_terms`,
one Numba walk over the two-step paths from ``v``), the degrees of the neighbours, the
triangles through ``v`` (:func:`engine.triangles.triangle_terms`) and its degree, so
each coefficient is one exact quotient, networkx's to the last bit. Self-loops are
ignored (networkx ignores them since 3.5; before, it counted them).
"""

from __future__ import annotations

import numpy as np

from engine.square_clustering_kernels import square_terms
from engine.triangles import simple_graph, triangle_terms
from loaders import Graph


def square_clustering(g: Graph, ids=None) -> np.ndarray:
    """Square clustering coefficient of the nodes ``ids`` (all by default), float64,
    in the order of ``ids``.

    >>> import networkx as nx
    >>> from loaders import Graph
    >>> square_clustering(Graph.from_networkx(nx.complete_graph(4))).tolist()
    [1.0, 1.0, 1.0, 1.0]
    >>> square_clustering(Graph.from_networkx(nx.cycle_graph(4)), [0]).tolist()
    [1.0]
    """
    if g.directed:
        raise ValueError(
            "square clustering is defined on undirected graphs (networkx runs its "
            "undirected formula over successor sets of a directed one; this does not)"
        )
    if ids is None:
        ids = np.arange(g.n_nodes)
    else:
        ids = np.asarray(ids, dtype=np.int64)
        if ids.ndim != 1 or (ids.size and (ids.min() < 0 or ids.max() >= g.n_nodes)):
            raise ValueError(f"ids must be node ids in [0, {g.n_nodes})")
    simple = simple_graph(g)
    squares, degree_sum = square_terms(simple.csr.indptr, simple.csr.indices, ids)
    twice, degree = (part[ids] for part in triangle_terms(g))
    # networkx's terms: the pairs (u, w) of neighbours, their other neighbours, less
    # the pairs themselves, the triangles (counted twice) and the squares already closed.
    potential = (degree - 1) * degree_sum - degree * (degree - 1) - twice - squares
    defined = (degree > 1) & (potential > 0)
    return np.divide(squares, potential, out=np.zeros(ids.shape[0]), where=defined)
