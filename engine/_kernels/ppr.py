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


@njit(inline="always")
def _active(residual, indptr, node, r_max):
    """Whether ``node`` must still push: ``residual > r_max · max(deg, 1)``."""
    return residual[node] > r_max * max(indptr[node + 1] - indptr[node], 1)


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
    touched,
):
    """Forward push (Andersen, Chung, Lang 2006) from ``residual`` until every node has
    ``residual[u] <= r_max · max(deg(u), 1)``; returns ``(pushes, n_touched)``.

    ``estimate`` and ``residual`` are updated in place; on entry ``residual`` must be
    zero outside ``seed_nodes`` (where every caller starts), so that no step costs
    O(n) and the work is ``O(1/r_max)`` on any graph size: local clustering relies
    on it. After it, ``π = estimate + Σ_v residual[v] · π_v`` holds exactly, whatever
    the push order. While few nodes are active a FIFO queue picks them; once the
    queue holds more than ``n/8`` nodes, sweeps over all nodes in id order do the
    pushing (the PowerPush idea of Wu et al., SIGMOD 2021): sequential access beats
    a queue that visits most of the graph anyway.

    When ``touched`` has room for n ids, the first ``n_touched`` entries receive
    each node the first time it is pushed (the support of ``estimate``, when it
    starts at zero), so the caller need not scan n entries to find it; pass an
    empty array to skip.
    """
    n = indptr.shape[0] - 1
    record = touched.shape[0] >= n
    n_touched = 0
    queue = np.empty(n + 1, dtype=np.int64)
    queued = np.zeros(n, dtype=np.bool_)
    head = 0
    tail = 0
    for k in range(seed_nodes.shape[0]):
        node = seed_nodes[k]
        if not queued[node] and _active(residual, indptr, node, r_max):
            queue[tail] = node
            tail = (tail + 1) % (n + 1)
            queued[node] = True
    pushes = 0
    sweep_above = max(n // 8, 64)
    while head != tail:
        if (tail - head) % (n + 1) > sweep_above:
            while True:
                swept = 0
                for node in range(n):
                    if _active(residual, indptr, node, r_max):
                        if record and estimate[node] == 0.0:
                            touched[n_touched] = node
                            n_touched += 1
                        _push_node(
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
                        )
                        swept += 1
                pushes += swept
                if swept <= sweep_above:
                    break
            head = 0
            tail = 0
            for node in range(n):
                active = _active(residual, indptr, node, r_max)
                queued[node] = active
                if active:
                    queue[tail] = node
                    tail += 1
            continue
        node = queue[head]
        head = (head + 1) % (n + 1)
        queued[node] = False
        if not _active(residual, indptr, node, r_max):
            continue
        pushes += 1
        if record and estimate[node] == 0.0:
            touched[n_touched] = node
            n_touched += 1
        start = indptr[node]
        stop = indptr[node + 1]
        _push_node(
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
        )
        if stop == start:
            for k in range(seed_nodes.shape[0]):
                target = seed_nodes[k]
                if not queued[target] and _active(residual, indptr, target, r_max):
                    queue[tail] = target
                    tail = (tail + 1) % (n + 1)
                    queued[target] = True
            continue
        for p in range(start, stop):
            target = indices[p]
            if not queued[target] and _active(residual, indptr, target, r_max):
                queue[tail] = target
                tail = (tail + 1) % (n + 1)
                queued[target] = True
    return pushes, n_touched


@njit(inline="always")
def _push_node(
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


# The stream for plain CPU kernels (the walk kernels compile theirs in make_walk).
_stream_start = njit(inline="always")(rng.stream_start)
_next_uniform = njit(inline="always")(rng.next_uniform)


@njit(parallel=True, cache=True)
def stored_walk_ends(indptr, indices, cumulative, weighted, starts, alpha, seed, first_walk, ends):
    """End node of one walk from each ``starts[w]`` (walk id ``first_walk + w``) into
    ``ends[w]``: the walk steps to a neighbour for sure, then stops with probability
    ``alpha`` before each further step (the index's walks: a query keeps ``α·r`` at
    the node itself). -1 when the walk met a dangling node, or started at one, where
    the query's seeds (unknown here) take over.
    """
    no_seeds = np.empty(0, dtype=np.int64)
    no_cdf = np.empty(0, dtype=np.float64)
    stop_below = _stop_threshold_cpu(alpha)
    never = np.uint64(0)
    for w in prange(starts.shape[0]):
        state = _stream_start(np.uint64(seed), np.uint64(first_walk + w))
        node, state, status = advance_walk(
            indptr, indices, cumulative, weighted, no_seeds, no_cdf, never, starts[w], state
        )
        while status == 0:
            node, state, status = advance_walk(
                indptr, indices, cumulative, weighted, no_seeds, no_cdf, stop_below, node, state
            )
        ends[w] = node if status == 1 else -1


@njit(inline="always")
def _walks_used(residual, scale, salt, v):
    """``⌊|r_v|·scale⌋`` walks, plus one with the fractional part's probability (the
    coin of node ``v`` comes from stream ``(salt, v)``)."""
    expected = abs(residual[v]) * scale
    used = int(expected)
    u, _ = _next_uniform(_stream_start(salt, v))
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


@njit(parallel=True, cache=True)
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
    not depend on the number of lanes (:func:`accumulate_fingerprints_serial` is
    the same with one). Two lanes took 54 ms against 82 per query on the 10M-edge BA
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


@njit(nogil=True, cache=True)
def accumulate_fingerprints_serial(offsets, ends, residual, alpha, omega, seed, estimate):
    """:func:`accumulate_fingerprints` on the calling thread (for batches, one query
    per thread); the same answer."""
    salt = np.uint64(seed) ^ np.uint64(0x2545F4914F6CDD1D)
    n = estimate.shape[0]
    scale = (1.0 - alpha) * omega
    counts = np.zeros(n, dtype=np.int32)
    restarts, left_over = _count_walk_ends(offsets, ends, residual, scale, salt, 0, n, counts)
    weight = 1.0 / omega
    restart = _restart_mass(
        restarts, left_over, offsets, ends, residual, alpha, scale, salt, weight, estimate
    )
    rescale = 1.0 / (1.0 - restart)
    for v in range(n):
        _finish(estimate, residual, alpha, np.int64(counts[v]) * weight, rescale, v)
    return restart
