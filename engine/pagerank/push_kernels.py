"""Push kernels: forward push (Andersen, Chung, Lang 2006) for ``method="push"`` and
local clustering, and PowerPush's local push and clean-up push (Wu et al.,
SIGMOD 2021; its sweeps are in :mod:`engine.pagerank.sweep_kernels`).

A push moves ``α·r[u]`` of a node's residual to its estimate and spreads the rest
over its out-neighbours by weight, or back to the seeds when ``u`` is dangling, so
``π = estimate + Σ_v residual[v]·π_v`` holds after every push, in any order.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from engine.pagerank.common_kernels import degree, push_node


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
                        push_node(
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
        push_node(
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
            if residual[node] > threshold * degree(indptr, node):
                queue[tail] = node
                tail += 1
                queued[node] = True
        while head != tail:
            if (tail - head) % (n + 1) > queue_limit:
                return False, edges
            node = queue[head]
            head = (head + 1) % (n + 1)
            queued[node] = False
            if residual[node] <= threshold * degree(indptr, node):
                continue
            push_node(
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
                if not queued[target] and residual[target] > threshold * degree(indptr, target):
                    queue[tail] = target
                    tail = (tail + 1) % (n + 1)
                    queued[target] = True
            # the seeds may have received a dangling node's mass: they are in ``seen``
        if threshold <= r_max:
            # dangling pushes feed the seeds without queueing them: check once more
            again = False
            for k in range(seed_nodes.shape[0]):
                node = seed_nodes[k]
                if residual[node] > threshold * degree(indptr, node):
                    again = True
            if not again:
                return True, edges
        threshold = max(threshold / 8.0, r_max)


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
        if abs(residual[node]) > r_max * degree(indptr, node):
            queue[tail] = node
            tail += 1
            queued[node] = True
    edges = 0
    while head != tail:
        node = queue[head]
        head = (head + 1) % (n + 1)
        queued[node] = False
        if abs(residual[node]) <= r_max * degree(indptr, node):
            continue
        push_node(
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
                if not queued[target] and abs(residual[target]) > r_max * degree(indptr, target):
                    queue[tail] = target
                    tail = (tail + 1) % (n + 1)
                    queued[target] = True
            continue
        for p in range(start, stop):
            target = indices[p]
            if not queued[target] and abs(residual[target]) > r_max * degree(indptr, target):
                queue[tail] = target
                tail = (tail + 1) % (n + 1)
                queued[target] = True
    return edges
