"""Push kernels: forward push (Andersen, Chung, Lang 2006) for ``method="push"`` and
local clustering, and PowerPush's local push and clean-up push (Wu et al.,
SIGMOD 2021; its sweeps are in :mod:`engine.pagerank.sweep_kernels`).

A push moves ``α·r[u]`` of a node's residual to its estimate and spreads the rest
over its out-neighbours by weight, or back to the seeds when ``u`` is dangling, so
``π = estimate + Σ_v residual[v]·π_v`` holds after every push, in any order. The
kernels take the graph as one :class:`~engine._kernels.csr.CSR` and the seeds as one
:class:`~engine.pagerank.common_kernels.Seeds`; a FIFO queue of ``n + 1`` slots picks
the nodes above their threshold (``|residual[u]| > θ·max(deg(u), 1)``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from engine._kernels.csr import CSR, out_degree
from engine.pagerank.common_kernels import Seeds, above, push_node

# PowerPush's local push starts at threshold FIRST_THRESHOLD·deg and divides it by 8
# per round down to r_max (see engine.pagerank.push for the hand-over to sweeps).
FIRST_THRESHOLD = 1e-3


@njit(inline="always")
def _offer(csr, residual, threshold, node, queue, queued, tail):
    """Queue ``node`` unless it is queued or below ``threshold``; returns the new tail."""
    if queued[node] or not above(csr, residual, node, threshold):
        return tail
    queue[tail] = node
    queued[node] = True
    return (tail + 1) % queue.shape[0]


@njit(inline="always")
def _pop(queue, queued, head):
    """``(node at head, new head)``."""
    node = queue[head]
    queued[node] = False
    return node, (head + 1) % queue.shape[0]


@njit(inline="always")
def _touch(touched, n_touched, estimate, node):
    """Record ``node`` the first time it is pushed, when ``touched`` has room for n ids."""
    if touched.shape[0] >= estimate.shape[0] and estimate[node] == 0.0:
        touched[n_touched] = node
        return n_touched + 1
    return n_touched


@njit(nogil=True, cache=True)
def _fifo_push(csr, seeds, alpha, r_max, estimate, residual, touched, scan):
    """Push until ``|residual[u]| <= r_max·max(deg(u), 1)`` at every node; returns
    ``(pushes, n_touched)``. The queue starts from the seeds, or with ``scan`` from
    one O(n) scan for the nodes above (the clean-up after sweeps, which leave few).
    From the seeds, once the queue holds more than ``n/8`` nodes, sweeps over all
    nodes in id order do the pushing (the PowerPush idea): sequential access beats
    a queue that visits most of the graph anyway."""
    n = csr.indptr.shape[0] - 1
    n_touched = 0
    queue = np.empty(n + 1, dtype=np.int64)
    queued = np.zeros(n, dtype=np.bool_)
    head = 0
    tail = 0
    if scan:
        for node in range(n):
            tail = _offer(csr, residual, r_max, node, queue, queued, tail)
    else:
        for k in range(seeds.nodes.shape[0]):
            tail = _offer(csr, residual, r_max, seeds.nodes[k], queue, queued, tail)
    pushes = 0
    sweep_above = n + 1 if scan else max(n // 8, 64)
    while head != tail:
        if (tail - head) % (n + 1) > sweep_above:
            while True:
                swept = 0
                for node in range(n):
                    if above(csr, residual, node, r_max):
                        n_touched = _touch(touched, n_touched, estimate, node)
                        push_node(csr, seeds, alpha, node, estimate, residual)
                        swept += 1
                pushes += swept
                if swept <= sweep_above:
                    break
            queued[:] = False
            head = 0
            tail = 0
            for node in range(n):
                tail = _offer(csr, residual, r_max, node, queue, queued, tail)
            continue
        node, head = _pop(queue, queued, head)
        if not above(csr, residual, node, r_max):
            continue
        pushes += 1
        n_touched = _touch(touched, n_touched, estimate, node)
        push_node(csr, seeds, alpha, node, estimate, residual)
        if out_degree(csr, node) == 0:
            for k in range(seeds.nodes.shape[0]):
                tail = _offer(csr, residual, r_max, seeds.nodes[k], queue, queued, tail)
        for p in range(csr.indptr[node], csr.indptr[node + 1]):
            tail = _offer(csr, residual, r_max, csr.indices[p], queue, queued, tail)
    return pushes, n_touched


@njit(nogil=True, cache=True)
def seeded_push(csr, seeds, alpha, r_max, estimate, residual, touched):
    """Forward push (Andersen, Chung, Lang 2006) from ``residual`` until every node has
    ``residual[u] <= r_max · max(deg(u), 1)``; returns ``(pushes, n_touched)``.

    ``estimate`` and ``residual`` are updated in place; on entry ``residual`` must be
    zero outside ``seeds.nodes`` (where every caller starts), so that no step costs
    O(n) and the work is ``O(1/r_max)`` on any graph size: local clustering relies
    on it. After it, ``π = estimate + Σ_v residual[v] · π_v`` holds exactly, whatever
    the push order.

    When ``touched`` has room for n ids, the first ``n_touched`` entries receive
    each node the first time it is pushed (the support of ``estimate``, when it
    starts at zero), so the caller need not scan n entries to find it; pass an
    empty array to skip.
    """
    return _fifo_push(csr, seeds, alpha, r_max, estimate, residual, touched, False)


@njit(nogil=True, cache=True)
def cleanup_push(csr, seeds, alpha, r_max, estimate, residual):
    """Pushes until ``|residual[u]| ≤ r_max·max(deg(u), 1)`` everywhere, from any
    starting residual, of either sign (a push is linear in it; one O(n) scan finds
    the nodes above); returns ``(pushes, 0)``."""
    no_ids = np.empty(0, dtype=np.int64)
    return _fifo_push(csr, seeds, alpha, r_max, estimate, residual, no_ids, True)


@njit(nogil=True, cache=True)
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
    """:func:`seeded_push` for callers that hold the CSR as arrays
    (:func:`engine.diffusion_kernels.ppr_sweep`, over its local view of the graph)."""
    csr = CSR(indptr, indices, weights if weighted else weights[:0], out_weight)
    cdf = np.cumsum(seed_mass)
    if cdf.shape[0]:
        cdf[-1] = np.inf
    seeds = Seeds(seed_nodes, seed_mass, cdf)
    return seeded_push(csr, seeds, alpha, r_max, estimate, residual, touched)


@njit(inline="always")
def _mark(node, ever, seen, n_seen):
    """Add ``node`` to ``seen`` the first time it holds residual; returns the new count."""
    if ever[node]:
        return n_seen
    ever[node] = True
    seen[n_seen] = node
    return n_seen + 1


@njit(nogil=True, cache=True)
def local_push(csr, seeds, alpha, r_max, queue_limit, edge_limit, estimate, residual):
    """FIFO pushes of nodes with ``residual > θ·deg``, ``θ`` falling from
    ``FIRST_THRESHOLD`` by 8x per round down to ``r_max``; returns ``(finished,
    edges pushed)``.

    Large residuals go first, so the work done before the frontier outgrows
    ``queue_limit`` moves as much mass as it can. ``finished`` is True when no node
    is left above ``r_max·deg`` (a local push that ended), False when the frontier
    grew past ``queue_limit`` or the pushes passed ``edge_limit`` edges, and sweeps
    should take over. On entry ``residual`` is zero outside ``seeds.nodes``; no step
    costs O(n).
    """
    n = csr.indptr.shape[0] - 1
    queue = np.empty(n + 1, dtype=np.int64)
    queued = np.zeros(n, dtype=np.bool_)
    seen = np.empty(n, dtype=np.int64)  # nodes that ever held residual, for the next round
    ever = np.zeros(n, dtype=np.bool_)
    n_seen = 0
    for k in range(seeds.nodes.shape[0]):
        n_seen = _mark(seeds.nodes[k], ever, seen, n_seen)
    threshold = max(FIRST_THRESHOLD, r_max)
    edges = 0
    while True:
        head = 0
        tail = 0
        for k in range(n_seen):
            tail = _offer(csr, residual, threshold, seen[k], queue, queued, tail)
        while head != tail:
            if (tail - head) % (n + 1) > queue_limit:
                return False, edges
            node, head = _pop(queue, queued, head)
            if not above(csr, residual, node, threshold):
                continue
            push_node(csr, seeds, alpha, node, estimate, residual)
            edges += out_degree(csr, node)
            if edges > edge_limit:
                return False, edges
            # a dangling node's mass went to the seeds, which are in ``seen``
            for p in range(csr.indptr[node], csr.indptr[node + 1]):
                target = csr.indices[p]
                n_seen = _mark(target, ever, seen, n_seen)
                tail = _offer(csr, residual, threshold, target, queue, queued, tail)
        if threshold <= r_max:
            # dangling pushes feed the seeds without queueing them: check once more
            again = False
            for k in range(seeds.nodes.shape[0]):
                again = again or above(csr, residual, seeds.nodes[k], threshold)
            if not again:
                return True, edges
        threshold = max(threshold / 8.0, r_max)
