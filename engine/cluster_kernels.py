"""Clustering's own kernel: one MQI max flow (Lang & Rao 2004), by Dinic's blocking flows.

Takes the graph as one :class:`engine._kernels.csr.CSR` and works on arrays sized
by the set's volume; the n-sized ``local`` scratch array is lent zeroed by the
caller and left zeroed again.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from engine.conductance_kernels import edge_weight, node_degree


@njit(cache=True, nogil=True)
def mqi_step(csr, nodes, local, cut, volume):
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
        for p in range(csr.indptr[node], csr.indptr[node + 1]):
            other = local[csr.indices[p]] - 1
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
        for p in range(csr.indptr[node], csr.indptr[node + 1]):
            weight = edge_weight(csr, p)
            other = local[csr.indices[p]] - 1
            if other < 0:
                leaving += weight
            elif other > k:
                _add_arc_pair(
                    fill, head, capacity, reverse, k, other, volume * weight, volume * weight
                )
                largest = max(largest, volume * weight)
        degree = node_degree(csr, node)
        _add_arc_pair(fill, head, capacity, reverse, source, k, cut * degree, 0.0)
        _add_arc_pair(fill, head, capacity, reverse, k, sink, volume * leaving, 0.0)
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
def _add_arc_pair(fill, head, capacity, reverse, tail, target, forward, backward):
    """Add the arc ``tail → target`` with capacity ``forward`` and its reverse arc with
    ``backward``, each in the next free slot of its tail's range."""
    arc = fill[tail]
    back = fill[target]
    fill[tail] += 1
    fill[target] += 1
    head[arc] = target
    head[back] = tail
    capacity[arc] = forward
    capacity[back] = backward
    reverse[arc] = back
    reverse[back] = arc


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
