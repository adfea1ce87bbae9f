"""What :func:`engine.fastrp` will cost, before it runs: seconds, bytes, threads.

Examples
--------
>>> import engine
>>> g = engine.sample("karate")
>>> fastrp_memory(g, dim=128) >= 2 * 34 * 128 * 4  # two n x dim float32 matrices
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from loaders import Graph

__all__ = ["fastrp_memory"]


# Narrowest column block of FastRP's in-place propagation (engine.embed._MIN_BLOCK).
_FASTRP_MIN_BLOCK = 16


def fastrp_memory(
    g: Graph,
    dim: int = 128,
    iteration_weights: Sequence[float] = (0.0, 1.0, 1.0),
    self_influence: float = 0.0,
    *,
    density: float | None = None,
    n_features: int = 0,
    feature_dim: int = 0,
    block_width: int | None = None,
    client=None,
) -> int:
    """Peak bytes of :func:`engine.fastrp` with these parameters, above the graph.

    Two float32 ``n × dim`` matrices (the output and one working buffer; on the
    GPU, the host's copy of ``N_0`` and of the result), plus a scratch block
    when a middle step must propagate in place, the degree scaling (about
    40 bytes per node), the sparse projection's sampling (about 48 bytes per
    non-zero) and projected features. With a Dask ``client`` the caller holds
    five: ``N_0``, the sum, the previous step and the next one with its blocks.

    Parameters
    ----------
    g : Graph
    dim, iteration_weights, self_influence, density, block_width, client
        As for :func:`engine.fastrp`.
    n_features : int
        Columns of the feature matrix, when features are given.
    feature_dim : int
        Dimensions given to the features (``round(feature_ratio · dim)``).

    Returns
    -------
    int
        Bytes.

    Examples
    --------
    >>> import engine
    >>> g = engine.sample("karate")
    >>> fastrp_memory(g, dim=1024) > fastrp_memory(g, dim=128)
    True
    """
    n, dim = int(g.n_nodes), int(dim)
    matrix = 4 * n * dim
    held = 5 if client is not None else 2
    if client is None and _fastrp_propagates_in_place(list(iteration_weights), self_influence):
        width = block_width or _fastrp_block_width(g, n, dim)
        held_bytes = held * matrix + 4 * n * min(int(width), dim)
    else:
        held_bytes = held * matrix
    per_node = 40 * n + (8 * (g.nnz + 1) if g.weights is not None else 0)
    random_dim = dim - int(feature_dim)
    density = 1.0 / math.sqrt(max(n, 1)) if density is None else float(density)
    total = n * random_dim
    # numpy's choice without replacement shuffles the whole range when it samples
    # more than a fiftieth of it (or the range is small), else keeps a hash set.
    sampled = total * density
    projection = 8 * total if total <= 10_000 or sampled > total / 50 else 48 * sampled
    features = 4 * n * (int(n_features) + int(feature_dim))
    return int(held_bytes + per_node + projection + features)


def _fastrp_propagates_in_place(weights: list[float], self_influence: float) -> bool:
    """Whether :func:`engine.embed._propagate_cpu` needs its scratch block: a middle
    step that comes after the embedding stopped being a multiple of ``N_k``."""
    lazy = not self_influence  # the sum is still a multiple of N_k
    scale = 0.0
    for step, weight in enumerate(weights, start=1):
        if step == len(weights):
            return False
        if not lazy:
            return True
        if scale == 0.0:
            scale = weight
        else:
            lazy = False
    return False


def _fastrp_block_width(g: Graph, n: int, dim: int) -> int:
    graph_bytes = (
        g.indptr.nbytes + g.indices.nbytes + (0 if g.weights is None else g.weights.nbytes)
    )
    fits = graph_bytes // max(4 * n, 1)
    return int(max(_FASTRP_MIN_BLOCK, min(dim, fits // _FASTRP_MIN_BLOCK * _FASTRP_MIN_BLOCK)))
