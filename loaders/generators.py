"""Seeded random graph generators for samples, tests and benchmarks (vectorised NumPy)."""

from __future__ import annotations

import numpy as np

from checks import check_positive_int, check_probability, check_seed
from loaders.graph import Graph


def rmat(
    scale: int,
    edge_factor: int = 16,
    *,
    a: float = 0.57,
    b: float = 0.19,
    c: float = 0.19,
    seed: int | None = None,
    directed: bool = False,
    as_arrays: bool = False,
):
    """An R-MAT graph with ``2**scale`` node ids and ``edge_factor * 2**scale`` edge draws.

    Each edge picks one quadrant of the adjacency matrix per bit of the node ids,
    with probabilities ``a, b, c, 1-a-b-c`` (the Graph500 defaults), giving the
    skewed degrees of real networks. Repeated draws merge and self-loops are
    dropped, so the graph has somewhat fewer edges than draws; node ids are
    then shuffled so that degree does not follow id.

    Parameters
    ----------
    scale : int
        log2 of the number of node ids.
    edge_factor : int
        Edge draws per node id.
    a, b, c : float
        Quadrant probabilities (top-left, top-right, bottom-left).
    seed : int, optional
    directed : bool
    as_arrays : bool
        Return the raw ``(src, dst)`` draws instead of a Graph (for writing files).

    References
    ----------
    D. Chakrabarti, Y. Zhan, C. Faloutsos, "R-MAT: A Recursive Model for Graph
    Mining", SDM 2004.

    Examples
    --------
    >>> g = rmat(10, 8, seed=1)
    >>> g.n_nodes <= 1024 and g.n_edges <= 8 * 1024
    True
    """
    scale = check_positive_int("scale", scale)
    edge_factor = check_positive_int("edge_factor", edge_factor)
    d = 1.0 - a - b - c
    if min(a, b, c, d) < 0:
        raise ValueError(f"a, b, c must be >= 0 with a + b + c <= 1; got {a}, {b}, {c}")
    rng = np.random.default_rng(check_seed(seed))
    n_draws = edge_factor << scale
    src = np.zeros(n_draws, dtype=np.int64)
    dst = np.zeros(n_draws, dtype=np.int64)
    for bit in range(scale):
        draw = rng.random(n_draws, dtype=np.float32)
        right = (draw >= a) & (draw < a + b) | (draw >= a + b + c)
        down = draw >= a + b
        src |= down.astype(np.int64) << bit
        dst |= right.astype(np.int64) << bit
    shuffle = rng.permutation(1 << scale)
    src, dst = shuffle[src], shuffle[dst]
    if as_arrays:
        return src, dst
    return Graph.from_edges(
        src, dst, directed=directed, self_loops="drop", name=f"rmat-{scale}-{edge_factor}"
    )


def planted_partition(
    block_sizes, p_in: float, p_out: float, *, seed: int | None = None, name: str | None = None
) -> Graph:
    """A stochastic block model with one probability inside blocks and one between.

    Every pair of distinct nodes is joined independently, with probability
    ``p_in`` when both lie in the same block and ``p_out`` otherwise. The block
    of each node is kept as the attribute ``community``.

    Parameters
    ----------
    block_sizes : sequence of int
    p_in, p_out : float in [0, 1]
    seed : int, optional
    name : str, optional

    References
    ----------
    P. W. Holland, K. B. Laskey, S. Leinhardt, "Stochastic blockmodels: First
    steps", Social Networks 5 (1983); A. Condon, R. M. Karp, "Algorithms for
    graph partitioning on the planted partition model", RSA 18 (2001).

    Examples
    --------
    >>> g = planted_partition([50, 50], 0.2, 0.01, seed=0)
    >>> g.n_nodes, sorted(set(g.attributes["community"].tolist()))
    (100, [0, 1])
    """
    sizes = np.asarray([check_positive_int("block size", int(s)) for s in block_sizes])
    p_in = check_probability("p_in", p_in)
    p_out = check_probability("p_out", p_out)
    rng = np.random.default_rng(check_seed(seed))
    starts = np.concatenate([[0], np.cumsum(sizes)])
    sources, targets = [], []
    for i, size_i in enumerate(sizes):
        for j in range(i, len(sizes)):
            if i == j:
                u, v = _sample_pairs_within(size_i, p_in, rng)
            else:
                u, v = _sample_pairs_between(size_i, sizes[j], p_out, rng)
            sources.append(u + starts[i])
            targets.append(v + starts[j])
    n_nodes = int(starts[-1])
    graph = Graph.from_edges(
        np.concatenate(sources),
        np.concatenate(targets),
        n_nodes=n_nodes,
        name=name or "planted-partition",
    )
    return graph.with_attributes(community=np.repeat(np.arange(len(sizes)), sizes))


def _sample_pairs_between(rows: int, cols: int, p: float, rng: np.random.Generator):
    count = rng.binomial(rows * cols, p)
    flat = rng.choice(rows * cols, size=count, replace=False)
    return flat // cols, flat % cols


def _sample_pairs_within(size: int, p: float, rng: np.random.Generator):
    """``Binomial(size*(size-1)/2, p)`` distinct unordered pairs, as (u < v) arrays."""
    count = rng.binomial(size * (size - 1) // 2, p)
    # Sample among ordered pairs and keep u < v; top up until enough distinct pairs remain.
    keys = np.empty(0, dtype=np.int64)
    while keys.size < count:
        flat = rng.choice(size * size, size=2 * (count - keys.size) + 16, replace=False)
        u, v = flat // size, flat % size
        keys = np.unique(np.concatenate([keys, (u * size + v)[u < v]]))
    keys = rng.permutation(keys)[:count]
    return keys // size, keys % size
