"""Random graphs for the brute-force tests, each beside the graph it should count as.

A graph drawn here comes with its simple undirected networkx twin, built
without the engine: the reference the brute force counts on.
"""

from __future__ import annotations

import networkx as nx
from hypothesis import strategies as st

from loaders import Graph


def simple_networkx(edges, nodes) -> nx.Graph:
    """The simple undirected graph of an edge list, built without the engine."""
    graph = nx.Graph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from((u, v) for u, v in edges if u != v)
    return graph


@st.composite
def edge_lists(draw, max_nodes: int, max_edges: int, directed: bool = True):
    """``(g, reference)``: 1 to ``max_nodes`` nodes and up to ``max_edges`` drawn edges,
    self-loops and repeats included, directed or not (undirected only without ``directed``)."""
    n = draw(st.integers(1, max_nodes))
    edges = draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=max_edges)
    )
    is_directed = draw(st.booleans()) if directed else False
    g = Graph.from_edges(
        [u for u, _ in edges], [v for _, v in edges], directed=is_directed, n_nodes=n
    )
    return g, simple_networkx(edges, range(n))


def dense_random(n: int, p: float, seed: int) -> tuple[Graph, nx.Graph]:
    """``(g, reference)`` of a G(n, p) graph: denser than hypothesis draws, with hubs."""
    reference = nx.gnp_random_graph(n, p, seed=seed)
    return Graph.from_edges(*zip(*reference.edges, strict=True), n_nodes=n), reference
