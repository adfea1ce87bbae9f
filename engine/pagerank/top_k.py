"""Top-k queries that stop at the accuracy their k-th score needs (FORA's top-k).

A hybrid query guarantees relative error ``eps`` for every node with
``π ≥ threshold``, and its cost grows as ``1/threshold``: walks per unit of residual
mass are ``ω ∝ log(1/δ)/threshold``, and more walks price more sweeps. A top-k
query needs the guarantee only down to the k-th score, which is at most ``1/k``
and usually far above ``1/n`` (about ``1e-4`` for k = 100 on a 100M-edge R-MAT,
against ``1/n = 2.3e-7``). So, as FORA does for top-k (Wang et al., KDD 2017,
section 5), the query runs with thresholds falling from ``1/k`` and stops at the
first whose k-th estimate is at least ``(1 + eps)·threshold``: then k nodes have
``π ≥ threshold`` (a node below it is estimated within ``eps·threshold`` of its
``π``), so every true top-k node is inside the guarantee. Each failed round jumps
to ``min(threshold/2, kth/(2·(1 + eps)))``; the last threshold is ``1/n``, the plain
query's, so the answer is never less accurate than without ``top_k``. The failure
probability ``delta`` is split over the rounds (a union bound). A round does not push
again where its local push would end as the last round's did
(:class:`~engine.pagerank.push.LocalPushMemo`): on large graphs the local push hands
over at a level above every round's ``r_max``, so later rounds cost only their walks.

Examples
--------
>>> import numpy as np
>>> def query(threshold, delta):  # a stand-in whose scores do not depend on either
...     return np.array([0.5, 0.2, 0.1, 0.1, 0.05, 0.05])
>>> top_k_query(query, 2, 6, 0.5, None).round(2).tolist()
[0.5, 0.2, 0.1, 0.1, 0.05, 0.05]
>>> top_k_thresholds(query, 4, 6, 0.5)
[0.25, 0.16666666666666666]
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from engine.pagerank.common_kernels import top_scores

__all__ = [
    "TOP_K_MIN_ENTRIES",
    "adapts_to_top_k",
    "large_enough_for_rounds",
    "top_k_query",
    "top_k_thresholds",
]

Query = Callable[[float, float], np.ndarray]


#: Graphs with fewer entries (twice the undirected edges) run plain queries: there a
#: query's cost hardly falls with its threshold (the local push does most of the
#: work), so the rounds only add up. Eight sources, one thread, CPU time, top-k
#: rounds against plain queries: Cora 2.1x, the 40k-node planted partition 1.21x,
#: BA 50k (1M entries) 1.06x, R-MAT scale 17 (1.9M) 0.95x, the 10M-edge R-MAT 0.81x,
#: the 100M-edge R-MAT about 0.12x.
TOP_K_MIN_ENTRIES = 2_000_000


def adapts_to_top_k(method: str, options, top_k: int, g) -> bool:
    """Whether a batch's queries on ``g`` run as :func:`top_k_query`: the random methods
    whose accuracy follows the threshold (``walks`` unless ``n_walks`` fixes its
    walks), when the caller set no threshold, keeps fewer than ``n`` scores, and the
    graph has at least :data:`TOP_K_MIN_ENTRIES` entries."""
    follows_threshold = method == "hybrid" or (method == "walks" and options.n_walks is None)
    no_threshold = options.threshold is None
    return follows_threshold and no_threshold and large_enough_for_rounds(g, top_k)


def large_enough_for_rounds(g, top_k: int) -> bool:
    """Whether top-k rounds can pay on ``g``: fewer than ``n`` scores kept, and at
    least :data:`TOP_K_MIN_ENTRIES` entries."""
    return top_k < g.n_nodes and g.nnz >= TOP_K_MIN_ENTRIES


def top_k_query(
    query: Query, k: int, n: int, eps: float, delta: float | None, floor: float | None = None
) -> np.ndarray:
    """The scores of ``query(threshold, delta)`` at the first threshold, from ``1/k``
    down to ``floor`` (``1/n``), whose k-th score is at least ``(1 + eps)·threshold``.

    Parameters
    ----------
    query : callable ``(threshold, delta) -> scores``
        One query at that significance threshold and failure probability.
    k : int >= 1
        The scores that must be within relative error ``eps``.
    n : int
        The graph's node count: ``1/n`` is the last threshold tried.
    eps : float > 0
        The relative error the query guarantees above its threshold.
    delta : float in (0, 1), optional
        The failure probability of the whole answer (``1/n`` by default), split
        evenly over the rounds.
    floor : float, optional
        The last threshold tried (``1/n`` by default): a ``PPRIndex`` built for a
        larger threshold answers no lower.
    """
    return _rounds(query, k, n, eps, delta, floor)[0]


def top_k_thresholds(query: Query, k: int, n: int, eps: float) -> list[float]:
    """The thresholds :func:`top_k_query` tries, in order (for estimates and tests)."""
    return _rounds(query, k, n, eps, None)[1]


def _rounds(query: Query, k: int, n: int, eps: float, delta: float | None, floor=None):
    floor = 1.0 / max(n, 2) if floor is None else float(floor)
    # Each failed round at least halves the threshold: at most this many rounds.
    rounds = 1 + max(0, math.ceil(math.log2(1.0 / (floor * k))))
    delta = (floor if delta is None else float(delta)) / rounds
    threshold = max(1.0 / k, floor)
    tried = []
    while True:
        tried.append(threshold)
        scores = query(threshold, delta)
        if threshold <= floor:
            return scores, tried
        kept = top_scores(scores, k)[1]
        kth = float(kept[k - 1]) if kept.shape[0] >= k else 0.0
        if kth >= (1.0 + eps) * threshold:
            return scores, tried
        # The k-th estimate falls as the threshold does (fewer nodes lifted by noise):
        # aiming at half the bound it allows saves the round that would just miss.
        threshold = max(floor, min(threshold / 2.0, kth / (2.0 * (1.0 + eps))))
