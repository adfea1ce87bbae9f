"""The hybrid's walks (FORA, with PowerPush's signed residual): how many walks each
residual node gets, their end points, and their sum into the estimate.

Each residual node first keeps ``α·r`` (a walk stops where it starts with
probability α) and sends ``(1−α)·r`` on walks that take a first step for sure;
the walk counts are ``⌊(1−α)·|r|·scale⌋`` plus one with the fractional part's
probability, so every walk carries the same weight ``±1/scale`` (the sign of its
node's residual) and the expected estimate is exact. Walk ``w`` draws from the
counter-based stream ``(seed, w)`` of :mod:`engine._kernels.random`, so its path
does not depend on the thread that runs it.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from engine._kernels.random import GOLDEN, MIX_1, MIX_2, TO_UNIT
from engine.pagerank.common_kernels import next_uniform, stream_start
from engine.pagerank.walks_kernels import LOW_32, SHIFT_32
from loaders._jit import serial_and_parallel


@njit(nogil=True, cache=True)
def allocate_walks(residual, alpha, scale, seed, estimate):
    """Keep ``α·r`` at each residual node (added to ``estimate``) and give the node
    ``⌊(1−α)·|r|·scale⌋`` walks, plus one with the fractional part's probability.

    Returns ``(nodes, offsets, positive)``: walks ``offsets[k]..offsets[k+1]-1``
    start at ``nodes[k]``; the nodes of positive residual come first, and their
    walks are the first ``positive`` (the others carry a negative weight). The
    coin of node ``v`` comes from stream ``(seed, v)``.
    """
    n = residual.shape[0]
    count = 0
    for v in range(n):
        # Written so that a NaN counts nowhere, as in the loop below: a node is
        # counted exactly when one of the two signs will write it.
        if residual[v] > 0.0 or residual[v] < 0.0:
            count += 1
    nodes = np.empty(count, dtype=np.int64)
    offsets = np.empty(count + 1, dtype=np.int64)
    offsets[0] = 0
    k = 0
    salt = np.uint64(seed) ^ np.uint64(0x5DEECE66D)
    positive = 0
    for sign in (1.0, -1.0):
        for v in range(n):
            mass = residual[v] * sign
            if not mass > 0.0:
                continue
            estimate[v] += alpha * residual[v]
            expected = (1.0 - alpha) * mass * scale
            walks = int(expected)
            u, _ = next_uniform(stream_start(salt, v))
            if u < expected - walks:
                walks += 1
            nodes[k] = v
            offsets[k + 1] = offsets[k] + walks
            k += 1
        if sign > 0.0:
            positive = offsets[k]
    return nodes, offsets, positive


@njit(inline="always")
def _pick(cdf, u):
    low = 0
    high = cdf.shape[0] - 1
    while low < high:
        middle = (low + high) // 2
        if cdf[middle] > u:
            high = middle
        else:
            low = middle + 1
    return low


@njit(inline="always")
def _mix(state):
    z = state
    z = (z ^ (z >> np.uint64(30))) * MIX_1
    z = (z ^ (z >> np.uint64(27))) * MIX_2
    return z ^ (z >> np.uint64(31))


@njit(inline="always")
def _step(indptr, indices, cumulative, weighted, seed_nodes, seed_cdf, node, bits):
    """The next node from ``node`` with the random ``bits`` (the high 32 choose the
    neighbour); a dangling node jumps to the seed distribution."""
    start = indptr[node]
    degree = indptr[node + 1] - start
    if degree == 0:
        return seed_nodes[_pick(seed_cdf, float(bits >> np.uint64(11)) * TO_UNIT)]
    if weighted:
        target = float(bits >> np.uint64(11)) * TO_UNIT * cumulative[start + degree - 1]
        low = start
        high = start + degree - 1
        while low < high:
            middle = (low + high) // 2
            if cumulative[middle] > target:
                high = middle
            else:
                low = middle + 1
        return indices[low]
    return indices[start + np.int64(((bits >> SHIFT_32) * np.uint64(degree)) >> SHIFT_32)]


INTERLEAVE = 16


CHUNK = 4096


@njit(inline="always")
def _walk_chunk(
    indptr,
    indices,
    cumulative,
    weighted,
    nodes,
    offsets,
    seed_nodes,
    seed_cdf,
    alpha,
    seed,
    ends,
    chunk,
):
    """Walks ``chunk·CHUNK`` to the chunk's end, ``INTERLEAVE`` in flight, each in its
    own slot, so that their cache misses overlap; returns the steps taken."""
    total = offsets[-1]
    stop_below = np.uint64(int(alpha * 4294967296.0))
    first = chunk * CHUNK
    last = min(first + CHUNK, total)
    owner = np.searchsorted(offsets, first, side="right") - 1
    current = np.empty(INTERLEAVE, dtype=np.int64)
    states = np.empty(INTERLEAVE, dtype=np.uint64)
    walk_ids = np.empty(INTERLEAVE, dtype=np.int64)
    following = first
    active = 0
    taken = 0
    while active < INTERLEAVE and following < last:
        while offsets[owner + 1] <= following:
            owner += 1
        state = stream_start(np.uint64(seed), np.uint64(following)) + GOLDEN
        current[active] = _step(
            indptr,
            indices,
            cumulative,
            weighted,
            seed_nodes,
            seed_cdf,
            nodes[owner],
            _mix(state),
        )
        states[active] = state
        walk_ids[active] = following
        taken += 1
        following += 1
        active += 1
    while active > 0:
        slot = 0
        while slot < active:
            state = states[slot] + GOLDEN
            bits = _mix(state)
            node = current[slot]
            if (bits & LOW_32) < stop_below:
                ends[walk_ids[slot]] = node
                if following < last:
                    while offsets[owner + 1] <= following:
                        owner += 1
                    state = stream_start(np.uint64(seed), np.uint64(following)) + GOLDEN
                    current[slot] = _step(
                        indptr,
                        indices,
                        cumulative,
                        weighted,
                        seed_nodes,
                        seed_cdf,
                        nodes[owner],
                        _mix(state),
                    )
                    states[slot] = state
                    walk_ids[slot] = following
                    taken += 1
                    following += 1
                    slot += 1
                else:
                    active -= 1
                    current[slot] = current[active]
                    states[slot] = states[active]
                    walk_ids[slot] = walk_ids[active]
                continue
            states[slot] = state
            current[slot] = _step(
                indptr, indices, cumulative, weighted, seed_nodes, seed_cdf, node, bits
            )
            taken += 1
            slot += 1
    return taken


def forced_walk_ends(
    indptr,
    indices,
    cumulative,
    weighted,
    nodes,
    offsets,
    seed_nodes,
    seed_cdf,
    alpha,
    seed,
    ends,
):
    """End node of every walk into ``ends``: walk ``w`` starts at the node that owns
    it in ``offsets``, steps to a neighbour for sure, then stops with probability
    ``alpha`` before each further step. Returns the steps taken.

    Chunks of ``CHUNK`` walks run over the threads. One 64-bit draw per step gives
    both the stop test (low 32 bits) and the neighbour (high 32 bits).
    """
    n_chunks = (offsets[-1] + CHUNK - 1) // CHUNK
    steps = np.zeros(n_chunks, dtype=np.int64)
    for chunk in prange(n_chunks):
        steps[chunk] = _walk_chunk(
            indptr,
            indices,
            cumulative,
            weighted,
            nodes,
            offsets,
            seed_nodes,
            seed_cdf,
            alpha,
            seed,
            ends,
            chunk,
        )
    return steps.sum()


forced_walk_ends_serial, forced_walk_ends_parallel = serial_and_parallel(
    forced_walk_ends, nogil=True
)


@njit(nogil=True, cache=True)
def add_walk_ends(ends, positive, share, estimate):
    """``estimate[end] += share`` for the first ``positive`` walk ends and ``-share``
    for the rest."""
    for w in range(positive):
        estimate[ends[w]] += share
    for w in range(positive, ends.shape[0]):
        estimate[ends[w]] -= share
