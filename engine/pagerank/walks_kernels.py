"""Monte-Carlo walk kernels (CPU) for ``method="walks"``, and the walk step that every
walk of the package takes: the hybrid's (:mod:`engine.pagerank.hybrid_kernels`), the
index's (:mod:`engine.pagerank.index_kernels`) and the GPU's.

The step is written once (``make_steps``) and compiled here with ``numba.njit``;
:mod:`engine.pagerank.walks_gpu` compiles the same functions for CUDA. The CPU
kernels run their walks interleaved (``make_interleaved``), the GPU one per thread. A walk reads
what decides its steps from one :class:`Walker`: the graph (a :class:`WalkGraph`),
the seeds (a dangling node, with no out-edges, sends the walk back to them), ``alpha``
(the chance to stop before each step) and the random seed. Walk ``i`` of a run seeded
``seed`` draws from the counter-based stream ``(seed, i)`` of
:mod:`engine._kernels.random`, so its path does not depend on the thread or the
device that runs it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from engine._kernels import random as rng
from engine._kernels.borrow import borrowed
from engine._kernels.prefetch import prefetch
from engine.pagerank.common_kernels import Seeds

LOW_32 = np.uint64(0xFFFFFFFF)
SHIFT_32 = np.uint64(32)
TO_UNIT_32 = 1.0 / 4294967296.0  # 2**-32
# What a step did: moved to a neighbour (or a seed), stopped where it was, or met a
# dangling node with no seeds to go back to (the index's walks, resolved at query time).
MOVED, STOPPED, LOST = 0, 1, 2
# A step's first half chose an edge; its second reads where the edge leads.
ALONG = 3
NEVER = np.uint64(0)  # the stop threshold of a step that is taken for sure


class WalkGraph(NamedTuple):
    """The graph as walks read it: the CSR rows and, on weighted graphs, their running
    weights (a walk picks a neighbour by a binary search in its row's running sum).

    Attributes
    ----------
    indptr : int64 (n + 1,)
    indices : uint32 or int64 (nnz,)
        As in :class:`~engine._kernels.csr.CSR`.
    cumulative : float64 (nnz,), or empty when unweighted
    """

    indptr: np.ndarray
    indices: np.ndarray
    cumulative: np.ndarray


class Walker(NamedTuple):
    """What decides every step of a walk, besides where it starts: one flat bundle
    (Numba's parallel loops take a named tuple of arrays and numbers, not nested ones).

    Attributes
    ----------
    indptr, indices, cumulative
        The graph, as in :class:`WalkGraph`.
    seed_nodes, seed_cdf
        Where a dangling node sends the walk (as in
        :class:`~engine.pagerank.common_kernels.Seeds`); with no seeds the walk ends
        there, lost.
    alpha : float
        The chance to stop before each step (but a first step taken for sure).
    seed : int
        The random seed (63 bits): walk ``i`` draws from the stream ``(seed, i)``.
    """

    indptr: np.ndarray
    indices: np.ndarray
    cumulative: np.ndarray
    seed_nodes: np.ndarray
    seed_cdf: np.ndarray
    alpha: float
    seed: int

    @classmethod
    def of(cls, graph: WalkGraph, seeds: Seeds, alpha: float, seed: int) -> Walker:
        return cls(*graph, seeds.nodes, seeds.cdf, alpha, seed)


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


def _stop_threshold(alpha):
    """The 32-bit draw below which a walk stops: probability ``alpha``."""
    return np.uint64(alpha * 4294967296.0)


def _pick(cdf, low, high, target):
    """The first index in ``low..high`` whose ``cdf`` entry is greater than ``target``
    (binary search; ``high`` if none is)."""
    while low < high:
        middle = (low + high) // 2
        if cdf[middle] > target:
            high = middle
        else:
            low = middle + 1
    return low


def make_steps(jit):
    """The walk step, compiled with ``jit`` (``numba.njit`` or a CUDA device jit):
    ``(begin, choose, step, advance, first_step, stop_threshold)``. The CPU kernels here and the GPU
    kernel of :mod:`engine.pagerank.walks_gpu` run their walks on these."""
    stream_start = jit(rng.stream_start)
    next_uniform = jit(rng.next_uniform)
    next_bits = jit(rng.next_bits)
    pick = jit(_pick)

    @jit
    def begin(starts, seed, walk_id):
        """The first node (drawn from the distribution ``starts``) and random state of
        walk ``walk_id``."""
        state = stream_start(seed, walk_id)
        u, state = next_uniform(state)
        return starts.nodes[pick(starts.cdf, 0, starts.cdf.shape[0] - 1, u)], state

    @jit
    def choose(indptr, cumulative, seed_nodes, seed_cdf, stop_below, node, state):
        """The first half of a step from ``node``: ``(edge, state, ALONG)`` (the step
        goes along CSR entry ``edge``; :func:`step` reads its end), ``(seed node,
        state, MOVED)`` from a dangling node, or ``(node, state, STOPPED | LOST)``.

        One 64-bit draw per step: its low 32 bits below ``stop_below``
        (:func:`_stop_threshold` of alpha) stop the walk, its high 32 bits pick the
        neighbour (by weight, on a weighted graph) or the seed, so a step costs one mix."""
        bits, state = next_bits(state)
        if (bits & LOW_32) < stop_below:
            return node, state, STOPPED
        start = indptr[node]
        stop = indptr[node + 1]
        high = bits >> SHIFT_32
        if stop == start:
            if seed_cdf.shape[0] == 0:
                return node, state, LOST
            u = float(high) * TO_UNIT_32
            return seed_nodes[pick(seed_cdf, 0, seed_cdf.shape[0] - 1, u)], state, MOVED
        if cumulative.shape[0] > 0:
            target = float(high) * TO_UNIT_32 * cumulative[stop - 1]
            return pick(cumulative, start, stop - 1, target), state, ALONG
        return start + np.int64((high * np.uint64(stop - start)) >> SHIFT_32), state, ALONG

    @jit
    def step(indptr, indices, cumulative, seed_nodes, seed_cdf, stop_below, node, state):
        """One step from ``node``: ``(next node, state, MOVED | STOPPED | LOST)``, on
        the arrays of a :class:`Walker` (a loop over steps unpacks it once: see
        :func:`make_interleaved`): :func:`choose`, then the chosen edge's end."""
        chosen, state, status = choose(
            indptr, cumulative, seed_nodes, seed_cdf, stop_below, node, state
        )
        if status == ALONG:
            return indices[chosen], state, MOVED
        return chosen, state, status

    @jit
    def advance(walker, stop_below, node, state):
        """:func:`step` from ``node`` on ``walker``."""
        indptr, indices, cumulative, seed_nodes, seed_cdf, _, _ = walker
        return step(indptr, indices, cumulative, seed_nodes, seed_cdf, stop_below, node, state)

    @jit
    def first_step(walker, node, walk_id):
        """The step of walk ``walk_id`` from ``node`` that is taken for sure (the
        hybrid's and the index's walks), from the start of its stream."""
        return advance(walker, NEVER, node, stream_start(walker.seed, walk_id))

    return begin, choose, step, advance, first_step, jit(_stop_threshold)


begin_walk, choose_step, step_walk, advance_walk, first_step, stop_threshold = make_steps(
    njit(inline="always")
)

# Walks in flight per thread: independent walks let the CPU overlap their cache misses.
# Steps per second on one thread, 10M-edge BA graph (1M-edge), walks kernel: 8 slots
# 24M (60M), 16 34M (69M), 32 44M (71M), 64 49M (77M), 128 52M (79M).
INTERLEAVE = 64
NO_EDGE = -1


@njit(inline="always")
def _nothing(job, out, node):
    pass


def make_interleaved(begin, end, visit=None, expect=None):
    """The runner every interleaved walk kernel uses: ``run(walker, job, out, first,
    last, cursor)`` runs walks ``first..last-1`` ``INTERLEAVE`` at a time, half a
    step each in turn, and returns the steps taken. A walk's path depends only on
    its id, so the order they run in changes nothing.

    A step is two cache misses on a large graph, one after the other: the row's
    bounds, then the chosen edge's end. So each walk takes half a step per pass: at
    a node it draws and chooses an edge (:func:`choose_step`, reading the row's
    bounds, prefetched when it got there) and prefetches the edge's entry; on the
    next pass it reads where the edge leads and prefetches that node's row. Between
    the halves the other walks run, and the misses of all overlap: on the 10M-edge
    BA graph, one thread, 15M steps/s one whole step at a time (16 walks) against
    49M in halves (64 walks).

    The hooks, compiled into the runner, read ``job`` (a tuple) and write ``out`` (an
    array):

    - ``begin(walker, job, walk_id, cursor)`` → ``(node, state, forced, cursor)``:
      where walk ``walk_id`` starts, its random state, and whether its first step
      is taken for sure (the runner takes it, on the arrays it unpacked once);
      ``cursor`` is the hooks' own position, carried from one walk to the next
      (the hybrid's owner of the last walk begun);
    - ``visit(job, out, node)``, when given: a walk is at ``node`` (where it began,
      or stepped to), called as it takes its next step from there (or stops there),
      so once per node it stands on; ``expect(job, out, node)``, when given, is
      called as it arrives, to prefetch what ``visit`` will write;
    - ``end(job, out, walk_id, node, status)``: walk ``walk_id`` stopped at ``node``
      (``STOPPED``), or met a dangling node with no seeds to go back to (``LOST``).

    The walks in flight fill slots ``0..active-1``: a finished walk's slot takes the
    last slot's walk, so a pass never tests an idle slot, and the free slots take new
    walks before the next pass. Call the runner inside the kernel's ``prange`` (it is
    inlined): compiled as a separate function, the same loop ran 3x slower here
    (Numba 0.68). ``out`` is an argument rather than part of ``job``: a write to an
    array taken from a tuple inside a ``prange`` body can be lost (Numba 0.68). The
    steps take the walker's arrays unpacked once and borrowed
    (:func:`~engine._kernels.borrow.borrowed`): Numba counts references to each
    array an inlined function takes, with an atomic add that waits for the loads in
    flight, which made the serial twins 4x slower than the parallel ones on one
    thread; so is ``out``, which the hooks take. (Only arrays the caller holds
    are borrowed: a local one would be freed after its last named use.)
    """

    visits = visit is not None  # a constant of the compiled runner
    visit = _nothing if visit is None else visit
    expect = _nothing if expect is None else expect

    @njit(inline="always")
    def run(walker, job, out, first, last, cursor):
        nodes = np.empty(INTERLEAVE, dtype=np.int64)
        states = np.empty(INTERLEAVE, dtype=np.uint64)
        walk_ids = np.empty(INTERLEAVE, dtype=np.int64)
        # The CSR entry a walk is stepping along (NO_EDGE: it is at nodes[slot]),
        # and whether its next step is taken for sure.
        edges = np.empty(INTERLEAVE, dtype=np.int64)
        sure = np.empty(INTERLEAVE, dtype=np.bool_)
        indptr, indices = borrowed(walker.indptr), borrowed(walker.indices)
        cumulative = borrowed(walker.cumulative)
        seed_nodes, seed_cdf = borrowed(walker.seed_nodes), borrowed(walker.seed_cdf)
        alpha = walker.alpha
        out = borrowed(out)
        stop_below = stop_threshold(alpha)
        next_walk = first
        active = 0
        taken = 0
        running = True
        while running:
            while active < INTERLEAVE and next_walk < last:
                node, state, forced, cursor = begin(walker, job, next_walk, cursor)
                if visits:
                    expect(job, out, node)
                prefetch(indptr, node)
                nodes[active] = node
                states[active] = state
                walk_ids[active] = next_walk
                edges[active] = NO_EDGE
                sure[active] = forced
                next_walk += 1
                active += 1
            running = active > 0
            slot = 0
            while slot < active:
                edge = edges[slot]
                if edge != NO_EDGE:
                    # second half of a step: where the edge leads (prefetched)
                    node = np.int64(indices[edge])
                    if visits:
                        expect(job, out, node)
                    prefetch(indptr, node)
                    nodes[slot] = node
                    edges[slot] = NO_EDGE
                    taken += 1
                    slot += 1
                    continue
                node = nodes[slot]
                if visits:
                    visit(job, out, node)
                chosen, state, status = choose_step(
                    indptr,
                    cumulative,
                    seed_nodes,
                    seed_cdf,
                    NEVER if sure[slot] else stop_below,
                    node,
                    states[slot],
                )
                sure[slot] = False
                states[slot] = state
                if status == ALONG:
                    prefetch(indices, chosen)
                    edges[slot] = chosen
                    slot += 1
                    continue
                if status == MOVED:  # from a dangling node to a seed
                    if visits:
                        expect(job, out, chosen)
                    prefetch(indptr, chosen)
                    nodes[slot] = chosen
                    taken += 1
                    slot += 1
                    continue
                end(job, out, walk_ids[slot], node, status)
                active -= 1
                nodes[slot] = nodes[active]
                states[slot] = states[active]
                walk_ids[slot] = walk_ids[active]
                edges[slot] = edges[active]
                sure[slot] = sure[active]
        return taken

    return run


# ``method="walks"``: walks drawn from a start distribution, counting their end
# points, or every visit, in row ``lane`` of ``out``. job: (starts, count_visits, lane).


@njit(inline="always")
def _begin_drawn(walker, job, walk_id, cursor):
    node, state = begin_walk(job[0], walker.seed, walk_id)
    return node, state, False, cursor


@njit(inline="always")
def _count_visit(job, out, node):
    _, count_visits, lane = job
    if count_visits:
        out[lane, node] += 1


@njit(inline="always")
def _count_end(job, out, walk_id, node, status):
    _, count_visits, lane = job
    if not count_visits and status == STOPPED:
        out[lane, node] += 1


@njit(inline="always")
def _expect_visit(job, out, node):
    _, count_visits, lane = job
    if count_visits:
        prefetch(out[lane], node)


_run_counting = make_interleaved(_begin_drawn, _count_end, _count_visit, _expect_visit)


@njit(parallel=True, cache=True)
def sample_walks(walker, starts, n_walks, count_visits, counts):
    """Walks ``0..n_walks-1`` from the distribution ``starts`` (a :class:`Seeds`), split
    over ``counts.shape[0]`` lanes; returns the total steps.

    A walk's path depends only on its id, so the counts are those of running the walks
    one by one, or of the GPU kernel. Each lane owns a row of ``counts`` (integers):
    the sum over lanes is exact whatever the number of threads.
    """
    n_lanes = counts.shape[0]
    steps = np.zeros(n_lanes, dtype=np.int64)
    for lane in prange(n_lanes):
        first = lane * n_walks // n_lanes
        last = (lane + 1) * n_walks // n_lanes
        job = (starts, count_visits, lane)
        steps[lane] = _run_counting(walker, job, counts, first, last, 0)
    return steps.sum()
