"""Graphlet orbits against brute force: every connected induced subgraph of 2–4 nodes.

The reference enumerates node subsets with itertools, keeps the connected ones,
and names each node's (and edge's) orbit from its degree inside the subgraph,
which for at most four nodes pins the orbit down; a test checks that naming
against networkx isomorphism with hand-labelled templates. Nothing here reuses
the engine's equations.
"""

from __future__ import annotations

import itertools
import subprocess
import sys

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

import engine
from engine.graphlets import (
    ORBIT_ADJACENCY_KEYS,
    edge_orbit_counts,
    gdv_similarity,
    graphlet_counts,
    graphlet_edges,
    orbit_adjacency,
    orbit_counts,
    signature_similarity,
)
from engine.graphlets.cost import orbit_counts_estimate
from loaders import Graph, NodeNotFoundError
from tests.conftest import shared_dataset
from tests.engine.graphlets.random_graphs import dense_random, edge_lists, simple_networkx
from tests.graphs import TINY_GRAPHS

# ------------------------------------------------------------------ brute force


def node_orbit(n_edges: int, degrees: list[int], local_degree: int) -> int:
    """ORCA's orbit of a node of degree ``local_degree`` in a connected graphlet."""
    size = len(degrees)
    if size == 2:
        return 0
    if size == 3:
        return 3 if n_edges == 3 else {1: 1, 2: 2}[local_degree]
    if n_edges == 3:
        if max(degrees) == 3:  # star
            return {1: 6, 3: 7}[local_degree]
        return {1: 4, 2: 5}[local_degree]  # 4-path
    if n_edges == 4:
        if max(degrees) == 2:  # 4-cycle
            return 8
        return {1: 9, 2: 10, 3: 11}[local_degree]  # paw
    if n_edges == 5:
        return {2: 12, 3: 13}[local_degree]  # diamond
    return 14


def edge_orbit(n_edges: int, degrees: list[int], du: int, dv: int) -> int | None:
    """ORCA's edge orbit of an edge whose endpoints have degrees du, dv in the graphlet."""
    size = len(degrees)
    low, high = sorted((du, dv))
    if size == 2:
        return None  # a lone edge has no edge orbit in ORCA's numbering
    if size == 3:
        return 1 if n_edges == 3 else 0
    if n_edges == 3:
        if max(degrees) == 3:
            return 4
        return 2 if low == 1 else 3
    if n_edges == 4:
        if max(degrees) == 2:
            return 5
        if low == 1:
            return 6
        return 7 if high == 2 else 8
    if n_edges == 5:
        return 10 if low == 3 else 9
    return 11


def brute_force(graph: nx.Graph) -> tuple[dict, dict]:
    """Node and edge orbit counts of a simple undirected networkx graph."""
    nodes = list(graph.nodes)
    node_counts = {v: np.zeros(15, dtype=np.int64) for v in nodes}
    edge_counts = {frozenset(e): np.zeros(12, dtype=np.int64) for e in graph.edges}
    for size in (2, 3, 4):
        for subset in itertools.combinations(nodes, size):
            sub = graph.subgraph(subset)
            if not nx.is_connected(sub):
                continue
            degrees = [d for _, d in sub.degree]
            n_edges = sub.number_of_edges()
            for v in subset:
                node_counts[v][node_orbit(n_edges, degrees, sub.degree[v])] += 1
            for u, v in sub.edges:
                orbit = edge_orbit(n_edges, degrees, sub.degree[u], sub.degree[v])
                if orbit is not None:
                    edge_counts[frozenset((u, v))][orbit] += 1
    return node_counts, edge_counts


def assert_matches_brute_force(g: Graph, reference: nx.Graph) -> None:
    node_counts, edge_counts = brute_force(reference)
    labels = g.labels.tolist()
    expected_nodes = np.array([node_counts[label] for label in labels]).reshape(-1, 15)
    np.testing.assert_array_equal(orbit_counts(g), expected_nodes)
    edges = graphlet_edges(g)
    assert len(edges) == reference.number_of_edges()
    expected_edges = np.array(
        [edge_counts[frozenset((labels[u], labels[v]))] for u, v in edges]
    ).reshape(-1, 12)
    np.testing.assert_array_equal(edge_orbit_counts(g), expected_edges)


