"""Orbits of 2–5 node graphlets against brute force and against ORCA.

The reference enumerates node subsets with itertools, keeps the connected ones
and names each node's orbit by a networkx isomorphism onto reference graphlets
built here from networkx's generators, each orbit fixed by one representative
node described from Pržulj's figure; the automorphisms of each reference give
the rest. Nothing here reuses the engine's table of graphlets or its codes.
"""

from __future__ import annotations

import functools
import itertools
import os
import shutil
import subprocess
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings

import engine
from engine.graphlets import graphlet_counts, graphlet_edges, orbit_counts
from loaders import Graph
from tests.engine.graphlets.random_graphs import dense_random, edge_lists, simple_networkx
from tests.graphs import TINY_GRAPHS


def _graph(edges) -> nx.Graph:
    return nx.Graph(list(edges))


def _triangle_with(*extra) -> nx.Graph:
    return _graph([(0, 1), (1, 2), (2, 0), *extra])


def _k4_with(*extra) -> nx.Graph:
    return _graph([*itertools.combinations(range(4), 2), *extra])


_DIAMOND = _graph([(0, 1), (1, 2), (2, 3), (3, 0), (0, 2)])

# Orbit → (graphlet, a node on that orbit). The graphlets of 2–5 nodes, in Pržulj's
# order; each entry says in words which node it is.
REPRESENTATIVES = {
    0: (_graph([(0, 1)]), 0),
    1: (nx.path_graph(3), 0),  # end of the 3-path
    2: (nx.path_graph(3), 1),  # middle
    3: (nx.complete_graph(3), 0),
    4: (nx.path_graph(4), 0),  # end of the 4-path
    5: (nx.path_graph(4), 1),
    6: (nx.star_graph(3), 1),  # leaf of the 3-star
    7: (nx.star_graph(3), 0),  # centre
    8: (nx.cycle_graph(4), 0),
    9: (_triangle_with((0, 3)), 3),  # paw: the tail's end
    10: (_triangle_with((0, 3)), 1),  # paw: triangle node of degree 2
    11: (_triangle_with((0, 3)), 0),  # paw: the degree-3 node
    12: (_DIAMOND, 1),  # diamond: degree 2
    13: (_DIAMOND, 0),  # degree 3
    14: (nx.complete_graph(4), 0),
    # 5-path
    15: (nx.path_graph(5), 0),
    16: (nx.path_graph(5), 1),
    17: (nx.path_graph(5), 2),
    # chair: a 3-star with one leaf extended
    18: (_graph([(0, 1), (1, 2), (2, 3), (2, 4)]), 0),  # end of the long branch
    19: (_graph([(0, 1), (1, 2), (2, 3), (2, 4)]), 3),  # leaf at the centre
    20: (_graph([(0, 1), (1, 2), (2, 3), (2, 4)]), 1),  # middle of the long branch
    21: (_graph([(0, 1), (1, 2), (2, 3), (2, 4)]), 2),  # centre
    22: (nx.star_graph(4), 1),
    23: (nx.star_graph(4), 0),
    # bull: triangle 0-1-2, pendants at 1 and 2
    24: (nx.bull_graph(), 3),
    25: (nx.bull_graph(), 0),
    26: (nx.bull_graph(), 1),
    # triangle 0-1-2 with the path 2-3-4
    27: (nx.lollipop_graph(3, 2), 4),
    28: (nx.lollipop_graph(3, 2), 3),
    29: (nx.lollipop_graph(3, 2), 0),
    30: (nx.lollipop_graph(3, 2), 2),
    # cricket: triangle with two pendants on one node
    31: (_triangle_with((0, 3), (0, 4)), 3),
    32: (_triangle_with((0, 3), (0, 4)), 1),
    33: (_triangle_with((0, 3), (0, 4)), 0),
    34: (nx.cycle_graph(5), 0),
    # banner: 4-cycle 0-1-2-3 with a pendant 4 at 0
    35: (_graph([(0, 1), (1, 2), (2, 3), (3, 0), (0, 4)]), 4),
    36: (_graph([(0, 1), (1, 2), (2, 3), (3, 0), (0, 4)]), 2),
    37: (_graph([(0, 1), (1, 2), (2, 3), (3, 0), (0, 4)]), 1),
    38: (_graph([(0, 1), (1, 2), (2, 3), (3, 0), (0, 4)]), 0),
    # diamond (chord 0-2) with a pendant 4 at a degree-3 node
    39: (_graph([(0, 1), (1, 2), (2, 3), (3, 0), (0, 2), (0, 4)]), 4),
    40: (_graph([(0, 1), (1, 2), (2, 3), (3, 0), (0, 2), (0, 4)]), 1),
    41: (_graph([(0, 1), (1, 2), (2, 3), (3, 0), (0, 2), (0, 4)]), 2),
    42: (_graph([(0, 1), (1, 2), (2, 3), (3, 0), (0, 2), (0, 4)]), 0),
    # butterfly: two triangles sharing node 0
    43: (_triangle_with((0, 3), (0, 4), (3, 4)), 1),
    44: (_triangle_with((0, 3), (0, 4), (3, 4)), 0),
    # diamond (chord 1-3) with a pendant 4 at the degree-2 node 0
    45: (_graph([(0, 1), (1, 2), (2, 3), (3, 0), (1, 3), (0, 4)]), 4),
    46: (_graph([(0, 1), (1, 2), (2, 3), (3, 0), (1, 3), (0, 4)]), 2),
    47: (_graph([(0, 1), (1, 2), (2, 3), (3, 0), (1, 3), (0, 4)]), 0),
    48: (_graph([(0, 1), (1, 2), (2, 3), (3, 0), (1, 3), (0, 4)]), 1),
    49: (nx.complete_bipartite_graph(2, 3), 2),  # degree 2
    50: (nx.complete_bipartite_graph(2, 3), 0),  # degree 3
    # house: square 0-1-3-2, roof 4 on 2 and 3
    51: (nx.house_graph(), 0),
    52: (nx.house_graph(), 4),
    53: (nx.house_graph(), 2),
    # three triangles on the edge 0-1
    54: (_graph([(0, 1), (0, 2), (0, 3), (0, 4), (1, 2), (1, 3), (1, 4)]), 2),
    55: (_graph([(0, 1), (0, 2), (0, 3), (0, 4), (1, 2), (1, 3), (1, 4)]), 0),
    # 4-clique with a pendant 4 at 0
    56: (_k4_with((0, 4)), 4),
    57: (_k4_with((0, 4)), 1),
    58: (_k4_with((0, 4)), 0),
    # gem: path 1-2-3-4 and a hub 0 adjacent to all
    59: (_graph([(1, 2), (2, 3), (3, 4), (0, 1), (0, 2), (0, 3), (0, 4)]), 1),
    60: (_graph([(1, 2), (2, 3), (3, 4), (0, 1), (0, 2), (0, 3), (0, 4)]), 2),
    61: (_graph([(1, 2), (2, 3), (3, 4), (0, 1), (0, 2), (0, 3), (0, 4)]), 0),
    # K2,3 (sides {0, 1} and {2, 3, 4}) with the edge 2-3
    62: (_graph([*nx.complete_bipartite_graph(2, 3).edges, (2, 3)]), 4),
    63: (_graph([*nx.complete_bipartite_graph(2, 3).edges, (2, 3)]), 0),
    64: (_graph([*nx.complete_bipartite_graph(2, 3).edges, (2, 3)]), 2),
    # 4-clique with a node 4 adjacent to 0 and 1
    65: (_k4_with((0, 4), (1, 4)), 4),
    66: (_k4_with((0, 4), (1, 4)), 2),
    67: (_k4_with((0, 4), (1, 4)), 0),
    68: (nx.wheel_graph(5), 1),  # rim
    69: (nx.wheel_graph(5), 0),  # hub
    70: (_graph(set(itertools.combinations(range(5), 2)) - {(3, 4)}), 3),
    71: (_graph(set(itertools.combinations(range(5), 2)) - {(3, 4)}), 0),
    72: (nx.complete_graph(5), 0),
}


