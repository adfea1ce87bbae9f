"""Real data sets in ../shared/datasets: the counts their SOURCE.md states (skip when absent)."""

import networkx as nx
import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

from loaders import load
from tests.conftest import shared_dataset


def _components(graph) -> int:
    return connected_components(graph.to_scipy(), directed=graph.directed, connection="weak")[0]


def test_email_eu_core():
    path = shared_dataset("email-eu-core", "email-Eu-core.txt")
    graph = load(path, self_loops="drop")
    assert (graph.n_nodes, graph.n_edges) == (1005, 16064)
    directed = load(path, directed=True)
    reference = nx.read_edgelist(path, create_using=nx.DiGraph, nodetype=int)
    assert directed.n_edges == reference.number_of_edges()
    assert directed.in_degree().tolist() == [reference.in_degree(v) for v in directed.labels]


def test_football_gml_with_repeated_edges():
    graph = load(shared_dataset("football", "football.gml"))
    assert (graph.n_nodes, graph.n_edges, graph.n_self_loops, _components(graph)) == (
        115,
        613,
        0,
        1,
    )


@pytest.mark.parametrize(
    ("folder", "file", "nodes", "edges"),
    [
        ("polbooks", "polbooks.gml", 105, 441),
        ("dolphins", "dolphins.gml", 62, 159),
        ("karate", "karate.gml", 34, 78),
        ("cora", "cora.gml", 2708, 5278),
    ],
)
def test_gml_counts(folder, file, nodes, edges):
    graph = load(shared_dataset(folder, file))
    assert (graph.n_nodes, graph.n_edges) == (nodes, edges)


def test_lesmis_weights():
    graph = load(shared_dataset("lesmis", "lesmis.gml"))
    assert (graph.n_nodes, graph.n_edges) == (77, 254)
    assert graph.weights.sum() / 2 == pytest.approx(820) and graph.weights.max() == 31


def test_cora_cites_directed():
    graph = load(shared_dataset("cora", "cora.cites"), directed=True)
    assert (graph.n_nodes, graph.n_edges, graph.n_self_loops) == (2708, 5429, 0)
    undirected = load(shared_dataset("cora", "cora.cites"))
    assert undirected.n_edges == 5278 and _components(undirected) == 78


def test_minnesota_fixed_width_both_directions():
    graph = load(shared_dataset("lgc-minnesota", "minnesota.edgelist"), weight_col=2, merge="max")
    assert (graph.n_nodes, graph.n_edges, _components(graph)) == (2642, 3303, 2)
    assert np.count_nonzero(graph.weights == 2) == 2 * 4


def test_senate_self_loops():
    path = shared_dataset("lgc-senate", "senate.edgelist")
    assert load(path).n_edges == 162778
    assert load(path, self_loops="drop").n_edges == 153804


def test_johns_hopkins_tab_separated():
    graph = load(shared_dataset("lgc-johnshopkins", "JohnsHopkins.edgelist"))
    assert (graph.n_nodes, graph.n_edges, _components(graph)) == (5157, 186572, 1)


def test_graphml_string_ids():
    ppi = load(shared_dataset("lgc-ppi-mips", "ppi_mips.graphml"))
    assert (ppi.n_nodes, ppi.n_edges, ppi.n_self_loops) == (1096, 13221, 0)
    assert ppi.weights.min() == 1 and ppi.weights.max() == 80
    assert "YDR447C" in set(ppi.labels.tolist())
    sfld = shared_dataset(
        "lgc-sfld-amidohydrolases",
        "sfld_brown_et_al_amidohydrolases_protein_similarities_for_beh.graphml",
    )
    assert load(sfld).n_edges == 30008
    assert load(sfld, directed=False).n_edges == 15570
