"""What :func:`engine.fastrp` will cost, before it runs: seconds, bytes, threads.

Each step multiplies the ``n × dim`` matrix by the adjacency matrix: per CSR entry a
row of ``dim`` floats read and added (:data:`FASTRP_NS` ``"entry columns"``), plus
the cache lines of rows that miss the shared cache (``"missed lines"``: entries
landing outside the busiest nodes whose rows fit, :func:`engine.long_run.missed_share`),
and per node and column a normalisation and a sum (``"node columns"``, one more for
the initial vectors).

Examples
--------
>>> import engine
>>> g = engine.sample("karate")
>>> fastrp_memory(g, dim=128) >= 2 * 34 * 128 * 4  # two n x dim float32 matrices
True
>>> str(fastrp_estimate(g, dim=128)).startswith("fastrp(dim=128) on 34 nodes")
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from engine.long_run import (
    CORE_CACHE_BYTES,
    LONG_RUN_SECONDS,
    Estimate,
    missed_share,
    parallel_threads,
    priced,
    speedup,
)
from loaders import Graph

__all__ = ["FASTRP_NS", "fastrp_estimate", "fastrp_memory"]

#: Nanoseconds of one core (of the reference machine: 2 cores of an Intel Xeon
#: server) per count of :func:`fastrp_counts`; fitted (least squares, one thread,
#: CPU time, least of 2 runs) on email-Eu-core, Cora, a 40k-node planted partition,
#: R-MAT scales 15 and 17, a 50k-node BA graph and the 100k-node ER graph of
#: bench-data, each at dim 128 / 3 steps and dim 64 / 5 steps, and the 10M-edge
#: R-MAT of bench-data (rmat-20-10) at dim 128: see FASTRP_FIT. A row read costs
#: more the further out it lands: ``"core missed lines"`` are the cache lines of rows
#: outside the core's cache, ``"missed lines"`` of rows outside the shared cache.
FASTRP_NS = {
    "entry columns": 0.197,
    "core missed lines": 1.61,
    "missed lines": 12.4,
    "node columns": 0.270,
}
#: How close the fit came: estimate / run from 0.68 (R-MAT 17 at dim 64, and the
#: 10M-edge R-MAT of bench-data) to 1.48 (email-Eu-core, 1.0 since the overhead below
#: was measured rather than guessed), least squares of the ratios, then the largest
#: ratio's distance from 1 minimised.
FASTRP_FIT = (0.68, 1.48)
#: A call's fixed cost (checks, the random projection's set-up), seconds: a one-thread
#: run on karate, where the counts are ~nothing, costs 0.40 ms of CPU. The 1 ms this
#: was before put email-Eu-core's estimate at 1.6x its run against ~1.1x elsewhere.
FASTRP_OVERHEAD_SECONDS = 4e-4


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


def fastrp_counts(
    g: Graph, dim: int, steps: int, feature_dim: int = 0, n_features: int = 0
) -> dict[str, float]:
    """What a FastRP run of ``steps`` propagation steps does, counted from the degrees.

    >>> import engine
    >>> fastrp_counts(engine.sample("karate"), 16, 2)["entry columns"]
    4992
    """
    n, nnz = int(g.n_nodes), int(g.nnz)
    lines = max(1, -(-4 * dim // 64))
    return {
        "entry columns": steps * nnz * dim,
        "core missed lines": steps * nnz * missed_share(g, 4 * dim, CORE_CACHE_BYTES) * lines,
        "missed lines": steps * nnz * missed_share(g, 4 * dim) * lines,
        "node columns": (steps + 1) * n * dim + n * int(n_features) * int(feature_dim),
    }


def fastrp_estimate(
    g: Graph,
    dim: int = 128,
    iteration_weights: Sequence[float] = (0.0, 1.0, 1.0),
    normalization_strength: float = 0.0,
    self_influence: float = 0.0,
    density: float | None = None,
    features=None,
    feature_ratio: float = 0.0,
    seed: int | None = None,
    device: str = "auto",
    progress=None,
    block_width: int | None = None,
    client=None,
    max_seconds: float | None = LONG_RUN_SECONDS,
) -> Estimate:
    """Time and memory of :func:`engine.fastrp` with these parameters (the same ones).

    Priced for the CPU kernels (:data:`FASTRP_NS`); on a GPU the run is faster, and
    with a Dask ``client`` the time is the cluster's CPU time over the local threads.

    Returns
    -------
    Estimate
        ``work``: the propagation steps (what ``progress`` counts); ``basis``:
        ``nodes``, ``entries``, ``dim``, ``steps``, the ``missed`` share of entries
        and the counts of :func:`fastrp_counts`.

    Examples
    --------
    >>> import engine
    >>> g = engine.sample("karate")
    >>> e = fastrp_estimate(g, dim=64)
    >>> e.seconds < 0.1, e.threads, e.bytes == fastrp_memory(g, dim=64)
    (True, 1, True)
    """
    dim, steps = int(dim), len(list(iteration_weights))
    n_features = 0
    if features is not None:
        shape = getattr(features, "shape", None)
        n_features = (
            int(shape[1]) if shape is not None and len(shape) == 2
            else 1 if isinstance(features, str) else len(list(features))
        )  # fmt: skip
    feature_dim = round(float(feature_ratio) * dim) if n_features else 0
    counts = fastrp_counts(g, dim, steps, feature_dim, n_features)
    threads = parallel_threads(g.n_nodes + g.nnz)
    seconds = FASTRP_OVERHEAD_SECONDS + priced(counts, FASTRP_NS) / speedup(threads)
    basis = {
        "nodes": g.n_nodes,
        "entries": int(g.nnz),
        "dim": dim,
        "steps": steps,
        "missed": missed_share(g, 4 * dim),
        **counts,
    }
    return Estimate(
        what=f"fastrp(dim={dim}) on {g.n_nodes:,} nodes, {int(g.nnz):,} entries",
        seconds=seconds,
        bytes=fastrp_memory(
            g,
            dim,
            iteration_weights,
            self_influence,
            density=density,
            n_features=n_features,
            feature_dim=feature_dim,
            block_width=block_width,
            client=client,
        ),
        threads=threads,
        work=steps,
        basis=basis,
    )
