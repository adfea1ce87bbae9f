"""Local diffusion clustering: a good cluster around seed nodes, touching only their neighbourhood.

A diffusion spreads mass from the seeds; a **sweep** then sorts the nodes it
reached by degree-normalised score and keeps the prefix of least conductance
``φ(S) = cut(S) / min(vol(S), vol(V) − vol(S))``.

Methods
-------
``"ppr"``
    Andersen–Chung–Lang: the personalized PageRank forward push of
    :mod:`engine.pagerank.push` (one kernel for both) to residual ``eps · deg(u)``. Work is
    ``O(1/(eps·alpha))`` whatever the graph's size, and every score is within
    ``eps · deg(u)`` of exact PPR. ``deg(u)`` here is u's number of edges, also
    on weighted graphs (the shared kernel's rule); on a dense graph (hundreds of
    edges per node) a first push may already stop, and eps must be smaller.
``"heat"``
    hk-relax (Kloster & Gleich 2014): the heat kernel ``h = exp(−t(I − P))·s``
    pushed term by term of its Taylor series, with
    ``‖D⁻¹(h − x)‖∞ < eps``; work is bounded in ``t`` and ``eps``, not n.

Conventions
-----------
- Volume is the sum of adjacency row sums (a self-loop counts once, as in
  :meth:`loaders.Graph.degree`), cut the weight of edges leaving the set.
- A set whose ``min(vol(S), vol(V) − vol(S))`` is 0 (an isolated seed, a
  whole graph) has conductance **1**: it separates nothing, so it is no better
  than the worst cluster. A seed of degree 0 therefore comes back alone with
  conductance 1.
- **Directed graphs are symmetrised**: the diffusion and the conductance use the
  undirected graph with an edge wherever either arc exists (weights of both arcs
  added), built once per graph and cached. Conductance of a directed cut has no
  single accepted definition, and a walk that cannot leave a sink would make
  "local" meaningless.
- **Noisy labels** (Back de Luca, Fountoulakis, Yang, ICLR 2024, Section 3,
  "Label-based edge weights improve clustering accuracy"): the weighted graph
  ``G^w`` gives an edge weight 1 when both ends are labelled 1 and ``ε``
  otherwise, so that edges leaving the labelled-1 set, which include most of the
  target cluster's boundary, leak little diffusion mass. The paper diffuses on
  ``G^w`` with ℓ2 flow diffusion and also reports PageRank on it; here the ACL
  push or hk-relax runs on it. Scores in [0, 1] in place of 0/1 labels
  interpolate, ``ε + (1 − ε)·y_u·y_v`` (this project's extension; 0/1 labels
  give the paper's rule exactly), and weighted graphs have their weights scaled.
  The reported conductance, volume and cut are those of the chosen set in the
  original graph.
"""

from __future__ import annotations

import functools
import math
import os
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property

import numpy as np
import pandas as pd

from engine._kernels import cluster as kernels
from engine.pagerank.common import check_alpha, seed_distribution
from loaders import Graph
from loaders.check import check_seed

Progress = Callable[[int, int, str], None] | None
METHODS = ("ppr", "heat")
REFINEMENTS = (None, "mqi")
# heat at 1e-4 spread to half of a 10k-node LFR graph (conductance 0.25, F1 0.02)
# where 1e-3 found the communities (F1 0.99), five times faster (benchmarks/cluster.py).
DEFAULT_EPS = {"ppr": 1e-4, "heat": 1e-3}
DEFAULT_T = 10.0
MAX_T = 100.0
DEFAULT_LABEL_EPSILON = 0.05


# ------------------------------------------------------------------ result


