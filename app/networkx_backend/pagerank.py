"""``pagerank`` for networkx: the engine's exact power iteration, networkx's semantics.

networkx's ``alpha`` is the damping factor (the engine's ``alpha`` is the teleport
probability, ``1 − alpha`` here); its ``tol`` bounds the L1 change per node, so the
iteration stops once the total L1 change is below ``N · tol``; a run that does not get
there in ``max_iter`` steps raises ``PowerIterationFailedConvergence``. Dangling nodes
(no out-weight) send their mass to ``dangling``, else to the personalization.

:func:`engine.pagerank.exact.power_iteration` (``engine.ppr(..., method="exact")``) takes
the common calls. It has no starting vector and sends dangling mass to the seeds, so a
call with ``nstart``, with a ``dangling`` distribution, or with ``alpha`` at 0 or 1 runs
:func:`power_iteration` below, the same float64 update over the converted graph's float64
weights (to move into ``engine/pagerank/exact.py`` as its ``start=`` and ``dangling=``
options).
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx
import numpy as np
import scipy.sparse as sp

from app.networkx_backend.graph import BackendGraph
from engine.pagerank import exact


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
    >>> max(abs(ours[v] - theirs[v]) for v in G) < 1e-4  # networkx's own tests: 1e-4
    True
    """
    n = len(G)
    if n == 0:
        return {}
    p = _distribution(G, personalization)
    if p is None:
        raise ZeroDivisionError("personalization sums to 0")
    if max_iter < 1:
        raise nx.PowerIterationFailedConvergence(max_iter)
    if nstart is None and dangling is None and 0 < alpha < 1:
        seeds = np.flatnonzero(p)
        try:
            # The engine's power iteration itself: engine.ppr would look up 30k seed
            # labels one by one (80% of a call on the 30k-node benchmark graph).
            scores = exact.power_iteration(
                G.engine_graph(weight), seeds, p[seeds], 1.0 - alpha, tol=n * tol, max_iter=max_iter
            )
        except RuntimeError:  # the engine's "did not reach tol" error
            raise nx.PowerIterationFailedConvergence(max_iter) from None
    else:
        start = np.full(n, 1.0 / n) if nstart is None else _distribution(G, nstart)
        sink = p if dangling is None else _distribution(G, dangling)
        scores = power_iteration(G, weight, alpha, p, start, sink, max_iter, tol)
    return dict(zip(G.nodes, scores.tolist()))


def power_iteration(
    G: BackendGraph,
    weight: str | None,
    alpha: float,
    p: np.ndarray,
    x: np.ndarray,
    sink: np.ndarray | None,
    max_iter: int,
    tol: float,
) -> np.ndarray:
    """networkx's update ``x ← alpha·(xP + dangling(x)·sink) + (1 − alpha)·p`` in float64,
    until the L1 change is below ``N · tol``.

    >>> G = BackendGraph.from_networkx(nx.path_graph(3))
    >>> uniform = np.full(3, 1 / 3)
    >>> power_iteration(G, None, 0.85, uniform, uniform, uniform, 100, 1e-6).round(3).tolist()
    [0.257, 0.486, 0.257]
    """
    n = len(G)
    values = G.values(weight)
    data = np.ones(G.indices.shape[0]) if values is None else values
    out = np.bincount(G.rows(), weights=data, minlength=n)
    scale = np.zeros(n)
    np.divide(1.0, out, out=scale, where=out != 0)
    # Pᵀ, so that one sparse product per step gives x·P.
    transposed = sp.csr_array((data, G.indices, G.indptr), shape=(n, n)).T.tocsr()
    is_dangling = out == 0
    sink = p if sink is None else sink
    for _ in range(max_iter):
        last = x
        x = alpha * (transposed @ (x * scale) + x[is_dangling].sum() * sink) + (1 - alpha) * p
        if np.abs(x - last).sum() < n * tol:
            return x
    raise nx.PowerIterationFailedConvergence(max_iter)


def can_run(G, alpha=0.85, personalization=None, nstart=None, dangling=None, **_) -> bool | str:
    """Every parameter is supported; a distribution must map nodes to numbers."""
    for name, mapping in (
        ("personalization", personalization),
        ("nstart", nstart),
        ("dangling", dangling),
    ):
        if mapping is not None and not isinstance(mapping, Mapping):
            return f"{name} must be a dict of node → weight"
    return True


def _distribution(G: BackendGraph, weights: Mapping | None) -> np.ndarray | None:
    """``weights`` as a vector over the nodes, normalised to sum 1 (keys not in ``G``
    ignored, as networkx does); uniform when None; None when it sums to 0."""
    n = len(G)
    if weights is None:
        return np.full(n, 1.0 / n)
    vector = np.fromiter((weights.get(v, 0) for v in G.nodes), dtype=np.float64, count=n)
    total = vector.sum()
    return None if total == 0 else vector / total
