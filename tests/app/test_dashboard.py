"""The dashboard, driven by Streamlit's AppTest and checked against the engine called directly."""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import engine
from app.dashboard.figures import degree_distribution_figure, degree_histogram, top_degree_table

MAIN = str(Path(__file__).resolve().parents[2] / "app" / "dashboard" / "main.py")


@pytest.mark.parametrize("name", engine.sample_names())
def test_overview_shows_the_chosen_sample(name):
    app = AppTest.from_file(MAIN, default_timeout=60).run()
    assert not app.exception
    app.sidebar.selectbox[0].select(name).run()
    assert not app.exception
    graph = engine.sample(name)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Nodes"] == f"{graph.n_nodes:,}"
    assert metrics["Edges"] == f"{graph.n_edges:,}"
    assert metrics["Mean degree"] == f"{graph.degree().mean():.2f}"
    shown = app.dataframe[0].value
    expected = top_degree_table(graph, 10)
    assert shown["node"].tolist() == expected["node"].tolist()
    assert shown["degree"].tolist() == np.sort(graph.degree())[::-1][:10].tolist()
    assert app.title[0].value == f"Overview: {name}"


def test_degree_histogram_counts_every_node():
    degrees = engine.sample("planted").degree()
    values, counts = degree_histogram(degrees)
    assert counts.sum() == np.count_nonzero(degrees)
    assert dict(zip(values.tolist(), counts.tolist())) == {
        d: int((degrees == d).sum()) for d in set(degrees.tolist()) if d > 0
    }
    figure = degree_distribution_figure(degrees)
    assert figure.layout.xaxis.type == "log" and figure.layout.yaxis.type == "log"