# Template graphlets with each node's orbit, labelled by hand from Pržulj's figure.
TEMPLATES = [
    ([(0, 1)], [0, 0]),
    ([(0, 1), (1, 2)], [1, 2, 1]),
    ([(0, 1), (1, 2), (2, 0)], [3, 3, 3]),
    ([(0, 1), (1, 2), (2, 3)], [4, 5, 5, 4]),
    ([(0, 1), (0, 2), (0, 3)], [7, 6, 6, 6]),
    ([(0, 1), (1, 2), (2, 3), (3, 0)], [8, 8, 8, 8]),
    ([(0, 1), (1, 2), (2, 0), (2, 3)], [10, 10, 11, 9]),
    ([(0, 1), (1, 2), (2, 3), (3, 0), (0, 2)], [13, 12, 13, 12]),
    ([(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)], [14, 14, 14, 14]),
]


def test_orbit_naming_agrees_with_isomorphism():
    """Every connected graph on 2–4 labelled nodes: the degree rule gives the orbit that
    an isomorphism onto the hand-labelled template gives."""
    for size in (2, 3, 4):
        pairs = list(itertools.combinations(range(size), 2))
        for chosen in itertools.chain.from_iterable(
            itertools.combinations(pairs, k) for k in range(1, len(pairs) + 1)
        ):
            graph = nx.Graph(chosen)
            if graph.number_of_nodes() != size or not nx.is_connected(graph):
                continue
            degrees = [d for _, d in graph.degree]
            matches = [
                (edges, orbits)
                for edges, orbits in TEMPLATES
                if nx.is_isomorphic(graph, nx.Graph(edges))
            ]
            assert len(matches) == 1
            template_edges, template_orbits = matches[0]
            mapping = next(
                nx.isomorphism.GraphMatcher(graph, nx.Graph(template_edges)).isomorphisms_iter()
            )
            for v in graph:
                assert (
                    node_orbit(len(chosen), degrees, graph.degree[v]) == template_orbits[mapping[v]]
                )


# ------------------------------------------------------------------ exactness


@settings(max_examples=60, deadline=None)
@given(drawn=edge_lists(max_nodes=9, max_edges=26))
def test_random_graphs_match_brute_force(drawn):
    assert_matches_brute_force(*drawn)


@pytest.mark.parametrize("seed", range(3))
def test_dense_random_graphs_match_brute_force(seed):
    """Denser than hypothesis draws: many diamonds and 4-cliques, and hubs."""
    assert_matches_brute_force(*dense_random(14, 0.5, seed))


def test_karate_matches_brute_force():
    g = engine.sample("karate")
    assert_matches_brute_force(g, simple_networkx(g.edges()[["source", "target"]].values, g.labels))


@pytest.mark.parametrize("name", sorted(TINY_GRAPHS))
def test_tiny_graphs(name):
    tiny = TINY_GRAPHS[name]
    g = tiny.build()
    reference = simple_networkx(tiny.edges, g.labels.tolist())
    assert_matches_brute_force(g, reference)
    assert graphlet_counts(g)["count"].sum() >= 0


def test_store_arrays_and_both_index_widths():
    """Read-only memory-mapped stores and int64 column ids give the same counts."""
    g = engine.sample("lesmis")
    wide = Graph(g.indptr, g.indices.astype(np.int64), directed=False)
    np.testing.assert_array_equal(orbit_counts(wide), orbit_counts(g))
    np.testing.assert_array_equal(edge_orbit_counts(wide), edge_orbit_counts(g))


@pytest.fixture
def many_batches(monkeypatch):
    """Every choice of the node-orbit passes at its other setting: both threads on a small
    graph, a batch per few items (so shares of a pass start and stop anywhere), no room
    for an up-list's sub-lists (up-lists are walked whole) or for its adjacency bits."""
    from engine.graphlets import common, four

    monkeypatch.setattr(common, "PARALLEL_WORK", 0)
    monkeypatch.setattr(four, "BATCH_UNITS", 1)
    monkeypatch.setattr(four, "BATCHES", 1000)
    monkeypatch.setattr(four, "SOLVE_NODES", 3)
    return four, monkeypatch


