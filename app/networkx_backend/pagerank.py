"""``pagerank`` for networkx: the engine's exact power iteration, networkx's semantics.

networkx's ``alpha`` is the damping factor (the engine's ``alpha`` is the teleport
probability, ``1 − alpha`` here); its ``tol`` bounds the L1 change per node, so the
iteration stops once the total L1 change is below ``N · tol``; a run that does not get
there in ``max_iter`` steps raises ``PowerIterationFailedConvergence``. Dangling nodes
(no out-weight) send their mass to ``dangling``, else to the personalization.

The update is the engine's exact power iteration (:mod:`engine.pagerank.exact`, one
sparse product per step, float64), run here because the engine's lacks three things
networkx's semantics need: a starting vector (networkx starts from ``nstart`` or uniform;
the engine from the seeds, which costs a personalized call twice the steps and lands
elsewhere within ``tol``), a ``dangling`` distribution other than the seeds, and a
transition matrix kept per graph (the engine rebuilds it each call, 2.4 ms of a 4-step
call on the 30k-node benchmark graph). With those three as options of
``engine.pagerank.exact.power_iteration``, this module should call it instead.
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx
import numpy as np
import scipy.sparse as sp

from app.networkx_backend.graph import BackendGraph
from app.networkx_backend.pagerank_kernels import pagerank_step


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
    p = _distribution(G, personalization)
    if p is None:
        raise ZeroDivisionError("personalization sums to 0")
    if max_iter < 1:
        raise nx.PowerIterationFailedConvergence(max_iter)
    start = np.full(n, 1.0 / n) if nstart is None else _distribution(G, nstart)
    if start is None:  # networkx divides by the zero sum and never converges on NaNs
        raise nx.PowerIterationFailedConvergence(max_iter)
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
    indptr, indices, values, scale, dangling_ids = transition(G, weight)
    sink = p if sink is None else sink
    teleport = (1 - alpha) * p
    x = np.array(x, dtype=np.float64)
    new = np.empty(n)
    for _ in range(max_iter):
        lost = float(x[dangling_ids].sum())
        change = pagerank_step(indptr, indices, values, scale, x, lost, alpha, sink, teleport, new)
        x, new = new, x
        if change < n * tol:
            return x
    raise nx.PowerIterationFailedConvergence(max_iter)


def transition(G: BackendGraph, weight: str | None) -> tuple:
    """``(indptr, indices, values, 1 / out-weight, dangling ids)`` of the transposed
    adjacency (the in-arcs a step pulls over), built once per graph; ``values`` is empty
    for unit weights.

    >>> parts = transition(BackendGraph.from_networkx(nx.DiGraph([(0, 1), (0, 2)])), None)
    >>> [part.tolist() for part in parts]
    [[0, 0, 1, 2], [0, 0], [], [0.5, 0.0, 0.0], [1, 2]]
    """

    def build() -> tuple:
        n = len(G)
        values = G.values(weight)
        if values is None:
            out = np.diff(G.indptr).astype(np.float64)
        else:
            out = np.bincount(G.rows(), weights=values, minlength=n)
        scale = np.zeros(n)
        np.divide(1.0, out, out=scale, where=out != 0)
        indptr, indices = G.indptr, G.indices
        if G.directed:
            data = np.ones(indices.shape[0]) if values is None else values
            transposed = sp.csr_array((data, indices, indptr), shape=(n, n)).T.tocsr()
            indptr, indices = transposed.indptr.astype(np.int64), transposed.indices
            values = None if values is None else transposed.data
        # An undirected adjacency is its own transpose: nothing to build.
        values = np.empty(0) if values is None else values
        return indptr, indices, values, scale, np.flatnonzero(out == 0)

    return G.cached(("transition", weight), build)


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
