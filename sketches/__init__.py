"""Probabilistic summaries over raw arrays (random projections, MinHash signatures, LSH).

A leaf package: it takes raw arrays (``indptr``/``indices``, feature matrices),
never a Graph, and imports neither ``loaders`` nor ``engine``.
"""

from sketches.random_projection import SparseProjection, very_sparse_random_projection

__all__ = ["SparseProjection", "very_sparse_random_projection"]