@pytest.mark.parametrize("seed", range(2))
@pytest.mark.parametrize("limits", ["lists and bits", "no bits", "no lists"])
def test_node_orbit_passes_in_every_mode_match_brute_force(many_batches, seed, limits):
    four, monkeypatch = many_batches
    if limits != "lists and bits":
        monkeypatch.setattr(four, "BIT_WORDS", 0)
    if limits == "no lists":
        monkeypatch.setattr(four, "LIST_CAPACITY", 2)
    g, reference = dense_random(16, 0.55, seed)
    node_counts, _ = brute_force(reference)
    expected = np.array([node_counts[label] for label in g.labels.tolist()])
    np.testing.assert_array_equal(orbit_counts(g), expected)


def test_shares_of_the_passes_add_up_to_the_count(many_batches):
    """The Dask tasks' shares (any cut of the node range) give the single count."""
    four, _ = many_batches
    g = engine.sample("lesmis")
    cuts = [0, 5, 6, 40, g.n_nodes]
    parts = [four._orbit_counts_of_range(g, a, b) for a, b in itertools.pairwise(cuts)]
    np.testing.assert_array_equal(four._solve_ranges(parts), orbit_counts(g))


# ------------------------------------------------------------------ identities


@pytest.mark.parametrize("name", ["karate", "lesmis"])
def test_identities(name):
    g = engine.sample(name)
    reference = simple_networkx(g.edges()[["source", "target"]].values, g.labels)
    orbits = orbit_counts(g)
    np.testing.assert_array_equal(orbits[:, 0], [reference.degree[v] for v in g.labels])
    triangles = nx.triangles(reference)
    np.testing.assert_array_equal(orbits[:, 3], [triangles[v] for v in g.labels])
    n_triangles = sum(triangles.values()) // 3
    assert orbits[:, 3].sum() == 3 * n_triangles
    # Every edge orbit count, summed over the edges of a graphlet, matches the node view.
    edge_orbits = edge_orbit_counts(g)
    assert edge_orbits[:, 11].sum() == 6 * orbits[:, 14].sum() // 4  # K4: 6 edges, 4 nodes
    assert edge_orbits[:, 5].sum() == orbits[:, 8].sum()  # 4-cycle: 4 edges, 4 nodes


def _isoclass(size: int, edges) -> int:
    return ig.Graph(n=size, edges=edges).isoclass()


@pytest.mark.parametrize("name", ["karate", "lesmis", "florentine"])
def test_graphlet_totals_match_igraph_motifs(name):
    g = engine.sample(name)
    table = graphlet_counts(g).set_index("name")["count"]
    reference = simple_networkx(g.edges()[["source", "target"]].values, g.labels)
    graph = ig.Graph.from_networkx(reference)
    motifs3 = graph.motifs_randesu(size=3)
    motifs4 = graph.motifs_randesu(size=4)
    assert table["edge"] == graph.ecount()
    assert table["3-path"] == motifs3[_isoclass(3, [(0, 1), (1, 2)])]
    assert table["triangle"] == motifs3[_isoclass(3, [(0, 1), (1, 2), (2, 0)])]
    for template, (edges, _) in zip(table.index[3:], TEMPLATES[3:], strict=True):
        assert table[template] == motifs4[_isoclass(4, edges)], template


def test_shared_dataset_matches_networkx_triangles():
    g = engine.load(shared_dataset("email-eu-core", "email-Eu-core.txt"), self_loops="drop")
    orbits = orbit_counts(g)
    reference = nx.Graph(g.to_networkx())
    triangles = nx.triangles(reference)
    np.testing.assert_array_equal(orbits[:, 3], [triangles[v] for v in g.labels])
    np.testing.assert_array_equal(orbits[:, 0], [reference.degree[v] for v in g.labels])


# ------------------------------------------------------------------ API and errors


