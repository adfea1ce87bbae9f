"""The Graph type: construction, queries and conversions, checked against networkx and igraph."""

import igraph as ig
import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loaders import Graph, NodeNotFoundError
from tests.graphs import TINY_GRAPHS, random_edges


def _edge_dict(graph: Graph) -> dict:
    """{(source, target): weight} over the stored CSR entries, by label."""
    table = graph.edges()
    weights = table["weight"] if "weight" in table else np.ones(len(table))
    return {(s, t): float(w) for s, t, w in zip(table["source"], table["target"], weights)}


def _nx_edge_dict(graph: nx.Graph) -> dict:
    out = {}
    for u, v, data in graph.edges(data=True):
        key = (u, v)
        if not graph.is_directed():
            key = tuple(sorted((u, v), key=lambda x: (str(type(x)), x)))
        out[key] = float(data.get("weight", 1.0))
    return out


def test_matches_networkx(tiny):
    graph, reference = tiny.build(), tiny.networkx()
    assert graph.n_nodes == reference.number_of_nodes()
    assert graph.n_edges == reference.number_of_edges()
    assert graph.n_self_loops == nx.number_of_selfloops(reference)
    assert sorted(graph.labels.tolist(), key=str) == sorted(reference.nodes, key=str)
    ours = _edge_dict(graph)
    if not graph.directed:
        ours = {tuple(sorted(k, key=lambda x: (str(type(x)), x))): w for k, w in ours.items()}
    expected = _nx_edge_dict(reference)
    if not graph.is_weighted:
        expected = dict.fromkeys(expected, 1.0)
    assert ours == pytest.approx(expected)
    # degree: row lengths, a self-loop counted once (networkx counts it twice)
    for label, degree in zip(graph.labels.tolist(), graph.degree().tolist()):
        out = reference.out_degree(label) if graph.directed else reference.degree(label)
        loops = int(reference.has_edge(label, label))
        assert degree == out - (0 if graph.directed else loops)


def test_csr_invariants(tiny):
    graph = tiny.build()
    assert graph.indptr.dtype == np.int64 and graph.indices.dtype == np.int32
    for node in range(graph.n_nodes):
        row = graph.neighbor_ids(node)
        assert np.all(np.diff(row) > 0), "columns sorted and distinct within a row"
    if not graph.directed:
        adjacency = graph.to_scipy()
        assert (adjacency != adjacency.T).nnz == 0


def test_to_scipy_matches_networkx(tiny):
    graph, reference = tiny.build(), tiny.networkx()
    if graph.n_nodes == 0:
        assert graph.to_scipy().shape == (0, 0)
        return
    expected = nx.to_scipy_sparse_array(
        reference, nodelist=graph.labels.tolist(), weight="weight" if tiny.weights else None
    )
    assert np.allclose(graph.to_scipy().toarray(), expected.toarray())


def test_networkx_round_trip(tiny):
    graph = tiny.build()
    again = Graph.from_networkx(graph.to_networkx())
    assert again.n_nodes == graph.n_nodes and again.n_edges == graph.n_edges
    assert _edge_dict(again) == _edge_dict(graph)


def test_igraph_round_trip(tiny):
    graph = tiny.build()
    converted = graph.to_igraph()
    assert converted.vcount() == graph.n_nodes and converted.ecount() == graph.n_edges
    again = Graph.from_igraph(converted)
    assert again.equals(graph) or _edge_dict(again) == _edge_dict(graph)


def test_from_networkx_keeps_order_and_attributes():
    karate = nx.karate_club_graph()
    graph = Graph.from_networkx(karate, weight=None)
    assert graph.has_identity_labels
    assert graph.attributes["club"].tolist() == [karate.nodes[v]["club"] for v in karate]
    weighted = Graph.from_networkx(karate)
    assert weighted.degree(weighted=True) == pytest.approx(
        [karate.degree(v, weight="weight") for v in karate]
    )


@pytest.mark.parametrize("kind", [nx.Graph, nx.DiGraph, nx.MultiGraph])
def test_from_networkx_keeps_weighted_self_loops(kind):
    reference = kind()
    reference.add_edge("a", "a", weight=2.5)
    reference.add_edge("a", "b", weight=1.0)
    reference.add_edge("b", "b", weight=0.5)
    reference.add_edge("b", "c", weight=4.0)
    graph = Graph.from_networkx(reference)
    assert graph.n_self_loops == 2
    expected = nx.to_scipy_sparse_array(reference, nodelist=list(reference), weight="weight")
    assert np.allclose(graph.to_scipy().toarray(), expected.toarray())


