"""Monte-Carlo walk kernels (CPU) for ``method="walks"`` and the hybrid's GPU walks.

The walk step is written once (``make_walk``) and compiled here with
``numba.njit``; :mod:`engine.pagerank.walks_gpu` compiles the same
function for CUDA. Dangling nodes (no out-edges) send the walk back to the seed
distribution. Walk ``i`` of a run seeded ``seed`` draws from the counter-based
stream ``(seed, i)`` of :mod:`engine._kernels.random`, so its path does not depend
on the thread or the device that runs it.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from engine._kernels import random as rng

LOW_32 = np.uint64(0xFFFFFFFF)
SHIFT_32 = np.uint64(32)
TO_UNIT_32 = 1.0 / 4294967296.0  # 2**-32


def _stop_threshold(alpha):
    """The 32-bit draw below which a walk stops: probability ``alpha``."""
    return np.uint64(alpha * 4294967296.0)


def make_walk(jit, add):
    """The single-walk function compiled with ``jit`` (``numba.njit`` or a CUDA device jit).

    ``add(counts, lane, node)`` records a count: a plain increment on the CPU,
    an atomic one on the GPU.
    """
    stream_start = jit(rng.stream_start)
    next_uniform = jit(rng.next_uniform)
    next_bits = jit(rng.next_bits)
    stop_threshold = jit(_stop_threshold)

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
    def begin(start_nodes, start_cdf, seed, walk_id):
        """The first node and random state of walk ``walk_id``."""
        state = stream_start(seed, walk_id)
        u, state = next_uniform(state)
        return start_nodes[pick(start_cdf, u)], state

    @jit
    def advance(
        indptr, indices, cumulative, weighted, seed_nodes, seed_cdf, stop_below, node, state
    ):
        """One step from ``node``: ``(next node, state, status)``; status 0 moved, 1 stopped
        at ``node``, 2 met a dangling node with no seeds to return to.

        One 64-bit draw per step: its low 32 bits below ``stop_below``
        (:func:`stop_threshold` of alpha) stop the walk, its high 32 bits pick the
        neighbour, so a step costs one mix."""
        bits, state = next_bits(state)
        if (bits & LOW_32) < stop_below:
            return node, state, 1
        start = indptr[node]
        stop = indptr[node + 1]
        high = bits >> SHIFT_32
        if stop == start:
            if seed_nodes.shape[0] == 0:
                return node, state, 2
            return seed_nodes[pick(seed_cdf, float(high) * TO_UNIT_32)], state, 0
        if weighted:
            return indices[pick_in_row(cumulative, start, stop, float(high) * TO_UNIT_32)], state, 0
        return indices[start + np.int64((high * np.uint64(stop - start)) >> SHIFT_32)], state, 0

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

        Returns the number of steps, or ``-1 - steps`` when it met a dangling node with
        no seeds (the index's walks). ``counts`` is only touched through ``add``, so the
        CUDA version can make the update atomic.
        """
        node, state = begin(start_nodes, start_cdf, seed, walk_id)
        stop_below = stop_threshold(alpha)
        steps = 0
        while True:
            if count_visits:
                add(counts, lane, node)
            following, state, status = advance(
                indptr, indices, cumulative, weighted, seed_nodes, seed_cdf, stop_below, node, state
            )
            if status == 1:
                if not count_visits:
                    add(counts, lane, node)
                return steps
            if status == 2:
                return -1 - steps
            node = following
            steps += 1

    return walk, begin, advance


@njit(inline="always")
def _increment(counts, lane, node):
    counts[lane, node] += 1


walk_one, begin_walk, advance_walk = make_walk(njit(inline="always"), _increment)


_stop_threshold_cpu = njit(inline="always")(_stop_threshold)


# Walks in flight per thread: independent walks let the CPU overlap their cache misses.
INTERLEAVE = 16


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

    A walk's path depends only on its id, so the counts are those of running the walks
    one by one, or of the GPU kernel. Each lane owns a row of ``counts`` (integers):
    the sum over lanes is exact whatever the number of threads.
    """
    n_lanes = counts.shape[0]
    steps = np.zeros(n_lanes, dtype=np.int64)
    for lane in prange(n_lanes):
        steps[lane] = _run_lane(
            indptr,
            indices,
            cumulative,
            weighted,
            start_nodes,
            start_cdf,
            seed_nodes,
            seed_cdf,
            lane * n_walks // n_lanes,
            (lane + 1) * n_walks // n_lanes,
            alpha,
            seed,
            count_visits,
            counts[lane],
        )
    return steps.sum()


@njit(cache=True)
def _run_lane(
    indptr,
    indices,
    cumulative,
    weighted,
    start_nodes,
    start_cdf,
    seed_nodes,
    seed_cdf,
    first,
    last,
    alpha,
    seed,
    count_visits,
    counts,
):
    """Walks ``first..last-1``, ``INTERLEAVE`` at a time, one step each in turn, so that
    their memory accesses overlap. The walks in flight fill slots ``0..active-1``: a
    finished walk's slot takes the next walk, or the last slot's walk when none is
    left, so the loop never tests an idle slot. Returns the steps taken."""
    nodes = np.empty(INTERLEAVE, dtype=np.int64)
    states = np.empty(INTERLEAVE, dtype=np.uint64)
    stop_below = _stop_threshold_cpu(alpha)
    next_walk = first
    active = 0
    while active < INTERLEAVE and next_walk < last:
        node, state = begin_walk(start_nodes, start_cdf, seed, next_walk)
        nodes[active] = node
        states[active] = state
        next_walk += 1
        active += 1
        if count_visits:
            counts[node] += 1
    taken = 0
    while active > 0:
        slot = 0
        while slot < active:
            node = nodes[slot]
            following, state, status = advance_walk(
                indptr,
                indices,
                cumulative,
                weighted,
                seed_nodes,
                seed_cdf,
                stop_below,
                node,
                states[slot],
            )
            if status == 0:
                nodes[slot] = following
                states[slot] = state
                taken += 1
                if count_visits:
                    counts[following] += 1
                slot += 1
                continue
            if not count_visits and status == 1:
                counts[node] += 1
            if next_walk < last:
                node, state = begin_walk(start_nodes, start_cdf, seed, next_walk)
                nodes[slot] = node
                states[slot] = state
                next_walk += 1
                if count_visits:
                    counts[node] += 1
                slot += 1
            else:
                active -= 1
                nodes[slot] = nodes[active]
                states[slot] = states[active]
    return taken