def test_progress_reports_reach_the_total():
    """Node orbits report work done, in the estimate's units, rising to its total."""
    calls = []
    g = engine.sample("karate")
    orbit_counts(g, progress=lambda *call: calls.append(call))
    total = orbit_counts_estimate(g).work
    assert calls[0] == (0, total, "orbits") and calls[-1] == (total, total, "orbits")
    done = [call[0] for call in calls]
    assert done == sorted(done) and {call[1:] for call in calls} == {(total, "orbits")}
    calls.clear()
    edge_orbit_counts(engine.sample("karate"), progress=lambda *call: calls.append(call))
    assert calls[-1] == (34, 34, "edge orbits")


def test_gdv_similarity_ranks_identical_roles_first():
    # Two stars joined by their centres: leaves 2..5 share a role, as do 6..9.
    edges = [(0, 1)] + [(0, k) for k in range(2, 6)] + [(1, k) for k in range(6, 10)]
    g = Graph.from_edges(*zip(*edges, strict=True))
    table = gdv_similarity(g, 2, k=9)
    assert list(table.columns) == ["node", "similarity"]
    assert table["node"].tolist()[:7] == [3, 4, 5, 6, 7, 8, 9]
    assert np.allclose(table["similarity"][:7], 1.0)
    assert table["similarity"].is_monotonic_decreasing
    assert 2 not in table["node"].tolist()


def test_gdv_similarity_follows_the_paper_formula():
    g = engine.sample("karate")
    orbits = orbit_counts(g)
    affected = [1, 2, 2, 2, 3, 4, 3, 3, 4, 3, 4, 4, 4, 4, 3]
    weights = [1 - np.log(o) / np.log(73) for o in affected]

    def similarity(u, v):
        distance = sum(
            w * abs(np.log(a + 1) - np.log(b + 1)) / np.log(max(a, b) + 2)
            for w, a, b in zip(weights, u, v, strict=True)
        )
        return 1 - distance / sum(weights)

    expected = sorted(((similarity(orbits[0], orbits[v]), -v) for v in range(1, 34)), reverse=True)[
        :5
    ]
    table = gdv_similarity(g, 0, k=5, orbits=orbits)
    assert table["node"].tolist() == [-v for _, v in expected]
    np.testing.assert_allclose(table["similarity"], [s for s, _ in expected])
    np.testing.assert_allclose(signature_similarity(orbits, orbits[0])[0], 1.0)


def test_gdv_similarity_with_string_labels_and_large_k():
    g = TINY_GRAPHS["strings"].build()
    table = gdv_similarity(g, "bob", k=100)
    assert sorted(table["node"]) == ["alice", "carol", "dave"]


def test_errors_name_the_bad_value():
    g = engine.sample("karate")
    with pytest.raises(NodeNotFoundError, match="999"):
        gdv_similarity(g, 999)
    with pytest.raises(KeyError):
        gdv_similarity(g, "nobody")
    for bad in (0, -1, 2.5, True, "3"):
        with pytest.raises(ValueError, match="k must be"):
            gdv_similarity(g, 0, k=bad)
    with pytest.raises(ValueError, match="shape"):
        graphlet_counts(g, orbits=np.zeros((3, 15)))


def test_graphlet_totals_are_a_table():
    g = TINY_GRAPHS["strings"].build()
    counts = graphlet_counts(g)
    assert isinstance(counts, pd.DataFrame)
    assert counts.set_index("name").loc["paw", "count"] == 1


def test_compiled_kernels_are_cached():
    """A second process loads every orbit kernel from numba's cache instead of compiling
    (compiling them takes over 30 s on two cores)."""
    script = (
        "import engine\n"
        "from numba.core.registry import CPUDispatcher\n"
        "from engine.graphlets import adjacency_kernels, common_kernels, edges_kernels\n"
        "from engine.graphlets import five_kernels, four_kernels\n"
        "g = engine.sample('karate')\n"
        "engine.orbit_counts(g, graphlet_size=5); engine.edge_orbit_counts(g)\n"
        "engine.graphlets.orbit_adjacency(g)\n"
        "modules = adjacency_kernels, common_kernels, edges_kernels, five_kernels, four_kernels\n"
        "found = [k for m in modules for k in vars(m).values()]\n"
        "twins = [d for k in found if isinstance(k, tuple) for d in k]  # serial/parallel\n"
        "kernels = [k for k in found + twins if isinstance(k, CPUDispatcher)]\n"
        "print(sum(k.stats.cache_hits.total() for k in kernels),\n"
        "      sum(k.stats.cache_misses.total() for k in kernels))"
    )
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)
    second = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    hits, misses = map(int, second.split())
    assert hits > 0
    assert misses == 0


