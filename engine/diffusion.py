"""Local diffusions from seed nodes, each fused with its sweep cut: touch only the seeds'
neighbourhood.

A diffusion spreads mass from the seeds; the **sweep** (:mod:`engine.conductance`)
then sorts the nodes it reached by degree-normalised score and measures every prefix.
Used by :func:`engine.local_cluster` and the network community profile.

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
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd

from engine import conductance_kernels as sweep_kernels
from engine import diffusion_kernels as kernels
from engine.local_view import LocalView

# ONE stays writeable: a read-only seed mass is typed apart by Numba, and that
# specialisation of ppr_sweep ran 6x slower (3.4 vs 0.54 ms on the planted sample).
from engine.pagerank.common import ONE
from engine.pagerank.common import seed_distribution as any_seed_distribution
from engine.per_graph import derived
from loaders import Graph

METHODS = ("ppr", "heat")
# heat at 1e-4 spread to half of a 10k-node LFR graph (conductance 0.25, F1 0.02)
# where 1e-3 found the communities (F1 0.99), five times faster (benchmarks/cluster.py).
DEFAULT_EPS = {"ppr": 1e-4, "heat": 1e-3}
DEFAULT_T = 10.0
MAX_T = 100.0
#: The accuracies ``eps="auto"`` climbs for ``ppr``, a decade a rung: each rung pushes
#: about ten times the last; with pushes resumed, the ladder cost 1.3-1.5x its last
#: rung alone on JohnsHopkins and the planted sample (the sweeps of earlier rungs).
PPR_LADDER = (1e-3, 1e-4, 1e-5, 1e-6, 1e-7)
#: The ``(t, eps)`` pairs ``eps="auto"`` tries for ``heat``: hkgrow's (Kloster & Gleich
#: 2014), in order of the volume they reach (least first), so that the climb's volume
#: budget stops it before the widest.
HEAT_LADDER = ((80.0, 1e-2), (40.0, 5e-3), (20.0, 1e-3), (10.0, 1e-4))


#: Default least size of a local cluster: smaller sets (a seed and a leaf hanging
#: off it, a triangle) often have the least conductance and tell an analyst nothing.
DEFAULT_MIN_SIZE = 5


def diffuse_and_sweep(view: LocalView, seed_nodes, seed_mass, method, alpha, eps, t, min_size=1):
    """``(order, scores, profile arrays, best index, pushes, touched)`` of one diffusion:
    one kernel call does the diffusion, the sort and the sweep; ``best`` is the
    prefix :func:`engine.conductance_kernels.chosen_prefix` keeps."""
    csr, scratch, total_volume = view.csr, view.scratch(), view.total_volume
    if method == "ppr":
        found = kernels.ppr_sweep(
            csr, seed_nodes, seed_mass, alpha, eps, scratch, total_volume, min_size
        )
    else:
        found = kernels.heat_sweep(
            csr, seed_nodes, seed_mass, t, eps, psi(t, eps), scratch, total_volume, min_size
        )
    order, scores, volume, cut, conductance, best, pushes = found
    return order, scores, (volume, cut, conductance), int(best), pushes, order.size


def climb(
    view: LocalView,
    seed_nodes,
    seed_mass,
    method: str,
    alpha: float,
    min_size: int,
    max_volume: float | None = None,
    each_rung=None,
    *,
    t: float | None = None,
):
    """``eps="auto"``: a diffusion and sweep at each rung of a ladder of accuracies,
    keeping the cluster whose edge is the clearest.

    ``ppr`` climbs :data:`PPR_LADDER`, each push resuming from the estimate and
    residuals the rung before left (:func:`engine.diffusion_kernels.ppr_rung`), so
    no push is repeated (the ladder costs 1.3-1.5x its last rung alone, the
    sweeps of the earlier rungs included); ``heat`` tries
    :data:`HEAT_LADDER`'s ``(t, eps)`` pairs, or their ``eps`` at the ``t`` given,
    each from the start (a new ``t`` is a new diffusion).

    Each rung's sweep keeps its first deep minimum
    (:func:`engine.conductance_kernels.first_deep_minimum`) when it has one, else
    its least conductance; :func:`kept_rung` then chooses among the rungs. The
    climb stops at the first rung with a deep minimum, two rungs after
    conductance last improved when there is none, or after the rung whose
    diffusion reached ``max_volume`` (default: half the graph's volume, past
    which no set is local). ``each_rung``, when given, receives each rung's
    diffusion (the network community profile keeps them all).

    Returns the kept diffusion, as :func:`diffuse_and_sweep` returns it, and the
    ladder as a table: ``eps`` (and ``t`` for heat), ``conductance`` and ``size``
    of the rung's sweep, whether its edge is ``deep``, ``volume`` its diffusion
    reached, ``pushes``, and ``kept`` (the one rung whose cluster is returned).
    """
    budget = view.total_volume / 2 if max_volume is None else max_volume
    rows, found_at = [], []
    least, since_better = np.inf, 0
    n_touched = 0
    try:
        for rung_t, eps in _rungs(method, t):
            if method == "ppr":
                *sweep, pushes, n_touched = kernels.ppr_rung(
                    view.csr, seed_nodes, seed_mass, alpha, eps, view.scratch(),
                    view.total_volume, min_size, n_touched,
                )  # fmt: skip
                order, scores, volume, cut, conductance, best = sweep
                found = order, scores, (volume, cut, conductance), int(best), pushes, order.size
            else:
                found = diffuse_and_sweep(
                    view, seed_nodes, seed_mass, method, alpha, eps, rung_t, min_size
                )
            if each_rung is not None:
                each_rung(found)
            found_at.append(found)
            order, _, (volume, _, conductance), best, pushes, _ = found
            value = float(conductance[best]) if order.size else 1.0
            reached = float(volume[-1]) if order.size else 0.0
            deep = (
                bool(order.size)
                and sweep_kernels.first_deep_minimum(
                    volume, conductance, view.total_volume, min_size
                )
                == best
            )
            rows.append([eps, rung_t, value, best + 1 if order.size else 0, deep, reached, pushes])
            if value < least - 1e-12:
                least, since_better = value, 0
            else:
                since_better += 1
            # A deep minimum ends the climb: the next rung would cost ten times this
            # one, and the least conductance among deep minima scored no better F1
            # than the first on the planted graphs.
            if deep or since_better >= 2 or reached >= budget:
                break
    finally:
        if method == "ppr":
            kernels.ppr_clear(view.csr, seed_nodes, view.scratch(), n_touched)
    columns = ["eps", "t", "conductance", "size", "deep", "volume", "pushes"]
    ladder = pd.DataFrame(rows, columns=columns)
    big_enough = ladder["size"].to_numpy() >= min_size
    kept = kept_rung(ladder["conductance"].to_numpy(), ladder["deep"].to_numpy(), big_enough)
    ladder["kept"] = np.arange(len(rows)) == kept
    return found_at[kept], ladder.drop(columns="t") if method == "ppr" else ladder


def kept_rung(conductance: np.ndarray, deep: np.ndarray, big_enough=None) -> int:
    """The rung of a climb whose cluster :func:`climb` returns.

    Only rungs whose set is ``big_enough`` (has ``min_size`` nodes) compete,
    unless none is (a coarse rung's few nodes cannot make ``min_size``; a seed
    in a small component never can). Among them: the rungs whose sweep has a
    deep minimum, the least conductance (the earliest on ties), as a deep
    minimum marks a community's edge and a finer rung sees further. Without any,
    the rung that improved most on the one before it (by ratio; the first
    against 1): past a community's edge a finer rung still lowers conductance,
    by taking in more of the graph (a union of communities cuts less of itself
    than one does), but by less. On the benchmarks' graphs the least
    conductance there lost F1 (LFR 0.82 → 0.65, email 0.25 → 0.21, median;
    ``benchmarks/cluster.py``).

    >>> kept_rung(np.array([0.9, 0.45, 0.35, 0.34]), np.zeros(4, bool))
    1
    >>> kept_rung(np.array([0.9, 0.45, 0.30]), np.array([False, True, True]))
    2
    >>> kept_rung(np.array([0.5, 0.45, 0.40]), np.zeros(3, bool), np.array([False, True, True]))
    2
    """
    competing = np.ones(conductance.size, bool) if big_enough is None else big_enough
    if not competing.any():
        competing = np.ones(conductance.size, bool)
    if (deep & competing).any():
        candidates = np.flatnonzero(deep & competing)
        return int(candidates[np.argmin(conductance[candidates])])
    before = np.concatenate([[1.0], conductance[:-1]])
    improvement = before / np.maximum(conductance, 1e-12)
    candidates = np.flatnonzero(competing)
    return int(candidates[np.argmax(improvement[candidates])])


def _rungs(method: str, t: float | None) -> list[tuple[float, float]]:
    """The ``(t, eps)`` of each rung, coarsest first."""
    if method == "ppr":
        return [(DEFAULT_T, eps) for eps in PPR_LADDER]
    if t is None:
        return list(HEAT_LADDER)
    return [(t, eps) for eps in sorted({eps for _, eps in HEAT_LADDER}, reverse=True)]


@functools.lru_cache(maxsize=64)
def psi(t: float, eps: float) -> np.ndarray:
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


def seed_distribution(g: Graph, seeds) -> tuple[np.ndarray, np.ndarray]:
    """:func:`engine.pagerank.common.seed_distribution`, with a short path for one integer seed on a
    graph whose labels are its ids (the common call, where the general path's list
    handling cost as much as the diffusion)."""
    if isinstance(seeds, bool) or not isinstance(seeds, int | np.integer | str):
        return any_seed_distribution(g, seeds)
    if g.has_identity_labels:
        if isinstance(seeds, str) or not 0 <= seeds < g.n_nodes:
            return any_seed_distribution(g, seeds)  # raises NodeNotFoundError naming it
        return np.array([seeds], dtype=np.int64), ONE
    # Graph.node_ids builds a pandas Index from its argument on every call (0.5 ms);
    # one hash lookup in a per-graph index costs a microsecond.
    try:
        position = derived("cluster.label_index", g, _label_index).get_loc(seeds)
    except (KeyError, TypeError):
        return any_seed_distribution(g, seeds)
    if not isinstance(position, int | np.integer):  # repeated labels: the general path
        return any_seed_distribution(g, seeds)
    return np.array([position], dtype=np.int64), ONE


def _label_index(g: Graph) -> pd.Index:
    return pd.Index(g.labels)
