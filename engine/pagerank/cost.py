"""What the PPR index and PPR batches will cost, before they run: seconds, bytes, threads.

:meth:`PPRIndex.build <engine.pagerank.index.PPRIndex.build>` runs ``T`` walks
(:func:`stored_walk_counts`: ``⌈(1−α)·r_max·deg(v)·ω⌉`` from each node ``v``, ``ω``
and ``r_max`` from the accuracy parameters), each ``1/α`` steps on average, a step a
random row read that misses the shared cache on the share of entries outside the
busiest nodes (:func:`engine.long_run.missed_share`). :func:`engine.ppr_batch` runs
one query per source: the hybrid's PowerPush sweeps the whole graph until a sweep
saves less walk work than it costs (:func:`hybrid_sweeps`, from ``ω`` and the
graph's size), the exact method's block power iteration multiplies by the graph
``ln(tol)/ln(1−α)`` times.

Examples
--------
>>> import engine
>>> g = engine.sample("karate")
>>> ppr_index_memory(g) > 0
True
>>> ppr_index_estimate(g).seconds < 0.1
True
>>> ppr_batch_estimate(g, 100, method="exact").basis["sources"]
100
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from checks import check_between
from engine.long_run import (
    CORE_CACHE_BYTES,
    LONG_RUN_SECONDS,
    Estimate,
    missed_share,
    parallel_threads,
    priced,
    speedup,
)
from engine.pagerank.accuracy import INDEX_BALANCE, Accuracy
from engine.pagerank.common import DEFAULT_ALPHA, DEFAULT_PUSH_R_MAX, ONE, MethodOptions
from engine.pagerank.common_kernels import top_scores
from engine.pagerank.hybrid import WALK_COST
from engine.pagerank.push import fewest_sweep_passes, forward_push_from, sor_relaxation
from engine.pagerank.top_k import adapts_to_top_k
from engine.per_graph import derived_already
from loaders import Graph

__all__ = [
    "PPR_BATCH_NS",
    "PPR_INDEX_NS",
    "hybrid_sweeps",
    "ppr_batch_estimate",
    "ppr_index_estimate",
    "ppr_index_memory",
]

#: Bytes a random row read brings in: its ``indptr`` entry and a cache line of ids.
ROW_BYTES = 72
#: Nanoseconds of one core per count of the index build: per walk (drawing its
#: start, storing its end), per step, per step whose row misses the core's cache, per
#: step whose row misses the shared cache, per node. Fitted (one thread, CPU time,
#: least of 2 runs) on the benchmark graphs (see :data:`PPR_FIT`); the walks' and
#: nodes' own costs came out at zero beside the steps.
PPR_INDEX_NS = {
    "walks": 0.0,
    "steps": 13.6,
    "core missed steps": 2.85,
    "missed steps": 190.0,
    "nodes": 0.0,
}
#: Nanoseconds of one core per count of a batch's queries: per node and edge of a
#: sweep (hybrid), per source and node (the query's O(n) set-up and top-k), per
#: entry and node of an exact iteration. Fitted as :data:`PPR_INDEX_NS`.
PPR_BATCH_NS = {
    "sweep entries": 0.964,
    "missed sweep entries": 0.797,
    "source nodes": 105.0,
    "iteration entries": 0.016,
    "missed iteration entries": 0.424,
    "iteration nodes": 2.41,
    "walk steps": PPR_INDEX_NS["steps"],  # not fitted: the index's steps
    "push queue entries": 2.82,
    "push sweep entries": 0.982,
    "push nodes": 2.30,
    "first entries": 2.2,
    "first missed entries": 507.0,
}
#: How close the fits came on the benchmark graphs (estimate / one-thread CPU time):
#: the index 0.76 (the 10M-edge R-MAT) - 1.31, hybrid batches 0.72-1.07, exact
#: batches 0.60 (the 10M-edge R-MAT) - 1.65; the benchmark graphs and bench-data's
#: rmat-20-10, least squares of the ratios, then the largest ratio's distance from 1
#: minimised. The index's steps that miss the shared cache are not priced apart: one
#: graph (rmat-20-10, 0.6% of its steps) would have set their price at 1.4 µs, which
#: the 100M-edge R-MAT (15% of its steps) would have turned into minutes of error;
#: that graph's own run (90.5 s of one core, one cold run) set it at 190 ns instead, a
#: trip to memory with a page walk. A first batch on a graph builds its sweep order
#: (``"first entries"``, ``"first missed entries"``: per entry, and per entry whose
#: 8-byte value misses the core's cache), set by the first batches on bench-data's
#: 10M- and 100M-edge R-MATs (1.9 s and 46 s above their queries).
PPR_FIT = {"index": (0.76, 1.31), "hybrid": (0.72, 1.07), "exact": (0.60, 1.65)}
#: A top-k batch's estimate reads its k-th score off a forward push to ``PILOT_PUSH/k``
#: from this many of its sources (:func:`top_k_rounds`).
PILOT_SOURCES = 3
PILOT_PUSH = 1e-3
#: Fixed costs, seconds: a build, a batch.
PPR_OVERHEAD_SECONDS = 1e-3


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


def stored_walk_counts(g: Graph, alpha: float, accuracy: Accuracy) -> np.ndarray:
    """Walks :meth:`PPRIndex.build` stores per node: ``⌈(1−α)·r_max·deg(v)·ω⌉`` (int64).

    The one rule for the build and for :func:`ppr_index_memory`.
    """
    degrees = np.maximum(np.diff(g.indptr), 1)
    per_node = np.ceil((1.0 - alpha) * accuracy.r_max * degrees * accuracy.omega)
    return per_node.astype(np.int64)


def build_memory(g: Graph, alpha: float, accuracy: Accuracy) -> int:
    """Peak bytes of :meth:`PPRIndex.build` above the graph (see
    :func:`ppr_index_memory`): the walks are drawn as int64 and kept as
    int32 (12 bytes each while both exist), a twentieth of them at a time needs 8
    bytes of start nodes, and per node 32 bytes of degrees and offsets."""
    walks = int(stored_walk_counts(g, alpha, accuracy).sum())
    weighted = 8 * g.nnz if g.weights is not None else 0
    return int(12 * walks + 8 * -(-walks // 20) + 32 * g.n_nodes + weighted)


def ppr_index_estimate(
    g: Graph,
    alpha: float = DEFAULT_ALPHA,
    *,
    eps: float = 0.5,
    delta: float | None = None,
    threshold: float | None = None,
    seed: int | None = None,
    progress=None,
    balance: float = INDEX_BALANCE,
    max_seconds: float | None = LONG_RUN_SECONDS,
) -> Estimate:
    """Time and memory of :meth:`engine.PPRIndex.build` with these parameters (the same ones).

    Returns
    -------
    Estimate
        ``work`` is the number of walks (what ``progress`` counts); ``basis`` holds
        ``nodes``, ``entries``, ``walks``, ``steps`` (``walks/α``), the ``missed``
        share of steps and ``omega``, ``r_max``.

    Examples
    --------
    >>> import engine
    >>> g = engine.sample("karate")
    >>> e = ppr_index_estimate(g, eps=0.25)
    >>> e.work > ppr_index_estimate(g).work, e.bytes == ppr_index_memory(g, eps=0.25)
    (True, True)
    """
    alpha = check_between("alpha", alpha, 0, 1)
    accuracy = Accuracy.of(g, eps, delta, threshold, balance)
    walks = int(stored_walk_counts(g, alpha, accuracy).sum())
    missed = missed_share(g, ROW_BYTES)
    counts = {
        "walks": walks,
        "steps": walks / alpha,
        "core missed steps": walks / alpha * missed_share(g, ROW_BYTES, CORE_CACHE_BYTES),
        "missed steps": walks / alpha * missed,
        "nodes": g.n_nodes,
    }
    threads = parallel_threads(g.n_nodes + g.nnz)
    seconds = PPR_OVERHEAD_SECONDS + priced(counts, PPR_INDEX_NS) / speedup(threads)
    return Estimate(
        what=f"PPRIndex.build(eps={eps}, balance={balance}) on {g.n_nodes:,} nodes, "
        f"{walks:,} walks",
        seconds=seconds,
        bytes=build_memory(g, alpha, accuracy),
        threads=threads,
        work=walks,
        basis={
            "nodes": g.n_nodes,
            "entries": int(g.nnz),
            "missed": missed,
            "omega": accuracy.omega,
            "r_max": accuracy.r_max,
            **counts,
        },
    )


def hybrid_sweeps(g: Graph, alpha: float, accuracy: Accuracy) -> float:
    """Sweeps of the whole graph a hybrid query's PowerPush takes (its rule, in advance).

    A sweep costs ``n + nnz`` edge reads; the walks for a unit of residual cost
    ``walk_cost = (1−α)·ω·WALK_COST/α``; the first sweep leaves about 0.08 of the
    mass (``engine.pagerank.push.FINISH_PER_MOVE``) and each over-relaxed one
    ``ρ = relaxation − 1`` of the last (Gauss–Seidel on directed graphs: 0.73). The
    sweeps go on while one saves more walk work than it costs, then one plain sweep;
    none when the walks for the whole mass cost less than sweeping's fewest passes.

    >>> import engine
    >>> from engine.pagerank.accuracy import Accuracy
    >>> g = engine.sample("karate")
    >>> round(hybrid_sweeps(g, 0.15, Accuracy.of(g, 0.5, None, None)), 1)
    4.9
    """
    rate = 0.73 if g.directed else sor_relaxation(alpha) - 1.0
    walk_cost = (1.0 - alpha) * accuracy.omega * WALK_COST / alpha
    sweep_cost = g.n_nodes + g.nnz
    if walk_cost < fewest_sweep_passes(g) * sweep_cost:
        return 0.0  # walks for all the mass cost less than sweeping: power_push skips it
    saving = 0.08 * (1.0 - rate) * walk_cost / max(sweep_cost, 1)
    return 1.0 + max(0.0, math.log(saving) / math.log(1.0 / rate)) if saving > 0 else 1.0


def top_k_rounds(g: Graph, sources, alpha: float, top_k: int, eps: float) -> list[float]:
    """The thresholds a top-k batch's queries typically try (:mod:`engine.pagerank.top_k`):
    ``1/k``, then, when the k-th score is below ``(1+eps)/k``, about half the bound it
    allows. The k-th score is read off a short forward push (to ``r_max =
    PILOT_PUSH/k``: at most ``k/(α·PILOT_PUSH)`` edge pushes) from up to
    :data:`PILOT_SOURCES` of the sources (random nodes when only their number is
    given), reading each node's estimate plus residual (the mass that reached it)."""
    n = g.n_nodes
    floor, first = 1.0 / max(n, 2), max(1.0 / top_k, 1.0 / max(n, 2))
    if isinstance(sources, int | np.integer):
        picks = np.random.default_rng(0).integers(0, n, min(int(sources), PILOT_SOURCES))
    else:
        picks = g.node_ids(sources[:PILOT_SOURCES])
    kths = []
    for node in picks.tolist():
        estimate, residual = forward_push_from(g, np.array([node]), ONE, alpha, PILOT_PUSH / top_k)
        # A hub's estimate waits for a residual of r_max·deg, rarely reached: count the
        # mass that arrived at each node, settled or not.
        estimate += residual
        kept = top_scores(estimate, top_k)[1]
        kths.append(float(kept[top_k - 1]) if kept.shape[0] >= top_k else 0.0)
    kth = float(np.median(kths)) if kths else 0.0
    if kth >= (1.0 + eps) * first:
        return [first]
    return [first, max(floor, kth / (2.0 * (1.0 + eps)))]