class LocalCluster:
    """A cluster found around seed nodes: members, conductance and the sweep profile.

    Attributes
    ----------
    node_ids : numpy.ndarray
        Internal ids of the members, in sweep order (best score first).
    scores : numpy.ndarray
        Degree-normalised diffusion score of each member (what the sweep sorted by).
    conductance, volume, cut : float
        Of the member set, in the original graph (see the module's conventions).
    method : str
    refined : bool
        Whether MQI replaced the sweep's set (it does only when that lowers conductance).
    pushes, touched : int
        Work done: push operations and nodes that received diffusion mass.
    """

    def __init__(
        self,
        graph: Graph,
        node_ids: np.ndarray,
        scores: np.ndarray,
        conductance: float,
        volume: float,
        cut: float,
        profile_arrays: tuple[np.ndarray, np.ndarray, np.ndarray],
        method: str,
        refined: bool,
        pushes: int,
        touched: int,
    ) -> None:
        self.graph = graph
        self.node_ids = node_ids
        self.scores = scores
        self.conductance = float(conductance)
        self.volume = float(volume)
        self.cut = float(cut)
        self._profile_arrays = profile_arrays
        self.method = method
        self.refined = refined
        self.pushes = int(pushes)
        self.touched = int(touched)

    def __len__(self) -> int:
        return int(self.node_ids.size)

    def __repr__(self) -> str:
        refined = ", refined by MQI" if self.refined else ""
        return (
            f"<LocalCluster ({self.method}{refined}): {len(self)} nodes, "
            f"conductance {self.conductance:.4f}, volume {self.volume:g}, cut {self.cut:g}>"
        )

    @property
    def nodes(self) -> np.ndarray:
        """Labels of the members, in sweep order."""
        g = self.graph
        return g.labels_of(self.node_ids)

    @cached_property
    def members(self) -> pd.DataFrame:
        """``node`` (label) and ``score`` of each member, best score first."""
        return pd.DataFrame({"node": self.nodes, "score": self.scores})

    @cached_property
    def profile(self) -> pd.DataFrame:
        """Conductance, volume and cut of every sweep prefix (``size`` = prefix length).

        The sweep's minimum is the cluster unless MQI refined it. With noisy labels
        the values are those of the label-weighted graph that the sweep ran on.
        """
        volume, cut, conductance = self._profile_arrays
        return pd.DataFrame(
            {
                "size": np.arange(1, volume.size + 1),
                "conductance": conductance,
                "volume": volume,
                "cut": cut,
            }
        )


# ------------------------------------------------------------------ public API


