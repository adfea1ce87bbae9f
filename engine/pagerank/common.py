"""What the PageRank algorithms share: the seed distribution, the PPR-specific
parameter checks (:class:`MethodOptions`), the random seed, and the top-``k`` tables
of single queries and batches."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd
import scipy.sparse as sp

from checks import check_between, check_positive, check_positive_int, check_seed
from engine.pagerank.common_kernels import top_scores
from loaders import Graph

DEFAULT_ALPHA = 0.15
#: ``method="push"``'s residual threshold when no ``r_max`` is given (the run and its estimate).
DEFAULT_PUSH_R_MAX = 1e-7
#: The seed mass of a single-source query.
ONE = np.ones(1)


def check_alpha(alpha: float) -> float:
    """``alpha`` as a float in (0, 1), else ValueError naming the range."""
    return check_between("alpha", alpha, 0, 1)


def check_top_k(top_k) -> int:
    """``top_k`` as an int >= 1 (Python or NumPy integers only), else ValueError."""
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

    ``scores`` is a whole-graph vector indexed by node id (as :func:`engine.ppr`
    returns); only positive scores are listed, so a table may be shorter than ``top_k``.

    >>> import engine, numpy as np
    >>> top_nodes(engine.sample("karate"), np.arange(34.0), 2)["node"].tolist()
    [33, 32]
    """
    top_k = check_top_k(top_k)
    scores = np.ascontiguousarray(scores, dtype=np.float64)
    if scores.shape != (g.n_nodes,):
        raise ValueError(
            f"scores must be a vector with one score per node, shape ({g.n_nodes},); "
            f"got shape {scores.shape}"
        )
    order, values = top_scores(scores, top_k)
    return pd.DataFrame({"node": g.labels_of(order), "score": values})


def n_threads() -> int:
    """Numba's thread count: the lanes of the walk kernels and the workers of a batch."""
    return numba.get_num_threads()


def seed_int(seed: int | None) -> int:
    """A checked seed as the kernels' 63-bit stream seed; a fresh one for None."""
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0] >> 1)
    return int(seed) & ((1 << 63) - 1)


def top_rows(ids, query, top_k, progress, stage, workers) -> list:
    """``(node ids, scores)`` of the top ``top_k`` of ``query(node id)`` for every source,
    ``workers`` queries at a time (each on its own thread; the kernels release the
    GIL), in source order."""

    def top(node) -> tuple[np.ndarray, np.ndarray]:
        return top_scores(query(int(node)), top_k)

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
    return tops


def top_table(g, sources, ids, query, top_k, progress, stage, workers) -> pd.DataFrame:
    """:func:`top_rows` as one ``source``/``node``/``score`` table."""
    return source_table(g, sources, top_rows(ids, query, top_k, progress, stage, workers))


def source_matrix(g: Graph, tops) -> sp.csr_matrix:
    """Per-source ``(ids, scores)`` as a sparse matrix, sources × nodes (float64): row
    ``i`` holds source ``i``'s scores at its nodes' ids, columns sorted.

    >>> import numpy as np, engine
    >>> tops = [(np.array([3, 1]), np.array([0.5, 0.25])), (np.array([0]), np.array([1.0]))]
    >>> source_matrix(engine.sample("karate"), tops).toarray()[:, :4].tolist()
    [[0.0, 0.25, 0.0, 0.5], [1.0, 0.0, 0.0, 0.0]]
    """
    counts = np.array([len(nodes) for nodes, _ in tops], dtype=np.int64)
    indptr = np.zeros(len(tops) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    if tops:
        columns = np.concatenate([nodes for nodes, _ in tops]).astype(np.int64)
        values = np.concatenate([scores for _, scores in tops]).astype(np.float64)
    else:
        columns, values = np.empty(0, np.int64), np.empty(0)
    matrix = sp.csr_matrix((values, columns, indptr), shape=(len(tops), g.n_nodes))
    matrix.sort_indices()
    return matrix


def source_table(g, sources, tops) -> pd.DataFrame:
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


@dataclass(frozen=True)
class MethodOptions:
    """What each method of :func:`ppr` reads beside ``alpha`` (documented there).

    Every option is checked here, once, whichever method reads it: a bad value is
    refused alike under every method (a zero ``r_max`` would push forever), and a
    batch checks its options once rather than once per query.
    """

    eps: float = 0.5
    delta: float | None = None
    threshold: float | None = None
    device: str = "auto"
    seed: int | None = None
    r_max: float | None = None
    n_walks: int | None = None
    tol: float = 1e-10
    max_iter: int = 10_000

    def __post_init__(self) -> None:
        checked = {
            "seed": check_seed(self.seed),
            "tol": check_positive("tol", self.tol),
            "max_iter": check_positive_int("max_iter", self.max_iter),
            "r_max": None if self.r_max is None else check_positive("r_max", self.r_max),
            "n_walks": None
            if self.n_walks is None
            else check_positive_int("n_walks", self.n_walks),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)
