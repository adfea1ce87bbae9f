"""``triangles``, ``clustering``, ``average_clustering``, ``transitivity`` and
``square_clustering`` for networkx: networkx's ``nodes`` and ``weight`` arguments mapped
onto :mod:`engine.triangles`, :mod:`engine.clustering_coefficient` and
:mod:`engine.square_clustering`, whose whole-graph arrays become networkx's dicts.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from app.networkx_backend.graph import BackendGraph
from engine import clustering_coefficient
from engine import square_clustering as square
from engine import triangles as tri


def triangles(G: BackendGraph, nodes=None):
    """Triangles through each node, as :func:`networkx.triangles` counts them.

    >>> nx.triangles(nx.karate_club_graph(), 0, backend="gwb")
    18
    """
    return _per_node(G, nodes, tri.triangles(G.engine_graph()))


def clustering(G: BackendGraph, nodes=None, weight: str | None = None):
    """Clustering coefficient of each node, by networkx's formula for ``G``: ``2T / (d (d −
    1))`` (weighted: ``T`` sums geometric means of normalised weights; directed: Fagiolo's).

    >>> round(nx.clustering(nx.karate_club_graph(), 0, backend="gwb"), 4)
    0.15
    >>> round(nx.clustering(nx.karate_club_graph(), 0, weight="weight", backend="gwb"), 4)
    0.0663
    """
    values = clustering_coefficient.clustering(G.engine_graph(), _weights(G, weight))
    return _per_node(G, nodes, values)


def average_clustering(
    G: BackendGraph, nodes=None, weight: str | None = None, count_zeros: bool = True
) -> float:
    """Mean clustering coefficient over ``nodes`` (all by default), as networkx takes it.

    >>> round(nx.average_clustering(nx.karate_club_graph(), backend="gwb"), 4)
    0.5706
    """
    # networkx averages the values of clustering(G, nodes): each node once.
    ids = None if nodes is None else _unique(_ids(G, nodes))
    g = G.engine_graph()
    return clustering_coefficient.average_clustering(g, ids, _weights(G, weight), count_zeros)


def transitivity(G: BackendGraph) -> float:
    """``3 × triangles / connected triples``, summed over the graph as networkx sums it
    (on a directed graph, networkx's count over each node's successors).

    >>> round(nx.transitivity(nx.karate_club_graph(), backend="gwb"), 4)
    0.2557
    """
    value = tri.transitivity(G.engine_graph())
    return value if value else 0  # networkx returns the int 0 without triangles


def square_clustering(G: BackendGraph, nodes=None):
    """Squares through each node over the squares its neighbours could close, as
    :func:`networkx.square_clustering` counts both (Lind et al. 2005).

    >>> nx.square_clustering(nx.complete_graph(4), 0, backend="gwb")
    1.0
    """
    if nodes is not None and nodes in G:
        return float(square.square_clustering(G.engine_graph(), [G.index[nodes]])[0])
    if nodes is None:
        return G.to_dict(square.square_clustering(G.engine_graph()))
    ids = _unique(_ids(G, nodes))
    values = square.square_clustering(G.engine_graph(), ids).tolist()
    labels = G.labels
    return dict(zip((labels[i] for i in ids.tolist()), values))


def can_run_square_clustering(G, **_) -> bool | str:
    """networkx runs its undirected formula over successor sets of a directed graph, a
    quantity it neither documents nor tests, and which changed in networkx 3.5."""
    if G.is_directed():
        return "square clustering of directed graphs is not implemented by gwb"
    if SQUARES_COUNT_SELF_LOOPS and _has_self_loops(G):
        return "networkx before 3.5 counts self-loops in square clustering; gwb does not"
    return True


# networkx 3.5 made square_clustering ignore self-loops; before, they counted.
SQUARES_COUNT_SELF_LOOPS = tuple(map(int, nx.__version__.split(".")[:2])) < (3, 5)


def _has_self_loops(G) -> bool:
    if isinstance(G, BackendGraph):
        return G.engine_graph().n_self_loops > 0
    # G._adj directly: nx.number_of_selfloops would dispatch from inside a dispatch.
    return any(v in neighbours for v, neighbours in G._adj.items())


def _weights(G: BackendGraph, weight: str | None):
    """networkx's ``weight`` as the engine's ``weights``: None for unit weights."""
    return None if weight is None else G.values(weight)


def _ids(G: BackendGraph, nodes) -> np.ndarray:
    try:
        return G.ids_of(nodes)
    except TypeError:
        raise nx.NetworkXError(f"nbunch {nodes!r} is not a node or a sequence of nodes") from None


def _unique(ids: np.ndarray) -> np.ndarray:
    """Each id once, at its first place (the keys of the dict networkx builds)."""
    return ids[np.sort(np.unique(ids, return_index=True)[1])]


def _per_node(G: BackendGraph, nodes, values: np.ndarray):
    """networkx's ``nodes`` argument: all (None), one node (a value), or a container."""
    if nodes is None:
        return G.to_dict(values)
    if nodes in G:
        return values[G.index[nodes]].item()
    ids = _ids(G, nodes).tolist()
    labels = G.labels
    return dict(zip((labels[i] for i in ids), values[ids].tolist()))
