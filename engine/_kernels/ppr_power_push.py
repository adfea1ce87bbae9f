"""PowerPush kernels (Wu et al., SIGMOD 2021) for the hybrid method and the index.

A query runs in stages, each a kernel here:

1. ``local_push``: FIFO pushes from the seeds with falling thresholds, while the
   frontier is small (a few hops cost far less than a sweep over the graph).
2. ``coloured_sweep``: once the frontier is large, in-place sweeps in pull form,
   ``x[v] ← α·s[v] + (1−α)·(Σ_u w(u,v)·x[u]/W(u) + D·s[v])`` with ``D`` the
   dangling nodes' mass, over-relaxed on undirected graphs (SOR: ``x[v]`` moves
   ``ω`` times that step, about 1.41 at α = 0.15, see ``engine.ppr.sor_relaxation``)
   but for the last sweep, a plain one. Reading the in-neighbours' values is a
   gather that keeps four loads in flight, about three times faster here than the
   push form's scatter; its indices are unsigned (no negative-index checks). The
   sweep runs over a copy of the graph numbered colour by colour
   (``first_fit_colouring``, ``renumbered``): the nodes of one colour are never
   adjacent, so both threads sweep a colour at once and every node still reads
   the values a serial sweep in id order shows it (Gauss–Seidel, whatever the
   threads). Per sweep the residual mass falls to about 0.73 of itself with
   ``ω = 1`` and to 0.3–0.45 over-relaxed on the BA, ER, R-MAT and planted graphs
   of ``bench-data/`` (a Jacobi step: 0.85), so a query needs less than half the
   sweeps. For undirected graphs ``I − (1−α)·A·D⁻¹`` is a diagonal
   scaling of a symmetric positive definite matrix, so SOR converges for any
   ``0 < ω < 2``; directed graphs have no such guarantee and sweep with ``ω = 1``.
   Over-relaxation lets ``x`` pass π at some nodes: the residual is then signed,
   and the walks below carry the sign; the last, plain sweep leaves a fraction of
   the residual (and of its negative part) of one more over-relaxed sweep.
3. ``residual_pass``: the residual ``r = (α·s + (1−α)·Pᵀx − x)/α`` of the last
   sweep, in push form: ``π = x + Σ_v r[v]·π_v`` holds exactly (for ``x`` as the
   sweeps' float32 values round it).
4. ``cleanup_push``: FIFO pushes of the nodes whose residual is still above
   ``r_max·deg`` in absolute value (the index stores that many walks per node, no
   more).
5. ``allocate_walks`` + ``forced_walk_ends`` + ``add_walk_ends``: walks for the
   residual mass. Each residual node first keeps ``α·r`` (a walk stops where it
   starts with probability α) and sends ``(1−α)·r`` on walks that take a first
   step for sure; the walk counts are ``⌊(1−α)·|r|·scale⌋`` plus one with the
   fractional part's probability, so every walk carries the same weight
   ``±1/scale`` (the sign of its node's residual) and the expected estimate is
   exact.

Walk ``w`` draws from the counter-based stream ``(seed, w)`` of
:mod:`engine._kernels.random`, so its path does not depend on the thread that
runs it. The node ids of the sweep must be those of ``x``: undirected graphs pull
over their own CSR, directed ones over the transpose.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from engine._kernels.ppr import _next_uniform, _push_node, _stream_start

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
MIX_2 = np.uint64(0x94D049BB133111EB)
LOW_32 = np.uint64(0xFFFFFFFF)
SHIFT_32 = np.uint64(32)
TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


# ------------------------------------------------------------------ local push


@njit(inline="always")
def _degree(indptr, node):
    return max(indptr[node + 1] - indptr[node], 1)


@njit(nogil=True, cache=True)
def local_push(
    indptr,
    indices,
    weights,
    weighted,
    out_weight,
    seed_nodes,
    seed_mass,
    alpha,
    r_max,
    first_threshold,
    queue_limit,
    edge_limit,
    estimate,
    residual,
):
    """FIFO pushes of nodes with ``residual > θ·deg``, ``θ`` falling from
    ``first_threshold`` by 8x per round down to ``r_max``; returns ``(finished,
    edges pushed)``.

    Large residuals go first, so the work done before the frontier outgrows
    ``queue_limit`` moves as much mass as it can. ``finished`` is True when no node
    is left above ``r_max·deg`` (a local push that ended), False when the frontier
    grew past ``queue_limit`` or the pushes passed ``edge_limit`` edges, and sweeps
    should take over. On entry ``residual`` is zero outside ``seed_nodes``; no step
    costs O(n).
    """
    n = indptr.shape[0] - 1
    queue = np.empty(n + 1, dtype=np.int64)
    queued = np.zeros(n, dtype=np.bool_)
    seen = np.empty(n, dtype=np.int64)  # nodes that ever held residual, for the next round
    n_seen = 0
    for k in range(seed_nodes.shape[0]):
        seen[n_seen] = seed_nodes[k]
        n_seen += 1
    ever = np.zeros(n, dtype=np.bool_)
    for k in range(seed_nodes.shape[0]):
        ever[seed_nodes[k]] = True
    threshold = max(first_threshold, r_max)
    edges = 0
    while True:
        head = 0
        tail = 0
        for k in range(n_seen):
            node = seen[k]
            if residual[node] > threshold * _degree(indptr, node):
                queue[tail] = node
                tail += 1
                queued[node] = True
        while head != tail:
            if (tail - head) % (n + 1) > queue_limit:
                return False, edges
            node = queue[head]
            head = (head + 1) % (n + 1)
            queued[node] = False
            if residual[node] <= threshold * _degree(indptr, node):
                continue
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
            start = indptr[node]
            stop = indptr[node + 1]
            edges += stop - start
            if edges > edge_limit:
                return False, edges
            if stop == start:
                continue
            for p in range(start, stop):
                target = indices[p]
                if not ever[target]:
                    ever[target] = True
                    seen[n_seen] = target
                    n_seen += 1
                if not queued[target] and residual[target] > threshold * _degree(indptr, target):
                    queue[tail] = target
                    tail = (tail + 1) % (n + 1)
                    queued[target] = True
            # the seeds may have received a dangling node's mass: they are in ``seen``
        if threshold <= r_max:
            # dangling pushes feed the seeds without queueing them: check once more
            again = False
            for k in range(seed_nodes.shape[0]):
                node = seed_nodes[k]
                if residual[node] > threshold * _degree(indptr, node):
                    again = True
            if not again:
                return True, edges
        threshold = max(threshold / 8.0, r_max)


# ------------------------------------------------------------------ sweeps


@njit(inline="always")
def _pull(pull_indptr, pull_indices, pull_weights, weighted, y, v):
    """``Σ_p w_p·y[pull_indices[p]]`` over row ``v``, with four independent sums so
    that four gathers are in flight at once."""
    a0 = 0.0
    a1 = 0.0
    a2 = 0.0
    a3 = 0.0
    p = pull_indptr[v]
    stop = pull_indptr[v + 1]
    if weighted:
        while p + 4 <= stop:
            a0 += pull_weights[p] * y[pull_indices[p]]
            a1 += pull_weights[p + 1] * y[pull_indices[p + 1]]
            a2 += pull_weights[p + 2] * y[pull_indices[p + 2]]
            a3 += pull_weights[p + 3] * y[pull_indices[p + 3]]
            p += 4
        while p < stop:
            a0 += pull_weights[p] * y[pull_indices[p]]
            p += 1
    else:
        while p + 4 <= stop:
            a0 += y[pull_indices[p]]
            a1 += y[pull_indices[p + 1]]
            a2 += y[pull_indices[p + 2]]
            a3 += y[pull_indices[p + 3]]
            p += 4
        while p < stop:
            a0 += y[pull_indices[p]]
            p += 1
    return (a0 + a1) + (a2 + a3)


@njit(nogil=True, cache=True)
def scaled_values(x, inverse_out, y):
    """Fill ``y`` (float32 or float64) with ``x / out-weight`` (0 at dangling nodes);
    returns ``Σ x`` over the dangling nodes."""
    dangling = 0.0
    for v in range(x.shape[0]):
        y[v] = x[v] * inverse_out[v]
        if inverse_out[v] == 0.0:
            dangling += x[v]
    return dangling


@njit(nogil=True, cache=True)
def first_fit_colouring(indptr, indices, pull_indptr, pull_indices):
    """Colour the nodes in id order, each with the smallest colour that none of its
    earlier neighbours (out- or in-) has: no two nodes of a colour are adjacent.
    Returns the colours (int32). At most one more colour than the largest number
    of earlier neighbours: 11 on the BA graphs of ``benchmarks/ppr.py``."""
    n = indptr.shape[0] - 1
    colour = np.full(n, -1, dtype=np.int32)
    taken_by = np.full(n + 1, -1, dtype=np.int64)  # taken_by[c] == v: a neighbour of v has c
    for v in range(n):
        for p in range(indptr[v], indptr[v + 1]):
            c = colour[indices[p]]
            if c >= 0:
                taken_by[c] = v
        for p in range(pull_indptr[v], pull_indptr[v + 1]):
            c = colour[pull_indices[p]]
            if c >= 0:
                taken_by[c] = v
        c = 0
        while taken_by[c] == v:
            c += 1
        colour[v] = c
    return colour


@njit(nogil=True, cache=True)
def renumbered(pull_indptr, pull_indices, pull_weights, weighted, order, index_type):
    """The pull CSR with node ``order[i]`` renamed ``i``: ``(indptr, indices,
    weights)``, the matrix of scipy's ``pull[order][:, order]``, its indices of the
    dtype of ``index_type`` (an empty array).

    Unsigned indices (uint32) spare every gather Numba's check for a negative index:
    the sweep's gather ran 1.23-1.28x faster with them on the 1M-edge BA graph and
    1.33-1.70x on the 10M-edge one. A row keeps its entries in their old order
    (sorting them made no difference to the sweeps on the 10M-edge BA graph): 0.25 s
    there, against 1.8 s for scipy's and 1 s for sorted rows; the first query on a
    graph waits for it.
    """
    n = order.shape[0]
    position = np.empty(n, dtype=np.int64)
    for i in range(n):
        position[order[i]] = i
    new_indptr = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        new_indptr[i + 1] = new_indptr[i] + pull_indptr[order[i] + 1] - pull_indptr[order[i]]
    new_indices = np.empty(new_indptr[n], dtype=index_type.dtype)
    new_weights = np.empty(new_indptr[n] if weighted else 0, dtype=np.float64)
    for i in range(n):
        first = pull_indptr[order[i]]
        for k in range(new_indptr[i + 1] - new_indptr[i]):
            new_indices[new_indptr[i] + k] = position[pull_indices[first + k]]
            if weighted:
                new_weights[new_indptr[i] + k] = pull_weights[first + k]
    return new_indptr, new_indices, new_weights


@njit(inline="always")
def _sweep_rows(
    pull_indptr,
    pull_indices,
    pull_weights,
    weighted,
    inverse_out,
    seed_vector,
    restart,
    relaxation,
    alpha,
    first,
    last,
    x,
    y,
):
    moved = 0.0
    for v in range(first, last):
        value = (1.0 - alpha) * _pull(pull_indptr, pull_indices, pull_weights, weighted, y, v)
        value += restart * seed_vector[v]
        previous = x[v]
        change = relaxation * (value - previous)
        value = previous + change
        y[v] = value * inverse_out[v]
        x[v] = value
        moved += abs(change)
    return moved


@njit(parallel=True, cache=True)
def coloured_sweep(
    pull_indptr,
    pull_indices,
    pull_weights,
    weighted,
    inverse_out,
    seed_vector,
    restart,
    relaxation,
    alpha,
    block_starts,
    colour_blocks,
    x,
    y,
    moved_per_block,
):
    """One in-place sweep over a graph numbered colour by colour, the nodes of a
    colour in parallel.

    The nodes of colour ``c`` (:func:`first_fit_colouring`) are numbered
    consecutively and cut into blocks of about equal edge counts, ``block_starts``;
    colour ``c``'s blocks are ``colour_blocks[c]..colour_blocks[c+1]-1``. No node
    reads a value of its own colour, so every node sees the values a serial sweep in
    id order would show it: the result does not depend on the number of threads,
    and :func:`coloured_sweep_serial` gives the same. Each value moves
    ``relaxation`` times the Gauss–Seidel step ``x[v] ← (1−α)·Σ_u w(u,v)·y[u] +
    restart·s[v]``; ``moved_per_block`` gets ``Σ |change of x|`` per block.

    ``y`` must hold ``x / out-weight`` on entry and may be float32: the gathers then
    move half the bytes (1.6x faster sweeps on the 10M-edge BA graph, 1.2x on the
    1M-edge one), while ``x`` and every sum stay float64.
    """
    for colour in range(colour_blocks.shape[0] - 1):
        first_block = colour_blocks[colour]
        for offset in prange(colour_blocks[colour + 1] - first_block):
            block = first_block + offset
            moved_per_block[block] = _sweep_rows(
                pull_indptr,
                pull_indices,
                pull_weights,
                weighted,
                inverse_out,
                seed_vector,
                restart,
                relaxation,
                alpha,
                block_starts[block],
                block_starts[block + 1],
                x,
                y,
            )


@njit(nogil=True, cache=True)
def coloured_sweep_serial(
    pull_indptr,
    pull_indices,
    pull_weights,
    weighted,
    inverse_out,
    seed_vector,
    restart,
    relaxation,
    alpha,
    block_starts,
    colour_blocks,
    x,
    y,
    moved_per_block,
):
    """:func:`coloured_sweep` on the calling thread (for batches, one query per thread)."""
    for block in range(block_starts.shape[0] - 1):
        moved_per_block[block] = _sweep_rows(
            pull_indptr,
            pull_indices,
            pull_weights,
            weighted,
            inverse_out,
            seed_vector,
            restart,
            relaxation,
            alpha,
            block_starts[block],
            block_starts[block + 1],
            x,
            y,
        )


@njit(inline="always")
def _residual_rows(
    pull_indptr,
    pull_indices,
    pull_weights,
    weighted,
    inverse_out,
    seed_vector,
    alpha,
    dangling,
    x,
    y,
    order,
    estimate,
    residual,
    first,
    last,
):
    for v in range(first, last):
        target = (1.0 - alpha) * _pull(pull_indptr, pull_indices, pull_weights, weighted, y, v)
        target += (alpha + (1.0 - alpha) * dangling) * seed_vector[v]
        value = x[v] if inverse_out[v] == 0.0 else y[v] / inverse_out[v]
        estimate[order[v]] = value
        residual[order[v]] = (target - value) / alpha


@njit(parallel=True, cache=True)
def residual_pass(
    pull_indptr,
    pull_indices,
    pull_weights,
    weighted,
    inverse_out,
    seed_vector,
    alpha,
    dangling,
    block_starts,
    x,
    y,
    order,
    estimate,
    residual,
):
    """Push-form residual ``(α·s + (1−α)·(Pᵀp + D·s) − p)/α`` (signed: over-relaxed
    sweeps leave ``x`` above π at some nodes) of the estimate ``p = y/inverse_out``
    (``x`` at dangling nodes), on the renumbered graph of the sweeps; node ``v``'s
    residual and ``p[v]`` go to ``residual[order[v]]`` and ``estimate[order[v]]``
    (the original ids). ``seed_vector`` is ``s`` as a dense vector.

    The estimate is ``x`` as ``y`` holds it, rounded when ``y`` is float32: the
    residual is then exact for that estimate (``Pᵀp`` is the gather of ``y``
    itself), so the float32 gathers of the sweeps serve here too, with no float64
    copy of ``y``. Rows in the sweeps' blocks (of about equal edge counts) over the
    threads; each row is computed alone, so the result does not depend on the
    threads."""
    for block in prange(block_starts.shape[0] - 1):
        _residual_rows(
            pull_indptr,
            pull_indices,
            pull_weights,
            weighted,
            inverse_out,
            seed_vector,
            alpha,
            dangling,
            x,
            y,
            order,
            estimate,
            residual,
            block_starts[block],
            block_starts[block + 1],
        )


@njit(nogil=True, cache=True)
def residual_pass_serial(
    pull_indptr,
    pull_indices,
    pull_weights,
    weighted,
    inverse_out,
    seed_vector,
    alpha,
    dangling,
    block_starts,
    x,
    y,
    order,
    estimate,
    residual,
):
    """:func:`residual_pass` on the calling thread (for batches, one query per thread)."""
    _residual_rows(
        pull_indptr,
        pull_indices,
        pull_weights,
        weighted,
        inverse_out,
        seed_vector,
        alpha,
        dangling,
        x,
        y,
        order,
        estimate,
        residual,
        block_starts[0],
        block_starts[block_starts.shape[0] - 1],
    )


@njit(nogil=True, cache=True)
def cleanup_push(
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
    """FIFO pushes until ``|residual[u]| ≤ r_max·max(deg(u), 1)`` everywhere (any
    starting residual, of either sign: a push is linear in it; one O(n) scan finds
    the nodes above); returns edges pushed."""
    n = indptr.shape[0] - 1
    queue = np.empty(n + 1, dtype=np.int64)
    queued = np.zeros(n, dtype=np.bool_)
    head = 0
    tail = 0
    for node in range(n):
        if abs(residual[node]) > r_max * _degree(indptr, node):
            queue[tail] = node
            tail += 1
            queued[node] = True
    edges = 0
    while head != tail:
        node = queue[head]
        head = (head + 1) % (n + 1)
        queued[node] = False
        if abs(residual[node]) <= r_max * _degree(indptr, node):
            continue
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
        start = indptr[node]
        stop = indptr[node + 1]
        edges += stop - start
        if stop == start:
            for k in range(seed_nodes.shape[0]):
                target = seed_nodes[k]
                if not queued[target] and abs(residual[target]) > r_max * _degree(indptr, target):
                    queue[tail] = target
                    tail = (tail + 1) % (n + 1)
                    queued[target] = True
            continue
        for p in range(start, stop):
            target = indices[p]
            if not queued[target] and abs(residual[target]) > r_max * _degree(indptr, target):
                queue[tail] = target
                tail = (tail + 1) % (n + 1)
                queued[target] = True
    return edges


# ------------------------------------------------------------------ walks


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
            u, _ = _next_uniform(_stream_start(salt, v))
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
        state = _stream_start(np.uint64(seed), np.uint64(following)) + GOLDEN
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
                    state = _stream_start(np.uint64(seed), np.uint64(following)) + GOLDEN
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


@njit(parallel=True, cache=True)
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


@njit(nogil=True, cache=True)
def forced_walk_ends_serial(
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
    """:func:`forced_walk_ends` on the calling thread (same ends)."""
    taken = 0
    for chunk in range((offsets[-1] + CHUNK - 1) // CHUNK):
        taken += _walk_chunk(
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
    return taken


@njit(nogil=True, cache=True)
def add_walk_ends(ends, positive, share, estimate):
    """``estimate[end] += share`` for the first ``positive`` walk ends and ``-share``
    for the rest."""
    for w in range(positive):
        estimate[ends[w]] += share
    for w in range(positive, ends.shape[0]):
        estimate[ends[w]] -= share


# ------------------------------------------------------------------ top-k


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
