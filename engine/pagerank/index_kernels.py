"""The index's kernels (FORA+, with SpeedPPR's walks that step first): storing one
walk end per walk at build time, and answering a query by looking up the stored
ends of its residual nodes."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from engine.pagerank.common_kernels import next_uniform, stream_start
from engine.pagerank.walks_kernels import (
    MOVED,
    STOPPED,
    advance_walk,
    first_step,
    stop_threshold,
)
from loaders._jit import serial_and_parallel


@njit(parallel=True, cache=True)
def stored_walk_ends(walker, starts, first_walk, ends):
    """End node of one walk from each ``starts[w]`` (walk id ``first_walk + w``) into
    ``ends[w]``: the walk steps to a neighbour for sure, then stops with probability
    ``walker.alpha`` before each further step (the index's walks: a query keeps
    ``α·r`` at the node itself). -1 when the walk met a dangling node, or started at
    one, where the query's seeds (unknown here: the walker has none) take over.
    """
    stop_below = stop_threshold(walker.alpha)
    for w in prange(starts.shape[0]):
        node, state, status = first_step(walker, starts[w], first_walk + w)
        while status == MOVED:
            node, state, status = advance_walk(walker, stop_below, node, state)
        ends[w] = node if status == STOPPED else -1


@njit(inline="always")
def _walks_used(residual, scale, salt, v):
    """``⌊|r_v|·scale⌋`` walks, plus one with the fractional part's probability (the
    coin of node ``v`` comes from stream ``(salt, v)``)."""
    expected = abs(residual[v]) * scale
    used = int(expected)
    u, _ = next_uniform(stream_start(salt, v))
    if u < expected - used:
        used += 1
    return used


@njit(inline="always")
def _count_walk_ends(offsets, ends, residual, scale, salt, first, last, counts):
    """Signed counts of the stored walk ends of the residual nodes ``first..last-1``
    into ``counts``; returns the signed count of walks that met a dangling node, and
    the count of nodes that would need more walks than stored (left to the caller)."""
    restarts = 0
    left_over = 0
    for v in range(first, last):
        if residual[v] == 0.0:
            continue
        used = _walks_used(residual, scale, salt, v)
        if used > offsets[v + 1] - offsets[v]:
            left_over += 1
            continue
        if used == 0:
            continue
        sign = 1 if residual[v] > 0.0 else -1
        for w in range(offsets[v], offsets[v] + used):
            end = ends[w]
            if end < 0:
                restarts += sign
            else:
                counts[end] += sign
    return restarts, left_over


@njit(inline="always")
def _spread_over_stored(offsets, ends, residual, alpha, scale, salt, estimate):
    """Nodes whose residual is above ``r_max·deg`` (needing more walks than stored, which
    a query's clean-up push rules out): the ``(1−α)·r`` they send on walks is spread
    over all their stored walks. Returns the mass of those walks that met a dangling
    node."""
    restart = 0.0
    for v in range(residual.shape[0]):
        if residual[v] == 0.0:
            continue
        stored = offsets[v + 1] - offsets[v]
        if _walks_used(residual, scale, salt, v) <= stored:
            continue
        share = (1.0 - alpha) * residual[v] / stored
        for w in range(offsets[v], offsets[v] + stored):
            if ends[w] < 0:
                restart += share
            else:
                estimate[ends[w]] += share
    return restart


@njit(inline="always")
def _restart_mass(
    restarts, left_over, offsets, ends, residual, alpha, scale, salt, weight, estimate
):
    """The mass of the looked-up walks that met a dangling node: ``restarts`` signed
    walks of ``weight`` each, plus those of nodes left over (:func:`_spread_over_stored`)."""
    restart = restarts * weight
    if left_over > 0:
        restart += _spread_over_stored(offsets, ends, residual, alpha, scale, salt, estimate)
    return restart


@njit(inline="always")
def _finish(estimate, residual, alpha, walked, rescale, v):
    """Node ``v``'s answer: its estimate, the ``α·r_v`` it keeps, the mass its walks
    brought, all rescaled for the restarts, and clipped at 0."""
    value = (estimate[v] + alpha * residual[v] + walked) * rescale
    estimate[v] = value if value > 0.0 else 0.0


LOOK_UP_BLOCK = 65536


def accumulate_fingerprints(offsets, ends, residual, alpha, omega, seed, estimate, lanes):
    """The index's answer in ``estimate``: each residual node ``v`` keeps ``α·r_v``
    and sends ``(1−α)·r_v`` on its first ``⌊(1−α)·|r_v|·omega⌋`` stored walks (which
    take their first step for sure, :func:`stored_walk_ends`), plus one with the
    fractional part's probability (the coin of node ``v`` comes from stream
    ``(seed, v)``), each worth ``±1/omega`` (the sign of the residual), so the
    expected sum is exact. Keeping ``α·r_v`` at home, as SpeedPPR does, takes
    ``1−α`` of the walks for the same error bound: a walk's weight is unchanged and
    the variance can only fall. Walks that met a dangling node (end -1) restart at
    the seeds: with ``q`` their mass, ``π = x + q·π``, so the estimate is divided by
    ``1−q``, then clipped at 0. Returns ``q``.

    FORA+ rounds a node's count up (``⌈r·ω⌉``), which biases it and gives every
    residual node a look-up however little it holds. Every look-up adds the same
    ``±1/ω``, so the look-ups are counted in int32 vectors and scaled once (the
    scattered writes touch half the bytes of float64 ones). ``lanes`` threads each
    count the walks of a range of nodes holding about equal shares of the stored
    walks into their own vector; integer counts add up exactly, so the answer does
    not depend on the number of lanes (the serial twin, one lane, gives
    the same). Two lanes took 54 ms against 82 per query on the 10M-edge BA
    graph of benchmarks/ppr.py, and 3.3 against 4.7 on the 1M-edge one.
    """
    salt = np.uint64(seed) ^ np.uint64(0x2545F4914F6CDD1D)
    n = estimate.shape[0]
    scale = (1.0 - alpha) * omega
    counts = np.empty((lanes, n), dtype=np.int32)
    bounds = np.minimum(np.searchsorted(offsets, np.arange(lanes + 1) * offsets[n] // lanes), n)
    bounds[lanes] = n
    restarts = np.zeros(lanes, dtype=np.int64)
    left_over = np.zeros(lanes, dtype=np.int64)
    for lane in prange(lanes):
        counts[lane, :] = 0
        lane_restarts, lane_left_over = _count_walk_ends(
            offsets, ends, residual, scale, salt, bounds[lane], bounds[lane + 1], counts[lane]
        )
        restarts[lane] = lane_restarts
        left_over[lane] = lane_left_over
    weight = 1.0 / omega
    restart = _restart_mass(
        restarts.sum(),
        left_over.sum(),
        offsets,
        ends,
        residual,
        alpha,
        scale,
        salt,
        weight,
        estimate,
    )
    rescale = 1.0 / (1.0 - restart)
    for block in prange((n + LOOK_UP_BLOCK - 1) // LOOK_UP_BLOCK):
        for v in range(block * LOOK_UP_BLOCK, min(n, (block + 1) * LOOK_UP_BLOCK)):
            count = 0
            for lane in range(lanes):
                count += counts[lane, v]
            _finish(estimate, residual, alpha, count * weight, rescale, v)
    return restart


accumulate_fingerprints_serial, accumulate_fingerprints_parallel = serial_and_parallel(
    accumulate_fingerprints, nogil=True
)