def local_cluster(
    g: Graph,
    seeds,
    method: str = "ppr",
    alpha: float = 0.15,
    t: float | None = None,
    eps: float | None = None,
    refine: str | None = None,
    labels=None,
    seed: int | None = None,
    progress: Progress = None,
    *,
    label_epsilon: float = DEFAULT_LABEL_EPSILON,
) -> LocalCluster:
    """A low-conductance cluster around ``seeds``, found by diffusion and a sweep cut.

    Parameters
    ----------
    g : Graph
        Directed graphs are symmetrised (see the module's conventions).
    seeds : label, list of labels, or mapping label → weight
        Where the diffusion starts (as in :func:`engine.ppr`).
    method : {"ppr", "heat"}
        Andersen–Chung–Lang PPR push, or hk-relax heat-kernel push.
    alpha : float in (0, 1)
        Teleport probability of ``ppr``: smaller spreads further (more work).
    t : float in (0, 100], optional
        Diffusion time of ``heat`` (default 10): larger spreads further.
    eps : float in (0, 1), optional
        Accuracy (default 1e-4 for ``ppr``, 1e-3 for ``heat``): ``ppr`` pushes
        while ``residual > eps·deg``, ``heat`` guarantees ``‖D⁻¹(h − x)‖∞ < eps``.
        Work grows as ``1/eps``, and so does the volume the diffusion reaches,
        which bounds the cluster the sweep can find: set ``eps`` near one over the
        volume of the community sought. Heat + MQI at t 15 / eps 3e-3 recovers
        the 100-node blocks of ``benchmarks/cluster.py``'s planted graph (mean F1
        0.990) but only half of the bundled sample's 500-node blocks (0.502).
    refine : {None, "mqi"}
        Improve the sweep's set with MQI (Lang & Rao 2004), kept only if it
        lowers conductance.
    labels : mapping label → value, Series, or array by node id, optional
        Noisy labels (0/1) or scores in [0, 1] of membership in the wanted
        cluster; unlisted nodes count as 0. The diffusion then runs on the
        label-weighted graph of Back de Luca et al. (see the module's conventions).
    seed : int, optional
        Accepted for the house convention; both methods are deterministic.
    progress : callable ``(done, total, stage)``, optional
    label_epsilon : float in (0, 1]
        Weight factor of edges not between two nodes labelled 1.

    Returns
    -------
    LocalCluster
        ``.members`` (DataFrame), ``.conductance``, ``.volume``, ``.cut``, ``.profile``.

    Raises
    ------
    KeyError
        A seed is not in the graph (``NodeNotFoundError`` names it).
    ValueError
        ``method``, ``alpha``, ``t``, ``eps``, ``refine`` or the labels out of range.

    Examples
    --------
    >>> import engine
    >>> g = engine.sample("karate")
    >>> found = local_cluster(g, 0)
    >>> found
    <LocalCluster (ppr): 16 nodes, conductance 0.1316, volume 76, cut 10>
    >>> found.members.head(3)["node"].tolist()
    [0, 11, 12]
    >>> local_cluster(g, 33, method="heat", t=5).conductance < 0.2
    True

    References
    ----------
    R. Andersen, F. Chung, K. Lang, "Local graph partitioning using PageRank
    vectors", FOCS 2006. K. Kloster, D. F. Gleich, "Heat kernel based community
    detection", KDD 2014. K. Lang, S. Rao, "A flow-based method for improving the
    expansion or conductance of graph cuts", IPCO 2004. A. Back de Luca,
    K. Fountoulakis, S. Yang, "Local graph clustering with noisy labels", ICLR 2024
    (arXiv:2310.08031).
    """
    check_seed(seed)  # unused (deterministic), but refused alike when bad
    alpha, eps, t = _check_options(method, alpha, t, eps, refine)
    undirected = _undirected(g)
    seed_nodes, seed_mass = _seed_distribution(undirected, seeds)
    diffusion_graph = undirected
    if labels is not None:
        diffusion_graph = label_weighted_graph(undirected, labels, label_epsilon)
    return _cluster(
        g,
        undirected,
        diffusion_graph,
        seed_nodes,
        seed_mass,
        method,
        alpha,
        eps,
        t,
        refine,
        progress,
    )


def local_cluster_batch(
    g: Graph,
    seeds: Sequence,
    method: str = "ppr",
    alpha: float = 0.15,
    t: float | None = None,
    eps: float | None = None,
    refine: str | None = None,
    labels=None,
    seed: int | None = None,
    progress: Progress = None,
    *,
    label_epsilon: float = DEFAULT_LABEL_EPSILON,
    workers: int | None = None,
) -> list[LocalCluster]:
    """:func:`local_cluster` for each item of ``seeds``, on ``workers`` threads at once.

    Each item is what :func:`local_cluster` takes as ``seeds`` (a label, a list,
    a mapping). The options are checked and the label-weighted graph is built
    once for all; the kernels release the GIL, so the diffusions run in parallel
    (each thread has its own scratch arrays). Results come in the order of
    ``seeds`` and equal those of one :func:`local_cluster` call per item.

    Parameters
    ----------
    workers : int, optional
        Threads to use (default: the number of CPUs, at most one per item).

    Examples
    --------
    >>> import engine
    >>> g = engine.sample("karate")
    >>> [len(found) for found in local_cluster_batch(g, [0, 33], workers=2)]
    [16, 19]
    """
    check_seed(seed)
    alpha, eps, t = _check_options(method, alpha, t, eps, refine)
    seeds = list(seeds)
    if workers is not None and (
        isinstance(workers, bool) or int(workers) != workers or workers < 1
    ):
        raise ValueError(f"workers must be an integer >= 1; got {workers!r}")
    undirected = _undirected(g)
    diffusion_graph = undirected
    if labels is not None:
        diffusion_graph = label_weighted_graph(undirected, labels, label_epsilon)
    # Built here, once, rather than by the first threads at the same time.
    _view(undirected), _view(diffusion_graph)
    distributions = [_seed_distribution(undirected, item) for item in seeds]
    done = 0
    lock = threading.Lock()

    def one(distribution) -> LocalCluster:
        nonlocal done
        found = _cluster(
            g, undirected, diffusion_graph, *distribution, method, alpha, eps, t, refine, None
        )
        if progress is not None:
            with lock:
                done += 1
                progress(done, len(seeds), method)
        return found

    workers = min(int(workers or os.cpu_count() or 1), max(len(seeds), 1))
    if workers == 1:
        return [one(distribution) for distribution in distributions]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, distributions))


