"""``cut_size``, ``volume`` and ``conductance`` for networkx: node sets mapped to ids for
:mod:`engine.cuts`, which keeps networkx's conventions (directed arcs counted both ways
across a cut, an undirected self-loop twice in a volume, ``ZeroDivisionError`` for a side
of no volume), and sums returned as networkx types them (ints without weights)."""

from __future__ import annotations

from collections.abc import Iterable

from app.networkx_backend.graph import BackendGraph
from engine import cuts


def cut_size(G: BackendGraph, S: Iterable, T: Iterable | None = None, weight=None) -> float:
    """Total weight of the edges between ``S`` and ``T`` (default: the rest of the graph);
    in a directed graph, the arcs both ways. (networkx 3.6 itself raises ``TypeError`` for
    a directed graph without ``T``; this takes the complement its docs promise.)

    >>> import networkx as nx
    >>> nx.cut_size(nx.barbell_graph(3, 0), {0, 1, 2}, backend="gwb")
    1
    """
    T = None if T is None else G.ids_of(T)
    values = G.values(weight)
    return _number(cuts.cut_size(G.engine_graph(), G.ids_of(S), T, values), weight, values)


def volume(G: BackendGraph, S: Iterable, weight=None) -> float:
    """Sum of the (out-)degrees of ``S``, an undirected self-loop counting twice.

    >>> import networkx as nx
    >>> nx.volume(nx.barbell_graph(3, 0), {0, 1, 2}, backend="gwb")
    7
    """
    values = G.values(weight)
    return _number(cuts.volume(G.engine_graph(), G.ids_of(S), values), weight, values)


def conductance(G: BackendGraph, S: Iterable, T: Iterable | None = None, weight=None) -> float:
    """``cut_size(S, T) / min(volume(S), volume(T))``, T the complement by default.

    >>> import networkx as nx
    >>> nx.conductance(nx.barbell_graph(3, 0), {0, 1, 2}, backend="gwb")
    0.14285714285714285
    """
    T = None if T is None else G.ids_of(T)
    return cuts.conductance(G.engine_graph(), G.ids_of(S), T, G.values(weight))


def _number(total: float, weight, values):
    """networkx's sums are ints where every weight is the int 1 or a count of parallel
    edges, floats otherwise."""
    return int(total) if weight is None or values is None else total
