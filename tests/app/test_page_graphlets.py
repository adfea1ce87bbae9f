"""The Graphlets page, driven by Streamlit's AppTest and checked against the engine."""

from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

import engine
from engine.graphlets import edge_orbit_counts, gdv_similarity, graphlet_counts, orbit_counts
from tests.app.typed_labels import type_label

PAGE = str(Path(__file__).resolve().parents[2] / "app" / "dashboard" / "pages" / "graphlets.py")


def test_graphlets_page_matches_the_engine():
    app = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not app.exception, app.exception
    assert any("Count orbits" in info.value for info in app.info)
    app.checkbox[0].check()
    app.button[0].click().run()
    assert not app.exception, app.exception
    graph = engine.sample(engine.sample_names()[0])
    assert app.title[0].value == f"Graphlets: {graph.name}"
    totals, similar, vectors, edges = (frame.value for frame in app.dataframe)
    assert totals["count"].tolist() == graphlet_counts(graph)["count"].tolist()
    expected = gdv_similarity(graph, graph.label(0), k=10)
    assert similar["node"].tolist() == expected["node"].tolist()
    np.testing.assert_allclose(similar["similarity"], expected["similarity"])
    np.testing.assert_array_equal(vectors.iloc[:, 1:].to_numpy(), orbit_counts(graph))
    np.testing.assert_array_equal(edges.iloc[:, 2:].to_numpy(), edge_orbit_counts(graph))


def test_graphlets_page_counts_5_node_orbits():
    app = AppTest.from_file(PAGE, default_timeout=120).run()
    app.radio[0].set_value(5)
    app.button[0].click().run()
    assert not app.exception, app.exception
    graph = engine.sample(engine.sample_names()[0])
    totals, similar, vectors = (frame.value for frame in app.dataframe)
    expected = orbit_counts(graph, graphlet_size=5)
    over_73 = gdv_similarity(graph, graph.label(0), k=10, graphlet_size=5)
    assert similar["node"].tolist() == over_73["node"].tolist()
    np.testing.assert_allclose(similar["similarity"], over_73["similarity"])
    assert vectors.shape == (graph.n_nodes, 1 + 73)
    np.testing.assert_array_equal(vectors.iloc[:, 1:].to_numpy(), expected)
    assert totals["count"].tolist() == graphlet_counts(graph, graphlet_size=5)["count"].tolist()


def test_graphlets_page_names_an_unknown_node():
    app = AppTest.from_file(PAGE, default_timeout=120).run()
    app.button[0].click().run()
    type_label(app.selectbox(key="graphlet_node@karate"), "nobody").run()
    assert any("node 'nobody' not found" in e.value for e in app.error)
