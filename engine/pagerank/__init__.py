"""Personalized PageRank: exact power iteration, forward push, random walks and their hybrid.

``π = α·s + (1 − α)·π·P``: ``s`` is the seed distribution, ``P`` the transition
matrix (a walk steps to an out-neighbour with probability proportional to the
edge weight) and ``α`` the teleport probability. **Dangling nodes** (no
out-edges) send the walk, or the pushed mass, back to the seed distribution ``s``.

Methods, one module each, each beside its kernels (``*_kernels.py``)
-------------------------------------------------------------------
``"exact"`` (:mod:`~engine.pagerank.exact`)
    Power iteration with one sparse product per step, float64, to a tolerance.
``"push"`` (:mod:`~engine.pagerank.push`)
    Forward push (Andersen, Chung, Lang 2006) to a residual threshold.
``"walks"`` (:mod:`~engine.pagerank.walks`)
    Monte-Carlo walks (CPU: Numba on every core; GPU: one CUDA thread per walk),
    counting every visit.
``"hybrid"`` (:mod:`~engine.pagerank.hybrid`)
    FORA (Wang et al., KDD 2017): push, then walks from the left-over residual
    mass, with the walk count set by ``eps``, ``delta`` and ``threshold`` so that
    every node with ``π ≥ threshold`` is estimated within relative error ``eps``
    with probability ``1 − delta``. The push is SpeedPPR's PowerPush (Wu et al.,
    SIGMOD 2021, :func:`~engine.pagerank.push.power_push`): a local push, then
    sweeps over the whole graph, over-relaxed on undirected graphs but for the
    last, for as long as a sweep saves more walk work than it costs.

:class:`PPRIndex` (:mod:`~engine.pagerank.index`) stores walks once per graph and
answers hybrid queries by looking them up. What the methods share (the seed
distribution, ``alpha``'s check, the top-``k`` tables) is in
:mod:`~engine.pagerank.common`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from checks import check_between, check_choice, check_positive, check_positive_int
from engine._device import resolve_device
from engine.long_run import LONG_RUN_SECONDS, check_long_run
from engine.pagerank.accuracy import Accuracy
from engine.pagerank.common import (
    DEFAULT_ALPHA,
    DEFAULT_PUSH_R_MAX,
    ONE,
    MethodOptions,
    check_top_k,
    n_threads,
    seed_distribution,
    source_matrix,
    source_table,
    top_nodes,
    top_rows,
)
from engine.pagerank.cost import ppr_batch_estimate
from engine.pagerank.exact import exact_batch, power_iteration
from engine.pagerank.hybrid import fora
from engine.pagerank.index import PPRIndex
from engine.pagerank.push import LocalPushMemo, forward_push_from
from engine.pagerank.top_k import adapts_to_top_k, top_k_query
from engine.pagerank.walks import visit_estimate
from engine.per_graph import Progress
from loaders import Graph

__all__ = ["PPRIndex", "forward_push", "ppr", "ppr_batch", "top_nodes"]

METHODS = ("exact", "push", "walks", "hybrid")
OUTPUTS = ("table", "sparse")


def ppr(
    g: Graph,
    seeds,
    alpha: float = DEFAULT_ALPHA,
    method: str = "hybrid",
    *,
    eps: float = 0.5,
    delta: float | None = None,
    threshold: float | None = None,
    device: str = "auto",
    seed: int | None = None,
    progress: Progress = None,
    r_max: float | None = None,
    n_walks: int | None = None,
    tol: float = 1e-10,
    max_iter: int = 10_000,
) -> np.ndarray:
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
    numpy.ndarray (n,)
        Scores by node id; they sum to about 1. :func:`top_nodes` turns them
        into a ``node``/``score`` table of the highest (ties by id).

    Examples
    --------
    >>> import engine
    >>> g = engine.sample("karate")
    >>> engine.top_nodes(g, engine.ppr(g, 0, method="exact"), 3)["node"].tolist()
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
    alpha = check_between("alpha", alpha, 0, 1)
    check_choice("method", method, METHODS)
    options = MethodOptions(eps, delta, threshold, device, seed, r_max, n_walks, tol, max_iter)
    seed_nodes, seed_mass = seed_distribution(g, seeds)
    scores = _scores(g, seed_nodes, seed_mass, alpha, method, options)
    if progress is not None:
        progress(1, 1, method)
    return scores


def _scores(
    g: Graph,
    seed_nodes,
    seed_mass,
    alpha: float,
    method: str,
    options: MethodOptions,
    serial: bool = False,
    memo: LocalPushMemo | None = None,
) -> np.ndarray:
    """The score vector of :func:`ppr` for a checked seed distribution; ``serial``
    keeps every kernel on the calling thread (batches run one query per thread);
    ``memo`` carries a hybrid query's local push over a top-k query's rounds."""
    accuracy = Accuracy.of(g, options.eps, options.delta, options.threshold)
    if method == "exact":
        tol, max_iter = options.tol, options.max_iter
        return power_iteration(g, seed_nodes, seed_mass, alpha, tol=tol, max_iter=max_iter)
    if method == "push":
        r_max = options.r_max or DEFAULT_PUSH_R_MAX
        return forward_push_from(g, seed_nodes, seed_mass, alpha, r_max)[0]
    where, seed = resolve_device(options.device), options.seed
    if method == "walks":
        walks = options.n_walks or accuracy.walks_for_mass(1.0)
        return visit_estimate(g, seed_nodes, seed_mass, alpha, walks, where, seed)
    return fora(g, seed_nodes, seed_mass, alpha, accuracy, where, seed, options.r_max, serial, memo)


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
    alpha = check_between("alpha", alpha, 0, 1)
    seed_nodes, seed_mass = seed_distribution(g, seeds)
    return forward_push_from(g, seed_nodes, seed_mass, alpha, check_positive("r_max", r_max))


def ppr_batch(
    g: Graph,
    sources: Iterable,
    alpha: float = DEFAULT_ALPHA,
    method: str = "hybrid",
    *,
    top_k: int | None = 100,
    output: str = "table",
    progress: Progress = None,
    block_size: int = 64,
    client=None,
    max_seconds: float | None = LONG_RUN_SECONDS,
    **options,
) -> pd.DataFrame | sp.csr_matrix:
    """Top-``k`` PPR of many single sources, as one table or one sparse matrix.

    ``exact`` runs a block power iteration (``block_size`` sources per sparse
    matrix product); the other methods run one query per source, on the CPU one
    query per core at a time (their kernels release the GIL). Memory stays at one
    block (or a vector per core) plus the result: never an n × batch array.

    With ``top_k`` below ``n`` and no ``threshold`` given, on graphs of at least
    ``engine.pagerank.top_k.TOP_K_MIN_ENTRIES`` entries, ``hybrid`` and ``walks`` queries
    follow FORA's top-k rule (:mod:`engine.pagerank.top_k`): the significance
    threshold falls from ``1/top_k`` only as far as each source's k-th score needs,
    so the kept scores have relative error ``eps`` at a fraction of the cost of a
    whole-vector query (6.4x less on a 100M-edge R-MAT). The list is then right up
    to nodes whose scores lie close to the k-th: on that R-MAT (8 sources against
    exact scores) every node returned scored at least 0.86 of the true k-th (median
    0.99), and the returned scores summed to 0.9997 of the true top 100, but only
    93% of the nodes were the same (82% at worst), as ranks 50 to 150 there lie
    within 12% of one another. For the same nodes as a whole-vector query, pass
    ``threshold=1 / g.n_nodes``.

    With a Dask ``client`` the sources are split into chunks that workers run on
    the graph's store (see :mod:`engine.distributed`). Each source is computed as
    it would be alone, so the result is the same as without a client (with
    ``seed`` given, for the random methods).

    Parameters
    ----------
    g : Graph
    sources : iterable of labels
        One single-source query each (a label may repeat).
    alpha : float in (0, 1)
    method : {"exact", "push", "walks", "hybrid"}
    top_k : int >= 1, or None
        Scores kept per source: the ``top_k`` highest positive ones (ties by id),
        or with None every positive score.
    output : {"table", "sparse"}
        ``"table"``: a DataFrame ``source``, ``node`` (labels), ``score``, each
        source's rows best first. ``"sparse"``: a ``scipy.sparse.csr_matrix`` of
        shape ``(len(sources), n)``, float64, row ``i`` holding source ``i``'s kept
        scores at their node ids (no labels, no table: for many sources, or
        ``top_k=None``, where a table of labels would cost the most).
    progress, block_size, client
        As above; ``options`` are :func:`ppr`'s (``eps``, ``seed``, ``device``, ...).
    max_seconds : float or None
        Refuse (:class:`~engine.long_run.LongRunError`, before any query) when the
        estimate (:func:`engine.estimate.ppr_batch_estimate`) is longer than this;
        default 30 minutes, ``None`` runs whatever the estimate. Not checked with a
        ``client``.

    Returns
    -------
    pandas.DataFrame or scipy.sparse.csr_matrix

    Examples
    --------
    >>> import engine
    >>> g = engine.sample("karate")
    >>> table = ppr_batch(g, [0, 33], method="exact", top_k=2)
    >>> table["source"].tolist()
    [0, 0, 33, 33]
    >>> matrix = ppr_batch(g, [0, 33], method="exact", top_k=2, output="sparse")
    >>> matrix.shape, matrix.nnz, matrix[1].indices.tolist()
    ((2, 34), 4, [32, 33])
    """
    sources = list(sources)
    top_k = g.n_nodes if top_k is None else check_top_k(top_k)
    alpha = check_between("alpha", alpha, 0, 1)
    check_choice("method", method, METHODS)
    check_choice("output", output, OUTPUTS)
    checked = MethodOptions(**options)
    options["seed"] = checked.seed
    ids = g.node_ids(sources)
    if client is None and max_seconds is not None:
        check_long_run(
            ppr_batch_estimate(
                g,
                sources,
                alpha,
                method,
                top_k=top_k,
                output=output,
                block_size=block_size,
                **options,
            ),
            max_seconds,
            "Pass max_seconds=None to run it here anyway, or spread the sources over a "
            "Dask cluster: engine.ppr_batch(g, sources, ..., "
            "client=dask.distributed.Client(ADDRESS)).",
        )
    if client is not None:
        from engine.distributed import map_items

        parts = map_items(
            client,
            g,
            ppr_batch,
            sources,
            progress=progress,
            stage=method,
            alpha=alpha,
            method=method,
            top_k=top_k,
            output=output,
            block_size=block_size,
            max_seconds=None,
            **options,
        )
        if output == "sparse":
            return sp.vstack(parts, format="csr") if parts else source_matrix(g, [])
        return pd.concat(parts, ignore_index=True)
    block_size = check_positive_int("block_size", block_size)
    if method == "exact":
        tops = exact_batch(g, ids, alpha, top_k, block_size, progress, checked.tol)
    else:
        where = resolve_device(checked.device)
        workers = n_threads() if method != "walks" and where == "cpu" else 1
        adaptive = adapts_to_top_k(method, checked, top_k, g)

        def query(node: int) -> np.ndarray:
            memo = LocalPushMemo()  # this source's, over its rounds

            def at(threshold: float | None, delta: float | None) -> np.ndarray:
                options = replace(checked, threshold=threshold, delta=delta)
                serial = workers > 1
                return _scores(g, np.array([node]), ONE, alpha, method, options, serial, memo)

            if adaptive:
                return top_k_query(at, top_k, g.n_nodes, checked.eps, checked.delta)
            return at(checked.threshold, checked.delta)

        tops = top_rows(ids, query, top_k, progress, method, workers)
    return source_matrix(g, tops) if output == "sparse" else source_table(g, sources, tops)
