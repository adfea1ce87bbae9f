"""``cut_size``, ``volume`` and ``conductance`` for networkx, by networkx's conventions.

These differ from the engine's (:mod:`engine.conductance`) where the graph is directed
(networkx adds the arcs both ways across the cut and takes out-degrees as volumes; the
engine symmetrises), has self-loops (networkx's undirected degree counts one twice, the
engine's once), or a volume is 0 (networkx divides by zero, the engine says 1). So
``conductance`` asks :func:`engine.conductance.set_stats` only where the two agree:
undirected, no self-loops, ``T`` the complement, a positive volume on both sides.
Everywhere else one vectorised pass over the converted graph's edges gives the
networkx quantities directly.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from app.networkx_backend.graph import BackendGraph
from engine.conductance import set_stats
from engine.local_view import local_view


def cut_size(G: BackendGraph, S: Iterable, T: Iterable | None = None, weight=None) -> float:
    """Total weight of the edges between ``S`` and ``T`` (default: the rest of the graph);
    in a directed graph, the arcs both ways.

    >>> import networkx as nx
    >>> nx.cut_size(nx.barbell_graph(3, 0), {0, 1, 2}, backend="gwb")
    1
    """
    in_s = _mask(G, S)
    in_t = ~in_s if T is None else _mask(G, T)
    rows, columns = G.rows(), G.indices
    s_r, s_c, t_r, t_c = in_s[rows], in_s[columns], in_t[rows], in_t[columns]
    # networkx's edge_boundary keeps an edge with one end in S and the other in T,
    # checked from either end; an undirected edge is listed once (rows <= columns).
    crossing = (s_r & t_c) | (s_c & t_r)
    if G.directed:
        crossing = (s_r & (t_c | (s_c & t_r))).astype(np.int64) + (
            t_r & (s_c | (t_c & s_r))
        ).astype(np.int64)
    else:
        crossing = crossing & (rows <= columns)
    return _total(G.values(weight), crossing)


def volume(G: BackendGraph, S: Iterable, weight=None) -> float:
    """Sum of the (out-)degrees of ``S``, an undirected self-loop counting twice.

    >>> import networkx as nx
    >>> nx.volume(nx.barbell_graph(3, 0), {0, 1, 2}, backend="gwb")
    7
    """
    degrees = G.volumes(weight)[G.ids(S)]
    return _number(degrees.sum(), G.values(weight) is None)


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


def _total(values: np.ndarray | None, selected: np.ndarray):
    if values is None:
        return int(selected.sum())
    return float((values * selected).sum())


def _number(total, unweighted: bool):
    """networkx's sums are ints without weights, floats with them."""
    return int(total) if unweighted else float(total)