def _labelled_references() -> list[tuple[nx.Graph, dict]]:
    """Each distinct reference graphlet with the orbit of every node."""
    references: list[tuple[nx.Graph, dict]] = []
    for orbit, (graph, node) in REPRESENTATIVES.items():
        same = [(known, labels) for known, labels in references if nx.is_isomorphic(known, graph)]
        if same:
            known, labels = same[0]
            mapping = next(nx.isomorphism.GraphMatcher(graph, known).isomorphisms_iter())
            graph, node = known, mapping[node]
        else:
            labels = {}
            references.append((graph, labels))
        for automorphism in nx.isomorphism.GraphMatcher(graph, graph).isomorphisms_iter():
            assert labels.setdefault(automorphism[node], orbit) == orbit
    return references


REFERENCES = _labelled_references()


def test_reference_graphlets_cover_every_orbit_once():
    """30 graphlets, every node of each on exactly one of the 73 orbits, numbered in order."""
    assert len(REFERENCES) == 30
    assert sorted(o for _, labels in REFERENCES for o in set(labels.values())) == list(range(73))
    for graph, labels in REFERENCES:
        assert set(labels) == set(graph.nodes)
    sizes = [g.number_of_nodes() for g, _ in REFERENCES]
    assert sizes == sorted(sizes) and sizes.count(5) == 21


