"""Local diffusion clustering: a good cluster around seed nodes, touching only their neighbourhood.

A diffusion (:mod:`engine.diffusion`: the ACL push ``"ppr"`` or hk-relax ``"heat"``)
spreads mass from the seeds; a **sweep** then sorts the nodes it reached by
degree-normalised score and keeps the prefix of least conductance
``φ(S) = cut(S) / min(vol(S), vol(V) − vol(S))`` (:mod:`engine.conductance`).
MQI may then refine that set (its max flow, clustering's own kernel, is in
:mod:`engine.cluster_kernels`); the network community profile runs many
diffusions (:mod:`engine.community_profile`).

Conventions
-----------
- Volume, cut and conductance as in :mod:`engine.conductance`: a set that
  separates nothing has conductance 1, so a seed of degree 0 comes back alone
  with conductance 1.
- **Directed graphs are symmetrised**: the diffusion and the conductance use the
  undirected graph with an edge wherever either arc exists (weights of both arcs
  added), built once per graph and cached. A walk that cannot leave a sink would
  make "local" meaningless.
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

import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property

import numpy as np
import pandas as pd

from checks import check_between, check_choice, check_seed
from engine import cluster_kernels as kernels
from engine.conductance import set_stats
from engine.diffusion import (
    DEFAULT_EPS,
    DEFAULT_T,
    MAX_T,
    METHODS,
    climb,
    diffuse_and_sweep,
    seed_distribution,
)
from engine.local_view import LocalView, local_view, symmetrised
from engine.per_graph import Progress
from loaders import Graph

REFINEMENTS = (None, "mqi")
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
        *,
        ladder: pd.DataFrame | None = None,
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
        #: With ``eps="auto"``: each rung tried (eps, t for heat, conductance, size, pushes).
        self.ladder = ladder

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
    eps : float in (0, 1), or "auto", optional
        ``"auto"`` climbs a ladder of accuracies (``ppr``: 1e-3 down to 1e-7, a
        decade a rung; ``heat``: hkgrow's ``(t, eps)`` pairs) and keeps the sweep
        of least conductance, stopping two rungs after the last improvement or
        once the diffusion holds half the graph's volume; ``.ladder`` shows the
        rungs. Otherwise the accuracy (default 1e-4 for ``ppr``, 1e-3 for ``heat``): ``ppr`` pushes
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
    plan = _Plan(g, method, alpha, t, eps, refine, labels, seed, label_epsilon)
    seed_nodes, seed_mass = seed_distribution(plan.undirected, seeds)
    plan.weigh_labels()
    return plan.cluster(seed_nodes, seed_mass, progress)


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
    plan = _Plan(g, method, alpha, t, eps, refine, labels, seed, label_epsilon)
    seeds = list(seeds)
    if workers is not None and (
        isinstance(workers, bool) or int(workers) != workers or workers < 1
    ):
        raise ValueError(f"workers must be an integer >= 1; got {workers!r}")
    plan.weigh_labels()
    # Built here, once, rather than by the first threads at the same time.
    local_view(plan.undirected), local_view(plan.diffusion_graph)
    distributions = [seed_distribution(plan.undirected, item) for item in seeds]
    done = 0
    lock = threading.Lock()

    def one(distribution) -> LocalCluster:
        nonlocal done
        found = plan.cluster(*distribution, None)
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


class _Plan:
    """What every seed of one call shares: the checked options, the graph to measure
    in (``undirected``) and the graph to diffuse on (``diffusion_graph``: the same
    one until :meth:`weigh_labels`, which :func:`local_cluster` calls only once the
    seeds are checked). Plain attributes: a cached_property takes a lock in Python
    3.11, which cost 3 us of a 25 us cluster."""

    def __init__(self, g, method, alpha, t, eps, refine, labels, seed, label_epsilon):
        check_seed(seed)  # unused (deterministic), but refused alike when bad
        check_choice("method", method, METHODS)
        check_choice("refine", refine, REFINEMENTS)
        self.g = g
        self.method = method
        self.alpha = check_between("alpha", alpha, 0, 1)
        self.auto = isinstance(eps, str) and eps == "auto"
        if not self.auto:
            eps = check_between("eps", DEFAULT_EPS[method] if eps is None else eps, 0, 1)
        self.eps = eps
        self.t = check_between("t", DEFAULT_T if t is None else t, 0, MAX_T, closed_high=True)
        self.refine = refine
        self.labels = labels
        self.label_epsilon = label_epsilon
        self.undirected = symmetrised(g)
        self.diffusion_graph = self.undirected

    def weigh_labels(self) -> None:
        """Diffuse on the label-weighted graph from now on, when there are labels."""
        if self.labels is not None:
            self.diffusion_graph = label_weighted_graph(
                self.undirected, self.labels, self.label_epsilon
            )

    def cluster(self, seed_nodes, seed_mass, progress: Progress) -> LocalCluster:
        """Diffuse, sweep, refine and measure one seed distribution (ids)."""
        view = local_view(self.diffusion_graph)
        if progress is not None:
            progress(0, 2, self.method)
        if self.auto:
            found, ladder = climb(view, seed_nodes, seed_mass, self.method, self.alpha, self.t)
        else:
            ladder = None
            found = diffuse_and_sweep(
                view, seed_nodes, seed_mass, self.method, self.alpha, self.eps, self.t
            )
        if progress is not None:
            progress(1, 2, "sweep")
        order, scores, profile, best, pushes, touched = found
        if ladder is not None:
            pushes = int(ladder["pushes"].sum())  # the work of every rung tried
        members, member_scores = order[: best + 1], scores[: best + 1]
        refined = False
        if self.refine == "mqi" and members.size > 1:
            improved = _mqi_ids(view, members)
            if improved.size < members.size:
                keep = np.isin(members, improved)
                members, member_scores, refined = members[keep], member_scores[keep], True
        if self.diffusion_graph is self.undirected and not refined and members.size:
            # The sweep already measured this prefix in the graph itself.
            volume, cut, conductance = (float(column[best]) for column in profile)
        else:
            volume, cut, conductance = set_stats(local_view(self.undirected), members)
        if progress is not None:
            progress(2, 2, "done")
        return LocalCluster(
            self.g,
            members,
            member_scores,
            conductance,
            volume,
            cut,
            profile,
            self.method,
            refined,
            pushes,
            touched,
            ladder=ladder,
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
    >>> from engine.conductance import set_conductance
    >>> big = local_cluster(g, 0, alpha=0.5).nodes
    >>> set_conductance(g, mqi(g, big))[2] <= set_conductance(g, big)[2]
    True
    """
    ids = _mqi_ids(local_view(symmetrised(g)), g.node_ids(list(nodes)))
    return g.labels_of(ids)


def _mqi_ids(view: LocalView, ids) -> np.ndarray:
    current = np.unique(np.asarray(ids, dtype=np.int64))
    volume, cut, best = set_stats(view, current)
    if current.size <= 1 or 2 * volume > view.total_volume or cut == 0:
        return current
    for _ in range(64):
        # One max flow: the source side of the minimum cut (empty if none beats S).
        candidate = kernels.mqi_step(view.csr, current, view.scratch().rank, cut, volume)
        if candidate.size == 0 or candidate.size == current.size:
            return current
        new_volume, new_cut, new_conductance = set_stats(view, candidate)
        if new_conductance >= best - 1e-12:
            return current
        current, volume, cut, best = candidate, new_volume, new_cut, new_conductance
        if cut == 0:
            return current
    return current


# ------------------------------------------------------------------ checks


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
