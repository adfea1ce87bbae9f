"""Personalized PageRank kernels: forward push and random walks (CPU).

The walk step is written once (``walk_from``) and compiled here with
``numba.njit``; :mod:`engine._kernels.ppr_gpu` compiles the same function for
CUDA. Dangling nodes (no out-edges) send the walk, or the pushed mass, back to
the seed distribution.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from engine._kernels import random as rng


def make_walk(jit, add):
    """The single-walk function compiled with ``jit`` (``numba.njit`` or a CUDA device jit).

    ``add(counts, lane, node)`` records a count: a plain increment on the CPU,
    an atomic one on the GPU.
    """
    stream_start = jit(rng.stream_start)
    next_uniform = jit(rng.next_uniform)

    @jit
    def pick(cdf, u):
        """Index of the first ``cdf`` entry greater than ``u`` (binary search)."""
        low = 0
        high = cdf.shape[0] - 1
        while low < high:
            middle = (low + high) // 2
            if cdf[middle] > u:
                high = middle
            else:
                low = middle + 1
        return low

    @jit
    def pick_in_row(cumulative, start, stop, u):
        """Like ``pick`` over ``cumulative[start:stop]``, scaled by the row's total weight."""
        target = u * cumulative[stop - 1]
        low = start
        high = stop - 1
        while low < high:
            middle = (low + high) // 2
            if cumulative[middle] > target:
                high = middle
            else:
                low = middle + 1
        return low

    @jit
    def walk(
        indptr,
        indices,
        cumulative,
        weighted,
        start_nodes,
        start_cdf,
        seed_nodes,
        seed_cdf,
        alpha,
        seed,
        walk_id,
        count_visits,
        counts,
        lane,
    ):
        """Run walk ``walk_id``; add its end point (or every visit) to ``counts[lane]``.

        Returns the number of steps taken. ``counts`` is only touched through
        ``add``, so the CUDA version can make the update atomic. A walk that meets a
        dangling node with ``seed_nodes`` empty stops there and counts nowhere
        (the index uses this; see :func:`walk_ends`).
        """
        state = stream_start(seed, walk_id)
        u, state = next_uniform(state)
        node = start_nodes[pick(start_cdf, u)]
        steps = 0
        while True:
            if count_visits:
                add(counts, lane, node)
            u, state = next_uniform(state)
            if u < alpha:
                if not count_visits:
                    add(counts, lane, node)
                return steps
            steps += 1
            start = indptr[node]
            stop = indptr[node + 1]
            u, state = next_uniform(state)
            if stop == start:
                if seed_nodes.shape[0] == 0:
                    return -1 - steps
                node = seed_nodes[pick(seed_cdf, u)]
            elif weighted:
                node = indices[pick_in_row(cumulative, start, stop, u)]
            else:
                node = indices[start + min(int(u * (stop - start)), stop - start - 1)]

    return walk


@njit(inline="always")
def _increment(counts, lane, node):
    counts[lane, node] += 1


walk_one = make_walk(njit(inline="always"), _increment)