def push_entries(g: Graph, alpha: float, r_max: float) -> tuple[float, float]:
    """Entries a forward push to ``r_max`` reads, ``(from its queue, in its sweeps)``.

    The push ends when no node holds more than ``r_max·deg``, so at most about
    ``r_max·nnz`` of the mass is left. Where that is below 1, the push does what
    ``ln(1/(r_max·nnz))/ln(1/(1−α))`` passes of power iteration do, plus the
    frontier's growth: one pass's worth from its queue (random reads, ~3x a
    sweep's price), the rest in the sweeps it turns to once the queue holds ``n/8``
    nodes. Where it is above 1, the push stays local and reads about ``1/(r_max·nnz)``
    of a pass. Never more than ``1/(α·r_max)`` entries (each push moves at least
    ``r_max·deg`` of the ``1/α`` mass that flows). Fitted at one thread on the
    benchmark graphs and R-MAT scale 17 at r_max 1e-8 to 1e-4: estimate / run 0.82-1.01
    at the default 1e-7, 0.32 (the planted partition's local pushes at 1e-5) to 1.41
    over all.

    >>> import engine
    >>> queue, sweeps = push_entries(engine.sample("karate"), 0.15, 1e-7)
    >>> queue == 34 + 156, sweeps > 0
    (True, True)
    """
    n, nnz = int(g.n_nodes), max(int(g.nnz), 1)
    left = r_max * nnz
    if left < 1.0:
        passes = 1.0 + math.log(1.0 / left) / -math.log(1.0 - alpha)
    else:
        passes = 1.0 / left
    entries = min(passes * (n + nnz), 1.0 / (alpha * r_max))
    return min(entries, float(n + nnz)), max(entries - (n + nnz), 0.0)


