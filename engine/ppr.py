"""Personalized PageRank: exact power iteration, forward push, random walks and their hybrid.

``π = α·s + (1 − α)·π·P``: ``s`` is the seed distribution, ``P`` the transition
matrix (a walk steps to an out-neighbour with probability proportional to the
edge weight) and ``α`` the teleport probability. **Dangling nodes** (no
out-edges) send the walk, or the pushed mass, back to the seed distribution ``s``.

Methods
-------
``"exact"``
    Power iteration with one sparse product per step, float64, to a tolerance.
``"push"``
    Forward push (Andersen, Chung, Lang 2006) to a residual threshold.
``"walks"``
    Monte-Carlo walks (CPU: Numba on every core; GPU: one CUDA thread per walk).
``"hybrid"``
    FORA (Wang et al., KDD 2017): push, then walks from the left-over residual
    mass, with the walk count set by ``eps``, ``delta`` and ``threshold`` so that
    every node with ``π ≥ threshold`` is estimated within relative error ``eps``
    with probability ``1 − delta``. The push is SpeedPPR's PowerPush (Wu et al.,
    SIGMOD 2021): a local push, then sweeps over the whole graph, over-relaxed on
    undirected graphs (:func:`sor_relaxation`) but for the last, for as long as a
    sweep saves more walk work than it costs.

Estimators. ``walks`` counts every visit (``π̂(v) = α·visits(v)/W``, the
"complete path" estimator of Avrachenkov et al. 2007): each walk reports
``1/α`` nodes on average instead of one, and on the test graphs it has about
a third of the end-point estimator's variance at the same walk count
(``tests/engine/test_ppr.py::test_visit_estimator_has_lower_variance``).
``hybrid`` and the index use end points, because FORA's error bound needs each
walk's contribution to lie in ``[0, 1/ω]``. Over-relaxed sweeps leave some
residuals negative; their walks weigh ``−1/ω``, so the bound holds for the
positive and the negative walks apart, and the tests check the combined
estimate against FORA's guarantee.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping

import numba
import numpy as np
import pandas as pd

from engine._device import resolve_device
from engine._kernels import ppr as kernels
from engine._kernels import ppr_power_push as power
from engine.estimate import ppr_index_memory
from loaders import Graph
from loaders.check import check_seed
from loaders.memory import check_memory

Progress = Callable[[int, int, str], None] | None
METHODS = ("exact", "push", "walks", "hybrid")
DEFAULT_ALPHA = 0.15


# ------------------------------------------------------------------ public API


def ppr(
    g: Graph,
    seeds,
    alpha: float = DEFAULT_ALPHA,
    method: str = "hybrid",
    *,
    eps: float = 0.5,
    delta: float | None = None,
    threshold: float | None = None,
    top_k: int | None = None,
    device: str = "auto",
    seed: int | None = None,
    progress: Progress = None,
    r_max: float | None = None,
    n_walks: int | None = None,
    tol: float = 1e-10,
    max_iter: int = 10_000,
):
    """Personalized PageRank of every node for one seed, or a weighted seed set.

    Parameters
    ----------
    g : Graph
    seeds : label, list of labels, or mapping label → weight
        The personalization: one node, a set (equal weights), or weights
        (non-negative, not all zero; normalised to sum 1).
    alpha : float in (0, 1)
        Teleport (restart) probability.
    method : {"exact", "push", "walks", "hybrid"}
    eps : float > 0
        Relative error targeted by ``hybrid`` and ``walks`` for nodes with ``π ≥ threshold``.
    delta : float in (0, 1), optional
        Failure probability of that guarantee; ``1/n`` by default.
    threshold : float in (0, 1], optional
        Significance threshold; ``1/n`` by default.
    top_k : int, optional
        Return the ``top_k`` highest-scoring nodes as a DataFrame instead of a vector.
    device : {"auto", "cpu", "gpu"}
        Where the walks run (``walks`` and ``hybrid``).
    seed : int, optional
        Random seed: the same seed on the same device gives the same result.
    progress : callable ``(done, total, stage)``, optional
    r_max : float, optional
        Residual threshold of ``push`` (default ``1e-7``) or ``hybrid`` (default from ``eps``).
    n_walks : int, optional
        Walk count of ``walks`` (default from ``eps``, ``delta``, ``threshold``).
    tol, max_iter
        Stopping rule of ``exact``: L1 change below ``tol``.

    Returns
    -------
    numpy.ndarray (n,) or pandas.DataFrame
        Scores by node id (they sum to about 1), or a ``node``/``score`` table sorted
        by score (ties by id) when ``top_k`` is given.

    Examples
    --------
    >>> import engine
    >>> g = engine.sample("karate")
    >>> engine.ppr(g, 0, method="exact", top_k=3)["node"].tolist()
    [0, 1, 2]
    >>> scores = engine.ppr(g, [0, 33], method="hybrid", seed=1, device="cpu")
    >>> round(float(scores.sum()), 2)
    1.0

    References
    ----------
    R. Andersen, F. Chung, K. Lang, "Local graph partitioning using PageRank
    vectors", FOCS 2006. S. Wang, R. Yang, X. Xiao, Z. Wei, Y. Yang, "FORA: Simple
    and effective approximate single-source personalized PageRank", KDD 2017.
    K. Avrachenkov, N. Litvak, D. Nemirovsky, N. Osipova, "Monte Carlo methods in
    PageRank computation: when one iteration is sufficient", SIAM J. Numer. Anal. 2007.
    """
    alpha = check_alpha(alpha)
    _check_method(method)
    seed = check_seed(seed)
    seed_nodes, seed_mass = seed_distribution(g, seeds)
    scores = _scores(
        g,
        seed_nodes,
        seed_mass,
        alpha,
        method,
        eps=eps,
        delta=delta,
        threshold=threshold,
        device=device,
        seed=seed,
        r_max=r_max,
        n_walks=n_walks,
        tol=tol,
        max_iter=max_iter,
    )
    if progress is not None:
        progress(1, 1, method)
    return scores if top_k is None else top_nodes(g, scores, top_k)


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}; got {method!r}")


def _scores(
    g: Graph,
    seed_nodes,
    seed_mass,
    alpha: float,
    method: str,
    *,
    eps: float = 0.5,
    delta: float | None = None,
    threshold: float | None = None,
    device: str = "auto",
    seed: int | None = None,
    r_max: float | None = None,
    n_walks: int | None = None,
    tol: float = 1e-10,
    max_iter: int = 10_000,
    serial: bool = False,
) -> np.ndarray:
    """The score vector of :func:`ppr` for a checked seed distribution; ``serial``
    keeps every kernel on the calling thread (batches run one query per thread)."""
    if method == "exact":
        return power_iteration(g, seed_nodes, seed_mass, alpha, tol=tol, max_iter=max_iter)
    if method == "push":
        r_max = 1e-7 if r_max is None else _check_positive("r_max", r_max)
        return _push(g, seed_nodes, seed_mass, alpha, r_max)[0]
    accuracy = Accuracy.of(g, eps, delta, threshold)
    where = resolve_device(device)
    if method == "walks":
        walks = accuracy.walks_for_mass(1.0) if n_walks is None else int(n_walks)
        if walks < 1:
            raise ValueError(f"n_walks must be >= 1; got {n_walks}")
        return visit_estimate(g, seed_nodes, seed_mass, alpha, walks, where, seed)
    return fora(g, seed_nodes, seed_mass, alpha, accuracy, where, seed, r_max, serial=serial)


def forward_push(
    g: Graph, seeds, alpha: float = DEFAULT_ALPHA, r_max: float = 1e-4
) -> tuple[np.ndarray, np.ndarray]:
    """Forward push: ``(estimate, residual)`` with ``π = estimate + Σ_v residual[v]·π_v``.

    Pushes until ``residual[u] ≤ r_max · max(deg(u), 1)`` at every node, so the
    work is ``O(1/r_max)`` whatever the graph's size. Local clustering builds on it.

    >>> import engine
    >>> estimate, residual = forward_push(engine.sample("karate"), 0, r_max=1e-3)
    >>> round(float(estimate.sum() + residual.sum()), 6)
    1.0
    """
    alpha = check_alpha(alpha)
    seed_nodes, seed_mass = seed_distribution(g, seeds)
    return _push(g, seed_nodes, seed_mass, alpha, _check_positive("r_max", r_max))


def ppr_batch(
    g: Graph,
    sources: Iterable,
    alpha: float = DEFAULT_ALPHA,
    method: str = "hybrid",
    *,
    top_k: int = 100,
    progress: Progress = None,
    block_size: int = 64,
    client=None,
    **options,
) -> pd.DataFrame:
    """Top-``k`` PPR of many single sources: one table ``source``, ``node``, ``score``.

    ``exact`` runs a block power iteration (``block_size`` sources per sparse
    matrix product); the other methods run one query per source, on the CPU one
    query per core at a time (their kernels release the GIL). Memory stays at one
    block (or a vector per core) plus the table: never an n × batch array.

    With a Dask ``client`` the sources are split into chunks that workers run on
    the graph's store (see :mod:`engine.distributed`). Each source is computed as
    it would be alone, so the table is the same as without a client (with
    ``seed`` given, for the random methods).

    >>> import engine
    >>> table = ppr_batch(engine.sample("karate"), [0, 33], method="exact", top_k=2)
    >>> table["source"].tolist()
    [0, 0, 33, 33]
    """
    sources = list(sources)
    top_k = _check_top_k(top_k)
    alpha = check_alpha(alpha)
    _check_method(method)
    if "seed" in options:
        options["seed"] = check_seed(options["seed"])
    ids = g.node_ids(sources)
    if client is not None:
        from engine.distributed import map_items

        frames = map_items(
            client,
            g,
            ppr_batch,
            sources,
            progress=progress,
            stage=method,
            alpha=alpha,
            method=method,
            top_k=top_k,
            block_size=block_size,
            **options,
        )
        return pd.concat(frames, ignore_index=True)
    if method == "exact":
        return _exact_batch(g, sources, ids, alpha, top_k, block_size, progress, options)
    where = resolve_device(options.get("device", "auto"))
    workers = _lanes() if method != "walks" and where == "cpu" else 1

    def query(node: int) -> np.ndarray:
        return _scores(g, np.array([node]), _ONE, alpha, method, serial=workers > 1, **options)

    return _top_table(g, sources, ids, query, top_k, progress, method, workers)


_ONE = np.ones(1)


def _exact_batch(g, sources, ids, alpha, top_k, block_size, progress, options) -> pd.DataFrame:
    """Block power iteration, ``block_size`` sources per sparse product."""
    tops = []
    for start in range(0, len(ids), block_size):
        block = ids[start : start + block_size]
        scores = block_power_iteration(g, block, alpha, tol=options.get("tol", 1e-10))
        for column in range(len(block)):
            tops.append(power.top_scores(np.ascontiguousarray(scores[:, column]), top_k))
        if progress is not None:
            progress(min(start + block_size, len(ids)), len(ids), "exact")
    return _table(g, sources, tops)


def _top_table(g, sources, ids, query, top_k, progress, stage, workers) -> pd.DataFrame:
    """Top-``k`` of ``query(node id)`` for every source, ``workers`` queries at a time
    (each on its own thread; the kernels release the GIL), in source order."""

    def top(node) -> tuple[np.ndarray, np.ndarray]:
        return power.top_scores(query(int(node)), top_k)

    tops = []
    if workers > 1 and len(ids) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(workers) as pool:
            for done, result in enumerate(pool.map(top, ids), start=1):
                tops.append(result)
                if progress is not None:
                    progress(done, len(ids), stage)
    else:
        for done, node in enumerate(ids, start=1):
            tops.append(top(node))
            if progress is not None:
                progress(done, len(ids), stage)
    return _table(g, sources, tops)


def _table(g, sources, tops) -> pd.DataFrame:
    """One ``source``/``node``/``score`` table from per-source ``(ids, scores)``."""
    if not tops:
        return pd.DataFrame({"source": [], "node": [], "score": []})
    counts = [len(nodes) for nodes, _ in tops]
    labels = np.empty(len(sources), dtype=object)
    labels[:] = sources
    column = np.repeat(labels, counts)
    if len(sources) and all(isinstance(s, int | np.integer) for s in sources):
        column = column.astype(np.int64)
    return pd.DataFrame(
        {
            "source": column,
            "node": g.labels_of(np.concatenate([nodes for nodes, _ in tops])),
            "score": np.concatenate([scores for _, scores in tops]),
        }
    )


# ------------------------------------------------------------------ checks and seeds


def check_alpha(alpha: float) -> float:
    """``alpha`` as a float in (0, 1), else ValueError naming the range."""
    value = float(alpha)
    if not 0.0 < value < 1.0:
        raise ValueError(f"alpha must be in (0, 1); got {alpha!r}")
    return value


def _check_positive(name: str, value) -> float:
    number = float(value)
    if not (number > 0 and math.isfinite(number)):
        raise ValueError(f"{name} must be > 0; got {value!r}")
    return number


def _check_top_k(top_k) -> int:
    if isinstance(top_k, bool) or not isinstance(top_k, int | np.integer) or top_k < 1:
        raise ValueError(f"top_k must be an integer >= 1; got {top_k!r}")
    return int(top_k)


def seed_distribution(g: Graph, seeds) -> tuple[np.ndarray, np.ndarray]:
    """``(node ids, probabilities)`` of the seed distribution, merged and normalised."""
    if isinstance(seeds, Mapping | pd.Series):
        labels = list(seeds.keys()) if isinstance(seeds, Mapping) else list(seeds.index)
        weights = np.asarray(
            list(seeds.values()) if isinstance(seeds, Mapping) else seeds.to_numpy(),
            dtype=np.float64,
        )
    elif isinstance(seeds, str) or not isinstance(seeds, Iterable):
        labels, weights = [seeds], np.ones(1)
    else:
        labels = list(seeds)
        weights = np.ones(len(labels))
    if not labels:
        raise ValueError("seeds must name at least one node")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError("seed weights must be finite and >= 0")
    if weights.sum() <= 0:
        raise ValueError("seed weights must not all be zero")
    ids = g.node_ids(labels)
    nodes, inverse = np.unique(ids, return_inverse=True)
    mass = np.bincount(inverse, weights=weights)
    keep = mass > 0
    return nodes[keep].astype(np.int64), mass[keep] / mass.sum()


def top_nodes(g: Graph, scores: np.ndarray, top_k: int) -> pd.DataFrame:
    """The ``top_k`` nodes by score as a DataFrame (``node`` labels, ``score``), ties by id.

    >>> import engine, numpy as np
    >>> top_nodes(engine.sample("karate"), np.arange(34.0), 2)["node"].tolist()
    [33, 32]
    """
    top_k = _check_top_k(top_k)
    order, values = power.top_scores(np.ascontiguousarray(scores, dtype=np.float64), top_k)
    return pd.DataFrame({"node": g.labels_of(order), "score": values})


# ------------------------------------------------------------------ exact


def _unsigned_indices(g: Graph) -> np.ndarray:
    """``g.indices`` viewed as uint32 when they are int32 (a free view: ids are never
    negative), so that the kernels' gathers skip Numba's negative-index check
    (1.2-1.7x faster gathers on the BA graphs of benchmarks/ppr.py). int64 indices
    stay signed: Numba would unify uint64 with int64 node ids as floats."""
    return g.indices.view(np.uint32) if g.indices.dtype == np.int32 else g.indices


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


# ------------------------------------------------------------------ push


def _push(g: Graph, seed_nodes, seed_mass, alpha: float, r_max: float):
    estimate = np.zeros(g.n_nodes)
    residual = np.zeros(g.n_nodes)
    residual[seed_nodes] = seed_mass
    weights, out_weight = _weights(g)
    kernels.forward_push(
        g.indptr,
        _unsigned_indices(g),
        weights,
        g.is_weighted,
        out_weight,
        seed_nodes,
        seed_mass,
        alpha,
        r_max,
        estimate,
        residual,
        np.empty(0, np.int64),
    )
    return estimate, residual


def _weights(g: Graph):
    if g.weights is None:
        return np.empty(0, np.float32), np.empty(0)
    return g.weights, g.degree(weighted=True)


# ------------------------------------------------------------------ walks


# FORA balances push and walk work assuming a walk step costs about one edge push. Here a
# walk step (a cache miss) costs far more than a push (sequential sweeps), so the hybrid
# pushes further; measured on a 1M-edge BA graph (benchmarks/ppr.py), 0.29 s per query at
# 0.01 against 1.05 s at FORA's 1. The index looks walks up instead of running them, so it
# keeps FORA+'s balance.
HYBRID_BALANCE = 0.01
INDEX_BALANCE = 1.0


class Accuracy:
    """FORA's parameters for relative error ``eps``, failure probability ``delta`` and
    significance ``threshold``: ``omega`` walks per unit of residual mass, and the
    push threshold that balances push and walk work."""

    def __init__(
        self,
        eps: float,
        delta: float,
        threshold: float,
        n_entries: int,
        balance: float = HYBRID_BALANCE,
    ):
        self.eps, self.delta, self.threshold, self.balance = eps, delta, threshold, balance
        self.omega = (2 * eps / 3 + 2) * math.log(2 / delta) / (eps**2 * threshold)
        self.r_max = balance / math.sqrt(max(n_entries, 1) * self.omega)

    @classmethod
    def of(cls, g: Graph, eps, delta, threshold, balance: float = HYBRID_BALANCE) -> Accuracy:
        n = max(g.n_nodes, 2)
        eps = _check_positive("eps", eps)
        delta = 1.0 / n if delta is None else float(delta)
        threshold = 1.0 / n if threshold is None else float(threshold)
        if not 0 < delta < 1:
            raise ValueError(f"delta must be in (0, 1); got {delta!r}")
        if not 0 < threshold <= 1:
            raise ValueError(f"threshold must be in (0, 1]; got {threshold!r}")
        return cls(eps, delta, threshold, max(g.nnz, 1), balance)

    def walks_for_mass(self, mass: float) -> int:
        return max(1, math.ceil(mass * self.omega))


def _lanes() -> int:
    return numba.get_num_threads()


def _cumulative(g: Graph) -> np.ndarray:
    if g.weights is None:
        return np.empty(0, dtype=np.float64)
    return kernels.row_cumulative_weights(g.indptr, g.weights)


def run_walks(
    g: Graph,
    start_nodes,
    start_mass,
    seed_nodes,
    seed_mass,
    alpha: float,
    n_walks: int,
    count_visits: bool,
    device: str,
    seed: int | None,
) -> np.ndarray:
    """Integer counts per node of ``n_walks`` walks started from ``start_mass`` (end points,
    or every visit with ``count_visits``). Same seed, same device → same counts."""
    seed = _seed_int(seed)
    start_cdf = np.cumsum(start_mass)
    start_cdf[-1] = np.inf  # a draw of exactly the total never falls off the end
    seed_cdf = np.cumsum(seed_mass)
    seed_cdf[-1] = np.inf
    if device == "gpu":
        return _run_walks_gpu(
            g, start_nodes, start_cdf, seed_nodes, seed_cdf, alpha, n_walks, count_visits, seed
        )
    counts = np.zeros((_lanes(), g.n_nodes), dtype=np.int64)
    kernels.sample_walks(
        g.indptr,
        _unsigned_indices(g),
        _cumulative(g),
        g.is_weighted,
        np.asarray(start_nodes, np.int64),
        start_cdf,
        np.asarray(seed_nodes, np.int64),
        seed_cdf,
        n_walks,
        alpha,
        seed,
        count_visits,
        counts,
    )
    return counts.sum(axis=0)


def _run_walks_gpu(
    g, start_nodes, start_cdf, seed_nodes, seed_cdf, alpha, n_walks, count_visits, seed
):
    import cupy

    from engine._kernels import ppr_gpu

    arrays = _device_graph(g)
    arrays.update(
        start_nodes=cupy.asarray(start_nodes, dtype=cupy.int64),
        start_cdf=cupy.asarray(start_cdf),
        seed_nodes=cupy.asarray(seed_nodes, dtype=cupy.int64),
        seed_cdf=cupy.asarray(seed_cdf),
    )
    counts = cupy.zeros((1, g.n_nodes), dtype=cupy.int64)
    steps = cupy.zeros(1, dtype=cupy.int64)
    ppr_gpu.launch(arrays, n_walks, alpha, seed, count_visits, counts, steps)
    return cupy.asnumpy(counts[0])


_DEVICE_GRAPHS: dict = {}


def _device_graph(g: Graph) -> dict:
    """The CSR in GPU memory, copied once per graph and kept while the graph lives."""
    import weakref

    import cupy

    key = id(g)
    cached = _DEVICE_GRAPHS.get(key)
    if cached is not None and cached[0]() is g:
        return dict(cached[1])
    arrays = {
        "indptr": cupy.asarray(g.indptr),
        "indices": cupy.asarray(g.indices),
        "cumulative": cupy.asarray(_cumulative(g)),
        "weighted": g.is_weighted,
    }
    _DEVICE_GRAPHS[key] = (weakref.ref(g, lambda _: _DEVICE_GRAPHS.pop(key, None)), arrays)
    return dict(arrays)


def _seed_int(seed: int | None) -> int:
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0] >> 1)
    return int(seed) & ((1 << 63) - 1)


def visit_estimate(
    g: Graph, seed_nodes, seed_mass, alpha: float, n_walks: int, device: str, seed: int | None
) -> np.ndarray:
    """``walks``: ``α·visits/W`` from walks started at the seed distribution."""
    visits = run_walks(
        g, seed_nodes, seed_mass, seed_nodes, seed_mass, alpha, n_walks, True, device, seed
    )
    return alpha * visits / n_walks


def fora(
    g: Graph,
    seed_nodes,
    seed_mass,
    alpha: float,
    accuracy: Accuracy,
    device: str,
    seed: int | None,
    r_max: float | None = None,
    serial: bool = False,
) -> np.ndarray:
    """``hybrid``: push, then walks from the left-over residual mass.

    Without ``r_max`` the push is PowerPush (:func:`power_push`): it sweeps for as
    long as a sweep saves more walk work than it costs. With ``r_max`` it is
    FORA's forward push to that threshold. Either way each residual node keeps
    ``α·r`` and sends ``(1−α)·r`` on walks worth ``1/ω`` each, ``ω`` walks per unit
    of mass as FORA's bound asks.
    """
    if r_max is None:
        walk_cost = (1.0 - alpha) * accuracy.omega * WALK_COST / alpha
        estimate, residual = power_push(
            g, seed_nodes, seed_mass, alpha, accuracy, walk_cost, serial=serial
        )
    else:
        estimate, residual = _push(g, seed_nodes, seed_mass, alpha, r_max)
    if device == "gpu":
        return _fora_walks_gpu(g, seed_nodes, seed_mass, alpha, accuracy, seed, estimate, residual)
    seed = _seed_int(seed)
    nodes, offsets, positive = power.allocate_walks(residual, alpha, accuracy.omega, seed, estimate)
    if offsets[-1] == 0:
        return np.maximum(estimate, 0.0, out=estimate)
    prepared = _prepared(g)
    seed_cdf = np.cumsum(seed_mass)
    seed_cdf[-1] = np.inf
    ends = np.empty(int(offsets[-1]), dtype=np.int64)
    walk = power.forced_walk_ends_serial if serial else power.forced_walk_ends
    walk(
        g.indptr,
        prepared.indices,
        prepared.cumulative,
        g.is_weighted,
        nodes,
        offsets,
        seed_nodes,
        seed_cdf,
        alpha,
        seed,
        ends,
    )
    power.add_walk_ends(ends, positive, 1.0 / accuracy.omega, estimate)
    # A negative walk (from a node the sweeps overshot) may take a node's estimate
    # below zero by at most its weight 1/ω, far below the significance threshold.
    return np.maximum(estimate, 0.0, out=estimate)


def _fora_walks_gpu(g, seed_nodes, seed_mass, alpha, accuracy, seed, estimate, residual):
    """FORA's walks on the GPU kernel: ``⌈r_sum·ω⌉`` walks started in proportion to the
    residuals, each adding ``r_sum/W`` at its end point; the positive and the
    negative residuals (over-relaxed sweeps leave some) run as two sets of walks."""
    for sign, nodes in ((1.0, np.flatnonzero(residual > 0)), (-1.0, np.flatnonzero(residual < 0))):
        mass = np.abs(residual[nodes])
        r_sum = mass.sum()
        if r_sum <= 0:
            continue
        n_walks = accuracy.walks_for_mass(r_sum)
        ends = run_walks(
            g,
            nodes,
            mass / r_sum,
            seed_nodes,
            seed_mass,
            alpha,
            n_walks,
            False,
            "gpu",
            seed if sign > 0 else _seed_int(seed) ^ 0x5A5A5A5A,
        )
        estimate = estimate + ends * (sign * r_sum / n_walks)
    return np.maximum(estimate, 0.0)


# ------------------------------------------------------------------ PowerPush

# Cost of one walk step in units of one edge of a sweep, for the rule that ends the
# sweeps: measured on the 1M-edge BA graph of benchmarks/ppr.py, a sweep reads an
# edge in about 1.5 ns and a walk step (a cache miss, 16 walks interleaved) takes
# about 25 ns. The index looks a walk up instead (about 2 edges' worth).
WALK_COST = 16.0
LOOKUP_COST = 2.0
# The local push hands over to sweeps when its queue outgrows 4·n/(average degree)
# nodes (SpeedPPR's rule) or it has pushed PUSH_BUDGET·(nnz + n) edges (a FIFO push
# reads an edge several times slower than a sweep: 0.01-0.03 did best in paired runs
# on the 1M- and 10M-edge BA graphs, 1.05-1.14x faster than 0.1 and 1.2-1.3x faster
# than sweeping from the start); it starts with threshold FIRST_THRESHOLD·deg.
FIRST_THRESHOLD = 1e-3
QUEUE_FACTOR = 4.0
PUSH_BUDGET = 0.02
PRECISE_SWEEPS = 1e-4
CLEANUP_AT = 0.4
# How much residual the sweeps leave, for the rule that ends them; measured on the
# BA, ER, planted and R-MAT graphs of bench-data/ (power_push). Gauss–Seidel
# sweeps (directed graphs): the residual left per unit of mass met and per unit
# of rate, and the typical rate. Over-relaxed sweeps (undirected): what a last
# Gauss–Seidel sweep would leave per unit of mass met by the sweep before it,
# after the first sweep (0.24-0.26), while the residual is not yet falling
# (0.07-0.09) and once it is (0.02-0.05); one more over-relaxed sweep first cuts
# that to FINISH_RATE (0.17-0.38) of itself.
RESIDUAL_PER_MOVE = 0.55
TYPICAL_RATE_GAUSS_SEIDEL = 0.73
FINISH_PER_MOVE = (0.24, 0.08, 0.04)
FINISH_RATE = 0.3
# A measured rate above SLOW_START_RATE means the residual has not started to fall;
# a rise below STALL_FLOOR (mass moved by a sweep) is the gathers' rounding noise.
SLOW_START_RATE = 0.9
STALL_FLOOR = {np.float32: 1e-5, np.float64: 1e-12}
MAX_SWEEPS = 1000
# Sweep blocks: about this many edge reads each (a row costs its edges plus ROW_WORK),
# small enough that a colour's blocks split evenly over the threads.
SWEEP_BLOCK_WORK = 16384
ROW_WORK = 4


def sor_relaxation(alpha: float) -> float:
    """The over-relaxation of the sweeps: Young's ``2/(1+√(1−ρ²))`` for the Jacobi
    rate ``ρ = 1−0.6·α`` (about 1.41 at α = 0.15).

    Young's formula assumes a consistently ordered matrix, which a graph's is not,
    and its rate for the PPR system, ``1−α`` (ω = 1.31 at α = 0.15), is that of the
    slowest mode. Measured on the BA, ER, R-MAT and planted graphs of bench-data/,
    with the sweeps ending on a plain Gauss–Seidel one (see :func:`power_push`):
    after two over-relaxed sweeps and that one, ω = 1.42 left 0.56–0.75 of the
    residual mass that 1.31 left, and after three 0.25–0.38 of it; 1.5 and more
    leave more, most of it negative. The best ω on the 1M-edge BA graph was about
    1.6 at α = 0.05, 1.2 at α = 0.3 and 1.1–1.2 at α = 0.5, which ``1−0.6·α`` follows
    (1.61, 1.27, 1.17).

    >>> round(sor_relaxation(0.15), 2)
    1.41

    References
    ----------
    D. M. Young, "Iterative methods for solving partial difference equations of
    elliptic type", Trans. AMS 76 (1954).
    """
    rate = 1.0 - 0.6 * alpha
    return 2.0 / (1.0 + math.sqrt(1.0 - rate * rate))


class _Prepared:
    """Per-graph arrays the queries share, computed once: the graph's indices as
    unsigned (:func:`_unsigned_indices`), the pull CSR (the graph's own when
    undirected, its transpose when directed), ``1/out-weight`` and the rows' running
    weights for weighted walks."""

    def __init__(self, g: Graph):
        self.indices = _unsigned_indices(g)
        self.weights, self.out_weight = _weights(g)
        out = g.degree(weighted=True).astype(np.float64)
        self.inverse_out = np.zeros_like(out)
        np.divide(1.0, out, out=self.inverse_out, where=out > 0)
        self.dangling_nodes = np.flatnonzero(out <= 0)
        if g.directed:
            transposed = g.to_scipy().T.tocsr()
            transposed.sort_indices()
            self.pull_indptr = transposed.indptr.astype(np.int64)
            self.pull_indices = transposed.indices.astype(g.indices.dtype)
            self.pull_weights = transposed.data.astype(np.float64) if g.is_weighted else np.empty(0)
        else:
            self.pull_indptr, self.pull_indices = g.indptr, g.indices
            self.pull_weights = (
                np.asarray(g.weights, dtype=np.float64) if g.is_weighted else np.empty(0)
            )
        self.cumulative = _cumulative(g)
        self._sweep_graph = None

    def sweep_graph(self, g: Graph) -> _SweepGraph:
        if self._sweep_graph is None:
            self._sweep_graph = _SweepGraph(g, self)
        return self._sweep_graph


class _SweepGraph:
    """The pull CSR renumbered colour by colour, for :func:`power.coloured_sweep`.

    A sweep runs the nodes of one colour (no two adjacent) in parallel. Numbering
    them consecutively keeps its reads sequential: on the 10M-edge BA graph a
    serial sweep in colour order over the original ids took 2.5x the time of one in
    id order, and over the renumbered graph the same time, or 0.41x of it on two
    threads. ``order[i]`` is the original id of node ``i``; the blocks split each
    colour into about ``SWEEP_BLOCK_WORK`` edge reads, so that the threads get
    even shares. The copy costs one more CSR in memory.
    """

    def __init__(self, g: Graph, prepared: _Prepared):
        colour = power.first_fit_colouring(
            g.indptr, g.indices, prepared.pull_indptr, prepared.pull_indices
        )
        self.order = np.argsort(colour, kind="stable").astype(np.int64)
        self.position = np.empty_like(self.order)
        self.position[self.order] = np.arange(g.n_nodes)
        self.indptr, self.indices, self.weights = power.renumbered(
            prepared.pull_indptr,
            prepared.pull_indices,
            prepared.pull_weights,
            g.is_weighted,
            self.order,
            np.empty(0, dtype=np.uint32 if g.n_nodes < 2**32 else np.int64),
        )
        self.inverse_out = prepared.inverse_out[self.order]
        self.dangling_nodes = self.position[prepared.dangling_nodes]
        sorted_colour = colour[self.order]
        colour_starts = np.searchsorted(sorted_colour, np.arange(sorted_colour[-1] + 2))
        work = np.diff(self.indptr) + ROW_WORK
        work_before = np.cumsum(work) - work
        chunk = (work_before - work_before[colour_starts[sorted_colour]]) // SWEEP_BLOCK_WORK
        starts = np.flatnonzero(np.r_[True, (np.diff(sorted_colour) != 0) | (np.diff(chunk) != 0)])
        self.block_starts = np.r_[starts, g.n_nodes].astype(np.int64)
        self.colour_blocks = np.searchsorted(starts, colour_starts).astype(np.int64)


_PREPARED: dict = {}


def _prepared(g: Graph) -> _Prepared:
    import weakref

    key = id(g)
    cached = _PREPARED.get(key)
    if cached is not None and cached[0]() is g:
        return cached[1]
    prepared = _Prepared(g)
    _PREPARED[key] = (weakref.ref(g, lambda _: _PREPARED.pop(key, None)), prepared)
    return prepared


def power_push(
    g: Graph,
    seed_nodes,
    seed_mass,
    alpha: float,
    accuracy: Accuracy,
    walk_cost: float,
    r_max: float | None = None,
    serial: bool = False,
    queue_limit: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """PowerPush (Wu et al., SIGMOD 2021): ``(estimate, residual)`` with
    ``π = estimate + Σ_v residual[v]·π_v``.

    A local push from the seeds while the frontier is small, then Gauss–Seidel
    sweeps (:mod:`engine._kernels.ppr_power_push`; on every core, colour by colour
    over the renumbered copy of the graph in :class:`_SweepGraph`, built on the
    first query) until one more sweep would save less walk work than it costs: a
    sweep costs ``nnz + n`` (edge reads), and leaves the residual mass
    ``r_sum = Σ|r|`` at ``q·r_sum``, which saves ``(1−q)·r_sum·walk_cost``:
    ``walk_cost`` is the cost of the walks for one unit of residual mass, in edge
    reads. On undirected graphs the sweeps are over-relaxed (:func:`sor_relaxation`)
    but for the last, a plain one, which the rule chooses ahead (over-relaxed sweeps
    overshoot π at some nodes; the last plain sweep left 0.11–0.25 of the residual
    mass of one more over-relaxed sweep on the bench graphs). With ``r_max`` the
    sweeps go on at least until ``r_sum ≤ CLEANUP_AT·r_max·nnz``, then a FIFO push
    brings every node to ``|residual| ≤ r_max·deg`` (what the index needs).
    ``queue_limit`` overrides the local push's hand-over size (0: sweep from the
    start). The residual may be negative at some nodes.

    >>> import engine
    >>> g = engine.sample("karate")
    >>> nodes, mass = seed_distribution(g, 0)
    >>> accuracy = Accuracy.of(g, 0.5, None, None)
    >>> estimate, residual = power_push(g, nodes, mass, 0.15, accuracy, 1e6, queue_limit=0)
    >>> round(float(estimate.sum() + residual.sum()), 9)
    1.0
    """
    n = g.n_nodes
    prepared = _prepared(g)
    estimate = np.zeros(n)
    residual = np.zeros(n)
    residual[seed_nodes] = seed_mass
    floor = accuracy.r_max if r_max is None else r_max
    if queue_limit is None:
        queue_limit = max(64, int(QUEUE_FACTOR * n * n / max(g.nnz, 1)))
    finished, _ = power.local_push(
        g.indptr,
        prepared.indices,
        prepared.weights,
        g.is_weighted,
        prepared.out_weight,
        seed_nodes,
        seed_mass,
        alpha,
        floor,
        FIRST_THRESHOLD,
        queue_limit,
        PUSH_BUDGET * (g.nnz + n),
        estimate,
        residual,
    )
    if finished:
        return estimate, residual
    # The sweeps run on the graph renumbered colour by colour (_SweepGraph).
    renumbered = prepared.sweep_graph(g)
    x = estimate[renumbered.order]
    seed_positions = renumbered.position[seed_nodes]
    seed_vector = np.zeros(n)
    seed_vector[seed_positions] = seed_mass
    sweep_cost = g.nnz + n
    # Float32 gathers are noisy at about 1e-7 of the mass: enough unless the sweeps
    # are priced to go near that far (as with walks priced out).
    y = np.empty(n, dtype=np.float32 if sweep_cost > PRECISE_SWEEPS * walk_cost else np.float64)
    dangling = power.scaled_values(x, renumbered.inverse_out, y)
    relaxation = 1.0 if g.directed else sor_relaxation(alpha)
    moved_per_block = np.empty(renumbered.block_starts.shape[0] - 1)
    sweep = power.coloured_sweep_serial if serial else power.coloured_sweep
    # With r_max, sweep on until few nodes are left above it: the FIFO clean-up pushes
    # an edge ~10x slower than a sweep reads one (on BA graphs no node was left above
    # r_max·deg once r_sum fell to 0.4·r_max·nnz).
    enough = math.inf if r_max is None else CLEANUP_AT * r_max * g.nnz
    last_moved = math.inf
    final = False
    for sweep_number in range(MAX_SWEEPS):
        sweep(
            renumbered.indptr,
            renumbered.indices,
            renumbered.weights,
            g.is_weighted,
            renumbered.inverse_out,
            seed_vector,
            alpha + (1.0 - alpha) * dangling,
            1.0 if final else relaxation,
            alpha,
            renumbered.block_starts,
            renumbered.colour_blocks,
            x,
            y,
            moved_per_block,
        )
        moved = float(moved_per_block.sum())
        # The seeds took the dangling mass as it was when the sweep began (updating it
        # inside the sweep halved its speed under Numba 0.68): bring them up to date,
        # or the lag makes the sweeps oscillate on graphs with dangling nodes.
        if renumbered.dangling_nodes.shape[0]:
            restart_change = (1.0 - alpha) * (x[renumbered.dangling_nodes].sum() - dangling)
            x[seed_positions] += restart_change * seed_mass
            y[seed_positions] = x[seed_positions] * renumbered.inverse_out[seed_positions]
            moved += abs(restart_change)
            dangling = float(x[renumbered.dangling_nodes].sum())
        if final:
            break
        # A sweep moves node v by relaxation·α·|r_v| (its residual at that moment), so
        # `met`, below, gauges the residual mass, and the fall of `moved` from the last
        # sweep the rate of the next one.
        rate = math.nan if sweep_number == 0 else moved / last_moved
        last_moved = moved
        if moved <= 0.0 or (rate >= 1.0 and moved < STALL_FLOOR[y.dtype.type]):
            break  # converged, or stalled at the noise floor of the gathers
        met = moved / (relaxation * alpha)
        # Not falling yet (a measured rate above SLOW_START_RATE): the second sweep from
        # most BA sources moves as much as the first. Pricing the next sweep at that
        # rate saw no saving and stopped (3.2M walks instead of 25k).
        starting = sweep_number == 0 or rate >= SLOW_START_RATE
        if relaxation == 1.0:
            # Gauss–Seidel: the residual left is RESIDUAL_PER_MOVE of the rate times
            # the mass met, and the next sweep leaves `rate` of it.
            if starting:
                rate = TYPICAL_RATE_GAUSS_SEIDEL
            left, next_rate = RESIDUAL_PER_MOVE * rate * met, rate
        else:
            # Over-relaxed: the sweeps end with a plain Gauss–Seidel one, which leaves a
            # fraction of an over-relaxed sweep's residual (SOR overshoots π at some
            # nodes: its residual is signed, and costs walks without carrying mass).
            # `left` is what that last sweep would leave now: FINISH_PER_MOVE of the
            # mass met, and one more over-relaxed sweep first would cut it to
            # FINISH_RATE of itself.
            phase = 0 if sweep_number == 0 else (1 if starting else 2)
            left, next_rate = FINISH_PER_MOVE[phase] * met, FINISH_RATE
        # what one more sweep (over-relaxed, if the sweeps are) would save in walk
        # work, against its cost
        if (1.0 - next_rate) * left * walk_cost < sweep_cost and left <= enough:
            if relaxation == 1.0:
                break
            final = True
    estimate = np.empty(n)
    (power.residual_pass_serial if serial else power.residual_pass)(
        renumbered.indptr,
        renumbered.indices,
        renumbered.weights,
        g.is_weighted,
        renumbered.inverse_out,
        seed_vector,
        alpha,
        dangling,
        renumbered.block_starts,
        x,
        y,
        renumbered.order,
        estimate,
        residual,
    )
    if r_max is not None:
        power.cleanup_push(
            g.indptr,
            prepared.indices,
            prepared.weights,
            g.is_weighted,
            prepared.out_weight,
            seed_nodes,
            seed_mass,
            alpha,
            r_max,
            estimate,
            residual,
        )
    return estimate, residual


# ------------------------------------------------------------------ the index


class PPRIndex:
    """Precomputed walks for answering many PPR queries fast (FORA+).

    ``build`` stores, for every node ``v``, the end points of
    ``⌈(1−α)·r_max·deg(v)·ω⌉`` walks from ``v`` that take their first step for
    sure: as many as the hybrid method could need from ``v`` once
    ``|r_v| ≤ r_max·deg(v)``, since a query keeps ``α·r_v`` at ``v`` itself and sends
    only the rest on walks (as SpeedPPR does; 15% fewer walks stored and looked up
    than FORA+'s walks that may stop at once). A query is then PowerPush down to
    that bound plus a look-up, with no walk at query time and the same error
    guarantee as ``method="hybrid"``. A walk that meets a dangling node is stored as a
    restart (-1): its mass is given back to the seeds at query time by solving
    ``π = x + q·π``.

    Why not PowerWalk's fixed R fingerprints per node (Liu et al. 2016): a fixed
    R gives no relative-error guarantee, and spends as many walks on a leaf as on
    a hub; sizing each node's walks by the residual it can receive gives the
    guarantee at a similar index size.

    Examples
    --------
    >>> import engine
    >>> g = engine.sample("karate")
    >>> index = PPRIndex.build(g, seed=1)
    >>> index.query(0, top_k=3)["node"].tolist()
    [0, 1, 2]

    References
    ----------
    S. Wang, R. Yang, X. Xiao, Z. Wei, Y. Yang, "FORA: Simple and effective
    approximate single-source personalized PageRank", KDD 2017 (FORA+).
    H. Wu, J. Gan, Z. Wei, R. Zhang, "Unifying the global and local approaches: an
    efficient power iteration with forward push", SIGMOD 2021 (SpeedPPR's index).
    """

    FORMAT_VERSION = 2

    def __init__(
        self,
        graph: Graph,
        alpha: float,
        accuracy: Accuracy,
        offsets: np.ndarray,
        ends: np.ndarray,
        seed: int,
    ):
        self.graph = graph
        self.alpha = alpha
        self.accuracy = accuracy
        self.offsets = offsets
        self.ends = ends
        self.seed = seed

    @classmethod
    def build(
        cls,
        g: Graph,
        alpha: float = DEFAULT_ALPHA,
        *,
        eps: float = 0.5,
        delta: float | None = None,
        threshold: float | None = None,
        seed: int | None = None,
        progress: Progress = None,
        balance: float = INDEX_BALANCE,
    ) -> PPRIndex:
        """Run and store the walks (on every CPU core); ``progress`` gets one call per chunk.

        ``balance`` scales the walks stored per node (and the residual a query may
        leave): on the 1M-edge BA graph of benchmarks/ppr.py, 4 stores 4x the walks
        and answers in about 0.6x the time of 1 (22 vs 35 ms, one run, loaded machine).
        """
        alpha = check_alpha(alpha)
        balance = _check_positive("balance", balance)
        accuracy = Accuracy.of(g, eps, delta, threshold, balance)
        # The walks cost 12 bytes each while being stored: refuse before drawing them.
        check_memory(
            ppr_index_memory(g, alpha, eps=eps, delta=delta, threshold=threshold, balance=balance),
            f"PPRIndex.build(eps={eps}, balance={balance}) on {g.n_nodes:,} nodes",
            parameter="balance",
        )
        seed = _seed_int(check_seed(seed))
        degrees = np.maximum(np.diff(g.indptr), 1)
        per_node = np.ceil((1.0 - alpha) * accuracy.r_max * degrees * accuracy.omega)
        offsets = np.zeros(g.n_nodes + 1, dtype=np.int64)
        np.cumsum(per_node.astype(np.int64), out=offsets[1:])
        total = int(offsets[-1])
        ends = np.empty(total, dtype=np.int64)
        cumulative = _cumulative(g)
        indices = _unsigned_indices(g)
        chunk = max(1, -(-total // 20))
        for first in range(0, total, chunk):
            last = min(first + chunk, total)
            starts = np.searchsorted(offsets, np.arange(first, last), side="right") - 1
            kernels.stored_walk_ends(
                g.indptr,
                indices,
                cumulative,
                g.is_weighted,
                starts,
                alpha,
                seed,
                first,
                ends[first:last],
            )
            if progress is not None:
                progress(last, total, "walks")
        small = ends.astype(np.int32) if g.n_nodes < 2**31 else ends
        return cls(g, alpha, accuracy, offsets, small, seed)

    @property
    def n_walks(self) -> int:
        return int(self.offsets[-1])

    def query(self, seeds, top_k: int | None = None):
        """PPR for ``seeds`` (as :func:`ppr`): a vector, or a top-``k`` DataFrame."""
        seed_nodes, seed_mass = seed_distribution(self.graph, seeds)
        estimate = self._scores(seed_nodes, seed_mass)
        return estimate if top_k is None else top_nodes(self.graph, estimate, top_k)

    def _scores(self, seed_nodes, seed_mass, serial: bool = False) -> np.ndarray:
        """PowerPush down to ``|residual| ≤ r_max·deg`` (every node then needs at most
        the walks stored for it), then the stored walks' end points, signed as the
        residual. The sweeps stop by the hybrid's rule, with a stored walk costing a
        look-up."""
        estimate, residual = power_push(
            self.graph,
            seed_nodes,
            seed_mass,
            self.alpha,
            self.accuracy,
            (1.0 - self.alpha) * self.accuracy.omega * LOOKUP_COST,
            r_max=self.accuracy.r_max,
            serial=serial,
        )
        arguments = (self.offsets, self.ends, residual, self.alpha, self.accuracy.omega)
        if serial:
            kernels.accumulate_fingerprints_serial(*arguments, self.seed, estimate)
        else:
            kernels.accumulate_fingerprints(*arguments, self.seed, estimate, _lanes())
        return estimate

    def query_batch(
        self, sources: Iterable, top_k: int = 100, progress: Progress = None
    ) -> pd.DataFrame:
        """Top-``k`` of many single sources: one table ``source``, ``node``, ``score``;
        one query per thread on every core."""
        sources = list(sources)
        top_k = _check_top_k(top_k)
        ids = self.graph.node_ids(sources)
        workers = _lanes()

        def query(node: int) -> np.ndarray:
            return self._scores(np.array([node]), _ONE, serial=workers > 1)

        return _top_table(self.graph, sources, ids, query, top_k, progress, "query", workers)

    def save(self, path) -> str:
        """Write the index (``.npz``) atomically; by convention beside the graph's store."""
        import json
        from pathlib import Path

        from engine.export import graph_fingerprint
        from loaders.atomic import atomic_write

        path = Path(path)
        meta = {
            "format_version": self.FORMAT_VERSION,
            "alpha": self.alpha,
            "eps": self.accuracy.eps,
            "delta": self.accuracy.delta,
            "threshold": self.accuracy.threshold,
            "balance": self.accuracy.balance,
            "seed": self.seed,
            "graph": graph_fingerprint(self.graph),
        }

        def write(temporary) -> None:
            # A file object, not a name: np.savez would append ".npz" to the name.
            with open(temporary, "wb") as sink:
                np.savez(
                    sink, offsets=self.offsets, ends=self.ends, meta=np.array(json.dumps(meta))
                )

        atomic_write(path, write)
        return str(path)

    @classmethod
    def load(cls, path, g: Graph) -> PPRIndex:
        """Open a saved index for ``g``, checked before any kernel sees it.

        Raises
        ------
        sketches.bundle.IndexFileError (a ValueError)
            Naming the file: built for another graph or in another format (format 1
            stored walks that could stop at once: rebuild), or damaged: not a zip,
            a corrupt member, a missing or pickled array, a wrong dtype or shape,
            ``offsets`` not starting at 0 / decreasing / not ending at the number of
            ``ends``, a walk end outside ``[-1, n)``, a parameter out of range.
        """
        from sketches.bundle import open_bundle

        with open_bundle(path) as bundle:
            meta = bundle.meta()
            _check_index_meta(bundle, meta, g, cls.FORMAT_VERSION)
            alpha = bundle.number(meta, "alpha", 0.0, 1.0)
            eps = bundle.number(meta, "eps", 0.0)
            delta = bundle.number(meta, "delta", 0.0, 1.0)
            threshold = bundle.number(meta, "threshold", 0.0, 1.0, high_open=False)
            balance = bundle.number(meta, "balance", 0.0)
            seed = bundle.integer(meta, "seed", 0, 2**63 - 1)
            try:
                accuracy = Accuracy(eps, delta, threshold, max(g.nnz, 1), balance)
            except (ZeroDivisionError, OverflowError):  # eps**2 out of float range
                accuracy = None
            if accuracy is None or not (
                0 < accuracy.omega < math.inf and 0 < accuracy.r_max < math.inf
            ):
                raise bundle.error(
                    f"eps={eps!r}, delta={delta!r}, threshold={threshold!r} and "
                    f"balance={balance!r} give no usable walk count"
                )
            offsets, ends = _read_walks(bundle, g.n_nodes)
        return cls(g, alpha, accuracy, offsets, ends, seed)


def _check_index_meta(bundle, meta: dict, g: Graph, version: int) -> None:
    """The index's format version and the graph it was built for (its fingerprint)."""
    from engine.export import graph_fingerprint

    found = bundle.integer(meta, "format_version", 0)
    if found > version:
        raise bundle.error(f"index format {found} is newer than this gwb reads ({version})")
    if found < version:
        raise bundle.error(
            f"index format {found} is older than this gwb reads ({version}); "
            "build it again with PPRIndex.build"
        )
    built_for = bundle.mapping(meta, "graph")
    if built_for.get("sha256") != graph_fingerprint(g)["sha256"]:
        name, edges = built_for.get("name"), built_for.get("n_edges")
        raise bundle.error(
            f"was built for another graph ({str(name)[:60]}, {str(edges)[:20]} edges)"
        )


def _read_walks(bundle, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The stored walks' ``offsets`` (int64, ``n + 1``, from 0 up to the number of
    walks, at least one walk per node: build stores ``⌈…⌉ ≥ 1``) and ``ends``
    (int32 or int64 in ``[-1, n)``, -1 a restart). The kernels index the graph
    with both unchecked, so a bad entry here would be a segfault there. ``ends`` is
    sized from ``offsets`` before it is read, so a damaged size allocates nothing."""
    from sketches.bundle import check_offsets, check_range

    offsets = bundle.array("offsets", [np.int64], [n + 1])
    check_offsets(bundle, "offsets", offsets, None)
    if n and not (offsets[1:] > offsets[:-1]).all():
        node = int(np.argmax(offsets[1:] <= offsets[:-1]))
        raise bundle.error(f"offsets give node {node} no stored walks (build stores >= 1)")
    ends = bundle.array("ends", [np.int32, np.int64], [int(offsets[-1])])
    check_range(bundle, "ends", ends, -1, n)
    return offsets, ends
