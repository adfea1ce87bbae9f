"""Local diffusion clustering: a good cluster around seed nodes, touching only their neighbourhood.

A diffusion (:mod:`engine.diffusion`: the ACL push ``"ppr"`` or hk-relax ``"heat"``)
spreads mass from the seeds; a **sweep** then sorts the nodes it reached by
degree-normalised score and keeps a prefix where the conductance
``φ(S) = cut(S) / min(vol(S), vol(V) − vol(S))`` (:mod:`engine.conductance`) has a
deep minimum, else its least. By default a ladder of accuracies chooses the
diffusion (``eps="auto"``) and MQI (:mod:`engine.mqi`) refines the set; the
network community profile runs many diffusions (:mod:`engine.community_profile`).

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
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property

import numpy as np
import pandas as pd

from checks import check_between, check_choice, check_positive, check_positive_int, check_seed
from engine.conductance import set_stats
from engine.diffusion import (
    DEFAULT_EPS,
    DEFAULT_MIN_SIZE,
    DEFAULT_T,
    MAX_T,
    METHODS,
    climb,
    diffuse_and_sweep,
    seed_distribution,
)
from engine.local_view import local_view, symmetrised
from engine.mqi import mqi, mqi_ids
from engine.noisy_labels import DEFAULT_LABEL_EPSILON, label_weighted_graph
from engine.per_graph import Progress
from loaders import Graph

REFINEMENTS = (None, "mqi")


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
    min_size : int
        The least size asked for.
    eps, t : float
        The accuracy (and diffusion time of ``heat``) of the kept diffusion: with
        ``eps="auto"``, those of the rung chosen.
    ladder : pandas.DataFrame or None
        With ``eps="auto"``: every rung tried (``eps``, ``t`` for heat,
        ``conductance`` and ``size`` of its sweep, whether that set is at a
        ``deep`` minimum, ``volume`` reached, ``pushes``, and which one was ``kept``).
    seed_only : bool
        Whether the cluster is the seed set itself: no set of at least
        ``min_size`` nodes around it did better (say so to the user; a smaller
        ``min_size`` or another method may find one).
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
        seed_nodes: np.ndarray | None = None,
        min_size: int = 1,
        eps: float | None = None,
        t: float | None = None,
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
        self.min_size = min_size
        self.eps = eps
        self.t = t
        self.ladder = ladder
        self._seed_nodes = seed_nodes

    def __len__(self) -> int:
        return int(self.node_ids.size)

    def __repr__(self) -> str:
        refined = ", refined by MQI" if self.refined else ""
        alone = ", the seeds alone" if self.seed_only else ""
        return (
            f"<LocalCluster ({self.method}{refined}): {len(self)} nodes{alone}, "
            f"conductance {self.conductance:.4f}, volume {self.volume:g}, cut {self.cut:g}>"
        )

    @property
    def seed_only(self) -> bool:
        """Whether the members are exactly the seeds (nothing around them did better)."""
        seeds = self._seed_nodes
        if seeds is None:
            return False
        return np.array_equal(np.unique(seeds), np.unique(self.node_ids))

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
    eps: float | str = "auto",
    refine: str | None = "mqi",
    labels=None,
    seed: int | None = None,
    progress: Progress = None,
    *,
    label_epsilon: float = DEFAULT_LABEL_EPSILON,
    min_size: int = DEFAULT_MIN_SIZE,
    max_volume: float | None = None,
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
        Diffusion time of ``heat``: larger spreads further. With ``eps="auto"``
        and no ``t``, the ladder chooses it; otherwise it is 10.
    eps : "auto" or float in (0, 1)
        ``"auto"`` (the default, nothing to tune) climbs a ladder of accuracies:
        ``ppr`` pushes to 1e-3, then on to 1e-4 and so on down to 1e-7 (each
        push resumes where the last stopped, so no push is repeated and the
        ladder costs 1.3-1.5x its last rung alone, the sweeps included);
        ``heat`` tries hkgrow's ``(t, eps)`` pairs
        (80, 1e-2), (40, 5e-3), (20, 1e-3), (10, 1e-4), or those ``eps`` at the
        ``t`` given. Each rung's sweep proposes a set (see ``Returns``). The
        climb ends at the first rung whose set sits at a deep minimum, and keeps
        it; without one, it stops two rungs after conductance last improved (or
        once the diffusion reaches ``max_volume``) and keeps the rung that
        improved most on the one before (:func:`engine.diffusion.kept_rung`).
        ``.ladder`` shows the rungs and ``.eps``/``.t`` the one kept. A number
        fixes the accuracy: ``ppr`` pushes while ``residual > eps·deg``,
        ``heat`` guarantees ``‖D⁻¹(h − x)‖∞ < eps``; work grows as ``1/eps``,
        and so does the volume the diffusion reaches, which bounds the cluster
        the sweep can find. ``heat`` at its defaults was 2-6x faster than
        ``ppr`` and found LFR and planted communities better (median F1 0.998
        vs 0.793 on a fresh LFR graph), ``ppr`` the sfld families and
        JohnsHopkins' low-conductance side (``benchmarks/cluster.py``).
    refine : {"mqi", None}
        ``"mqi"`` (the default) improves the chosen set with MQI (Lang & Rao
        2004), kept only if it lowers conductance; never below ``min_size``.
        On the bundled planted graph's 500-node blocks, ACL's sweep alone finds
        the block for about half the seeds and MQI inside it for nearly all
        (median F1 0.18 → 0.99), for about twice the time.
    labels : mapping label → value, Series, or array by node id, optional
        Noisy labels (0/1) or scores in [0, 1] of membership in the wanted
        cluster; unlisted nodes count as 0. The diffusion then runs on the
        label-weighted graph of Back de Luca et al. (see the module's conventions).
    seed : int, optional
        Accepted for the house convention; both methods are deterministic.
    progress : callable ``(done, total, stage)``, optional
    label_epsilon : float in (0, 1]
        Weight factor of edges not between two nodes labelled 1.
    min_size : int >= 1
        Least number of members (default 5): the sweep keeps the best prefix of
        at least this many nodes, and MQI never shrinks a set below it, so a
        seed and a leaf hanging off it do not win by conductance alone. Smaller
        only when no rung reaches it (the seeds' component is smaller, or such a
        set would hold more than half the graph's volume); ``.seed_only`` says
        when the answer is the seeds themselves.
    max_volume : float, optional
        The climb's volume budget: with ``eps="auto"``, no rung starts after one
        whose diffusion reached this volume (default: half the graph's, past
        which no set is local). The sweep never keeps a set of more than half
        the graph's volume, whatever this is.

    Returns
    -------
    LocalCluster
        ``.members`` (DataFrame), ``.conductance``, ``.volume``, ``.cut``,
        ``.profile``, ``.seed_only``. The sweep keeps the first prefix of at least
        ``min_size`` nodes where conductance has a deep local minimum (it rises
        1.2 times above it before going lower: MAPPR's rule, Yin et al. 2017),
        else the prefix of least conductance; never more than half the graph's
        volume. Least conductance alone prefers ever larger sets (a union of
        communities cuts less of itself than one does): on the bundled planted
        graph it returned half the graph for most seeds.

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
    detection", KDD 2014. H. Yin, A. R. Benson, J. Leskovec, "Local higher-order
    graph clustering", KDD 2017 (the deep-minimum rule). K. Lang, S. Rao, "A
    flow-based method for improving the expansion or conductance of graph cuts",
    IPCO 2004. A. Back de Luca,
    K. Fountoulakis, S. Yang, "Local graph clustering with noisy labels", ICLR 2024
    (arXiv:2310.08031).
    """
    options = (alpha, t, eps, refine, labels, seed, label_epsilon, min_size, max_volume)
    plan = _Plan(g, method, *options)
    seed_nodes, seed_mass = seed_distribution(plan.undirected, seeds)
    plan.weigh_labels()
    return plan.cluster(seed_nodes, seed_mass, progress)


