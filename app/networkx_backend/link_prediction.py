"""``jaccard_coefficient`` for networkx: pairs of nodes mapped to ids for
:func:`engine.jaccard.jaccard_pairs`.

With ``ebunch=None`` networkx scores every non-edge; so does this, one row of pairs at a
time, lazily. The pairs come in node order rather than in the order of networkx's set
iteration (which networkx does not promise).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import networkx as nx
import numpy as np

from app.networkx_backend.graph import BackendGraph
from engine.jaccard import jaccard_pairs


def jaccard_coefficient(G: BackendGraph, ebunch: Iterable | None = None) -> Iterator[tuple]:
    """``(u, v, |N(u) ∩ N(v)| / |N(u) ∪ N(v)|)`` for each pair, as networkx scores it.

    Examples
    --------
    >>> G = nx.path_graph(4)
    >>> list(nx.jaccard_coefficient(G, [(0, 2), (1, 3)], backend="gwb"))
    [(0, 2, 0.5), (1, 3, 0.5)]
    """
    if ebunch is None:
        return _non_edges(G)
    pairs = list(ebunch)
    for u, v in pairs:  # networkx checks every pair before it scores any
        if u not in G:
            raise nx.NodeNotFound(f"Node {u} not in G.")
        if v not in G:
            raise nx.NodeNotFound(f"Node {v} not in G.")
    us = np.fromiter((G.index[u] for u, _ in pairs), dtype=np.int64, count=len(pairs))
    vs = np.fromiter((G.index[v] for _, v in pairs), dtype=np.int64, count=len(pairs))
    scores = jaccard_pairs(G.engine_graph(), us, vs).tolist()
    return ((u, v, score) for (u, v), score in zip(pairs, scores))


def can_run(G, **_) -> bool | str:
    """networkx refuses directed graphs and multigraphs before dispatching; so do we."""
    if G.is_directed():
        return "jaccard_coefficient is not defined for directed graphs"
    return True


def _non_edges(G: BackendGraph) -> Iterator[tuple]:
    """Every pair of distinct non-adjacent nodes once, ``u`` before ``v`` in networkx's
    node order, one row of pairs at a time."""
    labels, ids = G.labels, G.ids
    g = G.engine_graph()
    for k in range(len(G)):
        u = int(ids[k])
        later = ids[k + 1 :]
        vs = later[~np.isin(later, G.indices[G.indptr[u] : G.indptr[u + 1]])]
        scores = jaccard_pairs(g, np.full(vs.shape[0], u, dtype=np.int64), vs).tolist()
        yield from ((labels[u], labels[v], s) for v, s in zip(vs.tolist(), scores))