# ------------------------------------------------------------------ brute force


class OrbitNamer:
    """The orbits of a subset's nodes, from its adjacency pattern (cached per pattern)."""

    def __init__(self) -> None:
        self.cache: dict[tuple, tuple[int, ...] | None] = {}

    def __call__(self, adjacency: np.ndarray, subset: tuple[int, ...]) -> tuple[int, ...] | None:
        size = len(subset)
        key = tuple(
            bool(adjacency[subset[i], subset[j]]) for i, j in itertools.combinations(range(size), 2)
        )
        if key not in self.cache:
            self.cache[key] = self._name(size, key)
        return self.cache[key]

    @staticmethod
    def _name(size: int, key: tuple) -> tuple[int, ...] | None:
        pairs = itertools.combinations(range(size), 2)
        graph = nx.Graph()
        graph.add_nodes_from(range(size))
        graph.add_edges_from(pair for pair, present in zip(pairs, key, strict=True) if present)
        if not nx.is_connected(graph):
            return None
        for reference, labels in REFERENCES:
            matcher = nx.isomorphism.GraphMatcher(graph, reference)
            if matcher.is_isomorphic():
                return tuple(labels[matcher.mapping[v]] for v in range(size))
        raise AssertionError(f"no reference graphlet for {graph.edges}")


def brute_force_orbits(graph: nx.Graph, nodes: list, max_size: int = 5) -> np.ndarray:
    """Orbit counts (n × 73) of a simple undirected networkx graph, rows in ``nodes`` order."""
    index = {v: i for i, v in enumerate(nodes)}
    adjacency = np.zeros((len(nodes), len(nodes)), dtype=bool)
    for u, v in graph.edges:
        adjacency[index[u], index[v]] = adjacency[index[v], index[u]] = True
    counts = np.zeros((len(nodes), 73), dtype=np.int64)
    name = OrbitNamer()
    for size in range(2, max_size + 1):
        for subset in itertools.combinations(range(len(nodes)), size):
            orbits = name(adjacency, subset)
            if orbits is not None:
                counts[list(subset), list(orbits)] += 1
    return counts


def assert_matches_brute_force(g: Graph, reference: nx.Graph) -> None:
    expected = brute_force_orbits(reference, g.labels.tolist())
    np.testing.assert_array_equal(orbit_counts(g, graphlet_size=5), expected)


