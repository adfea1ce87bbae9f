"""Push kernels: forward push (Andersen, Chung, Lang 2006) for ``method="push"`` and
local clustering, and PowerPush's local push and clean-up push (Wu et al.,
SIGMOD 2021; its sweeps are in :mod:`engine.pagerank.sweep_kernels`).

A push moves ``α·r[u]`` of a node's residual to its estimate and spreads the rest
over its out-neighbours by weight, or back to the seeds when ``u`` is dangling, so
``π = estimate + Σ_v residual[v]·π_v`` holds after every push, in any order. The
kernels take the graph as one :class:`~engine._kernels.csr.CSR` and the seeds as one
:class:`~engine.pagerank.common_kernels.Seeds`; a FIFO queue of ``n + 1`` slots picks
the nodes above their threshold (``|residual[u]| > θ·max(deg(u), 1)``). The loops
over edges queue inline rather than call a helper: Numba gives each array handed to
an inline helper a reference count (an atomic add, and a subtract after) per call,
and with a helper there the push ran 1.3-1.7x slower.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from engine._kernels.csr import CSR
from engine.pagerank.common_kernels import Seeds, above, push_node

# PowerPush's local push starts at threshold FIRST_THRESHOLD·deg and divides it by 8
# per round down to r_max (see engine.pagerank.push for the hand-over to sweeps).
FIRST_THRESHOLD = 1e-3


# An empty queue's tail. Passed as a named int64, not a literal 0: Numba compiles a
# callee once more for each literal argument (a second _queue_above, 0.2 s cold, #22).
EMPTY = np.int64(0)


@njit(nogil=True, cache=True)
def _queue_above(indptr, residual, threshold, nodes, queue, queued, tail):
    """Queue each of ``nodes`` that is not queued and above ``threshold``; returns the
    new tail. A function rather than inline code: it runs once per list, so the
    arrays it takes cost nothing per node."""
    for k in range(nodes.shape[0]):
        node = nodes[k]
        if not queued[node] and above(indptr, residual, node, threshold):
            queue[tail] = node
            queued[node] = True
            tail = (tail + 1) % queue.shape[0]
    return tail


@njit(nogil=True, cache=True)
def _queue_all_above(indptr, residual, threshold, queue, queued):
    """An empty queue filled with every node above ``threshold``, in id order (one
    O(n) scan); returns the tail."""
    tail = 0
    for node in range(indptr.shape[0] - 1):
        active = above(indptr, residual, node, threshold)
        queued[node] = active
        if active:
            queue[tail] = node
            tail += 1
    return tail


@njit(nogil=True, cache=True)
def _queue_near(indptr, indices, residual, threshold, seed_nodes, support, queue, queued):
    """Queue each node above ``threshold`` among the seeds, ``support`` and the
    support's neighbours (every node a push from the seeds can have left residual
    on); returns the tail. Costs the support's volume."""
    tail = _queue_above(indptr, residual, threshold, seed_nodes, queue, queued, EMPTY)
    tail = _queue_above(indptr, residual, threshold, support, queue, queued, tail)
    for k in range(support.shape[0]):
        node = support[k]
        for p in range(indptr[node], indptr[node + 1]):
            target = indices[p]
            if not queued[target] and above(indptr, residual, target, threshold):
                queue[tail] = target
                queued[target] = True
                tail += 1
    return tail


