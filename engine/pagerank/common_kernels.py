"""Kernel pieces the PageRank kernels share: the push of one node, the random
stream for plain CPU kernels, rows' running weights and the top-k selection."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from engine._kernels import random as rng

# The stream for plain CPU kernels (the walk kernels compile theirs in make_walk).
stream_start = njit(inline="always")(rng.stream_start)
next_uniform = njit(inline="always")(rng.next_uniform)


@njit(inline="always")
def degree(indptr, node):
    """``max(deg(node), 1)``: the scale of a node's push threshold."""
    return max(indptr[node + 1] - indptr[node], 1)


@njit(inline="always")
def push_node(
    indptr,
    indices,
    weights,
    weighted,
    out_weight,
    seed_nodes,
    seed_mass,
    alpha,
    node,
    estimate,
    residual,
):
    """Move ``α·r[node]`` to the estimate and spread the rest over the out-neighbours
    (by weight), or back to the seeds when ``node`` is dangling."""
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
    share = spread / (out_weight[node] if weighted else stop - start)
    for p in range(start, stop):
        residual[indices[p]] += share * (weights[p] if weighted else 1.0)


@njit(parallel=True, cache=True)
def row_cumulative_weights(indptr, weights):
    """Running sums of the weights within each CSR row (for weighted neighbour sampling)."""
    cumulative = np.empty(weights.shape[0], dtype=np.float64)
    for row in prange(indptr.shape[0] - 1):
        total = 0.0
        for p in range(indptr[row], indptr[row + 1]):
            total += weights[p]
            cumulative[p] = total
    return cumulative


@njit(nogil=True, cache=True)
def top_scores(scores, k):
    """``(ids, values)`` of the ``k`` highest positive scores, by score then id.

    One partition finds the k-th largest value; only the nodes at or above it are
    sorted (a stable sort of ids in order keeps ties by id).
    """
    n = scores.shape[0]
    positive = 0
    for v in range(n):
        if scores[v] > 0.0:
            positive += 1
    threshold = 0.0
    if positive > k:
        threshold = np.partition(scores, n - k)[n - k]
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
