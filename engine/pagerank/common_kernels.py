"""Kernel pieces the PageRank kernels share: the seed distribution as kernels take
it (:class:`Seeds`), the push of one node and its threshold test, the random stream
for plain CPU kernels and the top-k selection.

Every kernel takes the graph as one :class:`~engine._kernels.csr.CSR` and the seeds
as one :class:`Seeds`, so a call reads ``csr, seeds, alpha`` and then what is its own.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from engine._kernels import random as rng

# The stream for plain CPU kernels (the walk kernels compile theirs in make_steps).
stream_start = njit(inline="always")(rng.stream_start)
next_uniform = njit(inline="always")(rng.next_uniform)


class Seeds(NamedTuple):
    """The seed distribution ``s``: where dangling nodes send their mass and walks restart.

    Attributes
    ----------
    nodes : int64 (k,)
        Distinct node ids (none for the index's walks, which end at a dangling node).
    mass : float64 (k,)
        Their probabilities, summing to 1.
    cdf : float64 (k,)
        The running sum of ``mass`` with the last entry ``inf``, for sampling: a
        draw of exactly the total never falls off the end.
    """

    nodes: np.ndarray
    mass: np.ndarray
    cdf: np.ndarray

    @classmethod
    def of(cls, nodes, mass) -> Seeds:
        """The bundle of a checked distribution (``nodes`` and ``mass`` as arrays).

        >>> Seeds.of([4, 7], [0.25, 0.75]).cdf.tolist()
        [0.25, inf]
        """
        mass = np.ascontiguousarray(mass, dtype=np.float64)
        cdf = np.cumsum(mass)
        if cdf.shape[0]:
            cdf[-1] = np.inf
        return cls(np.ascontiguousarray(nodes, dtype=np.int64), mass, cdf)

    @classmethod
    def none(cls) -> Seeds:
        """No seeds: a walk that meets a dangling node ends there, unresolved."""
        return cls.of(np.empty(0, np.int64), np.empty(0))


@njit(inline="always")
def above(indptr, residual, node, threshold):
    """Whether ``|residual[node]| > threshold · max(deg(node), 1)``: the node must still push."""
    return abs(residual[node]) > threshold * max(indptr[node + 1] - indptr[node], 1)


@njit(inline="always")
def push_node(csr, seeds, alpha, node, estimate, residual):
    """Move ``α·r[node]`` to the estimate and spread the rest over the out-neighbours
    (by weight), or back to the seeds when ``node`` is dangling."""
    indptr, indices, weights, strength = csr
    seed_nodes, seed_mass, _ = seeds
    mass = residual[node]
    estimate[node] += alpha * mass
    residual[node] = 0.0
    spread = (1.0 - alpha) * mass
    start = indptr[node]
    stop = indptr[node + 1]
    if stop == start:
        for k in range(seed_nodes.shape[0]):
            residual[seed_nodes[k]] += spread * seed_mass[k]
        return
    weighted = weights.shape[0] > 0
    share = spread / (strength[node] if weighted else stop - start)
    for p in range(start, stop):
        residual[indices[p]] += share * (weights[p] if weighted else 1.0)


@njit(nogil=True, cache=True)
def top_scores(scores, k):
    """``(ids, values)`` of the ``k`` highest positive scores, by score then id.

    One partition of the positive scores finds the k-th largest value; only the
    nodes at or above it are sorted (a stable sort of ids in order keeps ties by
    id). Partitioning the whole vector instead, mostly zeros on a large graph, took
    0.9 s on 4.3M nodes: the selection slows to a crawl on many equal values.
    """
    n = scores.shape[0]
    positive = 0
    for v in range(n):
        if scores[v] > 0.0:
            positive += 1
    threshold = 0.0
    if positive > k:
        values = np.empty(positive)
        positive = 0
        for v in range(n):
            if scores[v] > 0.0:
                values[positive] = scores[v]
                positive += 1
        threshold = np.partition(values, positive - k)[positive - k]
    count = 0
    for v in range(n):
        if scores[v] > 0.0 and scores[v] >= threshold:
            count += 1
    ids = np.empty(count, dtype=np.int64)
    count = 0
    for v in range(n):
        if scores[v] > 0.0 and scores[v] >= threshold:
            ids[count] = v
            count += 1
    order = np.argsort(-scores[ids], kind="mergesort")[:k]
    chosen = ids[order]
    return chosen, scores[chosen]