@njit(nogil=True, cache=True)
def _fifo_push(
    csr, seeds, alpha, r_max, estimate, residual, touched, n_touched, scan, queue, queued
):
    """Push until ``|residual[u]| <= r_max·max(deg(u), 1)`` at every node; returns
    ``(pushes, n_touched)``. The queue starts from the seeds and, when ``n_touched``
    is above zero (a push resumed at a smaller ``r_max``), the nodes already pushed
    and their neighbours; or with ``scan`` from one O(n) scan for the nodes above
    (the clean-up after sweeps, which leave few).
    From the seeds, once the queue holds more than ``n/8`` nodes, sweeps over all
    nodes in id order do the pushing (the PowerPush idea): sequential access beats
    a queue that visits most of the graph anyway.

    ``queue`` (``n + 1`` slots) and ``queued`` (all False) are a
    :class:`~engine.pagerank.workspace.Workspace`'s; ``queued`` is all False again
    on return (the queue is empty)."""
    indptr = csr.indptr
    indices = csr.indices
    seed_nodes = seeds.nodes
    n = indptr.shape[0] - 1
    record = touched.shape[0] >= n
    head = 0
    if scan:
        tail = _queue_all_above(indptr, residual, r_max, queue, queued)
    elif n_touched > 0:
        tail = _queue_near(
            indptr, indices, residual, r_max, seed_nodes, touched[:n_touched], queue, queued
        )
    else:
        tail = _queue_above(indptr, residual, r_max, seed_nodes, queue, queued, EMPTY)
    pushes = 0
    sweep_above = n + 1 if scan else max(n // 8, 64)
    while head != tail:
        if (tail - head) % (n + 1) > sweep_above:
            while True:
                swept = 0
                for node in range(n):
                    if above(indptr, residual, node, r_max):
                        if record and estimate[node] == 0.0:
                            touched[n_touched] = node
                            n_touched += 1
                        push_node(csr, seeds, alpha, node, estimate, residual)
                        swept += 1
                pushes += swept
                if swept <= sweep_above:
                    break
            head = 0
            tail = _queue_all_above(indptr, residual, r_max, queue, queued)
            continue
        node = queue[head]
        head = (head + 1) % (n + 1)
        queued[node] = False
        if not above(indptr, residual, node, r_max):
            continue
        pushes += 1
        if record and estimate[node] == 0.0:
            touched[n_touched] = node
            n_touched += 1
        push_node(csr, seeds, alpha, node, estimate, residual)
        if indptr[node + 1] == indptr[node]:
            tail = _queue_above(indptr, residual, r_max, seed_nodes, queue, queued, tail)
        for p in range(indptr[node], indptr[node + 1]):
            target = indices[p]
            if not queued[target] and above(indptr, residual, target, r_max):
                queue[tail] = target
                queued[target] = True
                tail = (tail + 1) % (n + 1)
    return pushes, n_touched


@njit(nogil=True, cache=True)
def seeded_push(csr, seeds, alpha, r_max, estimate, residual, touched, queue, queued):
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
    empty array to skip. ``queue`` and ``queued`` are a workspace's (:func:`_fifo_push`).
    """
    return _fifo_push(
        csr, seeds, alpha, r_max, estimate, residual, touched, 0, False, queue, queued
    )


@njit(nogil=True, cache=True)
def cleanup_push(csr, seeds, alpha, r_max, estimate, residual, queue, queued):
    """Pushes until ``|residual[u]| ≤ r_max·max(deg(u), 1)`` everywhere, from any
    starting residual, of either sign (a push is linear in it; one O(n) scan finds
    the nodes above); returns ``(pushes, 0)``. ``queue`` and ``queued`` are a
    workspace's (:func:`_fifo_push`)."""
    no_ids = np.empty(0, dtype=np.int64)
    return _fifo_push(csr, seeds, alpha, r_max, estimate, residual, no_ids, 0, True, queue, queued)


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
    n_touched,
):
    """:func:`seeded_push` for callers that hold the CSR as arrays
    (:func:`engine.diffusion_kernels.ppr_sweep`, over its local view of the graph).

    With ``n_touched > 0`` it resumes a push that stopped at a larger ``r_max``:
    ``estimate`` and ``residual`` are as that push left them and ``touched[:n_touched]``
    its support, which grows from there (the invariant holds after any pushes, so
    the result has a fresh push's guarantee at the new ``r_max``). Its queue is its
    own: the caller's graph is a local view, with no per-graph workspace."""
    csr = CSR(indptr, indices, weights if weighted else weights[:0], out_weight)
    cdf = np.cumsum(seed_mass)
    if cdf.shape[0]:
        cdf[-1] = np.inf
    seeds = Seeds(seed_nodes, seed_mass, cdf)
    n = indptr.shape[0] - 1
    queue = np.empty(n + 1, dtype=np.int64)
    queued = np.zeros(n, dtype=np.bool_)
    return _fifo_push(
        csr, seeds, alpha, r_max, estimate, residual, touched, n_touched, False, queue, queued
    )


