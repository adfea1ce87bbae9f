"""What the PPR index and PPR batches will cost, before they run: seconds, bytes, threads.

Examples
--------
>>> import engine
>>> g = engine.sample("karate")
>>> ppr_index_memory(g) > 0
True
"""

from __future__ import annotations

import numpy as np

from checks import check_between
from engine.pagerank.accuracy import INDEX_BALANCE, Accuracy
from engine.pagerank.common import DEFAULT_ALPHA
from loaders import Graph

__all__ = ["ppr_index_memory"]


def ppr_index_memory(
    g: Graph,
    alpha: float | None = None,
    *,
    eps: float = 0.5,
    delta: float | None = None,
    threshold: float | None = None,
    balance: float | None = None,
) -> int:
    """Peak bytes of :meth:`engine.PPRIndex.build` with these parameters, above the graph.

    The index stores ``⌈(1−α)·r_max·deg(v)·ω⌉`` walk end points per node ``v``
    (see :class:`engine.PPRIndex`): ``T`` in all. They are drawn as int64 (8 bytes
    each) and kept as int32 (4 more while both exist), a twentieth of them at a
    time needs 8 bytes of start nodes, and per node 32 bytes of degrees and offsets.

    Examples
    --------
    >>> import engine
    >>> g = engine.sample("karate")
    >>> ppr_index_memory(g, eps=0.25) > ppr_index_memory(g, eps=0.5)
    True
    """
    alpha = check_between("alpha", DEFAULT_ALPHA if alpha is None else alpha, 0, 1)
    balance = INDEX_BALANCE if balance is None else balance
    return build_memory(g, alpha, Accuracy.of(g, eps, delta, threshold, balance))


def stored_walk_counts(g: Graph, alpha: float, accuracy: Accuracy) -> np.ndarray:
    """Walks :meth:`PPRIndex.build` stores per node: ``⌈(1−α)·r_max·deg(v)·ω⌉`` (int64).

    The one rule for the build and for :func:`ppr_index_memory`.
    """
    degrees = np.maximum(np.diff(g.indptr), 1)
    per_node = np.ceil((1.0 - alpha) * accuracy.r_max * degrees * accuracy.omega)
    return per_node.astype(np.int64)


def build_memory(g: Graph, alpha: float, accuracy: Accuracy) -> int:
    """Peak bytes of :meth:`PPRIndex.build` above the graph (see
    :func:`ppr_index_memory`): the walks are drawn as int64 and kept as
    int32 (12 bytes each while both exist), a twentieth of them at a time needs 8
    bytes of start nodes, and per node 32 bytes of degrees and offsets."""
    walks = int(stored_walk_counts(g, alpha, accuracy).sum())
    weighted = 8 * g.nnz if g.weights is not None else 0
    return int(12 * walks + 8 * -(-walks // 20) + 32 * g.n_nodes + weighted)
