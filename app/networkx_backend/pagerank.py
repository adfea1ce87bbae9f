"""``pagerank`` for networkx: its arguments mapped onto :func:`engine.pagerank_power.pagerank`.

networkx's ``alpha`` is the engine's ``damping``; ``personalization``, ``nstart`` and
``dangling`` (dicts of node → weight, keys not in the graph ignored) become vectors by
node id; networkx's errors are raised where networkx raises them: ``ZeroDivisionError``
for a personalization that sums to 0, ``PowerIterationFailedConvergence`` when the
iteration does not converge (and for an ``nstart`` or ``dangling`` summing to 0, from
which networkx iterates on NaNs until ``max_iter``).
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx
import numpy as np

from app.networkx_backend.graph import BackendGraph
from engine import pagerank_power


def pagerank(
    G: BackendGraph,
    alpha: float = 0.85,
    personalization: Mapping | None = None,
    max_iter: int = 100,
    tol: float = 1.0e-6,
    nstart: Mapping | None = None,
    weight: str | None = "weight",
    dangling: Mapping | None = None,
) -> dict:
    """PageRank of every node, as :func:`networkx.pagerank` computes it.

    Examples
    --------
    >>> G = nx.DiGraph([(0, 1), (1, 2), (2, 0), (2, 3)])
    >>> ours = nx.pagerank(G, personalization={0: 1}, backend="gwb")
    >>> theirs = nx.pagerank(G, personalization={0: 1})
    >>> max(abs(ours[v] - theirs[v]) for v in G) < 1e-12  # the same steps as networkx's
    True
    """
    n = len(G)
    if n == 0:
        return {}
    p = _vector(G, personalization)
    if p is not None and not p.sum():
        raise ZeroDivisionError("personalization sums to 0")
    start = _vector(G, nstart)
    sink = _vector(G, dangling)
    for vector in (start, sink):
        if vector is not None and not vector.sum():  # networkx divides by 0, iterates on NaNs
            raise nx.PowerIterationFailedConvergence(max_iter)
    try:
        scores = pagerank_power.pagerank(
            G.engine_graph(),
            alpha,
            personalization=p,
            start=start,
            dangling=sink,
            weights=G.values(weight),
            tol=tol,
            max_iter=max(int(max_iter), 0),
        )
    except pagerank_power.ConvergenceError:
        raise nx.PowerIterationFailedConvergence(max_iter) from None
    return G.to_dict(scores)


def can_run(
    G, alpha=0.85, personalization=None, tol=1.0e-6, nstart=None, dangling=None, **_
) -> bool | str:
    """Every parameter is supported; a distribution must map nodes to numbers, ``alpha``
    be a probability and ``tol`` not negative."""
    for name, mapping in (
        ("personalization", personalization),
        ("nstart", nstart),
        ("dangling", dangling),
    ):
        if mapping is not None and not isinstance(mapping, Mapping):
            return f"{name} must be a dict of node → weight"
    if not 0 <= alpha <= 1:
        return "gwb takes alpha in [0, 1]"
    if not tol >= 0:
        return "gwb takes tol >= 0"
    return True


def _vector(G: BackendGraph, weights: Mapping | None) -> np.ndarray | None:
    """``weights`` (node → number) as a vector over the node ids, keys not in ``G``
    ignored as networkx ignores them; None stays None. One look-up per key, not per node."""
    if weights is None:
        return None
    vector = np.zeros(len(G))
    index = G.index
    known = [(index[v], w) for v, w in weights.items() if v in index]
    if known:
        ids, values = zip(*known)
        vector[list(ids)] = values
    return vector