def _check_options(method, alpha, t, eps, refine) -> tuple[float, float, float]:
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}; got {method!r}")
    if refine not in REFINEMENTS:
        raise ValueError(f"refine must be None or 'mqi'; got {refine!r}")
    alpha = check_alpha(alpha)
    eps = check_eps(DEFAULT_EPS[method] if eps is None else eps)
    t = check_t(DEFAULT_T if t is None else t)
    return alpha, eps, t


def _cluster(
    g, undirected, diffusion_graph, seed_nodes, seed_mass, method, alpha, eps, t, refine, progress
) -> LocalCluster:
    """Diffuse, sweep, refine and measure one seed distribution (ids, checked options)."""
    view = _view(diffusion_graph)
    if progress is not None:
        progress(0, 2, method)
    found = _diffuse_and_sweep(view, seed_nodes, seed_mass, method, alpha, eps, t)
    if progress is not None:
        progress(1, 2, "sweep")
    order, scores, profile, best, pushes, touched = found
    members, member_scores = order[: best + 1], scores[: best + 1]
    refined = False
    if refine == "mqi" and members.size > 1:
        improved = _mqi_ids(view, members)
        if improved.size < members.size:
            keep = np.isin(members, improved)
            members, member_scores, refined = members[keep], member_scores[keep], True
    if diffusion_graph is undirected and not refined and members.size:
        # The sweep already measured this prefix in the graph itself.
        volume, cut, conductance = (float(column[best]) for column in profile)
    else:
        volume, cut, conductance = _set_stats(_view(undirected), members)
    if progress is not None:
        progress(2, 2, "done")
    return LocalCluster(
        g,
        members,
        member_scores,
        conductance,
        volume,
        cut,
        profile,
        method,
        refined,
        pushes,
        touched,
    )


def label_weighted_graph(g: Graph, labels, epsilon: float = DEFAULT_LABEL_EPSILON) -> Graph:
    """``g`` with each edge weight scaled by ``ε + (1 − ε)·y_u·y_v`` (Back de Luca et al. 2024).

    With 0/1 labels this is the weighted graph ``G^w`` of Section 3 of "Local
    graph clustering with noisy labels": an edge whose two ends are both labelled 1
    keeps its weight, every other edge gets ``ε`` times it. A diffusion from a seed
    then leaks far less through the target cluster's boundary, where at least one
    end is (mostly) labelled 0. Build it once to run many seeds with the same
    labels; it costs O(m).

    >>> import engine
    >>> g = label_weighted_graph(engine.sample("karate"), {0: 1, 1: 1}, 0.1)
    >>> sorted(set(g.weights.tolist()))
    [0.10000000149011612, 1.0]
    """
    epsilon = float(epsilon)
    if not 0.0 < epsilon <= 1.0:
        raise ValueError(f"label_epsilon must be in (0, 1]; got {epsilon!r}")
    values = _label_values(g, labels)
    rows = np.repeat(np.arange(g.n_nodes), np.diff(g.indptr))
    factor = epsilon + (1.0 - epsilon) * values[rows] * values[g.indices]
    base = 1.0 if g.weights is None else g.weights.astype(np.float64)
    return Graph(
        g.indptr,
        g.indices,
        (base * factor).astype(np.float32),
        directed=g.directed,
        labels=None if g.has_identity_labels else g.labels,
        name=g.name,
        validate=False,
    )


