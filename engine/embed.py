"""FastRP node embeddings (Chen et al., CIKM 2019) on the CPU (Numba) and the GPU (CuPy).

The embedding of node ``i`` is ``Σ_k α_k N_k[i]`` where ``N_0 = L·R`` (a very
sparse random projection ``R`` whose rows are scaled by ``L = D^β``),
``N_k = normalise(S · N_{k-1})`` with ``S = D⁻¹A`` the transition matrix, and
``normalise`` scales each row to unit L2 norm. Because every ``N_k`` is
row-normalised, the ``D⁻¹`` in ``S`` cancels and the kernels multiply by ``A``.

Parameter names and defaults follow Neo4j GDS's ``gds.fastRP`` (iteration weights
``[0, 1, 1]``, normalisation strength 0, node self influence 0, feature
properties with a property ratio); see :func:`fastrp` for the differences.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from checks import check_positive_int, check_seed
from checks.twins import serial_below
from engine._device import resolve_device
from engine._kernels import embed as kernels
from engine._kernels.csr import CSR, csr_of
from engine.embed_cost import fastrp_estimate, fastrp_memory
from engine.long_run import LONG_RUN_SECONDS, check_long_run
from engine.per_graph import Progress
from loaders import Graph
from loaders.memory import check_memory
from sketches import very_sparse_random_projection

# Narrowest column block of the CPU propagation: 16 float32 = one 64-byte cache line.
_MIN_BLOCK = 16


def fastrp(
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
    progress: Progress = None,
    block_width: int | None = None,
    client=None,
    max_seconds: float | None = LONG_RUN_SECONDS,
) -> np.ndarray:
    """FastRP embeddings of every node.

    Parameters
    ----------
    g : Graph
        Weighted graphs average neighbours by edge weight; directed graphs
        follow out-edges (node ``i`` aggregates the nodes it points to).
    dim : int
        Embedding dimension (GDS ``embeddingDimension``).
    iteration_weights : sequence of float
        ``α_1..α_K``: the weight of each propagation step; its length is the
        number of steps (GDS ``iterationWeights``).
    normalization_strength : float
        ``β`` in ``L = D^β``: negative values damp the random vectors of
        high-degree nodes (GDS ``normalizationStrength``; the paper's β).
    self_influence : float
        Weight of the (row-normalised) initial vector ``N_0`` in the sum
        (GDS ``nodeSelfInfluence``).
    density : float in (0, 1], optional
        Non-zero fraction of ``R``; ``1/sqrt(n)`` by default, as in the paper.
        (GDS uses a fixed sparsity; this is the one intended difference.)
    features : str, list of str, or array (n × f), optional
        Node attributes (by name) or a feature matrix projected into the last
        ``round(feature_ratio · dim)`` dimensions of ``N_0`` (GDS
        ``featureProperties``).
    feature_ratio : float in [0, 1]
        Share of the dimensions given to the features (GDS ``propertyRatio``).
    seed : int, optional
        Same seed, same device → bit-identical output (the CPU kernels sum each
        row in a fixed order, whatever the number of threads).
    device : {"auto", "cpu", "gpu"}
    progress : callable ``(done, total, stage)``, optional
    block_width : int, optional
        Columns per pass when a step must propagate in place (only with
        ``self_influence`` and two or more steps); by default the widest block
        whose scratch buffer is no larger than the graph, so that peak memory
        stays within twice (graph + output).
    client : dask.distributed.Client, optional
        Run each step as row-block tasks on a Dask cluster (see
        :mod:`engine.distributed`): a worker holds its block of rows and the
        previous step's n × dim matrix, broadcast once per step. The result is
        allclose to the single-process one (sums may round differently).
    max_seconds : float or None
        Refuse (:class:`~engine.long_run.LongRunError`, before any work) when the
        estimate (:func:`engine.estimate.fastrp_estimate`) is longer than this;
        default :data:`~engine.long_run.LONG_RUN_SECONDS` (30 minutes), ``None``
        runs whatever the estimate. Not checked with a ``client``.

    Returns
    -------
    numpy.ndarray of float32, shape (n_nodes, dim)
        Row ``i`` is the embedding of node id ``i``.

    Notes
    -----
    The defaults are GDS's. They were kept after measuring node classification
    (logistic regression, 50% training, macro-F1) against the paper's tuned
    setting (weights ``(0, 0, 1, 6)``, β = -0.9): 0.630 vs 0.618 on email-Eu-core,
    0.740 vs 0.721 on Cora, 0.999 vs 1.000 on the planted-partition sample.

    References
    ----------
    H. Chen, S. F. Sultan, Y. Tian, M. Chen, S. Skiena, "Fast and Accurate
    Network Embeddings via Very Sparse Random Projection", CIKM 2019.

    Examples
    --------
    >>> import engine
    >>> g = engine.sample("karate")
    >>> emb = engine.fastrp(g, dim=32, seed=0, device="cpu")
    >>> emb.shape, emb.dtype.name
    ((34, 32), 'float32')
    >>> bool((engine.fastrp(g, dim=32, seed=0, device="cpu") == emb).all())
    True
    """
    weights = _check_iteration_weights(iteration_weights)
    dim = check_positive_int("dim", dim)
    beta = _check_finite("normalization_strength", normalization_strength)
    self_influence = _check_finite("self_influence", self_influence)
    feature_matrix = _feature_matrix(g, features)
    feature_dim = _feature_dim(dim, feature_ratio, feature_matrix)
    seed = check_seed(seed)
    where = resolve_device(device)
    if client is None and max_seconds is not None:
        check_long_run(
            fastrp_estimate(
                g,
                dim,
                weights,
                beta,
                self_influence,
                density,
                feature_matrix,
                feature_ratio,
                block_width=block_width,
            ),
            max_seconds,
            "Pass max_seconds=None to run it here anyway, or spread it over a Dask cluster: "
            "engine.fastrp(g, ..., client=dask.distributed.Client(ADDRESS)).",
        )
    # Refuse before allocating: the n x dim matrices are the bulk (10M nodes at dim 256: 20 GB).
    check_memory(
        fastrp_memory(
            g,
            dim,
            weights,
            self_influence,
            density=density,
            n_features=0 if feature_matrix is None else feature_matrix.shape[1],
            feature_dim=feature_dim,
            block_width=block_width,
            client=client,
        ),
        f"fastrp(dim={dim}) on {g.n_nodes:,} nodes",
        parameter="dim",
    )

    on_gpu = where == "gpu" and client is None
    if on_gpu:
        import cupy as xp
        import cupyx.scipy.sparse
    else:
        xp = np
    initial = initial_vectors(
        g,
        dim,
        beta,
        density=density,
        features=feature_matrix,
        feature_dim=feature_dim,
        seed=seed,
        xp=xp,
    )
    if client is not None:
        return _propagate_dask(client, g, initial, weights, self_influence, progress)
    if on_gpu:
        result = propagate_array_module(
            g, initial, weights, self_influence, xp, cupyx.scipy.sparse.csr_matrix, progress
        )
        return xp.asnumpy(result)
    # Rows are independent, so the threads change nothing but speed; a small graph
    # runs serial and never compiles the parallel twins (issue #22).
    with serial_below(g.n_nodes + g.nnz):
        return _propagate_cpu(g, initial, weights, self_influence, progress, block_width)


def initial_vectors(
    g: Graph,
    dim: int,
    normalization_strength: float = 0.0,
    *,
    density: float | None = None,
    features: np.ndarray | None = None,
    feature_dim: int = 0,
    seed: int | None = None,
    xp=np,
):
    """``N_0``: the degree-scaled random projection, plus projected features (float32, n × dim).

    ``R`` is drawn on the CPU for every device, so the CPU and GPU runs start from the
    same ``R``; the dense ``N_0`` is built by the array module ``xp`` (CuPy: in device
    memory), so that only ``R``'s non-zeros, about ``dim·sqrt(n)``, cross to the GPU
    rather than an n × dim matrix (4 GB at 8M nodes and dim 128).

    Examples
    --------
    >>> import engine
    >>> g = engine.sample("karate")
    >>> initial = initial_vectors(g, 16, seed=0)
    >>> initial.shape, initial.dtype.name, bool((initial != 0).any(axis=1).mean() > 0.5)
    ((34, 16), 'float32', True)
    """
    random_seed, feature_seed = np.random.SeedSequence(check_seed(seed)).spawn(2)
    random_dim = dim - feature_dim
    initial = xp.zeros((g.n_nodes, dim), dtype=xp.float32)
    if random_dim:
        degrees = g.degree(weighted=True).astype(np.float64)
        # Isolated nodes keep scale 1: 0**β is undefined for β < 0 and they propagate nothing.
        scale = np.ones(g.n_nodes)
        positive = degrees > 0
        scale[positive] = degrees[positive] ** normalization_strength
        projection = very_sparse_random_projection(
            g.n_nodes, random_dim, density=density, seed=_derived_seed(random_seed)
        )
        # SparseProjection.to_dense's scatter, done where ``initial`` lives (same values).
        rows = np.repeat(np.arange(g.n_nodes), np.diff(projection.indptr))
        values = projection.values * scale.astype(np.float32)[rows]
        initial[xp.asarray(rows), xp.asarray(projection.indices)] = xp.asarray(values)
    if feature_dim:
        projection = very_sparse_random_projection(
            features.shape[1], feature_dim, density=density, seed=_derived_seed(feature_seed)
        )
        dense = projection.to_dense()
        initial[:, random_dim:] = xp.asarray(features @ dense)
    return initial


def propagate_array_module(
    g: Graph,
    initial: np.ndarray,
    iteration_weights: list[float],
    self_influence: float,
    xp,
    csr_matrix,
    progress: Progress = None,
):
    """The FastRP iterations written for any array module (CuPy on the GPU).

    With ``xp=numpy`` and ``csr_matrix=scipy.sparse.csr_matrix`` it is the CPU
    twin that CI runs; with CuPy the matrices live in device memory and one
    SpMM per step runs on the GPU.
    """
    n = g.n_nodes
    data = (
        xp.ones(g.nnz, dtype=xp.float32)
        if g.weights is None
        else xp.asarray(g.weights, dtype=xp.float32)
    )
    adjacency = csr_matrix((data, xp.asarray(g.indices), xp.asarray(g.indptr)), shape=(n, n))
    current = xp.asarray(initial)
    embedding = xp.zeros_like(current)
    if self_influence:
        embedding += xp.float32(self_influence) * _row_normalized(xp, current)
    for step, weight in enumerate(iteration_weights, start=1):
        current = _row_normalized(xp, adjacency @ current)
        if weight:
            embedding += xp.float32(weight) * current
        if progress is not None:
            progress(step, len(iteration_weights), "propagate")
    return embedding


def _propagate_dask(
    client,
    g: Graph,
    initial: np.ndarray,
    weights: list[float],
    self_influence: float,
    progress: Progress,
) -> np.ndarray:
    """The FastRP steps as one round of row-block tasks per step on a Dask cluster."""
    from engine.distributed import map_node_ranges

    current = initial
    embedding = np.zeros_like(initial)
    if self_influence:
        embedding += np.float32(self_influence) * _row_normalized(np, current)
    for step, weight in enumerate(weights, start=1):
        shared = client.scatter(current, broadcast=True)
        current = np.concatenate(map_node_ranges(client, g, _propagate_rows, previous=shared))
        del shared
        if weight:
            embedding += np.float32(weight) * current
        if progress is not None:
            progress(step, len(weights), "propagate")
    return embedding


def _propagate_rows(g: Graph, start: int, stop: int, *, previous: np.ndarray) -> np.ndarray:
    """Rows ``start..stop-1`` of one FastRP step, row-normalised (a Dask worker's task)."""
    import scipy.sparse as sp

    first, last = int(g.indptr[start]), int(g.indptr[stop])
    data = np.ones(last - first, np.float32) if g.weights is None else g.weights[first:last]
    block = sp.csr_matrix(
        (data, g.indices[first:last], g.indptr[start : stop + 1] - first),
        shape=(stop - start, g.n_nodes),
    )
    return _row_normalized(np, np.asarray(block @ previous, dtype=np.float32))


def _row_normalized(xp, matrix):
    norms = xp.sqrt((matrix * matrix).sum(axis=1, keepdims=True))
    return matrix / xp.where(norms > 0, norms, xp.float32(1.0))


def _propagate_cpu(
    g: Graph,
    initial: np.ndarray,
    iteration_weights: list[float],
    self_influence: float,
    progress: Progress,
    block_width: int | None,
) -> np.ndarray:
    """The FastRP steps in two n × dim buffers: the output and one working buffer.

    The embedding ``E`` is kept lazily as a multiple of the current ``N_k`` for as
    long as it is one, so the other buffer can receive ``N_{k+1}``; the last
    step is fused (:func:`propagate_normalize_accumulate`). Only when ``E`` is
    already a separate sum before a middle step (e.g. ``self_influence`` with
    two or more steps) does a step fall back to column blocks propagated in
    place, with a scratch buffer no larger than the graph.
    """
    buffers = [initial, np.empty_like(initial)]
    current = 0  # buffers[current] holds N_k
    lazy_scale: float | None = 0.0  # E == lazy_scale · N_k; None once E is materialised
    embedding_buffer = 1  # where E lives once materialised
    csr = csr_of(g)
    if self_influence:
        buffers[1][...] = 0.0
        kernels.normalize_and_accumulate(buffers[0], buffers[1], np.float32(self_influence), False)
        lazy_scale = None
    steps = len(iteration_weights)
    for step, weight in enumerate(iteration_weights, start=1):
        other = 1 - current
        if step == steps:
            if lazy_scale is not None:
                embedding_buffer = other
                if lazy_scale == 0.0:
                    buffers[other][...] = 0.0
                else:
                    np.multiply(buffers[current], np.float32(lazy_scale), out=buffers[other])
            kernels.propagate_normalize_accumulate(
                csr, buffers[current], buffers[embedding_buffer], np.float32(weight)
            )
        elif lazy_scale is not None:
            kernels.propagate_normalize(csr, buffers[current], buffers[other])
            if lazy_scale == 0.0:
                lazy_scale = weight
            else:
                # E = c·N_k + α·N_{k+1}: materialise it over N_k, which is no longer needed.
                kernels.scale_and_add(
                    buffers[current], np.float32(lazy_scale), buffers[other], np.float32(weight)
                )
                embedding_buffer = current
                lazy_scale = None
            current = other
        else:
            _propagate_in_place(csr, buffers[current], block_width)
            kernels.normalize_and_accumulate(
                buffers[current], buffers[embedding_buffer], np.float32(weight), True
            )
        if progress is not None:
            progress(step, steps, "propagate")
    return buffers[embedding_buffer]


def _propagate_in_place(csr: CSR, matrix: np.ndarray, block_width: int | None) -> None:
    """``matrix ← A·matrix`` one column block at a time: block c of A·N needs only block c of N."""
    n, dim = matrix.shape
    width = (
        _block_width(csr, n, dim)
        if block_width is None
        else check_positive_int("block_width", block_width)
    )
    width = min(width, dim)
    scratch = np.empty((n, width), dtype=np.float32)
    for start in range(0, dim, width):
        stop = min(start + width, dim)
        block = scratch[:, : stop - start]
        kernels.propagate_columns(csr, matrix, start, stop, block)
        kernels.copy_columns(block, matrix, start)


def _block_width(csr: CSR, n: int, dim: int) -> int:
    graph_bytes = csr.indptr.nbytes + csr.indices.nbytes + csr.weights.nbytes
    fits = graph_bytes // max(4 * n, 1)
    return int(max(_MIN_BLOCK, min(dim, fits // _MIN_BLOCK * _MIN_BLOCK)))


def _derived_seed(seed_sequence: np.random.SeedSequence) -> np.random.SeedSequence:
    # The child's first 64 bits, as ever, handed over as a SeedSequence: sketches takes
    # that as an already-derived seed (its check admits user seeds in [0, 2**32) only),
    # and default_rng draws the same stream from SeedSequence(x) as from x.
    return np.random.SeedSequence(int(seed_sequence.generate_state(1, dtype=np.uint64)[0]))


def _check_iteration_weights(values) -> list[float]:
    try:
        weights = [float(v) for v in values]
    except (TypeError, ValueError):
        raise ValueError(
            f"iteration_weights must be a sequence of numbers; got {values!r}"
        ) from None
    if not weights or not np.all(np.isfinite(weights)):
        raise ValueError(
            f"iteration_weights must be a non-empty sequence of finite numbers; got {values!r}"
        )
    return weights


def _check_finite(name: str, value) -> float:
    as_float = float(value)
    if not np.isfinite(as_float):
        raise ValueError(f"{name} must be a finite number; got {value!r}")
    return as_float


def _feature_matrix(g: Graph, features) -> np.ndarray | None:
    if features is None:
        return None
    if isinstance(features, str):
        features = [features]
    if isinstance(features, list | tuple) and all(isinstance(f, str) for f in features):
        attributes = g.attributes
        missing = [f for f in features if f not in attributes]
        if missing:
            raise KeyError(
                f"node attribute {missing[0]!r} not found; the graph has "
                f"{', '.join(attributes) or 'no attributes'}"
            )
        try:
            columns = [np.asarray(attributes[f], dtype=np.float32) for f in features]
        except (TypeError, ValueError):
            raise ValueError(f"features {features} must be numeric node attributes") from None
        matrix = np.column_stack(columns)
    else:
        matrix = np.asarray(features, dtype=np.float32)
        if matrix.ndim == 1:
            matrix = matrix[:, None]
    if matrix.ndim != 2 or matrix.shape[0] != g.n_nodes:
        raise ValueError(
            f"features must have one row per node ({g.n_nodes}); got shape {matrix.shape}"
        )
    if not np.isfinite(matrix).all():
        raise ValueError("features must be finite (no NaN or inf)")
    return np.ascontiguousarray(matrix)


def _feature_dim(dim: int, feature_ratio: float, features: np.ndarray | None) -> int:
    ratio = float(feature_ratio)
    if not 0.0 <= ratio <= 1.0:
        raise ValueError(f"feature_ratio must be in [0, 1]; got {feature_ratio!r}")
    if features is None:
        if ratio:
            raise ValueError("feature_ratio > 0 needs features")
        return 0
    if ratio == 0.0:
        raise ValueError(
            "features given but feature_ratio is 0; set the share of dimensions "
            "they get, e.g. feature_ratio=0.25"
        )
    return max(1, min(dim, round(ratio * dim)))