@njit(nogil=True, cache=True)
def local_push(
    csr, seeds, alpha, r_max, queue_limit, edge_limit, estimate, residual, queue, queued, seen, ever
):
    """FIFO pushes of nodes with ``residual > θ·deg``, ``θ`` falling from
    ``FIRST_THRESHOLD`` by 8x per round down to ``r_max``; returns ``(finished,
    edges pushed, θ when it ended, nodes seen)``: the nodes that hold mass are
    ``seen[:nodes seen]``.

    Large residuals go first, so the work done before the frontier outgrows
    ``queue_limit`` moves as much mass as it can. ``finished`` is True when no node
    is left above ``r_max·deg`` (a local push that ended), False when the frontier
    grew past ``queue_limit`` or the pushes passed ``edge_limit`` edges, and sweeps
    should take over. On entry ``residual`` is zero outside ``seeds.nodes``; no step
    costs O(n). ``queue``, ``queued``, ``seen`` and ``ever`` are a
    :class:`~engine.pagerank.workspace.Workspace`'s, the flags all False, as they
    are again on return (:func:`_clear_marks`).
    """
    finished, edges, head, tail, n_seen, level = _local_push(
        csr, seeds, alpha, r_max, queue_limit, edge_limit, estimate, residual,
        queue, queued, seen, ever,
    )  # fmt: skip
    _clear_marks(queue, queued, head, tail, seen, ever, n_seen)
    return finished, edges, level, n_seen


@njit(nogil=True, cache=True)
def _clear_marks(queue, queued, head, tail, seen, ever, n_seen):
    """Unmark the nodes still queued (``queue[head..tail)``, a ring) and those seen:
    the flags are all False again, at the cost of the nodes touched."""
    while head != tail:
        queued[queue[head]] = False
        head = (head + 1) % queue.shape[0]
    for k in range(n_seen):
        ever[seen[k]] = False


@njit(nogil=True, cache=True)
def _local_push(
    csr, seeds, alpha, r_max, queue_limit, edge_limit, estimate, residual, queue, queued, seen, ever
):
    """:func:`local_push`'s loop; returns ``(finished, edges, head, tail, n_seen, θ)``,
    the queue and the seen list as it left them."""
    indptr = csr.indptr
    indices = csr.indices
    seed_nodes = seeds.nodes
    n = indptr.shape[0] - 1
    n_seen = seed_nodes.shape[0]
    seen[:n_seen] = seed_nodes
    ever[seed_nodes] = True
    threshold = max(FIRST_THRESHOLD, r_max)
    edges = 0
    while True:
        head = 0
        tail = _queue_above(indptr, residual, threshold, seen[:n_seen], queue, queued, EMPTY)
        while head != tail:
            if (tail - head) % (n + 1) > queue_limit:
                return False, edges, head, tail, n_seen, threshold
            node = queue[head]
            head = (head + 1) % (n + 1)
            queued[node] = False
            if not above(indptr, residual, node, threshold):
                continue
            push_node(csr, seeds, alpha, node, estimate, residual)
            edges += indptr[node + 1] - indptr[node]
            # a dangling node's mass went to the seeds, which are in ``seen``
            for p in range(indptr[node], indptr[node + 1]):
                target = indices[p]
                if not ever[target]:
                    ever[target] = True
                    seen[n_seen] = target
                    n_seen += 1
                if not queued[target] and above(indptr, residual, target, threshold):
                    queue[tail] = target
                    queued[target] = True
                    tail = (tail + 1) % (n + 1)
            # checked once the node's neighbours are in ``seen``: every node holding
            # mass is listed there when the push hands over (LocalPushMemo keeps them)
            if edges > edge_limit:
                return False, edges, head, tail, n_seen, threshold
        if threshold <= r_max:
            # dangling pushes feed the seeds without queueing them: check once more
            again = False
            for k in range(seed_nodes.shape[0]):
                again = again or above(indptr, residual, seed_nodes[k], threshold)
            if not again:
                return True, edges, head, tail, n_seen, threshold
        threshold = max(threshold / 8.0, r_max)
