"""Diffusion kernels: hk-relax, and each diffusion fused with its sort and sweep.

The PPR diffusion itself is the shared forward push of :mod:`engine.pagerank.push_kernels`,
called from inside :func:`ppr_sweep`; :func:`heat_sweep` runs hk-relax
(:func:`heat_kernel_push`). Each then sorts the support by degree-normalised score
and sweeps it (:func:`engine.conductance_kernels.sort_and_sweep`), so a local
cluster costs one trip from Python into compiled code (the trips, not the
arithmetic, were half the time of a 1 ms cluster). Every kernel takes raw CSR
arrays and does work proportional to the part of the graph it touches: the
n-sized scratch arrays are allocated zeroed once per graph and thread by the
caller and left zeroed again on return, so no call costs O(n).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from engine.conductance_kernels import node_degree, sort_and_sweep
from engine.pagerank.push_kernels import forward_push


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
            degree = node_degree(indptr, weighted, out_weight, node)
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
def ppr_sweep(
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
def heat_sweep(
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