@settings(max_examples=40, deadline=None)
@given(drawn=edge_lists(max_nodes=10, max_edges=30))
def test_random_graphs_match_brute_force(drawn):
    assert_matches_brute_force(*drawn)


@pytest.mark.parametrize(("n", "p", "seed"), [(13, 0.5, 0), (13, 0.75, 1), (16, 0.25, 2)])
def test_dense_random_graphs_match_brute_force(n, p, seed):
    """Denser than hypothesis draws: every 5-node graphlet up to the 5-clique, and hubs."""
    assert_matches_brute_force(*dense_random(n, p, seed))


def test_every_graphlet_alone():
    """Each reference graphlet as a whole graph: every node on its own orbit, once."""
    for reference, labels in REFERENCES:
        nodes = sorted(reference.nodes)
        g = Graph.from_edges(*zip(*reference.edges, strict=True), n_nodes=len(nodes))
        orbits = orbit_counts(g, graphlet_size=5)
        if reference.number_of_nodes() == 5:
            for v in nodes:
                assert orbits[v, 15:].tolist() == [int(k == labels[v]) for k in range(15, 73)]


@functools.lru_cache(maxsize=1)
def karate_brute_force() -> np.ndarray:
    g = engine.sample("karate")
    reference = simple_networkx(g.edges()[["source", "target"]].values, g.labels)
    return brute_force_orbits(reference, g.labels.tolist())


def test_karate_matches_brute_force():
    g = engine.sample("karate")
    np.testing.assert_array_equal(orbit_counts(g, graphlet_size=5), karate_brute_force())


@pytest.mark.parametrize("name", sorted(TINY_GRAPHS))
def test_tiny_graphs(name):
    tiny = TINY_GRAPHS[name]
    g = tiny.build()
    assert_matches_brute_force(g, simple_networkx(tiny.edges, g.labels.tolist()))


def test_first_15_orbits_are_the_4_node_counts():
    g = engine.sample("lesmis")
    np.testing.assert_array_equal(orbit_counts(g, graphlet_size=5)[:, :15], orbit_counts(g))


def test_identities_on_lesmis():
    """Stars and 5-cliques counted independently with networkx."""
    g = engine.sample("lesmis")
    reference = simple_networkx(g.edges()[["source", "target"]].values, g.labels)
    orbits = orbit_counts(g, graphlet_size=5)
    labels = g.labels.tolist()
    # Orbit 23, the centre of a 4-star: 4 pairwise non-adjacent neighbours.
    adjacent = {v: set(reference[v]) for v in labels}
    centres = [
        sum(
            1
            for quad in itertools.combinations(adjacent[v], 4)
            if not any(b in adjacent[a] for a, b in itertools.combinations(quad, 2))
        )
        for v in labels
    ]
    np.testing.assert_array_equal(orbits[:, 23], centres)
    cliques = [c for c in nx.enumerate_all_cliques(reference) if len(c) == 5]
    on_node = {v: 0 for v in labels}
    for clique in cliques:
        for v in clique:
            on_node[v] += 1
    np.testing.assert_array_equal(orbits[:, 72], [on_node[v] for v in labels])


def test_graphlet_counts_cover_g0_to_g29():
    g = engine.sample("karate")
    expected = karate_brute_force()
    table = graphlet_counts(g, graphlet_size=5)
    assert table["graphlet"].tolist() == [f"G{k}" for k in range(30)]
    assert table["nodes"].tolist() == [2] + [3] * 2 + [4] * 6 + [5] * 21
    # Each graphlet's total from the brute force: orbit sums over the graphlet's nodes.
    for (reference_graph, labels), count in zip(REFERENCES, table["count"], strict=True):
        orbits = sorted(set(labels.values()))
        per_set = expected[:, orbits].sum() // reference_graph.number_of_nodes()
        assert count == per_set
    same = graphlet_counts(g, orbit_counts(g, graphlet_size=5))
    assert same["count"].tolist() == table["count"].tolist()