def ppr_batch_estimate(
    g: Graph,
    sources: Iterable | int,
    alpha: float = DEFAULT_ALPHA,
    method: str = "hybrid",
    *,
    top_k: int | None = 100,
    output: str = "table",
    progress=None,
    block_size: int = 64,
    client=None,
    max_seconds: float | None = LONG_RUN_SECONDS,
    **options,
) -> Estimate:
    """Time and memory of :func:`engine.ppr_batch` with these parameters (the same ones).

    ``sources`` may be the sources themselves or their number. The hybrid method
    (the default) costs :func:`hybrid_sweeps` sweeps of the graph per source; the
    exact method ``ln(tol/2)/ln(1−α)`` sparse products (at most ``max_iter``);
    ``walks`` its ``ω`` walks of ``1/α`` steps per source (priced as the index's
    steps); ``push`` the entries of :func:`push_entries` per source. The batch runs
    a query per thread.

    Returns
    -------
    Estimate
        ``work`` is the number of sources (what ``progress`` counts).

    Examples
    --------
    >>> import engine
    >>> g = engine.sample("karate")
    >>> e = ppr_batch_estimate(g, [0, 1, 2])
    >>> e.basis["sources"], e.threads, e.seconds < 0.1
    (3, 1, True)
    """
    if not isinstance(sources, int | np.integer):
        sources = list(sources)
    count = int(sources) if isinstance(sources, int | np.integer) else len(sources)
    alpha = check_between("alpha", alpha, 0, 1)
    accuracy = Accuracy.of(
        g, options.get("eps", 0.5), options.get("delta"), options.get("threshold")
    )
    n, nnz = int(g.n_nodes), int(g.nnz)
    counts = dict.fromkeys(PPR_BATCH_NS, 0.0)
    counts["source nodes"] = count * n
    basis: dict[str, float] = {"sources": count, "nodes": n, "entries": nnz}
    if method == "exact":
        tol, max_iter = options.get("tol", 1e-10), options.get("max_iter", 10_000)
        iterations = min(max_iter, math.ceil(math.log(tol / 2) / math.log(1.0 - alpha)))
        counts["iteration entries"] = count * iterations * nnz
        counts["iteration nodes"] = count * iterations * n
        # a product gathers each neighbour's row of the block: 8 bytes a source
        width = min(int(block_size), max(count, 1))
        counts["missed iteration entries"] = (
            count * iterations * nnz * missed_share(g, 8 * width, CORE_CACHE_BYTES)
        )
        basis["iterations"] = iterations
    elif method == "walks":
        walks = options.get("n_walks") or accuracy.walks_for_mass(1.0)
        if top_k is not None and adapts_to_top_k(method, MethodOptions(**options), top_k, g):
            thresholds = top_k_rounds(g, sources, alpha, top_k, accuracy.eps)
            walks = sum(
                Accuracy.of(g, accuracy.eps, accuracy.delta, t).walks_for_mass(1.0)
                for t in thresholds
            )
            basis["threshold"] = thresholds[-1]
        counts["walk steps"] = count * walks / alpha
        basis["walks"] = walks
    elif method == "push":
        r_max = options.get("r_max") or DEFAULT_PUSH_R_MAX
        queue_entries, sweep_entries = push_entries(g, alpha, r_max)
        counts["push queue entries"] = count * queue_entries
        counts["push sweep entries"] = count * sweep_entries
        # a push query sets up and reads two n-vectors, not the hybrid's several
        counts["push nodes"], counts["source nodes"] = count * n, 0.0
    else:
        thresholds = [accuracy.threshold]
        if top_k is not None and adapts_to_top_k(method, MethodOptions(**options), top_k, g):
            thresholds = top_k_rounds(g, sources, alpha, top_k, accuracy.eps)
            basis["threshold"] = thresholds[-1]
        sweeps = sum(
            hybrid_sweeps(g, alpha, Accuracy.of(g, accuracy.eps, accuracy.delta, threshold))
            for threshold in thresholds
        )
        # each round sets up and reads an n-vector
        counts["source nodes"] = count * n * len(thresholds)
        counts["sweep entries"] = count * sweeps * (n + nnz)
        prepared = derived_already("pagerank.prepared", g)
        if count and (prepared is None or getattr(prepared, "_sweep_graph", None) is None):
            counts["first entries"] = nnz
            counts["first missed entries"] = nnz * missed_share(g, 8, CORE_CACHE_BYTES)
        # a sweep gathers each neighbour's 8-byte value
        counts["missed sweep entries"] = count * sweeps * nnz * missed_share(g, 8, CORE_CACHE_BYTES)
        basis["sweeps"] = sweeps
    threads = 1 if method == "walks" else parallel_threads(n + nnz)
    # a batch runs whole queries on each thread
    threads = min(threads, max(count, 1))
    seconds = PPR_OVERHEAD_SECONDS + priced(counts, PPR_BATCH_NS) / speedup(threads)
    return Estimate(
        what=f"ppr_batch({count:,} source{'' if count == 1 else 's'}, method={method!r}) "
        f"on {n:,} nodes, {nnz:,} entries",
        seconds=seconds,
        bytes=ppr_batch_memory(g, count, method, top_k, threads, block_size),
        threads=threads,
        work=count,
        basis={**basis, **counts},
    )


