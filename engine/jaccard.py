"""Jaccard coefficients of given node pairs, exactly, as networkx scores them.

``|N(u) ∩ N(v) − {u, v}| / |N(u) ∪ N(v)|``, 0 when both neighbourhoods are empty:
networkx leaves ``u`` and ``v`` out of the common neighbours (they differ from the
plain intersection only where ``u`` or ``v`` has a self-loop) but not out of the union.
One merge of the two sorted rows per pair
(:func:`~engine.jaccard_kernels.jaccard_pairs`).

For the most similar nodes of a node, or neighbourhoods that include the node itself,
see :class:`engine.NeighbourhoodIndex`, which estimates by MinHash and checks a few
candidates exactly.
"""

from __future__ import annotations

import numpy as np

from engine.jaccard_kernels import jaccard_pairs as _jaccard_pairs
from loaders import Graph


def jaccard_pairs(g: Graph, us, vs) -> np.ndarray:
    """Jaccard coefficient of each pair ``(us[k], vs[k])`` of node ids (float64).

    >>> import networkx as nx
    >>> from loaders import Graph
    >>> jaccard_pairs(Graph.from_networkx(nx.path_graph(4)), [0, 1], [2, 3]).tolist()
    [0.5, 0.5]
    """
    if g.directed:
        raise ValueError("Jaccard coefficients are defined here for undirected graphs")
    us = np.asarray(us, dtype=np.int64)
    vs = np.asarray(vs, dtype=np.int64)
    if us.ndim != 1 or us.shape != vs.shape:
        raise ValueError(f"us and vs must be 1-d and of one length; got {us.shape}, {vs.shape}")
    for ids in (us, vs):
        if ids.size and (ids.min() < 0 or ids.max() >= g.n_nodes):
            raise ValueError(f"us and vs must be node ids in [0, {g.n_nodes})")
    out = np.empty(us.shape[0], dtype=np.float64)
    _jaccard_pairs(g.indptr, g.indices, us, vs, out)
    return out
