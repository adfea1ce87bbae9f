"""Probabilistic summaries over CSR arrays (MinHash signatures, LSH, random projections).

A leaf package: it takes raw ``indptr``/``indices`` arrays, never a Graph, and
imports neither ``loaders`` nor ``engine``. Its sketches arrive with the
engine issues that use them.
"""
