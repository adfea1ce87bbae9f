"""``cut_size``, ``volume`` and ``conductance`` for networkx, by networkx's conventions.

These differ from the engine's (:mod:`engine.conductance`) where the graph is directed
(networkx adds the arcs both ways across the cut and takes out-degrees as volumes; the
engine symmetrises), has self-loops (networkx's undirected degree counts one twice, the
engine's once), or a volume is 0 (networkx divides by zero, the engine says 1). So
``conductance`` asks :func:`engine.conductance.set_stats` only where the two agree:
undirected, no self-loops, ``T`` the complement, a positive volume on both sides.
Everywhere else Numba kernels (:mod:`~app.networkx_backend.cuts_kernels`) walk the rows of
the node sets for the networkx quantities.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from app.networkx_backend import cuts_kernels as kernels
from app.networkx_backend.graph import BackendGraph
from engine.conductance import set_stats
from engine.local_view import local_view


def cut_size(G: BackendGraph, S: Iterable, T: Iterable | None = None, weight=None) -> float:
    """Total weight of the edges between ``S`` and ``T`` (default: the rest of the graph);
    in a directed graph, the arcs both ways. (networkx 3.6 itself raises ``TypeError`` for
    a directed graph without ``T``; this takes the complement its docs promise.)

    >>> import networkx as nx
    >>> nx.cut_size(nx.barbell_graph(3, 0), {0, 1, 2}, backend="gwb")
    1
    """
    in_s = _mask(G, S)
    if T is None:
        in_t = ~in_s
        # Undirected, S's own rows hold every crossing edge; directed, arcs into S too.
        rows = np.flatnonzero(in_s) if not G.directed else np.arange(len(G))
    else:
        in_t = _mask(G, T)
        rows = np.flatnonzero(in_s | in_t)
    values = G.values(weight)
    total = kernels.cut_weight(G.indptr, G.indices, _unit_or(values), rows, in_s, in_t, G.directed)
    return _number(total, values is None)


def volume(G: BackendGraph, S: Iterable, weight=None) -> float:
    """Sum of the (out-)degrees of ``S``, an undirected self-loop counting twice.

    >>> import networkx as nx
    >>> nx.volume(nx.barbell_graph(3, 0), {0, 1, 2}, backend="gwb")
    7
    """
    values = G.values(weight)
    total = kernels.row_volume(G.indptr, G.indices, _unit_or(values), G.ids(S), not G.directed)
    return _number(total, values is None)


def conductance(G: BackendGraph, S: Iterable, T: Iterable | None = None, weight=None) -> float:
    """``cut_size(S, T) / min(volume(S), volume(T))``, T the complement by default.

    >>> import networkx as nx
    >>> nx.conductance(nx.barbell_graph(3, 0), {0, 1, 2}, backend="gwb")
    0.14285714285714285
    """
    S = list(S)
    ids = G.ids(S)
    if T is None and not G.directed and G.n_self_loops == 0 and np.unique(ids).size == ids.size:
        view = local_view(G.engine_graph(weight))
        vol_s, cut, _ = set_stats(view, ids)
        vol_t = view.total_volume - vol_s
        if min(vol_s, vol_t) > 0:
            return float(cut) / min(vol_s, vol_t)
    if T is None:
        T = set(G) - set(S)
    # networkx divides by zero here too, when a side has no volume.
    return cut_size(G, S, T, weight) / min(volume(G, S, weight), volume(G, T, weight))


def _mask(G: BackendGraph, nodes: Iterable) -> np.ndarray:
    mask = np.zeros(len(G), dtype=bool)
    mask[G.ids(nodes)] = True
    return mask


def _unit_or(values: np.ndarray | None) -> np.ndarray:
    """The kernels' weights: an empty array for unit weights (one compiled kernel)."""
    return np.empty(0, dtype=np.float64) if values is None else values


def _number(total, unweighted: bool):
    """networkx's sums are ints without weights, floats with them."""
    return int(total) if unweighted else float(total)
