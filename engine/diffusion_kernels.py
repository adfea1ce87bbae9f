"""Diffusion kernels: hk-relax, and each diffusion fused with its sort and sweep.

The PPR diffusion itself is the shared forward push
(:func:`engine.pagerank.push_kernels.forward_push`), called from inside
:func:`ppr_sweep`; :func:`heat_sweep` runs hk-relax (:func:`heat_kernel_push`).
Each then sorts the support by degree-normalised score and sweeps it
(:func:`engine.conductance_kernels.sort_and_sweep`), so a local cluster costs one
trip from Python into compiled code (the trips, not the arithmetic, were half the
time of a 1 ms cluster). Every kernel takes the graph as one
:class:`engine._kernels.csr.CSR` and its work arrays as one
:class:`engine.local_view.Scratch`, and does work proportional to the part of the
graph it touches: the n-sized scratch arrays are allocated zeroed once per graph
and thread by the caller and left zeroed again on return, so no call costs O(n).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from engine._kernels.csr import is_weighted
from engine.conductance_kernels import edge_weight, node_degree, sort_and_sweep
from engine.pagerank.push_kernels import forward_push


@njit(cache=True, nogil=True)
def heat_kernel_push(csr, seed_nodes, seed_mass, t, eps, psi, scratch):
    """hk-relax (Kloster & Gleich, KDD 2014): ``x ≈ Σ_{k≤N} tᵏ/k! Pᵏ s``, ``N = len(psi) - 1``.

    ``P = A D⁻¹`` is the random walk (by weight); a node without edges keeps its
    mass. The residual of Taylor term ``j`` at ``v`` is pushed when it reaches
    ``eᵗ · eps · d(v) / (2N ψ_j(t))``: ``x[v]`` takes it and each neighbour ``u``
    gets ``t/(j+1) · r · w(v,u)/d(v)`` in term ``j+1`` (into ``x`` directly at the
    last term). Term ``j+1`` only receives mass from term ``j``, so the terms are
    done one after the other, each over the list of nodes holding its residual;
    what is left below the thresholds bounds the error by ``eps/2`` in
    ``‖D⁻¹(eᵗh − x)‖∞ / eᵗ``.

    ``x`` is ``scratch.estimate``; ``scratch.residual`` and ``scratch.spare`` hold
    the two residual terms in turn and come back zeroed; ``scratch.touched``
    receives the support of ``x``; ``scratch.listed`` and ``scratch.next_listed``
    are the work lists. Returns ``(pushes, n_touched)``.
    """
    x = scratch.estimate
    current = scratch.residual
    following = scratch.spare
    touched = scratch.touched
    listed = scratch.listed
    next_listed = scratch.next_listed
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
        last_term = j + 1 == last
        for k in range(n_listed):
            node = listed[k]
            mass = current[node]
            current[node] = 0.0
            degree = node_degree(csr, node)
            if mass < threshold * (degree if degree > 0 else 1.0):
                continue
            pushes += 1
            if x[node] == 0.0:
                touched[n_touched] = node
                n_touched += 1
            x[node] += mass
            start = csr.indptr[node]
            stop = csr.indptr[node + 1]
            spread = share_scale * mass
            # Without edges the walk stays put: the mass moves to the next term here,
            # as if along one edge to the node itself.
            stays = stop == start or degree <= 0
            if stays:
                stop = start + 1
            else:
                spread /= degree
            for p in range(start, stop):
                if stays:
                    target = node
                    share = spread
                else:
                    target = csr.indices[p]
                    share = spread * edge_weight(csr, p)
                    if share <= 0.0:
                        continue
                if last_term:
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
def ppr_sweep(csr, seed_nodes, seed_mass, alpha, eps, scratch, total_volume, min_size):
    """Andersen–Chung–Lang: the shared forward push to ``eps·deg``, then the sweep.

    :func:`ppr_rung` from nothing, then :func:`ppr_clear`: the scratch arrays come
    back zeroed. Returns what :func:`sort_and_sweep` returns, then ``pushes``.
    """
    order, scores, volume, cut, conductance, best, pushes, n_touched = ppr_rung(
        csr, seed_nodes, seed_mass, alpha, eps, scratch, total_volume, min_size, 0
    )
    ppr_clear(csr, seed_nodes, scratch, n_touched)
    return order, scores, volume, cut, conductance, best, pushes


@njit(cache=True, nogil=True)
def ppr_rung(csr, seed_nodes, seed_mass, alpha, eps, scratch, total_volume, min_size, n_touched):
    """One rung of the ACL climb: push to ``eps·deg`` and sweep the support, leaving
    the push's state in ``scratch`` for the next, smaller ``eps``.

    With ``n_touched == 0`` the push starts from the seeds (``scratch.estimate``
    and ``scratch.residual`` zero); otherwise it resumes from the estimate and
    residual the previous rung left, whose support is ``scratch.touched[:n_touched]``,
    so the climb pays for each rung's extra accuracy only. The sweep marks its
    prefix in ``scratch.rank`` (zero again on return). Call :func:`ppr_clear` with
    the returned ``n_touched`` when done. Returns what :func:`sort_and_sweep`
    returns, then ``pushes`` (of this rung) and ``n_touched``.
    """
    if n_touched == 0:
        for k in range(seed_nodes.shape[0]):
            scratch.residual[seed_nodes[k]] += seed_mass[k]
    # The arrays form of the push builds its seed bundle inside compiled code: built
    # in Python, it cost 5 us a call (a quarter of a cluster on a small graph).
    pushes, n_touched = forward_push(
        csr.indptr,
        csr.indices,
        csr.weights,
        is_weighted(csr),
        csr.strength,
        seed_nodes,
        seed_mass,
        alpha,
        eps,
        scratch.estimate,
        scratch.residual,
        scratch.touched,
        n_touched,
    )
    support = scratch.touched[:n_touched].copy()
    values = np.empty(n_touched)
    for k in range(n_touched):
        values[k] = scratch.estimate[support[k]]
    order, scores, volume, cut, conductance, best = sort_and_sweep(
        csr, support, values, 1.0, scratch.rank, total_volume, min_size, seed_nodes
    )
    return order, scores, volume, cut, conductance, best, pushes, n_touched


@njit(cache=True, nogil=True)
def ppr_clear(csr, seed_nodes, scratch, n_touched):
    """Zero what :func:`ppr_rung` left: the estimate on the support, the residual on
    the support, its neighbours and the seeds (the only places a push puts mass),
    so clearing costs the support's volume, not n."""
    for k in range(n_touched):
        node = scratch.touched[k]
        scratch.estimate[node] = 0.0
        scratch.residual[node] = 0.0
        for p in range(csr.indptr[node], csr.indptr[node + 1]):
            scratch.residual[csr.indices[p]] = 0.0
    for k in range(seed_nodes.shape[0]):
        scratch.residual[seed_nodes[k]] = 0.0


