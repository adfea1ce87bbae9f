"""Probabilistic summaries over raw arrays (random projections, MinHash signatures, LSH).

A leaf package: it takes raw arrays (``indptr``/``indices``, feature matrices),
never a Graph, and imports neither ``loaders`` nor ``engine``.
"""

import checks.numba_cache  # noqa: F401  (keys the kernels' Numba cache; before any kernel)
from sketches.lsh import MinHashLSH, datasketch_banding, recall_banding
from sketches.minhash import estimated_jaccard, lean_minhash, minhash_signatures
from sketches.random_projection import SparseProjection, very_sparse_random_projection

__all__ = [
    "MinHashLSH",
    "SparseProjection",
    "datasketch_banding",
    "estimated_jaccard",
    "lean_minhash",
    "minhash_signatures",
    "recall_banding",
    "very_sparse_random_projection",
]
