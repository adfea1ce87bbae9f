"""The adjacency as kernels take it: one argument, not three to five.

A kernel reads ``csr.indptr``, ``csr.indices``, ``csr.weights`` and
``csr.strength`` from one :class:`CSR` instead of taking them as separate
positional arguments, so a call names what it passes (``csr, seeds, alpha``)
and a new field reaches every kernel without touching their signatures.
Numba types a NamedTuple of arrays by its fields' dtypes, so a CSR with int32
ids and one with int64 ids compile to separate, cached specialisations, as
separate arguments did.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from engine.per_graph import derived
from loaders import Graph


class CSR(NamedTuple):
    """A graph's out-neighbour rows, read-only, for Numba kernels.

    Attributes
    ----------
    indptr : int64 (n + 1,)
        Row ``v`` is ``indices[indptr[v]:indptr[v + 1]]``.
    indices : uint32 or int64 (nnz,)
        Neighbour ids. int32 ids are viewed as uint32 (free: ids are never
        negative) so that gathers skip Numba's negative-index wrap (1.2-1.7x
        faster on the BA graphs of ``benchmarks/ppr.py``); int64 ids stay
        signed, as Numba would unify uint64 with int64 ids as floats.
    weights : float32 (nnz,), or empty when the graph is unweighted
    strength : float64 (n,), or empty when unweighted
        Each node's total out-weight (its weighted out-degree).
    """

    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    strength: np.ndarray


def csr_of(g: Graph) -> CSR:
    """The :class:`CSR` of ``g``, built once per graph (the strength is O(m) to sum).

    >>> from loaders import sample
    >>> csr = csr_of(sample("karate"))
    >>> csr.indices.dtype.name, csr.weights.shape, int(csr.indptr[-1])
    ('uint32', (0,), 156)
    """
    return derived("csr", g, _build)


def _build(g: Graph) -> CSR:
    indices = g.indices.view(np.uint32) if g.indices.dtype == np.int32 else g.indices
    if g.weights is None:
        return CSR(g.indptr, indices, np.empty(0, np.float32), np.empty(0, np.float64))
    return CSR(g.indptr, indices, g.weights, g.degree(weighted=True).astype(np.float64))


@njit(inline="always")
def is_weighted(csr) -> bool:
    """Whether the kernel should read ``csr.weights`` (an edgeless graph reads as unweighted)."""
    return csr.weights.shape[0] > 0


@njit(inline="always")
def out_degree(csr, node):
    return csr.indptr[node + 1] - csr.indptr[node]
