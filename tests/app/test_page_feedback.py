"""Pages say what they are doing and why an answer is empty (#22's "Feedback"), and the
Embeddings page offers a UMAP map beside PCA."""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import app.dashboard.figures as figures
import app.dashboard.widgets as widgets
from app.dashboard.state import GRAPH_KEY
from app.dashboard.widgets import SCORE_FORMAT

PAGES = Path(__file__).resolve().parents[2] / "app" / "dashboard" / "pages"
# "z" has only its self-loop: no other node shares anything with its neighbourhood, and
# no walk from it goes anywhere else; d and e only reach each other.
EDGES = "source,target\na,b\nb,c\nc,a\nd,e\nz,z\n"


@pytest.fixture
def lonely_graph(tmp_path, monkeypatch):
    (tmp_path / "lonely.csv").write_text(EDGES)
    monkeypatch.setenv("GWB_DATA_DIR", str(tmp_path))
    return "lonely.csv"


def page_on_file(page: str, file_name: str) -> AppTest:
    app = AppTest.from_file(str(PAGES / page), default_timeout=120)
    app.session_state["graph_source"] = "Data folder"
    app.session_state["data_file_picker"] = file_name
    app.run()
    assert not app.exception, app.exception
    return app


def test_similar_nodes_shows_progress_and_says_why_nothing_came_back(lonely_graph, monkeypatch):
    spinners = []
    timed = widgets.timed

    def recording_timed(work, spinner=None):
        spinners.append(spinner)
        return timed(work, spinner)

    monkeypatch.setattr(widgets, "timed", recording_timed)
    app = page_on_file("similar.py", lonely_graph)
    app.selectbox(key="similar_node@lonely").set_value("z")
    app.button[0].click().run()
    assert not app.exception, app.exception
    assert spinners == ["Finding nodes like z…"]
    assert any("shares any of node z's 1 neighbours" in info.value for info in app.info)
    assert any("Jaccard threshold" in info.value for info in app.info)


def test_pagerank_says_why_only_the_seeds_have_a_score(lonely_graph):
    app = page_on_file("pagerank.py", lonely_graph)
    app.multiselect(key="ppr_seeds@lonely").set_value(["d", "e"])
    app.button[0].click().run()
    assert not app.exception, app.exception
    (warning,) = app.warning
    assert "Only the seeds have a score" in warning.value
    assert "no edge leads out of the seed set" in warning.value


def test_pagerank_table_shows_scores_to_three_significant_digits():
    app = AppTest.from_file(str(PAGES / "pagerank.py"), default_timeout=120)
    app.session_state[GRAPH_KEY] = "karate"
    app.run()
    app.button[0].click().run()
    assert not app.exception, app.exception
    assert not app.warning
    columns = json.loads(app.dataframe[0].proto.columns)
    assert columns["score"]["type_config"]["format"] == SCORE_FORMAT


def embeddings_page() -> AppTest:
    app = AppTest.from_file(str(PAGES / "embeddings.py"), default_timeout=300)
    app.session_state[GRAPH_KEY] = "karate"
    app.run()
    app.select_slider[0].set_value(16)
    app.button[0].click().run()
    assert not app.exception, app.exception
    return app


def chart_title(app: AppTest) -> str:
    (chart,) = app.get("plotly_chart")
    return json.loads(chart.proto.spec)["layout"]["title"]["text"]


def test_embeddings_map_is_pca_or_umap():
    pytest.importorskip("umap")
    app = embeddings_page()
    assert app.radio(key="embedding_map").options == ["PCA", "UMAP"]
    assert chart_title(app).startswith("PCA of the embedding")
    app.radio(key="embedding_map").set_value("UMAP").run()
    assert not app.exception, app.exception
    assert chart_title(app).startswith("UMAP of the embedding")
    spec = json.loads(app.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["xaxis"]["title"]["text"] == "UMAP 1"


def test_embeddings_map_says_how_to_install_umap(monkeypatch):
    monkeypatch.setattr(figures, "umap_available", lambda: False)
    app = embeddings_page()
    app.radio(key="embedding_map").set_value("UMAP").run()
    assert not app.exception, app.exception
    assert not app.get("plotly_chart")
    assert any(figures.UMAP_INSTALL in info.value for info in app.info)
