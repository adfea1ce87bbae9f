"""Estimates of the heavy calls, before they run (as Neo4j GDS's ``estimate`` procedures).

Time and memory: an ``*_estimate`` function returns an :class:`Estimate` (the
seconds, the peak bytes, and the statistics they were computed from), read off
the graph's degree statistics in one O(m) pass, with constants calibrated on
this project's reference machine class (2 cores of an Intel Xeon server, 24 GiB;
see :data:`ORBIT_NS`). A call whose estimate is above
:data:`LONG_RUN_SECONDS` refuses to start unless told to
(:class:`LongRunError`), naming the estimate and how to run it on a cluster.

Memory only: each ``*_memory`` function takes the graph and the call's
parameters and returns the peak bytes the call allocates above the graph
itself. The heavy calls check their own estimate against
:func:`loaders.memory.memory_limit` (the available memory, or
``$GWB_MEMORY_LIMIT``) at their top and raise
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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from checks import check_between
from engine.pagerank.accuracy import INDEX_BALANCE, Accuracy
from engine.pagerank.common import DEFAULT_ALPHA
from engine.pagerank.index import build_memory
from loaders import Graph
from loaders.memory import format_bytes

__all__ = [
    "LONG_RUN_SECONDS",
    "Estimate",
    "LongRunError",
    "fastrp_memory",
    "ppr_index_memory",
]

#: Calls estimated to run longer than this (seconds) refuse to start unless the
#: caller lifts the limit (``max_seconds=None``): half an hour.
LONG_RUN_SECONDS = 1800.0


@dataclass(frozen=True)
class Estimate:
    """What a heavy call should cost, worked out before it runs.

    Attributes
    ----------
    what : str
        The call, e.g. ``"orbit_counts(graphlet_size=4)"``.
    seconds : float
        Wall-clock seconds on ``threads`` threads of the reference machine class
        (a 2-core Intel Xeon server); a busy or slower machine takes longer.
    bytes : int
        Peak bytes the call allocates above the graph.
    threads : int
        The threads the call will run on (small graphs run on one).
    work : int
        The call's work in the units its ``progress`` callback counts (about a
        nanosecond of one core each), so that ``done / total`` tracks time.
    basis : mapping of str to number
        The statistics it was computed from (node and edge counts, and the
        steps of each pass, which the degree statistics fix).

    Examples
    --------
    >>> e = Estimate("demo", seconds=95.0, bytes=3 * 2**30, threads=2, work=190 * 10**9,
    ...              basis={"edges": 10**8})
    >>> str(e)
    'demo: about 1.6 min on 2 threads, 3.0 GiB'
    """

    what: str
    seconds: float
    bytes: int
    threads: int
    work: int
    basis: Mapping[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        threads = "1 thread" if self.threads == 1 else f"{self.threads} threads"
        seconds, size = format_seconds(self.seconds), format_bytes(self.bytes)
        return f"{self.what}: about {seconds} on {threads}, {size}"


class LongRunError(RuntimeError):
    """A call whose :class:`Estimate` is above the caller's time limit, refused before work.

    ``estimate`` is the :class:`Estimate`; ``limit`` the limit in seconds; the
    message says how to run it anyway and how to run it on a cluster.
    """

    def __init__(self, estimate: Estimate, limit: float, advice: str) -> None:
        self.estimate, self.limit = estimate, float(limit)
        super().__init__(
            f"{estimate} (estimated; more than the {format_seconds(limit)} limit). {advice}"
        )


def format_seconds(seconds: float) -> str:
    """``'40 s'``, ``'12 min'``, ``'3.5 h'``: a duration as a person reads it.

    >>> format_seconds(0.2), format_seconds(42), format_seconds(95), format_seconds(4 * 3600)
    ('0.2 s', '42 s', '1.6 min', '4.0 h')
    """
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.1f} min" if seconds < 600 else f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


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
