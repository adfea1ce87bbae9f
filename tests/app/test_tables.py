"""Labelled tables of orbit counts: the rows and labels the CLI writes and the dashboard shows."""

import numpy as np
import pytest

import engine
from app.tables import edge_orbit_table, orbit_table
from engine.graphlets import edge_orbit_counts, orbit_counts
from tests.engine.graphlets.random_graphs import simple_networkx
from tests.graphs import TINY_GRAPHS


@pytest.mark.parametrize("name", sorted(TINY_GRAPHS))
def test_tiny_graphs_get_a_row_per_node_and_edge(name):
    tiny = TINY_GRAPHS[name]
    g = tiny.build()
    reference = simple_networkx(tiny.edges, g.labels.tolist())
    frame = orbit_table(g, orbit_counts(g))
    assert frame["node"].tolist() == g.labels.tolist()
    assert len(edge_orbit_table(g, edge_orbit_counts(g))) == reference.number_of_edges()


def test_edges_are_named_by_their_labels():
    g = TINY_GRAPHS["strings"].build()
    table = edge_orbit_table(g, edge_orbit_counts(g))
    assert table[["source", "target"]].values.tolist() == [
        ["alice", "bob"],
        ["alice", "carol"],
        ["alice", "dave"],
        ["bob", "carol"],
    ]


def test_columns_follow_the_graphlet_size():
    g = engine.sample("karate")
    frame = orbit_table(g, orbit_counts(g, graphlet_size=5))
    assert list(frame.columns) == ["node"] + [f"o{k}" for k in range(73)]
    assert len(orbit_table(g, orbit_counts(g)).columns) == 16  # the default stays 2–4 nodes
    np.testing.assert_array_equal(frame.iloc[:, 1:].to_numpy(), orbit_counts(g, graphlet_size=5))


def test_counts_of_another_graph_are_refused():
    g = engine.sample("karate")
    with pytest.raises(ValueError, match="shape"):
        edge_orbit_table(g, np.zeros((3, 12)))
    with pytest.raises(ValueError, match=r"\(34, 15\) or \(34, 73\)"):
        orbit_table(g, np.zeros((3, 15), dtype=np.int64))