def ppr_batch_memory(
    g: Graph,
    sources: int,
    method: str = "hybrid",
    top_k: int | None = 100,
    threads: int = 1,
    block_size: int = 64,
) -> int:
    """Peak bytes of :func:`engine.ppr_batch` above the graph: the result (``top_k``
    scores per source, 24 bytes each with its source and node), per query thread its
    score vector and top-k selection (about 28 bytes per node, 8 of them the positive
    scores the selection partitions), and for ``exact`` one
    block of ``block_size`` sources (about 48 bytes per node and source) and the
    transposed graph (12 bytes per entry). The first query on a graph also builds what
    later ones reuse, counted until it exists: for ``hybrid`` the sweep order (about 4
    bytes per entry and 48 per node), for ``hybrid`` and ``push`` a workspace per
    thread (about 60 bytes per node; the graph's pool may already hold some), and for
    walks on a weighted graph their running weights (8 bytes per entry).

    >>> import engine
    >>> from loaders.memory import format_bytes
    >>> format_bytes(ppr_batch_memory(engine.sample("karate"), 10))
    '13.1 KiB'
    """
    n, nnz = int(g.n_nodes), int(g.nnz)
    kept = min(n, top_k or n)
    result = 24 * int(sources) * kept
    if method == "exact":
        return int(result + 48 * n * min(int(block_size), max(int(sources), 1)) + 12 * nnz)
    first = 0
    if method == "hybrid":
        prepared = derived_already("pagerank.prepared", g)
        if prepared is None or getattr(prepared, "_sweep_graph", None) is None:
            first += 4 * nnz + 48 * n
    if method in ("hybrid", "push"):
        # each thread borrows a workspace; only the ones the graph's pool lacks are new
        pool = derived_already("pagerank.workspaces", g)
        idle = len(pool.idle) if pool is not None else 0
        first += 60 * n * max(int(threads) - idle, 0)
    if method in ("hybrid", "walks") and g.weights is not None:
        if derived_already("pagerank.walk_graph", g) is None:
            first += 8 * nnz  # the walks' running weights
    return int(result + 28 * n * int(threads) + first)
