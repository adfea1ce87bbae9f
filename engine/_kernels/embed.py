"""FastRP kernels: sparse × dense propagation over a column block, and row normalisation.

The graph comes as one :class:`~engine._kernels.csr.CSR` (``csr``): row ``i``
sums its out-neighbours' rows, by edge weight when the graph has weights.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from checks.twins import serial_and_parallel
from engine._kernels.csr import is_weighted


@serial_and_parallel
def propagate_columns(csr, source, col_start, col_stop, out):
    """``out[i] = Σ_p w_p · source[indices[p], col_start:col_stop]`` over row ``i`` of the CSR.

    Rows are independent, so each thread owns whole rows and the sum runs in a
    fixed order: the result does not depend on the number of threads.
    """
    width = col_stop - col_start
    weighted = is_weighted(csr)
    for row in prange(csr.indptr.shape[0] - 1):
        acc = out[row]
        for c in range(width):
            acc[c] = 0.0
        for p in range(csr.indptr[row], csr.indptr[row + 1]):
            # Sliced in one step: ``source[i, a:b]`` keeps the row contiguous for Numba.
            neighbour = source[csr.indices[p], col_start:col_stop]
            w = csr.weights[p] if weighted else np.float32(1.0)
            for c in range(width):
                acc[c] += w * neighbour[c]


@serial_and_parallel
def copy_columns(block, target, col_start):
    """``target[:, col_start:col_start + width] = block`` on both cores."""
    width = block.shape[1]
    for row in prange(block.shape[0]):
        for c in range(width):
            target[row, col_start + c] = block[row, c]


@serial_and_parallel
def normalize_and_accumulate(matrix, embedding, weight, in_place):
    """``embedding += weight · normalize(matrix)``, normalising each row to unit L2 norm.

    With ``in_place`` the normalised rows are also written back to ``matrix``.
    All-zero rows stay zero.
    """
    dim = matrix.shape[1]
    for row in prange(matrix.shape[0]):
        values = matrix[row]
        norm = 0.0
        for c in range(dim):
            norm += values[c] * values[c]
        scale = np.float32(1.0 / np.sqrt(norm)) if norm > 0.0 else np.float32(0.0)
        if in_place:
            for c in range(dim):
                values[c] *= scale
            scale = np.float32(1.0)
        if weight != 0.0:
            target = embedding[row]
            factor = weight * scale
            for c in range(dim):
                target[c] += factor * values[c]


@serial_and_parallel
def propagate_normalize_accumulate(csr, source, embedding, weight):
    """``embedding[i] += weight · normalize(Σ_p w_p · source[indices[p]])`` for every row ``i``.

    The last FastRP step, fused: each row of the product lives only in a
    per-thread scratch vector, so the step needs no n × dim buffer of its own.
    """
    n_rows = csr.indptr.shape[0] - 1
    dim = source.shape[1]
    n_chunks = min(n_rows, 256)
    for chunk in prange(n_chunks):
        acc = np.empty(dim, dtype=np.float32)
        for row in range(chunk * n_rows // n_chunks, (chunk + 1) * n_rows // n_chunks):
            norm = _gather_row(csr, source, row, acc)
            if norm > 0.0:
                factor = np.float32(weight / np.sqrt(norm))
                target = embedding[row]
                for c in range(dim):
                    target[c] += factor * acc[c]


@serial_and_parallel
def scale_and_add(target, target_scale, other, other_scale):
    """``target = target_scale · target + other_scale · other`` in place."""
    dim = target.shape[1]
    for row in prange(target.shape[0]):
        for c in range(dim):
            target[row, c] = target_scale * target[row, c] + other_scale * other[row, c]


@serial_and_parallel
def propagate_normalize(csr, source, out):
    """``out[i] = normalize(Σ_p w_p · source[indices[p]])``: a full step, normalised while hot."""
    dim = source.shape[1]
    for row in prange(csr.indptr.shape[0] - 1):
        acc = out[row]
        norm = _gather_row(csr, source, row, acc)
        if norm > 0.0:
            scale = np.float32(1.0 / np.sqrt(norm))
            for c in range(dim):
                acc[c] *= scale


@njit(inline="always")
def _gather_row(csr, source, row, acc):
    """``acc = Σ_p w_p · source[indices[p]]`` over CSR row ``row``; returns ``‖acc‖²``."""
    dim = acc.shape[0]
    weighted = is_weighted(csr)
    for c in range(dim):
        acc[c] = 0.0
    for p in range(csr.indptr[row], csr.indptr[row + 1]):
        neighbour = source[csr.indices[p]]
        w = csr.weights[p] if weighted else np.float32(1.0)
        for c in range(dim):
            acc[c] += w * neighbour[c]
    norm = 0.0
    for c in range(dim):
        norm += acc[c] * acc[c]
    return norm