# ------------------------------------------------------------------ orbit adjacency (GRADCO)


def brute_force_adjacency(graph: nx.Graph, labels: list) -> dict:
    """(hop, orbit of u, orbit of v) → dense count matrix, from every connected induced
    subgraph of 2–4 nodes and every ordered pair of its nodes."""
    index = {label: i for i, label in enumerate(labels)}
    counts: dict = {}
    for size in (2, 3, 4):
        for subset in itertools.combinations(graph.nodes, size):
            sub = graph.subgraph(subset)
            if not nx.is_connected(sub):
                continue
            degrees = [d for _, d in sub.degree]
            n_edges = sub.number_of_edges()
            distance = dict(nx.all_pairs_shortest_path_length(sub))
            for u, v in itertools.permutations(subset, 2):
                key = (
                    distance[u][v],
                    node_orbit(n_edges, degrees, sub.degree[u]),
                    node_orbit(n_edges, degrees, sub.degree[v]),
                )
                matrix = counts.setdefault(key, np.zeros((len(labels),) * 2, dtype=np.int64))
                matrix[index[u], index[v]] += 1
    return counts


def assert_adjacency_matches_brute_force(g: Graph, reference: nx.Graph) -> None:
    labels = g.labels.tolist()
    expected = brute_force_adjacency(reference, labels)
    assert set(expected) <= set(ORBIT_ADJACENCY_KEYS)
    result = orbit_adjacency(g)
    assert list(result) == list(ORBIT_ADJACENCY_KEYS)
    for key, matrix in result.items():
        assert matrix.shape == (len(labels),) * 2
        want = expected.get(key, np.zeros((len(labels),) * 2, dtype=np.int64))
        np.testing.assert_array_equal(matrix.toarray(), want, err_msg=str(key))


@settings(max_examples=25, deadline=None)
@given(drawn=edge_lists(max_nodes=8, max_edges=20, directed=False))
def test_orbit_adjacency_matches_brute_force(drawn):
    assert_adjacency_matches_brute_force(*drawn)


@pytest.mark.parametrize("seed", range(2))
def test_orbit_adjacency_on_dense_graphs(seed):
    assert_adjacency_matches_brute_force(*dense_random(11, 0.45, seed))


@pytest.mark.parametrize("name", ["directed", "self_loops", "disconnected", "empty"])
def test_orbit_adjacency_on_tiny_graphs(name):
    tiny = TINY_GRAPHS[name]
    g = tiny.build()
    assert_adjacency_matches_brute_force(g, simple_networkx(tiny.edges, g.labels.tolist()))


@pytest.mark.parametrize("name", ["karate", "lesmis"])
def test_orbit_adjacency_row_sums_match_orbit_counts(name):
    """Σ_v A(hop, i, j)[u, v] = orbit i count of u × how many orbit-j nodes sit that far
    from an orbit-i node in the graphlet (read off the templates)."""
    per_node: dict = {}
    for edges, orbits in TEMPLATES:
        template = nx.Graph(edges)
        distance = dict(nx.all_pairs_shortest_path_length(template))
        for first in set(orbits):
            u = orbits.index(first)
            for v in template:
                if v != u:
                    key = (distance[u][v], first, orbits[v])
                    per_node[key] = per_node.get(key, 0) + 1
    g = engine.sample(name)
    orbits = orbit_counts(g)
    for key, matrix in orbit_adjacency(g).items():
        np.testing.assert_array_equal(
            matrix.sum(axis=1), orbits[:, key[1]] * per_node[key], err_msg=str(key)
        )


def test_orbit_adjacency_hops_and_errors():
    g = engine.sample("karate")
    assert {key[0] for key in orbit_adjacency(g, hops=[2])} == {2}
    with pytest.raises(ValueError, match="hops"):
        orbit_adjacency(g, hops=[4])
