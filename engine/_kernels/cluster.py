"""Local clustering kernels: the sweep over a diffusion's support, and hk-relax.

The PPR diffusion itself is the shared forward push of :mod:`engine._kernels.ppr`.
Every kernel here takes raw CSR arrays and does work proportional to the part of
the graph it touches: the n-sized scratch arrays are allocated zeroed by the
caller (NumPy's calloc maps pages lazily, so an untouched page costs nothing) and
left zeroed again where the kernel says so.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(inline="always")
def _degree(indptr, weighted, out_weight, node):
    if weighted:
        return out_weight[node]
    return float(indptr[node + 1] - indptr[node])


@njit(cache=True)
def sweep_profile(indptr, indices, weights, weighted, out_weight, order, rank, total_volume):
    """Volume, cut and conductance of every prefix ``order[:k+1]`` of a sweep.

    Adding ``u`` to the prefix ``S`` turns its edges into ``S`` from cut into inside
    edges and its other edges (a self-loop excepted) into cut edges, so each prefix
    costs ``deg(u)``: the whole sweep is linear in the volume of the support, not
    quadratic. ``rank`` is an n-sized int64 scratch array of zeros; it is zero again
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


@njit(cache=True)
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
    ``x``. Returns ``(pushes, n_touched)``.
    """
    n = indptr.shape[0] - 1
    last = psi.shape[0] - 1
    scale = np.exp(t) * eps / (2.0 * last)
    listed = np.empty(n, dtype=np.int64)
    next_listed = np.empty(n, dtype=np.int64)
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
