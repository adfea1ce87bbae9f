"""Tiny graphs shared by every test: each is a list of edges plus how to build it.

Each entry is built both by us and, independently, by networkx, so a test can
compare the two without hard-coding an answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from loaders import Graph


@dataclass(frozen=True)
class TinyGraph:
    name: str
    edges: list[tuple]
    directed: bool = False
    weights: list[float] | None = None
    nodes: list = field(default_factory=list)  # every node, isolated ones included

    def build(self) -> Graph:
        src = [u for u, _ in self.edges]
        dst = [v for _, v in self.edges]
        return Graph.from_edges(
            src, dst, self.weights, directed=self.directed, nodes=self.nodes or None, name=self.name
        )

    def networkx(self) -> nx.Graph:
        graph = nx.DiGraph() if self.directed else nx.Graph()
        graph.add_nodes_from(self.nodes)
        for k, (u, v) in enumerate(self.edges):
            weight = 1.0 if self.weights is None else self.weights[k]
            if graph.has_edge(u, v):
                graph[u][v]["weight"] += weight
            else:
                graph.add_edge(u, v, weight=weight)
        return graph


def _clique(n: int) -> list[tuple]:
    return [(u, v) for u in range(n) for v in range(u + 1, n)]


TINY_GRAPHS = {
    "empty": TinyGraph("empty", [], nodes=[]),
    "one_node": TinyGraph("one_node", [], nodes=[0]),
    "path": TinyGraph("path", [(0, 1), (1, 2), (2, 3), (3, 4)]),
    "star": TinyGraph("star", [(0, k) for k in range(1, 8)]),
    "clique": TinyGraph("clique", _clique(6)),
    "disconnected": TinyGraph(
        "disconnected", [(0, 1), (1, 2), (2, 0), (3, 4)], nodes=[0, 1, 2, 3, 4, 5]
    ),
    "directed": TinyGraph(
        "directed", [(0, 1), (1, 2), (2, 0), (2, 3), (3, 3), (4, 0)], directed=True
    ),
    "weighted": TinyGraph(
        "weighted", [(0, 1), (1, 2), (2, 0), (2, 3), (1, 0)], weights=[1.0, 2.5, 0.5, 4.0, 3.0]
    ),
    "self_loops": TinyGraph("self_loops", [(0, 0), (0, 1), (1, 1), (1, 2)]),
    "strings": TinyGraph(
        "strings", [("alice", "bob"), ("bob", "carol"), ("carol", "alice"), ("dave", "alice")]
    ),
}


def random_edges(n_nodes: int, n_edges: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, n_nodes, n_edges), rng.integers(0, n_nodes, n_edges)
