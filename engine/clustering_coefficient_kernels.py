"""Numba kernels of :mod:`engine.clustering_coefficient`: the weighted triangle products
and the directed triangle terms networkx's clustering formulas sum."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def weighted_triangle_products(indptr, indices, values, scale, ids, ends, products):
    """networkx's weighted triangles: for each node of ``ids``, each pair ``{j, k}`` of
    its neighbours (self-loops left out) that are adjacent gives the product of the
    three edge weights, each divided by ``scale`` (the largest weight), as networkx
    multiplies them (``w_ij · w_jk · w_ki``). With ``products`` empty, only counts:
    ``ends[t + 1]`` is the end of node ``ids[t]``'s run of products.

    The cube roots are left to NumPy, whose ``cbrt`` networkx calls (Numba's differs in
    the last bit about half the time).
    """
    n = indptr.shape[0] - 1
    slot_of = np.full(n, -1, dtype=np.int64)
    fill = products.shape[0] > 0
    out = 0
    for t in range(ids.shape[0]):
        i = ids[t]
        for p in range(indptr[i], indptr[i + 1]):
            if indices[p] != i:
                slot_of[indices[p]] = p
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            if j == i:
                continue
            w_ij = values[p] / scale
            for q in range(indptr[j], indptr[j + 1]):
                k = indices[q]
                if k <= j or k == i or slot_of[k] < 0:
                    continue
                if fill:
                    products[out] = w_ij * (values[q] / scale) * (values[slot_of[k]] / scale)
                out += 1
        for p in range(indptr[i], indptr[i + 1]):
            slot_of[indices[p]] = -1
        ends[t + 1] = out


@njit(cache=True)
def directed_triangle_terms(out_ptr, out_idx, in_ptr, in_idx, ids, triangles, total, both):
    """networkx's directed clustering terms per node of ``ids`` (self-loops left out):
    ``triangles``: over each predecessor and each successor ``j`` (one that is both
    counts twice), the predecessors and successors of ``j`` among those of the node,
    counted with multiplicity; ``total``: in- plus out-degree; ``both``: reciprocated
    neighbours."""
    n = out_ptr.shape[0] - 1
    pred = np.zeros(n, dtype=np.int64)
    succ = np.zeros(n, dtype=np.int64)
    for t in range(ids.shape[0]):
        i = ids[t]
        for p in range(in_ptr[i], in_ptr[i + 1]):
            if in_idx[p] != i:
                pred[in_idx[p]] = 1
        for p in range(out_ptr[i], out_ptr[i + 1]):
            if out_idx[p] != i:
                succ[out_idx[p]] = 1
        count = 0
        degree = 0
        reciprocated = 0
        for side in range(2):
            ptr, idx = (in_ptr, in_idx) if side == 0 else (out_ptr, out_idx)
            for p in range(ptr[i], ptr[i + 1]):
                j = idx[p]
                if j == i:
                    continue
                degree += 1
                if side == 0 and succ[j] == 1:
                    reciprocated += 1
                for q in range(in_ptr[j], in_ptr[j + 1]):
                    k = in_idx[q]
                    if k != j:
                        count += pred[k] + succ[k]
                for q in range(out_ptr[j], out_ptr[j + 1]):
                    k = out_idx[q]
                    if k != j:
                        count += pred[k] + succ[k]
        for p in range(in_ptr[i], in_ptr[i + 1]):
            pred[in_idx[p]] = 0
        for p in range(out_ptr[i], out_ptr[i + 1]):
            succ[out_idx[p]] = 0
        triangles[t] = count
        total[t] = degree
        both[t] = reciprocated


@njit(cache=True)
def _directed_products(j_ptr, j_idx, j_val, j, w1, pred_w, succ_w, scale, out, products):
    """The products of one neighbour ``j`` of the node over ``j``'s arcs on one side."""
    fill = products.shape[0] > 0
    for q in range(j_ptr[j], j_ptr[j + 1]):
        k = j_idx[q]
        if k == j:
            continue
        w3 = j_val[q] / scale
        for w2 in (pred_w[k], succ_w[k]):
            if not np.isnan(w2):
                if fill:
                    products[out] = w1 * w2 * w3
                out += 1
    return out


@njit(cache=True)
def directed_weighted_products(
    out_ptr, out_idx, out_val, in_ptr, in_idx, in_val, scale, ids, ends, products
):
    """networkx's weighted directed triangles: for each node ``i`` of ``ids``, each
    neighbour ``j`` (predecessor, then successor; self-loops left out) and each
    predecessor or successor ``k ≠ j`` of ``j`` that is also one of ``i``'s, the product
    ``w(i–j) · w(i–k) · w(j–k)``, each weight over ``scale``, the arcs as they run.
    Counts only while ``products`` is empty (see :func:`weighted_triangle_products`).
    """
    n = out_ptr.shape[0] - 1
    pred_w = np.full(n, np.nan)  # w(k, i) / scale, NaN: k is no predecessor of i
    succ_w = np.full(n, np.nan)  # w(i, k) / scale
    out = 0
    for t in range(ids.shape[0]):
        i = ids[t]
        for p in range(in_ptr[i], in_ptr[i + 1]):
            if in_idx[p] != i:
                pred_w[in_idx[p]] = in_val[p] / scale
        for p in range(out_ptr[i], out_ptr[i + 1]):
            if out_idx[p] != i:
                succ_w[out_idx[p]] = out_val[p] / scale
        for side in range(2):  # the predecessors j of i, then its successors
            ptr, idx, val = (in_ptr, in_idx, in_val) if side == 0 else (out_ptr, out_idx, out_val)
            for p in range(ptr[i], ptr[i + 1]):
                j = idx[p]
                if j != i:
                    w1 = val[p] / scale
                    out = _directed_products(
                        in_ptr, in_idx, in_val, j, w1, pred_w, succ_w, scale, out, products
                    )
                    out = _directed_products(
                        out_ptr, out_idx, out_val, j, w1, pred_w, succ_w, scale, out, products
                    )
        for p in range(in_ptr[i], in_ptr[i + 1]):
            pred_w[in_idx[p]] = np.nan
        for p in range(out_ptr[i], out_ptr[i + 1]):
            succ_w[out_idx[p]] = np.nan
        ends[t + 1] = out
