"""Exact Personalized PageRank by power iteration, the reference the estimates are
held to: ``x ← α·s + (1−α)·(Pᵀx + dangling(x)·s)``, one sparse product per step,
float64, to an L1 tolerance. A block of sources shares each sparse product."""

from __future__ import annotations

import numpy as np

from engine.pagerank.common_kernels import top_scores
from loaders import Graph


def _transition_parts(g: Graph):
    """``(Aᵀ, 1/out-weight or 0, dangling mask)``; an undirected A is its own transpose."""
    adjacency = g.to_scipy()
    out_weight = g.degree(weighted=True).astype(np.float64)
    inverse = np.zeros_like(out_weight)
    np.divide(1.0, out_weight, out=inverse, where=out_weight > 0)
    transposed = adjacency if not g.directed else adjacency.T.tocsr()
    return transposed, inverse, out_weight == 0


def power_iteration(
    g: Graph,
    seed_nodes: np.ndarray,
    seed_mass: np.ndarray,
    alpha: float,
    *,
    tol: float = 1e-10,
    max_iter: int = 10_000,
) -> np.ndarray:
    """Exact PPR by power iteration: ``x ← α·s + (1−α)·(Pᵀx + dangling(x)·s)``."""
    s = np.zeros(g.n_nodes)
    s[seed_nodes] = seed_mass
    return _iterate(g, s[:, None], alpha, tol, max_iter)[:, 0]


def block_power_iteration(
    g: Graph, sources: np.ndarray, alpha: float, *, tol: float = 1e-10, max_iter: int = 10_000
) -> np.ndarray:
    """Exact single-source PPR of several sources at once (n × len(sources))."""
    s = np.zeros((g.n_nodes, len(sources)))
    s[sources, np.arange(len(sources))] = 1.0
    return _iterate(g, s, alpha, tol, max_iter)


def _iterate(g: Graph, s: np.ndarray, alpha: float, tol: float, max_iter: int) -> np.ndarray:
    transposed, inverse, dangling = _transition_parts(g)
    x = s.copy()
    for _ in range(max_iter):
        spread = transposed @ (x * inverse[:, None])
        lost = x[dangling].sum(axis=0)
        new = alpha * s + (1.0 - alpha) * (spread + s * lost)
        change = np.abs(new - x).sum(axis=0).max()
        x = new
        if change < tol:
            return x
    raise RuntimeError(f"power iteration did not reach tol={tol} in {max_iter} iterations")


def exact_batch(
    g: Graph, ids, alpha: float, top_k: int, block_size: int, progress, tol: float
) -> list:
    """Top-``k`` ``(node ids, scores)`` of single sources by block power iteration,
    ``block_size`` sources per sparse product."""
    tops = []
    for start in range(0, len(ids), block_size):
        block = ids[start : start + block_size]
        scores = block_power_iteration(g, block, alpha, tol=tol)
        for column in range(len(block)):
            tops.append(top_scores(np.ascontiguousarray(scores[:, column]), top_k))
        if progress is not None:
            progress(min(start + block_size, len(ids)), len(ids), "exact")
    return tops