def test_from_igraph_merges_multi_edges():
    multi = ig.Graph(n=3, edges=[(0, 1), (0, 1), (1, 2)])
    multi.es["weight"] = [1.0, 2.0, 5.0]
    graph = Graph.from_igraph(multi)
    assert graph.n_edges == 2
    assert _edge_dict(graph)[(0, 1)] == 3.0


def test_subgraph_matches_networkx():
    src, dst = random_edges(60, 300, seed=3)
    graph = Graph.from_edges(src, dst)
    chosen = list(range(0, 60, 3))
    ours = graph.subgraph(chosen)
    reference = graph.to_networkx().subgraph(chosen)
    assert ours.n_nodes == reference.number_of_nodes()
    assert ours.n_edges == reference.number_of_edges()
    assert set(map(tuple, ours.edges()[["source", "target"]].values.tolist())) == {
        tuple(sorted(e)) for e in reference.edges
    }


def test_duplicates_merge_by_rule():
    src, dst, weights = [0, 0, 1, 2], [1, 1, 0, 2], [1.0, 2.0, 4.0, 1.0]
    assert _edge_dict(Graph.from_edges(src, dst, weights))[(0, 1)] == 7.0
    assert _edge_dict(Graph.from_edges(src, dst, weights, merge="max"))[(0, 1)] == 4.0
    assert _edge_dict(Graph.from_edges(src, dst, weights, merge="min"))[(0, 1)] == 1.0
    directed = Graph.from_edges(src, dst, weights, directed=True)
    assert _edge_dict(directed) == {(0, 1): 3.0, (1, 0): 4.0, (2, 2): 1.0}


def test_self_loops_option():
    kept = Graph.from_edges([0, 1, 1], [0, 1, 2])
    dropped = Graph.from_edges([0, 1, 1], [0, 1, 2], self_loops="drop")
    assert (kept.n_self_loops, kept.n_edges) == (2, 3)
    assert (dropped.n_self_loops, dropped.n_edges, dropped.n_nodes) == (0, 1, 3)
    with pytest.raises(ValueError, match="self_loops must be one of 'keep', 'drop'; got 'no'"):
        Graph.from_edges([0], [1], self_loops="no")


def test_labels_and_lookup():
    graph = Graph.from_edges(["b", "a"], ["c", "b"])
    assert graph.labels.tolist() == ["a", "b", "c"]
    assert graph.node_ids(["c", "a"]).tolist() == [2, 0]
    assert graph.neighbors("b").tolist() == ["a", "c"]
    with pytest.raises(NodeNotFoundError, match="node 'zed' not found"):
        graph.node_id("zed")
    with pytest.raises(KeyError):
        graph.neighbors("zed")
    sparse_ids = Graph.from_edges([100, 5], [5, 7])
    assert sparse_ids.labels.tolist() == [5, 7, 100]
    assert sparse_ids.node_id(100) == 2
    dense = Graph.from_edges([0, 1], [1, 2])
    assert dense.has_identity_labels
    with pytest.raises(NodeNotFoundError, match="node 3 not found"):
        dense.node_id(3)
    with pytest.raises(NodeNotFoundError, match="'x'"):
        dense.node_id("x")
    with pytest.raises(NodeNotFoundError, match="node 'x' not found"):
        dense.node_ids([0, "x"])


def test_n_nodes_and_nodes_keep_isolated_nodes():
    graph = Graph.from_edges([0], [1], n_nodes=4)
    assert graph.n_nodes == 4 and graph.degree().tolist() == [1, 1, 0, 0]
    named = Graph.from_edges(["a"], ["b"], nodes=["z", "a", "b"])
    assert named.labels.tolist() == ["z", "a", "b"] and named.degree().tolist() == [0, 1, 1]
    with pytest.raises(ValueError, match=r"outside \[0, 4\)"):
        Graph.from_edges([0], [9], n_nodes=4)
    with pytest.raises(NodeNotFoundError, match="'q'"):
        Graph.from_edges(["a"], ["q"], nodes=["a", "b"])


