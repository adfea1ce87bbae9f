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
#: about ten times the last, so the whole ladder costs about 1.1x its last rung.
PPR_LADDER = (1e-3, 1e-4, 1e-5, 1e-6, 1e-7)
#: The ``(t, eps)`` pairs ``eps="auto"`` tries for ``heat``: hkgrow's (Kloster & Gleich 2014).
HEAT_LADDER = ((10.0, 1e-4), (20.0, 1e-3), (40.0, 5e-3), (80.0, 1e-2))


def diffuse_and_sweep(view: LocalView, seed_nodes, seed_mass, method, alpha, eps, t):
    """``(order, scores, profile arrays, best index, pushes, touched)`` of one diffusion:
    one kernel call does the diffusion, the sort and the sweep."""
    csr, scratch, total_volume = view.csr, view.scratch(), view.total_volume
    if method == "ppr":
        found = kernels.ppr_sweep(csr, seed_nodes, seed_mass, alpha, eps, scratch, total_volume)
    else:
        found = kernels.heat_sweep(
            csr, seed_nodes, seed_mass, t, eps, psi(t, eps), scratch, total_volume
        )
    order, scores, volume, cut, conductance, best, pushes = found
    return order, scores, (volume, cut, conductance), int(best), pushes, order.size


def climb(view: LocalView, seed_nodes, seed_mass, method, alpha, t):
    """``eps="auto"``: :func:`diffuse_and_sweep` at each rung of the ladder
    (:data:`PPR_LADDER`, or :data:`HEAT_LADDER`'s ``(t, eps)`` pairs), keeping the
    sweep of least conductance.

    Stops two rungs after the last improvement, or once a rung's support holds
    half the graph's volume (a wider diffusion is no longer local). Returns the
    kept diffusion and the ladder as a table (``eps``, ``t`` for heat,
    ``conductance``, ``size``, ``pushes``).
    """
    rungs = [(t, eps) for eps in PPR_LADDER] if method == "ppr" else HEAT_LADDER
    rows, kept, kept_conductance, since_better = [], None, np.inf, 0
    for rung_t, eps in rungs:
        found = diffuse_and_sweep(view, seed_nodes, seed_mass, method, alpha, eps, rung_t)
        order, _, (volume, _, conductance), best, pushes, _ = found
        value = float(conductance[best]) if order.size else 1.0
        rows.append((eps, rung_t, value, best + 1 if order.size else 0, pushes))
        if kept is None or value < kept_conductance - 1e-12:
            kept, kept_conductance, since_better = found, value, 0
        else:
            since_better += 1
        reached = float(volume[-1]) if order.size else 0.0
        if since_better >= 2 or 2 * reached >= view.total_volume:
            break
    ladder = pd.DataFrame(rows, columns=["eps", "t", "conductance", "size", "pushes"])
    return kept, ladder.drop(columns="t") if method == "ppr" else ladder


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
