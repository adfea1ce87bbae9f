"""Local clustering kernels: diffusion, sort and sweep of one seed set in one call.

The PPR diffusion itself is the shared forward push of :mod:`engine.pagerank.push_kernels`,
called from inside :func:`ppr_cluster`; :func:`heat_cluster` runs hk-relax. Each
then sorts the support by degree-normalised score and sweeps it, so a local
cluster costs one trip from Python into compiled code (the trips, not the
arithmetic, were half the time of a 1 ms cluster). Every kernel takes raw CSR
arrays and does work proportional to the part of the graph it touches: the
n-sized scratch arrays are allocated zeroed once per graph and thread by the
caller and left zeroed again on return, so no call costs O(n).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from engine.pagerank.push_kernels import forward_push


@njit(inline="always")
def _degree(indptr, weighted, out_weight, node):
    if weighted:
        return out_weight[node]
    return float(indptr[node + 1] - indptr[node])


@njit(cache=True, nogil=True)
def sweep_profile(indptr, indices, weights, weighted, out_weight, order, rank, total_volume):
    """Volume, cut and conductance of every prefix ``order[:k+1]`` of a sweep.

    Adding ``u`` to the prefix ``S`` turns its edges into ``S`` from cut into inside
    edges and its other edges (a self-loop excepted) into cut edges, so each prefix
    costs ``deg(u)``: the whole sweep is linear in the volume of the support, not
    quadratic. ``rank`` is an n-sized scratch array of zeros (int64, or float64 when
    the caller lends a zeroed work array that is already in cache); it is zero again
    on return. Conductance is ``cut / min(vol, total_volume - vol)``, and 1 where
    that minimum is 0 (an empty, isolated or whole set separates nothing).
    """
    size = order.shape[0]
    volume = np.empty(size)
    cut = np.empty(size)
    conductance = np.empty(size)
    running_volume = 0.0
    running_cut = 0.0
    for k in range(size):
        node = order[k]
        rank[node] = k + 1
        inside = 0.0
        loop = 0.0
        for p in range(indptr[node], indptr[node + 1]):
            target = indices[p]
            weight = weights[p] if weighted else 1.0
            if target == node:
                loop += weight
            elif rank[target] > 0:
                inside += weight
        degree = _degree(indptr, weighted, out_weight, node)
        running_volume += degree
        running_cut += degree - loop - 2.0 * inside
        # Float sums of weights can dip a hair below zero when a prefix closes a component.
        running_cut = max(running_cut, 0.0)
        volume[k] = running_volume
        cut[k] = running_cut
        denominator = min(running_volume, total_volume - running_volume)
        conductance[k] = running_cut / denominator if denominator > 0 else 1.0
    for k in range(size):
        rank[order[k]] = 0
    return volume, cut, conductance


@njit(cache=True, nogil=True)
def heat_kernel_push(
    indptr,
    indices,
    weights,
    weighted,
    out_weight,
    seed_nodes,
    seed_mass,
    t,
    eps,
    psi,
    x,
    current,
    following,
    touched,
    listed,
    next_listed,
):
    """hk-relax (Kloster & Gleich, KDD 2014): ``x ≈ Σ_{k≤N} tᵏ/k! Pᵏ s``, ``N = len(psi) - 1``.

    ``P = A D⁻¹`` is the random walk (by weight); a node without edges keeps its
    mass. The residual of Taylor term ``j`` at ``v`` is pushed when it reaches
    ``eᵗ · eps · d(v) / (2N ψ_j(t))``: ``x[v]`` takes it and each neighbour ``u``
    gets ``t/(j+1) · r · w(v,u)/d(v)`` in term ``j+1`` (into ``x`` directly at the
    last term). Term ``j+1`` only receives mass from term ``j``, so the terms are
    done one after the other, each over the list of nodes holding its residual;
    what is left below the thresholds bounds the error by ``eps/2`` in
    ``‖D⁻¹(eᵗh − x)‖∞ / eᵗ``.

    ``x``, ``current`` and ``following`` are n-sized float64 arrays of zeros (the two
    residual terms come back zeroed); ``touched`` (n int64) receives the support of
    ``x``; ``listed`` and ``next_listed`` are n-sized int64 work lists (any content).
    Returns ``(pushes, n_touched)``.
    """
    last = psi.shape[0] - 1
    scale = np.exp(t) * eps / (2.0 * last)
    n_listed = 0
    for k in range(seed_nodes.shape[0]):
        current[seed_nodes[k]] += seed_mass[k]
        listed[n_listed] = seed_nodes[k]
        n_listed += 1
    n_touched = 0
    pushes = 0
    for j in range(last):
        threshold = scale / psi[j]
        n_next = 0
        share_scale = t / (j + 1)
        for k in range(n_listed):
            node = listed[k]
            mass = current[node]
            current[node] = 0.0
            degree = _degree(indptr, weighted, out_weight, node)
            if mass < threshold * (degree if degree > 0 else 1.0):
                continue
            pushes += 1
            if x[node] == 0.0:
                touched[n_touched] = node
                n_touched += 1
            x[node] += mass
            start = indptr[node]
            stop = indptr[node + 1]
            spread = share_scale * mass
            if stop == start or degree <= 0:
                # No edges: the walk stays put, so the mass moves to the next term here.
                target = node
                if j + 1 == last:
                    x[target] += spread
                else:
                    if following[target] == 0.0:
                        next_listed[n_next] = target
                        n_next += 1
                    following[target] += spread
                continue
            spread /= degree
            for p in range(start, stop):
                target = indices[p]
                share = spread * (weights[p] if weighted else 1.0)
                if share <= 0.0:
                    continue
                if j + 1 == last:
                    if x[target] == 0.0:
                        touched[n_touched] = target
                        n_touched += 1
                    x[target] += share
                else:
                    if following[target] == 0.0:
                        next_listed[n_next] = target
                        n_next += 1
                    following[target] += share
        listed, next_listed = next_listed, listed
        current, following = following, current
        n_listed = n_next
    for k in range(n_listed):
        current[listed[k]] = 0.0
    return pushes, n_touched


@njit(cache=True, nogil=True)
def ppr_cluster(
    indptr,
    indices,
    weights,
    weighted,
    out_weight,
    seed_nodes,
    seed_mass,
    alpha,
    eps,
    estimate,
    residual,
    touched,
    total_volume,
):
    """Andersen–Chung–Lang: the shared forward push to ``eps·deg``, then the sweep.

    ``estimate`` and ``residual`` (n float64) are scratch arrays of zeros and
    ``touched`` one of n int64; they are zero again on return (residual mass sits
    only on pushed nodes, their neighbours and the seeds, so clearing it costs the
    support's volume). Returns what :func:`sort_and_sweep` returns, then
    ``pushes``.
    """
    for k in range(seed_nodes.shape[0]):
        residual[seed_nodes[k]] += seed_mass[k]
    pushes, n_touched = forward_push(
        indptr,
        indices,
        weights,
        weighted,
        out_weight,
        seed_nodes,
        seed_mass,
        alpha,
        eps,
        estimate,
        residual,
        touched,
    )
    support = touched[:n_touched].copy()
    values = np.empty(n_touched)
    for k in range(n_touched):
        node = support[k]
        values[k] = estimate[node]
        estimate[node] = 0.0
        residual[node] = 0.0
        for p in range(indptr[node], indptr[node + 1]):
            residual[indices[p]] = 0.0
    for k in range(seed_nodes.shape[0]):
        residual[seed_nodes[k]] = 0.0
    # The zeroed residual marks the sweep's prefix: it was just touched on the support
    # and its neighbours, the very entries the sweep reads, so they are in cache.
    order, scores, volume, cut, conductance, best = sort_and_sweep(
        indptr, indices, weights, weighted, out_weight, support, values, 1.0, residual, total_volume
    )
    return order, scores, volume, cut, conductance, best, pushes


@njit(cache=True, nogil=True)
def heat_cluster(
    indptr,
    indices,
    weights,
    weighted,
    out_weight,
    seed_nodes,
    seed_mass,
    t,
    eps,
    psi,
    x,
    current,
    following,
    touched,
    listed,
    next_listed,
    total_volume,
):
    """hk-relax (:func:`heat_kernel_push`), then the sweep over ``e⁻ᵗ·x/deg``.

    Scratch arrays as in :func:`heat_kernel_push`; all come back zeroed. Returns
    what :func:`sort_and_sweep` returns, then ``pushes``.
    """
    pushes, n_touched = heat_kernel_push(
        indptr,
        indices,
        weights,
        weighted,
        out_weight,
        seed_nodes,
        seed_mass,
        t,
        eps,
        psi,
        x,
        current,
        following,
        touched,
        listed,
        next_listed,
    )
    support = touched[:n_touched].copy()
    values = np.empty(n_touched)
    for k in range(n_touched):
        values[k] = x[support[k]]
        x[support[k]] = 0.0
    order, scores, volume, cut, conductance, best = sort_and_sweep(
        indptr,
        indices,
        weights,
        weighted,
        out_weight,
        support,
        values,
        np.exp(-t),
        current,  # zero again, and in cache on the support's neighbourhood
        total_volume,
    )
    return order, scores, volume, cut, conductance, best, pushes


@njit(cache=True, nogil=True)
def sort_and_sweep(
    indptr, indices, weights, weighted, out_weight, support, values, scale, rank, total_volume
):
    """Sort ``support`` by ``scale·value/deg`` (best first, ties by id) and sweep it.

    A node without edges has no degree to normalise by; its raw score stands in.
    Returns ``(order, scores, volume, cut, conductance, best)`` with ``best`` the
    index of the least conductance (0 for an empty support).
    """
    by_id = np.argsort(support)
    support = support[by_id]
    values = values[by_id]
    size = support.shape[0]
    scores = np.empty(size)
    for k in range(size):
        degree = _degree(indptr, weighted, out_weight, support[k])
        scores[k] = values[k] / (degree if degree > 0 else 1.0) * scale
    # A stable sort of the negated scores keeps equal scores in id order.
    by_score = np.argsort(-scores, kind="mergesort")
    order = support[by_score]
    scores = scores[by_score]
    volume, cut, conductance = sweep_profile(
        indptr, indices, weights, weighted, out_weight, order, rank, total_volume
    )
    best = np.argmin(conductance) if size > 0 else 0
    return order, scores, volume, cut, conductance, best


@njit(cache=True, nogil=True)
def mqi_step(indptr, indices, weights, weighted, out_weight, nodes, local, cut, volume):
    """One MQI max flow (Lang & Rao 2004) on the set ``nodes`` (sorted ids): the source
    side of a minimum cut, sorted, or an empty array when no subset beats the set.

    With ``a = cut/volume``, a subset ``T`` has ``cut(T) − a·vol(T) < 0`` exactly
    when the network source → u (capacity ``cut·d(u)``), u — v (``volume·w(u, v)``,
    both ways, for edges inside the set) and u → sink (``volume`` times the weight
    of u's edges leaving the set) has a minimum cut below ``cut·volume``; its
    source side is then such a ``T``. Solved by Dinic's blocking flows on arrays
    sized by the set's volume. ``local`` is an n-sized int64 scratch array of
    zeros; it is zero again on return.
    """
    size = nodes.shape[0]
    for k in range(size):
        local[nodes[k]] = k + 1
    source = size
    sink = size + 1
    n_local = size + 2
    # Arcs: a pair per inner edge (stored once, from its smaller end), and per node a
    # source arc and a sink arc, each with its reverse.
    count = np.zeros(n_local + 1, dtype=np.int64)
    for k in range(size):
        node = nodes[k]
        for p in range(indptr[node], indptr[node + 1]):
            other = local[indices[p]] - 1
            if other > k:
                count[k + 1] += 1
                count[other + 1] += 1
        count[k + 1] += 2
    count[source + 1] = size
    count[sink + 1] = size
    start = np.cumsum(count)
    n_arcs = start[n_local]
    head = np.empty(n_arcs, dtype=np.int64)
    capacity = np.zeros(n_arcs)
    reverse = np.empty(n_arcs, dtype=np.int64)
    fill = start[:n_local].copy()
    largest = 0.0
    for k in range(size):
        node = nodes[k]
        leaving = 0.0
        for p in range(indptr[node], indptr[node + 1]):
            target = indices[p]
            weight = weights[p] if weighted else 1.0
            other = local[target] - 1
            if other < 0:
                leaving += weight
            elif other > k:
                a = fill[k]
                b = fill[other]
                fill[k] += 1
                fill[other] += 1
                head[a] = other
                head[b] = k
                capacity[a] = volume * weight
                capacity[b] = volume * weight
                reverse[a] = b
                reverse[b] = a
                largest = max(largest, volume * weight)
        degree = _degree(indptr, weighted, out_weight, node)
        a = fill[source]
        b = fill[k]
        fill[source] += 1
        fill[k] += 1
        head[a] = k
        head[b] = source
        capacity[a] = cut * degree
        reverse[a] = b
        reverse[b] = a
        a = fill[k]
        b = fill[sink]
        fill[k] += 1
        fill[sink] += 1
        head[a] = sink
        head[b] = k
        capacity[a] = volume * leaving
        reverse[a] = b
        reverse[b] = a
        largest = max(largest, cut * degree, volume * leaving)
    for k in range(size):
        local[nodes[k]] = 0
    # Capacities are integers on unweighted graphs; the tolerance only absorbs the
    # rounding of weighted ones.
    tolerance = 1e-12 * max(largest, 1.0)
    level = np.empty(n_local, dtype=np.int64)
    queue = np.empty(n_local, dtype=np.int64)
    current = np.empty(n_local, dtype=np.int64)
    path = np.empty(n_local, dtype=np.int64)
    while _levels(start, head, capacity, tolerance, source, level, queue) and level[sink] >= 0:
        current[:] = start[:n_local]
        depth = 0
        node = source
        while True:
            if node == sink:
                bottleneck = np.inf
                for d in range(depth):
                    bottleneck = min(bottleneck, capacity[path[d]])
                for d in range(depth):
                    capacity[path[d]] -= bottleneck
                    capacity[reverse[path[d]]] += bottleneck
                depth = 0
                node = source
                continue
            advanced = False
            while current[node] < start[node + 1]:
                arc = current[node]
                target = head[arc]
                if capacity[arc] > tolerance and level[target] == level[node] + 1:
                    path[depth] = arc
                    depth += 1
                    node = target
                    advanced = True
                    break
                current[node] += 1
            if advanced:
                continue
            if node == source:
                break
            level[node] = -1  # a dead end for the rest of this phase
            depth -= 1
            node = head[reverse[path[depth]]]
            current[node] += 1
    # The source side: what the source still reaches (the last search's levels).
    side = 0
    for k in range(size):
        if level[k] >= 0:
            side += 1
    found = np.empty(side, dtype=np.int64)
    side = 0
    for k in range(size):
        if level[k] >= 0:
            found[side] = nodes[k]
            side += 1
    return found


@njit(inline="always")
def _levels(start, head, capacity, tolerance, source, level, queue):
    """Breadth-first levels from ``source`` over arcs with capacity left; always True."""
    level[:] = -1
    level[source] = 0
    queue[0] = source
    first = 0
    last = 1
    while first < last:
        node = queue[first]
        first += 1
        for arc in range(start[node], start[node + 1]):
            target = head[arc]
            if level[target] < 0 and capacity[arc] > tolerance:
                level[target] = level[node] + 1
                queue[last] = target
                last += 1
    return True