@pytest.mark.parametrize("bad", [np.nan, np.inf, -1.0])
def test_bad_weights_name_the_edge(bad):
    with pytest.raises(ValueError, match="weight 1 is"):
        Graph.from_edges([0, 1], [1, 2], [1.0, bad])


def test_mismatched_lengths():
    with pytest.raises(ValueError, match="same length"):
        Graph.from_edges([0, 1], [1])
    with pytest.raises(ValueError, match="one value per edge"):
        Graph.from_edges([0, 1], [1, 2], [1.0])


def test_invalid_csr_is_rejected():
    with pytest.raises(ValueError, match="indices must lie in"):
        Graph([0, 1], [5])
    with pytest.raises(ValueError, match="never decrease"):
        Graph([0, 2, 1], [0, 1])


def test_arrays_are_read_only():
    graph = Graph.from_edges([0, 1], [1, 2])
    with pytest.raises(ValueError):
        graph.indices[0] = 2


def test_attributes_and_repr():
    graph = Graph.from_edges(["a", "b"], ["b", "c"], name="abc").with_attributes(
        team={"a": 1, "c": 2}
    )
    assert graph.attributes["team"].tolist() == [1, None, 2] or np.isnan(
        graph.attributes["team"][1]
    )
    assert (
        repr(graph) == "<Graph 'abc': 3 nodes, 2 edges, undirected, unweighted, attributes: team>"
    )
    with pytest.raises(ValueError, match="one value per node"):
        graph.with_attributes(bad=[1, 2])


def test_weighted_degree_with_isolated_nodes():
    graph = Graph.from_edges([1], [2], [2.5], n_nodes=4)
    assert graph.degree(weighted=True).tolist() == [0.0, 2.5, 2.5, 0.0]


def test_weighted_and_in_degree():
    graph = TINY_GRAPHS["directed"].build()
    reference = TINY_GRAPHS["directed"].networkx()
    assert graph.in_degree().tolist() == [reference.in_degree(v) for v in graph.labels]
    weighted = TINY_GRAPHS["weighted"].build()
    reference = TINY_GRAPHS["weighted"].networkx()
    assert weighted.degree(weighted=True) == pytest.approx(
        [reference.degree(v, weight="weight") for v in weighted.labels]
    )


edge_lists = st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), max_size=120)


@settings(max_examples=60, deadline=None)
@given(edges=edge_lists, directed=st.booleans(), loops=st.sampled_from(["keep", "drop"]))
def test_from_edges_properties(edges, directed, loops):
    src = np.array([u for u, _ in edges], dtype=np.int64)
    dst = np.array([v for _, v in edges], dtype=np.int64)
    graph = Graph.from_edges(src, dst, np.ones(len(edges)), directed=directed, self_loops=loops)
    distinct = {
        (u, v) if directed else (min(u, v), max(u, v))
        for u, v in edges
        if loops == "keep" or u != v
    }
    assert graph.n_edges == len(distinct)
    # merged weights count the repeats; their total is the number of input edges kept
    kept = sum(1 for u, v in edges if loops == "keep" or u != v)
    loop_weight = sum(w for (u, v), w in _edge_dict(graph).items() if u == v)
    total = graph.weights.sum() if graph.nnz else 0.0
    assert (total if directed else (total + loop_weight) / 2) == pytest.approx(kept)
    # degree sum: m arcs, or 2m minus one per self-loop when undirected
    degree_sum = int(graph.degree().sum())
    assert degree_sum == (graph.n_edges if directed else 2 * graph.n_edges - graph.n_self_loops)
    if not directed:
        adjacency = graph.to_scipy()
        assert (adjacency != adjacency.T).nnz == 0


def test_undirected_arrays_must_be_symmetric():
    """Kernels look up reverse edges and sweep as if symmetric: a one-sided edge is refused."""
    indptr, indices = np.array([0, 1, 2, 2]), np.array([1, 0], dtype=np.int32)
    Graph(indptr, indices)  # 0 - 1 stored both ways
    with pytest.raises(ValueError, match="both directions with one weight"):
        Graph(np.array([0, 1, 1, 1]), np.array([1], dtype=np.int32))
    with pytest.raises(ValueError, match="both directions with one weight"):
        Graph(indptr, indices, weights=np.array([1.0, 2.0]))
    assert Graph(np.array([0, 1, 1, 1]), np.array([1], dtype=np.int32), directed=True).nnz == 1