@njit(parallel=True, cache=True)
def sample_walks(
    indptr,
    indices,
    cumulative,
    weighted,
    start_nodes,
    start_cdf,
    seed_nodes,
    seed_cdf,
    n_walks,
    alpha,
    seed,
    count_visits,
    counts,
):
    """Walks ``0..n_walks-1`` split over ``counts.shape[0]`` lanes; returns the total steps.

    Each lane owns a row of ``counts`` (integers), so the sum over lanes is
    exact and independent of how many threads ran them.
    """
    n_lanes = counts.shape[0]
    steps = np.zeros(n_lanes, dtype=np.int64)
    for lane in prange(n_lanes):
        for walk in range(lane * n_walks // n_lanes, (lane + 1) * n_walks // n_lanes):
            steps[lane] += walk_one(
                indptr,
                indices,
                cumulative,
                weighted,
                start_nodes,
                start_cdf,
                seed_nodes,
                seed_cdf,
                alpha,
                seed,
                walk,
                count_visits,
                counts,
                lane,
            )
    return steps.sum()


@njit(cache=True)
def forward_push(
    indptr,
    indices,
    weights,
    weighted,
    out_weight,
    seed_nodes,
    seed_mass,
    alpha,
    r_max,
    estimate,
    residual,
):
    """Forward push (Andersen, Chung, Lang 2006) from ``residual`` until every node has
    ``residual[u] <= r_max · max(deg(u), 1)``; returns the number of pushes.

    ``estimate`` and ``residual`` are updated in place. After it,
    ``π = estimate + Σ_v residual[v] · π_v`` holds exactly.
    """
    n = indptr.shape[0] - 1
    queue = np.empty(n + 1, dtype=np.int64)
    queued = np.zeros(n, dtype=np.bool_)
    head = 0
    tail = 0
    for node in range(n):
        if residual[node] > r_max * max(indptr[node + 1] - indptr[node], 1):
            queue[tail] = node
            tail = (tail + 1) % (n + 1)
            queued[node] = True
    pushes = 0
    while head != tail:
        node = queue[head]
        head = (head + 1) % (n + 1)
        queued[node] = False
        mass = residual[node]
        start = indptr[node]
        stop = indptr[node + 1]
        if mass <= r_max * max(stop - start, 1):
            continue
        pushes += 1
        estimate[node] += alpha * mass
        residual[node] = 0.0
        spread = (1.0 - alpha) * mass
        if stop == start:
            for k in range(seed_nodes.shape[0]):
                target = seed_nodes[k]
                residual[target] += spread * seed_mass[k]
                degree = max(indptr[target + 1] - indptr[target], 1)
                if not queued[target] and residual[target] > r_max * degree:
                    queue[tail] = target
                    tail = (tail + 1) % (n + 1)
                    queued[target] = True
            continue
        share = spread / (out_weight[node] if weighted else stop - start)
        for p in range(start, stop):
            target = indices[p]
            residual[target] += share * (weights[p] if weighted else 1.0)
            degree = max(indptr[target + 1] - indptr[target], 1)
            if not queued[target] and residual[target] > r_max * degree:
                queue[tail] = target
                tail = (tail + 1) % (n + 1)
                queued[target] = True
    return pushes


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


@njit(inline="always")
def _store_end(ends, lane, node):
    ends[lane, 0] = node


walk_end = make_walk(njit(inline="always"), _store_end)


@njit(parallel=True, cache=True)
def walk_ends(indptr, indices, cumulative, weighted, starts, alpha, seed, first_walk, ends):
    """End node of one walk from each ``starts[w]`` (walk id ``first_walk + w``) into
    ``ends[w, 0]``, or -1 when the walk reached a dangling node, where the query's
    seeds (unknown here) take over.
    """
    empty_nodes = np.empty(0, dtype=np.int64)
    empty_cdf = np.empty(0, dtype=np.float64)
    one = np.ones(1, dtype=np.float64)
    for w in prange(starts.shape[0]):
        steps = walk_end(
            indptr,
            indices,
            cumulative,
            weighted,
            starts[w : w + 1],
            one,
            empty_nodes,
            empty_cdf,
            alpha,
            seed,
            first_walk + w,
            False,
            ends,
            w,
        )
        if steps < 0:
            ends[w, 0] = -1


@njit(cache=True)
def accumulate_fingerprints(offsets, ends, nodes, residual, omega, estimate):
    """Add each residual node's stored walk ends to ``estimate``: node ``v`` uses its first
    ``ceil(residual[v]·omega)`` walks, each worth ``residual[v]`` over that count.

    Returns the mass of walks that met a dangling node (end -1), which restarts at the seeds.
    """
    restart = 0.0
    for k in range(nodes.shape[0]):
        v = nodes[k]
        stored = offsets[v + 1] - offsets[v]
        used = min(max(int(np.ceil(residual[v] * omega)), 1), stored)
        if used == 0:
            continue
        share = residual[v] / used
        for w in range(offsets[v], offsets[v] + used):
            end = ends[w]
            if end < 0:
                restart += share
            else:
                estimate[end] += share
    return restart