def set_conductance(g: Graph, nodes: Iterable) -> tuple[float, float, float]:
    """``(volume, cut, conductance)`` of a set of nodes (labels), by the module's conventions.

    >>> import engine
    >>> set_conductance(engine.sample("karate"), [0, 1])
    (25.0, 23.0, 0.92)
    """
    return _set_stats(_view(_undirected(g)), g.node_ids(list(nodes)))


def prefix_conductance(g: Graph, node_ids) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(volume, cut, conductance)`` of every prefix ``node_ids[:k + 1]`` (ids, no repeats).

    The sweep of :func:`local_cluster` over an order chosen by the caller, in
    time linear in the volume of ``node_ids``.

    >>> import engine
    >>> volume, cut, conductance = prefix_conductance(engine.sample("karate"), [0, 1])
    >>> float(conductance[-1]) == set_conductance(engine.sample("karate"), [0, 1])[2]
    True
    """
    view = _view(_undirected(g))
    return kernels.sweep_profile(
        view.indptr,
        view.indices,
        view.weights,
        view.weighted,
        view.out_weight,
        np.asarray(node_ids, dtype=np.int64),
        view.scratch().rank,
        view.total_volume,
    )


def mqi(g: Graph, nodes: Iterable) -> np.ndarray:
    """MQI (Lang & Rao 2004): the subset of ``nodes`` (labels) of least conductance.

    Repeats one max flow per step: with ``a = cut(S)/vol(S)``, a subset ``T`` with
    ``cut(T) − a·vol(T) < 0`` is the source side of a minimum cut of the network
    source → u (capacity ``a·d(u)``), u → v (``w(u,v)``) inside ``S``, u → sink
    (the edges of u leaving ``S``). Stops when no subset does better, and returns
    ``nodes`` unchanged when ``vol(S) > vol(V)/2`` (where the quotient is not the
    conductance). The max flow is Dinic's, in one Numba kernel per step on arrays
    sized by the set's volume; capacities are exact integers on unweighted graphs
    and floats on weighted ones, where a candidate is kept only if its exact
    conductance is lower. Returns the labels of the subset, sorted by id.

    >>> import engine
    >>> g = engine.sample("karate")
    >>> big = local_cluster(g, 0, alpha=0.5).nodes
    >>> set_conductance(g, mqi(g, big))[2] <= set_conductance(g, big)[2]
    True
    """
    ids = _mqi_ids(_view(_undirected(g)), g.node_ids(list(nodes)))
    return g.labels_of(ids)


def _set_stats(view: _View, ids) -> tuple[float, float, float]:
    ids = np.unique(np.asarray(ids, dtype=np.int64))
    if ids.size == 0:
        return 0.0, 0.0, 1.0
    volume, cut, conductance = kernels.sweep_profile(
        view.indptr,
        view.indices,
        view.weights,
        view.weighted,
        view.out_weight,
        ids,
        view.scratch().rank,
        view.total_volume,
    )
    return float(volume[-1]), float(cut[-1]), float(conductance[-1])


def _mqi_ids(view: _View, ids) -> np.ndarray:
    current = np.unique(np.asarray(ids, dtype=np.int64))
    volume, cut, best = _set_stats(view, current)
    if current.size <= 1 or 2 * volume > view.total_volume or cut == 0:
        return current
    for _ in range(64):
        candidate = _mqi_step(view, current, cut, volume)
        if candidate.size == 0 or candidate.size == current.size:
            return current
        new_volume, new_cut, new_conductance = _set_stats(view, candidate)
        if new_conductance >= best - 1e-12:
            return current
        current, volume, cut, best = candidate, new_volume, new_cut, new_conductance
        if cut == 0:
            return current
    return current


def ncp(
    g: Graph,
    n_seeds: int = 100,
    sizes: int | Sequence[int] = 30,
    seed: int | None = None,
    *,
    alphas: Sequence[float] = (0.15, 0.05, 0.01),
    eps_values: Sequence[float] | None = None,
    progress: Progress = None,
) -> pd.DataFrame:
    """Network community profile (Leskovec et al. 2008): best conductance by cluster size.

    Runs the ACL push from ``n_seeds`` random seeds (non-isolated nodes, uniformly)
    for every ``alpha`` in ``alphas`` and every ``eps`` in ``eps_values`` (default:
    decades from 1e-2 down to ``1/vol(V)``, no lower than 1e-6), and keeps, for
    every prefix size of every sweep, the least conductance seen. Sizes are then
    grouped into bins: ``sizes`` is their number (log-spaced up to n/2) or their
    upper edges.

    Returns
    -------
    pandas.DataFrame
        ``size`` (the size at which the bin's best was found), ``conductance`` and
        ``seed`` (the label whose sweep found it), one row per non-empty bin; plot
        it log-log.

    >>> import engine
    >>> profile = ncp(engine.sample("karate"), n_seeds=10, seed=1)
    >>> list(profile.columns), bool(profile["conductance"].min() < 0.2)
    (['size', 'conductance', 'seed'], True)
    """
    if isinstance(n_seeds, bool) or int(n_seeds) != n_seeds or n_seeds < 1:
        raise ValueError(f"n_seeds must be an integer >= 1; got {n_seeds!r}")
    seed = check_seed(seed)
    alphas = [check_alpha(a) for a in alphas]
    view = _view(_undirected(g))
    candidates = np.flatnonzero(np.diff(view.indptr) > 0)
    if candidates.size == 0 or view.total_volume <= 0:
        return pd.DataFrame({"size": [], "conductance": [], "seed": []})
    if eps_values is None:
        floor = max(1e-6, 1.0 / view.total_volume)
        eps_values = [10.0**-k for k in range(2, 7) if 10.0**-k >= floor] or [1e-2]
    eps_values = [check_eps(e) for e in eps_values]
    rng = np.random.default_rng(seed)
    chosen = rng.choice(candidates, size=min(int(n_seeds), candidates.size), replace=False)
    best = np.full(view.n + 1, np.inf)
    best_seed = np.full(view.n + 1, -1, dtype=np.int64)
    one = np.ones(1)
    total = chosen.size * len(alphas) * len(eps_values)
    done = 0
    for node in chosen:
        for alpha in alphas:
            for eps in eps_values:
                found = _diffuse_and_sweep(
                    view, np.array([node]), one, "ppr", alpha, eps, DEFAULT_T
                )
                conductance = found[2][2]
                prefix = np.arange(1, conductance.size + 1)
                better = conductance < best[prefix]
                best[prefix[better]] = conductance[better]
                best_seed[prefix[better]] = node
                done += 1
                if progress is not None:
                    progress(done, total, "ncp")
    edges = _size_bins(sizes, view.n)
    found_sizes = np.flatnonzero(np.isfinite(best))
    rows = []
    lower = 0
    for upper in edges:
        inside = found_sizes[(found_sizes > lower) & (found_sizes <= upper)]
        lower = upper
        if inside.size == 0:
            continue
        at = inside[np.argmin(best[inside])]
        rows.append((int(at), float(best[at]), int(best_seed[at])))
    table = pd.DataFrame(rows, columns=["size", "conductance", "seed"])
    if not g.has_identity_labels:
        table["seed"] = g.labels_of(table["seed"].to_numpy())
    return table


# ------------------------------------------------------------------ checks


_ONE = np.ones(1)
_ONE.flags.writeable = False


def _seed_distribution(g: Graph, seeds) -> tuple[np.ndarray, np.ndarray]:
    """:func:`engine.pagerank.common.seed_distribution`, with a short path for one integer seed on a
    graph whose labels are its ids (the common call, where the general path's list
    handling cost as much as the diffusion)."""
    if isinstance(seeds, bool) or not isinstance(seeds, int | np.integer | str):
        return seed_distribution(g, seeds)
    if g.has_identity_labels:
        if isinstance(seeds, str) or not 0 <= seeds < g.n_nodes:
            return seed_distribution(g, seeds)  # raises NodeNotFoundError naming it
        return np.array([seeds], dtype=np.int64), _ONE
    # Graph.node_ids builds a pandas Index from its argument on every call (0.5 ms);
    # one hash lookup in a per-graph index costs a microsecond.
    try:
        position = _cached(_LABEL_INDEX, g, _label_index).get_loc(seeds)
    except (KeyError, TypeError):
        return seed_distribution(g, seeds)
    if not isinstance(position, int | np.integer):  # repeated labels: the general path
        return seed_distribution(g, seeds)
    return np.array([position], dtype=np.int64), _ONE


def _label_index(g: Graph) -> pd.Index:
    return pd.Index(g.labels)


def check_eps(eps) -> float:
    """``eps`` as a float in (0, 1), else ValueError naming the range."""
    value = float(eps)
    if not 0.0 < value < 1.0:
        raise ValueError(f"eps must be in (0, 1); got {eps!r}")
    return value


def check_t(t) -> float:
    """``t`` as a float in (0, 100], else ValueError naming the range (eᵗ must stay finite)."""
    value = float(t)
    if not 0.0 < value <= MAX_T:
        raise ValueError(f"t must be in (0, {MAX_T:g}]; got {t!r}")
    return value


def _label_values(g: Graph, labels) -> np.ndarray:
    if isinstance(labels, Mapping | pd.Series):
        series = pd.Series(labels) if isinstance(labels, Mapping) else labels
        values = np.zeros(g.n_nodes)
        if len(series):
            values[g.node_ids(list(series.index))] = series.to_numpy(dtype=np.float64)
    else:
        values = np.asarray(labels, dtype=np.float64)
        if values.shape != (g.n_nodes,):
            raise ValueError(
                f"labels must be a mapping label → value or have one value per node "
                f"({g.n_nodes}); got shape {values.shape}"
            )
    if not np.all((values >= 0) & (values <= 1)):
        raise ValueError("labels must be 0/1 or scores in [0, 1]")
    return values


def _size_bins(sizes, n: int) -> np.ndarray:
    if isinstance(sizes, int | np.integer) and not isinstance(sizes, bool):
        if sizes < 1:
            raise ValueError(f"sizes must be >= 1 bins or a list of bin edges; got {sizes!r}")
        top = max(n // 2, 1)
        return np.unique(np.ceil(np.geomspace(1, top, int(sizes))).astype(np.int64))
    edges = np.unique(np.asarray(list(sizes), dtype=np.int64))
    if edges.size == 0 or edges[0] < 1:
        raise ValueError(f"sizes must be positive bin edges; got {sizes!r}")
    return edges


# ------------------------------------------------------------------ graph views


class _View:
    """The arrays the kernels need, computed once per graph (weighted degrees are O(m)),
    and per-thread n-sized scratch arrays that every call leaves zeroed again: zeroing
    n entries per call would make a local cluster cost O(n)."""

    def __init__(self, g: Graph):
        self.n = g.n_nodes
        self.indptr = g.indptr
        self.indices = g.indices
        self.weighted = g.is_weighted
        if g.is_weighted:
            self.weights = g.weights
            self.out_weight = g.degree(weighted=True).astype(np.float64)
            self.total_volume = float(self.out_weight.sum())
        else:
            self.weights = np.empty(0, np.float32)
            self.out_weight = np.empty(0)
            self.total_volume = float(g.nnz)
        self._local = threading.local()

    def scratch(self) -> _Scratch:
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = _Scratch(self.n)
        return scratch

    def degrees(self, nodes: np.ndarray) -> np.ndarray:
        if self.weighted:
            return self.out_weight[nodes]
        return (self.indptr[nodes + 1] - self.indptr[nodes]).astype(np.float64)

    def neighbours(self, nodes: np.ndarray) -> np.ndarray:
        """Every out-neighbour of ``nodes`` (with repeats), in O(their volume)."""
        starts = self.indptr[nodes]
        counts = self.indptr[nodes + 1] - starts
        offsets = np.repeat(starts - np.cumsum(counts) + counts, counts)
        return self.indices[offsets + np.arange(counts.sum())]


class _Scratch:
    def __init__(self, n: int):
        self.estimate = np.zeros(n)
        self.residual = np.zeros(n)
        self.spare = np.zeros(n)
        self.touched = np.empty(n, dtype=np.int64)
        self.rank = np.zeros(n, dtype=np.int64)
        # hk-relax's work lists; np.empty maps pages lazily, so only the used ones cost.
        self.listed = np.empty(n, dtype=np.int64)
        self.next_listed = np.empty(n, dtype=np.int64)


_VIEWS: dict = {}
_LABEL_INDEX: dict = {}
_UNDIRECTED: dict = {}


def _cached(cache: dict, g: Graph, build):
    key = id(g)
    hit = cache.get(key)
    if hit is not None and hit[0]() is g:
        return hit[1]
    value = build(g)
    cache[key] = (weakref.ref(g, lambda _: cache.pop(key, None)), value)
    return value


def _view(g: Graph) -> _View:
    return _cached(_VIEWS, g, _View)


def _undirected(g: Graph) -> Graph:
    if not g.directed:
        return g
    return _cached(_UNDIRECTED, g, _symmetrise)


def _symmetrise(g: Graph) -> Graph:
    rows = np.repeat(np.arange(g.n_nodes, dtype=np.int64), np.diff(g.indptr))
    undirected = Graph.from_edges(
        rows,
        g.indices.astype(np.int64),
        None if g.weights is None else g.weights,
        directed=False,
        n_nodes=g.n_nodes,
        name=g.name,
    )
    # Unweighted, from_edges merges (u, v) and (v, u) into one edge: the union of the arcs.
    return Graph(
        undirected.indptr,
        undirected.indices,
        undirected.weights,
        directed=False,
        labels=None if g.has_identity_labels else g.labels,
        name=g.name,
        validate=False,
    )


# ------------------------------------------------------------------ diffusion + sweep


def _diffuse_and_sweep(view: _View, seed_nodes, seed_mass, method, alpha, eps, t):
    """``(order, scores, profile arrays, best index, pushes, touched)`` of one diffusion:
    one kernel call does the diffusion, the sort and the sweep."""
    scratch = view.scratch()
    if method == "ppr":
        found = kernels.ppr_cluster(
            view.indptr,
            view.indices,
            view.weights,
            view.weighted,
            view.out_weight,
            seed_nodes,
            seed_mass,
            alpha,
            eps,
            scratch.estimate,
            scratch.residual,
            scratch.touched,
            view.total_volume,
        )
    else:
        found = kernels.heat_cluster(
            view.indptr,
            view.indices,
            view.weights,
            view.weighted,
            view.out_weight,
            seed_nodes,
            seed_mass,
            t,
            eps,
            _psi(t, eps),
            scratch.estimate,
            scratch.residual,
            scratch.spare,
            scratch.touched,
            scratch.listed,
            scratch.next_listed,
            view.total_volume,
        )
    order, scores, volume, cut, conductance, best, pushes = found
    return order, scores, (volume, cut, conductance), int(best), pushes, order.size


@functools.lru_cache(maxsize=64)
def _psi(t: float, eps: float) -> np.ndarray:
    """``ψ_j(t) = Σ_{m=0}^{N−j} j!/(j+m)! tᵐ`` for ``j = 0..N``, with the Taylor degree
    ``N`` the least one whose tail ``e⁻ᵗ Σ_{k>N} tᵏ/k!`` is below ``eps/2``."""
    term = math.exp(-t)
    tail = 1.0 - term
    degree = 0
    while tail >= eps / 2 and degree < 10_000:
        degree += 1
        term *= t / degree
        tail -= term
    degree = max(degree, 1)
    psi = np.empty(degree + 1)
    psi[degree] = 1.0
    for j in range(degree - 1, -1, -1):
        psi[j] = 1.0 + t / (j + 1) * psi[j + 1]
    return psi


# ------------------------------------------------------------------ MQI


def _mqi_step(view: _View, nodes: np.ndarray, cut: float, volume: float) -> np.ndarray:
    """One MQI max flow: the source side of the minimum cut (empty if none beats S)."""
    return kernels.mqi_step(
        view.indptr,
        view.indices,
        view.weights,
        view.weighted,
        view.out_weight,
        nodes,
        view.scratch().rank,
        float(cut),
        float(volume),
    )