def test_size_and_shape_errors():
    g = engine.sample("karate")
    with pytest.raises(ValueError, match="graphlet_size must be 4 or 5; got 6"):
        orbit_counts(g, graphlet_size=6)
    with pytest.raises(ValueError, match=r"\(34, 15\) or \(34, 73\)"):
        graphlet_counts(g, np.zeros((34, 20), dtype=np.int64))


# ------------------------------------------------------------------ ORCA, when present


def _orca_binary() -> str | None:
    path = os.environ.get("GWB_ORCA", "/tmp/orca/orca")
    return path if Path(path).is_file() and os.access(path, os.X_OK) else shutil.which("orca")


@pytest.mark.skipif(_orca_binary() is None, reason="no ORCA binary (set GWB_ORCA)")
@pytest.mark.parametrize("name", ["karate", "lesmis", "florentine"])
def test_matches_orca(name, tmp_path):
    """ORCA's own numbering, on graphs too large for the Python brute force."""
    g = engine.sample(name)
    edges = graphlet_edges(g)
    source, target = tmp_path / "graph.in", tmp_path / "graph.out"
    with open(source, "w") as out:
        out.write(f"{g.n_nodes} {len(edges)}\n")
        np.savetxt(out, edges, fmt="%d")
    subprocess.run(
        [_orca_binary(), "node", "5", str(source), str(target)], check=True, capture_output=True
    )
    np.testing.assert_array_equal(
        orbit_counts(g, graphlet_size=5), np.loadtxt(target, dtype=np.int64, ndmin=2)
    )


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("max_bit_nodes", [0, 1 << 14])
def test_equations_agree_with_enumeration(seed, max_bit_nodes, monkeypatch):
    """The two kernels, on graphs too large for the Python brute force (hubs, dense cores),
    the probes counted from adjacency bits where cheaper, and from neighbour lists only."""
    from engine.graphlets import five
    from engine.graphlets.five import five_node_orbit_counts as _five_node_orbit_counts
    from engine.graphlets.five import (
        five_node_orbit_counts_by_enumeration as _five_node_orbit_counts_by_enumeration,
    )

    monkeypatch.setattr(five, "MAX_BIT_NODES", max_bit_nodes)
    reference = nx.powerlaw_cluster_graph(300, 4, 0.4, seed=seed)
    g = Graph.from_edges(*zip(*reference.edges, strict=True), n_nodes=300)
    np.testing.assert_array_equal(
        _five_node_orbit_counts(g, None), _five_node_orbit_counts_by_enumeration(g, None)
    )


def test_equations_agree_with_enumeration_over_word_spans():
    """Over 2,048 nodes, scans AND adjacency bits over the words that the rows share: cliques
    of consecutive ids (rows one or two words wide), linked in a ring and by random edges."""
    from engine.graphlets.five import five_node_orbit_counts as _five_node_orbit_counts
    from engine.graphlets.five import (
        five_node_orbit_counts_by_enumeration as _five_node_orbit_counts_by_enumeration,
    )

    reference = nx.connected_caveman_graph(110, 20)
    rng = np.random.default_rng(5)
    reference.add_edges_from(rng.integers(0, 2200, size=(300, 2)).tolist())
    reference.remove_edges_from(nx.selfloop_edges(reference))
    g = Graph.from_edges(*zip(*reference.edges, strict=True), n_nodes=2200)
    np.testing.assert_array_equal(
        _five_node_orbit_counts(g, None), _five_node_orbit_counts_by_enumeration(g, None)
    )


def test_five_node_counts_on_every_thread_agree(monkeypatch):
    """The parallel twins (roots taken off a shared queue by each thread) count what
    the serial ones count."""
    from engine.graphlets import common, four

    g = engine.sample("lesmis")
    serial = orbit_counts(g, graphlet_size=5)
    monkeypatch.setattr(four, "PARALLEL_WORK_5", 0)
    monkeypatch.setattr(common, "PARALLEL_WORK", 0)
    np.testing.assert_array_equal(orbit_counts(g, graphlet_size=5), serial)
