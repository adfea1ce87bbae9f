"""The Local clusters page, driven by Streamlit's AppTest and checked against the engine."""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import engine
from engine.cluster import local_cluster

PAGE = str(Path(__file__).resolve().parents[2] / "app" / "dashboard" / "pages" / "clusters.py")


@pytest.mark.parametrize("method", ["ppr", "heat"])
def test_clusters_page_matches_the_engine(method):
    app = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not app.exception, app.exception
    app.multiselect(key="cluster_seeds@karate").set_value([0, 33])
    if method == "heat":
        app.selectbox[0].select("heat kernel (hk-relax)")
    app.button[0].click().run()
    assert not app.exception, app.exception
    expected = local_cluster(engine.sample("karate"), [0, 33], method=method)
    shown = app.dataframe[0].value
    assert shown["node"].tolist() == expected.members["node"].tolist()
    np.testing.assert_allclose(shown["score"], expected.members["score"], rtol=1e-12)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Members"] == f"{len(expected):,}"
    assert metrics["Conductance"] == f"{expected.conductance:.4f}"
    assert len(app.get("plotly_chart")) == 2


def test_clusters_page_names_an_unknown_seed():
    app = AppTest.from_file(PAGE, default_timeout=120).run()
    app.multiselect(key="cluster_seeds@karate").set_value([0, "nobody"])
    app.button[0].click().run()
    assert any("node 'nobody' not found" in e.value for e in app.error)


def test_clusters_page_draws_the_network_community_profile():
    from engine.community_profile import ncp

    app = AppTest.from_file(PAGE, default_timeout=120).run()
    app.number_input[1].set_value(20)
    app.number_input[2].set_value(3)
    app.button[1].click().run()
    assert not app.exception, app.exception
    expected = ncp(engine.sample("karate"), n_seeds=20, seed=3)
    shown = app.dataframe[0].value
    assert shown["size"].tolist() == expected["size"].tolist()
    np.testing.assert_allclose(shown["conductance"], expected["conductance"])
    assert len(app.get("plotly_chart")) == 1


def test_clusters_page_warns_when_the_seeds_come_back_alone():
    members = local_cluster(engine.sample("karate"), 0).nodes.tolist()
    app = AppTest.from_file(PAGE, default_timeout=120).run()
    app.multiselect(key="cluster_seeds@karate").set_value(members)
    app.button[0].click().run()
    assert not app.exception, app.exception
    assert any("Only the seeds came back" in w.value for w in app.warning)
    # The ladder the default (eps auto) climbed is shown.
    expected = local_cluster(engine.sample("karate"), members)
    assert app.dataframe[1].value["eps"].tolist() == expected.ladder["eps"].tolist()


def test_clusters_page_least_size_reaches_the_engine():
    app = AppTest.from_file(PAGE, default_timeout=120).run()
    app.multiselect(key="cluster_seeds@karate").set_value([33])
    app.number_input[0].set_value(12)
    app.button[0].click().run()
    assert not app.exception, app.exception
    expected = local_cluster(engine.sample("karate"), [33], min_size=12)
    assert {m.label: m.value for m in app.metric}["Members"] == f"{len(expected):,}"
    assert len(expected) >= 12