def local_cluster_batch(
    g: Graph,
    seeds: Sequence,
    method: str = "ppr",
    alpha: float = 0.15,
    t: float | None = None,
    eps: float | str = "auto",
    refine: str | None = "mqi",
    labels=None,
    seed: int | None = None,
    progress: Progress = None,
    *,
    label_epsilon: float = DEFAULT_LABEL_EPSILON,
    min_size: int = DEFAULT_MIN_SIZE,
    max_volume: float | None = None,
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
    [16, 16]
    """
    options = (alpha, t, eps, refine, labels, seed, label_epsilon, min_size, max_volume)
    plan = _Plan(g, method, *options)
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

    def __init__(
        self, g, method, alpha, t, eps, refine, labels, seed, label_epsilon, min_size, max_volume
    ):
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
        # With heat's ladder, t=None lets the ladder choose t as well.
        ladder_chooses_t = t is None and self.auto and method == "heat"
        self.t = (
            None
            if ladder_chooses_t
            else check_between("t", DEFAULT_T if t is None else t, 0, MAX_T, closed_high=True)
        )
        self.min_size = check_positive_int("min_size", min_size)
        self.max_volume = None if max_volume is None else check_positive("max_volume", max_volume)
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
            found, ladder = climb(
                view, seed_nodes, seed_mass, self.method, self.alpha, self.min_size,
                self.max_volume, t=self.t,
            )  # fmt: skip
            kept = int(np.flatnonzero(ladder["kept"].to_numpy())[0])
            eps = float(ladder["eps"].iat[kept])
            t = float(ladder["t"].iat[kept]) if self.method == "heat" else self.t
        else:
            ladder, eps, t = None, self.eps, self.t
            found = diffuse_and_sweep(
                view, seed_nodes, seed_mass, self.method, self.alpha, eps, t, self.min_size
            )
        if progress is not None:
            progress(1, 2, "sweep")
        order, scores, profile, best, pushes, touched = found
        if ladder is not None:
            pushes = int(ladder["pushes"].sum())  # the work of every rung tried
        members, member_scores = order[: best + 1], scores[: best + 1]
        refined = False
        if self.refine == "mqi" and members.size > self.min_size:
            improved = mqi_ids(view, members, self.min_size)
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
            seed_nodes=seed_nodes,
            min_size=self.min_size,
            eps=eps,
            t=t if self.method == "heat" else None,
            ladder=ladder,
        )


__all__ = ["LocalCluster", "label_weighted_graph", "local_cluster", "local_cluster_batch", "mqi"]
