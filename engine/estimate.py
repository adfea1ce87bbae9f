"""Memory estimates of the heavy calls, before they run (as Neo4j GDS's ``estimate`` procedures).

Each function takes the graph and the call's parameters and returns the peak
bytes the call allocates above the graph itself. The heavy calls check their
own estimate against :func:`loaders.memory.memory_limit` (the available
memory, or ``$GWB_MEMORY_LIMIT``) at their top and raise
:class:`~loaders.memory.InsufficientMemoryError` naming the parameter to
lower, before allocating anything.

The counts follow the code (which arrays are alive at the peak); the
constants were checked against tracemalloc and sampled RSS in
``tests/engine/test_estimate.py`` (within 2x, usually within 1.3x).

Examples
--------
>>> import engine
>>> g = engine.sample("karate")
>>> fastrp_memory(g, dim=128) >= 2 * 34 * 128 * 4  # two n x dim float32 matrices
True
>>> orbit_counts_memory(g) >= 34 * 73 * 8
True
>>> ppr_index_memory(g) > 0
True
>>> from loaders.memory import format_bytes
>>> from loaders import planted_partition
>>> g = planted_partition([1000] * 10, 0.01, 0.0005, seed=1)
>>> format_bytes(fastrp_memory(g, dim=256))
'21.1 MiB'
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numba

from checks import check_between
from engine.pagerank.accuracy import INDEX_BALANCE, Accuracy
from engine.pagerank.common import DEFAULT_ALPHA
from engine.pagerank.index import build_memory
from loaders import Graph

__all__ = ["fastrp_memory", "orbit_counts_memory", "ppr_index_memory"]

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


def orbit_counts_memory(g: Graph, graphlet_size: int = 5) -> int:
    """Peak bytes of :func:`engine.orbit_counts` with ``graphlet_size``, above the graph.

    For 5-node graphlets the peak is at the end, when the 15 small orbits, the
    58 five-node ones and the stacked ``n × 73`` result are alive together
    (``8 · n · (15 + 58 + 73)`` bytes), plus the simple graph's derived arrays
    (degrees, the degree-oriented lists, per-edge triangles: about 32 bytes per
    node and 6 per CSR slot; a copy of the CSR for directed graphs or self-loops)
    and the kernels' per-thread work arrays (20 bytes per node and thread, and
    7 int64 arrays per node and thread while counting 4-cliques).

    Examples
    --------
    >>> import engine
    >>> g = engine.sample("karate")
    >>> orbit_counts_memory(g, 5) > orbit_counts_memory(g, 4)
    True
    """
    from engine.graphlets.common import N_NODE_ORBITS, N_NODE_ORBITS_5

    if graphlet_size not in (4, 5) or isinstance(graphlet_size, bool):
        raise ValueError(f"graphlet_size must be 4 or 5; got {graphlet_size!r}")
    n, nnz, workers = int(g.n_nodes), int(g.nnz), numba.get_num_threads()
    index_bytes = g.indices.dtype.itemsize
    simple_copy = 0
    if g.directed:
        # arcs + arcsᵀ as int8 then int32 CSR, up to twice the arcs, then its int64 indptr.
        simple_copy = 2 * nnz * (1 + 4 + index_bytes) + 16 * (n + 1)
    elif g.n_self_loops:
        simple_copy = 8 * (n + 1) + nnz * index_bytes
    derived = 32 * n + nnz * (4 + index_bytes // 2) + simple_copy
    work = 8 * 7 * workers * n
    if graphlet_size == 4:
        return int(8 * n * N_NODE_ORBITS + 8 * workers * n + derived + work)
    five = N_NODE_ORBITS_5 - N_NODE_ORBITS
    return int(8 * n * (N_NODE_ORBITS + five + N_NODE_ORBITS_5) + derived + work)


def ppr_index_memory(
    g: Graph,
    alpha: float | None = None,
    *,
    eps: float = 0.5,
    delta: float | None = None,
    threshold: float | None = None,
    balance: float | None = None,
) -> int:
    """Peak bytes of :meth:`engine.PPRIndex.build` with these parameters, above the graph.

    The index stores ``⌈(1−α)·r_max·deg(v)·ω⌉`` walk end points per node ``v``
    (see :class:`engine.PPRIndex`): ``T`` in all. They are drawn as int64 (8 bytes
    each) and kept as int32 (4 more while both exist), a twentieth of them at a
    time needs 8 bytes of start nodes, and per node 32 bytes of degrees and offsets.

    Examples
    --------
    >>> import engine
    >>> g = engine.sample("karate")
    >>> ppr_index_memory(g, eps=0.25) > ppr_index_memory(g, eps=0.5)
    True
    """
    alpha = check_between("alpha", DEFAULT_ALPHA if alpha is None else alpha, 0, 1)
    balance = INDEX_BALANCE if balance is None else balance
    return build_memory(g, alpha, Accuracy.of(g, eps, delta, threshold, balance))


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
