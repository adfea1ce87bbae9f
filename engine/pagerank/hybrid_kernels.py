"""The hybrid's walks (FORA, with PowerPush's signed residual): how many walks each
residual node gets, their end points, and their sum into the estimate.

Each residual node first keeps ``α·r`` (a walk stops where it starts with
probability α) and sends ``(1−α)·r`` on walks that take a first step for sure;
the walk counts are ``⌊(1−α)·|r|·scale⌋`` plus one with the fractional part's
probability, so every walk carries the same weight ``±1/scale`` (the sign of its
node's residual) and the expected estimate is exact. Walk ``w`` draws from the
counter-based stream ``(seed, w)`` of :mod:`engine._kernels.random`, so its path
does not depend on the thread that runs it. Every step is the walk step of
:mod:`engine.pagerank.walks_kernels`, the one the ``walks`` method takes.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from checks.twins import serial_and_parallel
from engine.pagerank.common_kernels import stream_start
from engine.pagerank.walks_kernels import make_interleaved


@njit(nogil=True, cache=True)
def allocate_walks(residual, alpha, scale, seed, estimate):
    """Keep ``α·r`` at each residual node (added to ``estimate``) and give the node
    ``⌊(1−α)·|r|·scale⌋`` walks, plus one with the fractional part's probability.

    Returns ``(nodes, offsets, positive)``: walks ``offsets[k]..offsets[k+1]-1``
    start at ``nodes[k]``; only nodes that got a walk are listed (after the sweeps
    every node holds some residual, but on the 1M-edge BA graph 4k of 100k nodes
    get a walk), those of positive residual first, and their walks are the first
    ``positive`` (the others carry a negative weight).

    The rounding is systematic: one coin ``u`` (from ``seed``) for all, and a node
    gets the whole numbers that its part of the running sum of expected counts (per
    sign, started at ``u``) crosses: ``⌊expected⌋`` or ``⌈expected⌉`` walks, the
    latter with the fractional part's probability, as with a coin per node, and the
    total within one of its expectation.
    """
    n = residual.shape[0]
    # Positive owners fill ``owners`` from the front, negative ones from the back,
    # in one pass.
    owners = np.empty(n, dtype=np.int64)
    walk_counts = np.empty(n, dtype=np.int64)
    front = 0
    back = n
    coin = float(stream_start(np.uint64(seed) ^ np.uint64(0x5DEECE66D), 0) >> SHIFT_53)
    coin *= TO_UNIT_53
    # per sign (0: positive, 1: negative), indexed rather than branched on: the
    # sign after over-relaxed sweeps is a coin flip the CPU would mispredict
    running = np.full(2, coin)
    crossed = np.zeros(2, dtype=np.int64)
    for v in range(n):
        r = residual[v]
        if not abs(r) > 0.0:  # a NaN counts nowhere
            continue
        estimate[v] += alpha * r
        side = int(r < 0.0)
        running[side] += (1.0 - alpha) * abs(r) * scale
        now = int(running[side])
        walks = now - crossed[side]
        crossed[side] = now
        if walks == 0:
            continue
        if r > 0.0:
            owners[front] = v
            walk_counts[front] = walks
            front += 1
        else:
            back -= 1
            owners[back] = v
            walk_counts[back] = walks
    # the negative owners in id order after the positive ones
    k = front + (n - back)
    nodes = np.empty(k, dtype=np.int64)
    offsets = np.empty(k + 1, dtype=np.int64)
    offsets[0] = 0
    for i in range(k):
        source = i if i < front else n - 1 - (i - front)
        nodes[i] = owners[source]
        offsets[i + 1] = offsets[i] + walk_counts[source]
    return nodes, offsets, offsets[front]


SHIFT_53 = np.uint64(11)
TO_UNIT_53 = 1.0 / 9007199254740992.0  # 2**-53

# Walks per chunk: the threads take chunks of walks in turn.
CHUNK = 4096


# The walks start at the residual node that owns them, with a first step taken for
# sure, and only their end points are kept, in ``out``. job: (nodes, offsets); the
# cursor is the index in ``nodes`` of the last walk begun (walk ids only grow).


@njit(inline="always")
def _begin_owned(walker, job, walk_id, owner):
    nodes, offsets = job
    while offsets[owner + 1] <= walk_id:
        owner += 1
    return nodes[owner], stream_start(walker.seed, walk_id), True, owner


@njit(inline="always")
def _keep_end(job, out, walk_id, node, status):
    out[walk_id] = node


_run_forced = make_interleaved(_begin_owned, _keep_end)


@njit(inline="always")
def _walk_chunk(walker, nodes, offsets, ends, chunk):
    """Walks ``chunk·CHUNK`` to the chunk's end; returns the steps taken."""
    first = chunk * CHUNK
    last = min(first + CHUNK, offsets[-1])
    owner = np.searchsorted(offsets, first, side="right") - 1
    return _run_forced(walker, (nodes, offsets), ends, first, last, owner)


def forced_walk_ends(walker, nodes, offsets, ends):
    """End node of every walk into ``ends``: walk ``w`` starts at the node that owns
    it in ``offsets`` (walks ``offsets[k]..offsets[k+1]-1`` start at ``nodes[k]``),
    steps to a neighbour for sure, then stops with probability ``walker.alpha``
    before each further step. Returns the steps taken.

    Chunks of ``CHUNK`` walks run over the threads. One 64-bit draw per step gives
    both the stop test (low 32 bits) and the neighbour (high 32 bits).
    """
    n_chunks = (offsets[-1] + CHUNK - 1) // CHUNK
    steps = np.zeros(n_chunks, dtype=np.int64)
    for chunk in prange(n_chunks):
        steps[chunk] = _walk_chunk(walker, nodes, offsets, ends, chunk)
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