@njit(cache=True, nogil=True)
def heat_sweep(csr, seed_nodes, seed_mass, t, eps, psi, scratch, total_volume, min_size):
    """hk-relax (:func:`heat_kernel_push`), then the sweep over ``e⁻ᵗ·x/deg``.

    Scratch arrays as in :func:`heat_kernel_push`; all come back zeroed. Returns
    what :func:`sort_and_sweep` returns, then ``pushes``.
    """
    pushes, n_touched = heat_kernel_push(csr, seed_nodes, seed_mass, t, eps, psi, scratch)
    support, values = _take_support(scratch.estimate, scratch.touched, n_touched)
    # The residual is zero again, and in cache on the support's neighbourhood.
    order, scores, volume, cut, conductance, best = sort_and_sweep(
        csr, support, values, np.exp(-t), scratch.residual, total_volume, min_size, seed_nodes
    )
    return order, scores, volume, cut, conductance, best, pushes


@njit(inline="always")
def _take_support(x, touched, n_touched):
    """``(support, values)``: the first ``n_touched`` ids of ``touched`` and their
    values in ``x``, which is zeroed there (zero everywhere again)."""
    support = touched[:n_touched].copy()
    values = np.empty(n_touched)
    for k in range(n_touched):
        values[k] = x[support[k]]
        x[support[k]] = 0.0
    return support, values
