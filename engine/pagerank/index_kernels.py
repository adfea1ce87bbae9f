"""The index's kernels (FORA+, with SpeedPPR's walks that step first): storing one
walk end per walk at build time, and answering a query by looking up the stored
ends of its residual nodes."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from checks.twins import serial_and_parallel
from engine.pagerank.common_kernels import next_uniform, stream_start
from engine.pagerank.walks_kernels import STOPPED, make_interleaved

# The index's walks: walk ``first_walk + w`` starts at ``starts[w]`` with a step taken
# for sure and keeps its end in ``out[w]``. job: (starts, first_walk).


@njit(inline="always")
def _begin_stored(walker, job, walk_id, cursor):
    starts, first_walk = job
    return starts[walk_id - first_walk], stream_start(walker.seed, walk_id), True, cursor


@njit(inline="always")
def _keep_stored_end(job, out, walk_id, node, status):
    out[walk_id - job[1]] = node if status == STOPPED else -1


_run_stored = make_interleaved(_begin_stored, _keep_stored_end)

# Walks per chunk: the threads take chunks of walks in turn.
STORED_CHUNK = 4096


@njit(parallel=True, cache=True)
def stored_walk_ends(walker, starts, first_walk, ends):
    """End node of one walk from each ``starts[w]`` (walk id ``first_walk + w``) into
    ``ends[w]``: the walk steps to a neighbour for sure, then stops with probability
    ``walker.alpha`` before each further step (the index's walks: a query keeps
    ``α·r`` at the node itself). -1 when the walk met a dangling node, or started at
    one, where the query's seeds (unknown here: the walker has none) take over.
    The walks run interleaved (:func:`~engine.pagerank.walks_kernels.make_interleaved`),
    chunks of them over the threads.
    """
    n_walks = starts.shape[0]
    for chunk in prange((n_walks + STORED_CHUNK - 1) // STORED_CHUNK):
        first = first_walk + chunk * STORED_CHUNK
        last = first_walk + min((chunk + 1) * STORED_CHUNK, n_walks)
        _run_stored(walker, (starts, first_walk), ends, first, last, 0)


class StoredWalks(NamedTuple):
    """The index's walks as its look-up reads them (:class:`~engine.pagerank.index.PPRIndex`).

    Attributes
    ----------
    offsets : int64 (n + 1,)
        Walks ``offsets[v]..offsets[v+1]-1`` start at node ``v``.
    ends : int32 or int64
        Each walk's end node; -1 for a walk that met a dangling node.
    alpha : float
    omega : float
        Walks per unit of residual mass: each walk carries ``±1/omega``.
    seed : int
        The stream of the coins that round the walk counts.
    """

    offsets: np.ndarray
    ends: np.ndarray
    alpha: float
    omega: float
    seed: int


@njit(inline="always")
def _walks_used(stored, residual, v):
    """``⌊(1−α)·|r_v|·ω⌋`` walks, plus one with the fractional part's probability (the
    coin of node ``v`` comes from stream ``(seed ^ salt, v)``)."""
    expected = abs(residual[v]) * ((1.0 - stored.alpha) * stored.omega)
    used = int(expected)
    salt = np.uint64(stored.seed) ^ np.uint64(0x2545F4914F6CDD1D)
    u, _ = next_uniform(stream_start(salt, v))
    if u < expected - used:
        used += 1
    return used


@njit(inline="always")
def _count_walk_ends(stored, residual, first, last, counts):
    """Signed counts of the stored walk ends of the residual nodes ``first..last-1``
    into ``counts``; returns the signed count of walks that met a dangling node, and
    the count of nodes that would need more walks than stored (left to the caller)."""
    offsets = stored.offsets
    ends = stored.ends
    restarts = 0
    left_over = 0
    for v in range(first, last):
        if residual[v] == 0.0:
            continue
        used = _walks_used(stored, residual, v)
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
def _spread_over_stored(stored, residual, estimate):
    """Nodes whose residual is above ``r_max·deg`` (needing more walks than stored, which
    a query's clean-up push rules out): the ``(1−α)·r`` they send on walks is spread
    over all their stored walks. Returns the mass of those walks that met a dangling
    node."""
    offsets = stored.offsets
    ends = stored.ends
    restart = 0.0
    for v in range(residual.shape[0]):
        if residual[v] == 0.0:
            continue
        n_stored = offsets[v + 1] - offsets[v]
        if _walks_used(stored, residual, v) <= n_stored:
            continue
        share = (1.0 - stored.alpha) * residual[v] / n_stored
        for w in range(offsets[v], offsets[v] + n_stored):
            if ends[w] < 0:
                restart += share
            else:
                estimate[ends[w]] += share
    return restart


LOOK_UP_BLOCK = 65536


def accumulate_fingerprints(stored, residual, estimate, counts):
    """The index's answer in ``estimate``: each residual node ``v`` keeps ``α·r_v``
    and sends ``(1−α)·r_v`` on its first ``⌊(1−α)·|r_v|·ω⌋`` stored walks (which
    take their first step for sure, :func:`stored_walk_ends`), plus one with the
    fractional part's probability (:func:`_walks_used`), each worth ``±1/ω`` (the
    sign of the residual), so the
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
    not depend on the number of lanes (the serial twin, one lane, gives the same).
    Two lanes took 54 ms against 82 per query on the 10M-edge BA graph of
    benchmarks/ppr.py, and 3.3 against 4.7 on the 1M-edge one.

    ``counts`` (int32, lanes × n, contents undefined: each lane zeroes its row) is
    a :class:`~engine.pagerank.workspace.Workspace`'s, so a query allocates no O(n)
    array here.
    """
    offsets = stored.offsets
    alpha = stored.alpha
    n = estimate.shape[0]
    lanes = counts.shape[0]
    bounds = np.minimum(np.searchsorted(offsets, np.arange(lanes + 1) * offsets[n] // lanes), n)
    bounds[lanes] = n
    restarts = np.zeros(lanes, dtype=np.int64)
    left_over = np.zeros(lanes, dtype=np.int64)
    for lane in prange(lanes):
        counts[lane, :] = 0
        lane_restarts, lane_left_over = _count_walk_ends(
            stored, residual, bounds[lane], bounds[lane + 1], counts[lane]
        )
        restarts[lane] = lane_restarts
        left_over[lane] = lane_left_over
    # The walks that met a dangling node: ``restarts`` signed walks of ``weight``
    # each, plus those of the nodes left over.
    weight = 1.0 / stored.omega
    restart = restarts.sum() * weight
    if left_over.sum() > 0:
        restart += _spread_over_stored(stored, residual, estimate)
    # Each node's answer: its estimate, the α·r_v it keeps and the mass its walks
    # brought, rescaled for the restarts and clipped at 0.
    rescale = 1.0 / (1.0 - restart)
    for block in prange((n + LOOK_UP_BLOCK - 1) // LOOK_UP_BLOCK):
        for v in range(block * LOOK_UP_BLOCK, min(n, (block + 1) * LOOK_UP_BLOCK)):
            count = 0
            for lane in range(lanes):
                count += counts[lane, v]
            value = (estimate[v] + alpha * residual[v] + count * weight) * rescale
            estimate[v] = value if value > 0.0 else 0.0
    return restart


accumulate_fingerprints_serial, accumulate_fingerprints_parallel = serial_and_parallel(
    accumulate_fingerprints, nogil=True
)
