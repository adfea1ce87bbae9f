"""The dashboard, driven by Streamlit's AppTest and checked against the engine called directly."""

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import engine
from app.dashboard.figures import degree_distribution_figure, degree_histogram, top_degree_table
from tests.app.typed_labels import type_label

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


def test_embeddings_page_matches_the_engine():
    app = AppTest.from_file(MAIN, default_timeout=120).run()
    app.switch_page("pages/embeddings.py").run()
    assert not app.exception
    # AppTest does not carry the router's sidebar choice across switch_page, so this page
    # is tested on the default sample; the browser test drives the picker for real.
    name = engine.sample_names()[0]
    assert app.title[0].value == f"Embeddings: {name}"
    app.select_slider[0].set_value(32)
    app.button[0].click().run()
    assert not app.exception, app.exception
    graph = engine.sample(name)
    expected = engine.nearest(
        engine.fastrp(graph, dim=32, seed=0, device="cpu"), 0, k=10, graph=graph
    )
    shown = app.dataframe[0].value
    assert shown["node"].tolist() == expected["node"].tolist()
    np.testing.assert_allclose(shown["similarity"], expected["similarity"], rtol=1e-5)
    assert len(app.get("plotly_chart")) == 1
    assert len(app.get("download_button")) == 1
    type_label(app.selectbox(key=f"embedding_node@{name}"), "no-such-node").run()
    assert any("node 'no-such-node' not found" in e.value for e in app.error)


def test_pca_matches_numpy_svd():
    from app.dashboard.figures import pca_2d

    points = np.random.default_rng(1).standard_normal((300, 6)) * [5, 2, 1, 1, 1, 1]
    coords = pca_2d(points)
    centred = points - points.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    expected = centred @ vt[:2].T
    np.testing.assert_allclose(np.abs(coords), np.abs(expected), atol=1e-8)


def test_pagerank_page_matches_the_engine():
    app = AppTest.from_file(MAIN, default_timeout=120).run()
    app.switch_page("pages/pagerank.py").run()
    assert not app.exception
    name = engine.sample_names()[0]
    seeds = app.multiselect(key=f"ppr_seeds@{name}")
    assert seeds.value == [0], "the first listed node is chosen at first"
    seeds.set_value([0, "33=2"])
    app.selectbox[1 if len(app.selectbox) > 2 else 0].select("exact (power iteration)")
    app.number_input[0].set_value(10)
    app.button[0].click().run()
    assert not app.exception, app.exception
    graph = engine.sample(name)
    expected = engine.top_nodes(graph, engine.ppr(graph, {0: 1.0, 33: 2.0}, method="exact"), 10)
    shown = app.dataframe[0].value
    assert shown["node"].tolist() == expected["node"].tolist()
    np.testing.assert_allclose(shown["score"], expected["score"], rtol=1e-9)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Top node"] == str(expected["node"].iloc[0])
    assert len(app.get("plotly_chart")) == 1
    app.multiselect(key=f"ppr_seeds@{name}").set_value([0, "nobody"])
    app.button[0].click().run()
    assert any("node 'nobody' not found" in e.value for e in app.error)
    app.multiselect(key=f"ppr_seeds@{name}").set_value([0, "33=heavy"])
    app.button[0].click().run()
    assert any("seed weight must be a number: '33=heavy'" in e.value for e in app.error)


def test_similar_nodes_page_matches_the_engine():
    from engine.similarity import NeighbourhoodIndex

    app = AppTest.from_file(MAIN, default_timeout=120).run()
    app.switch_page("pages/similar.py").run()
    assert not app.exception, app.exception
    name = engine.sample_names()[0]
    assert app.title[0].value == f"Similar nodes: {name}"
    graph = engine.sample(name)
    index = NeighbourhoodIndex.build(graph)
    app.selectbox(key=f"similar_node@{name}").select(33)
    app.button[0].click().run()
    assert not app.exception, app.exception
    expected = index.similar(33, 10)
    shown = app.dataframe[0].value
    assert shown["node"].tolist() == expected["node"].tolist()
    np.testing.assert_allclose(shown["jaccard"], expected["jaccard"])
    app.multiselect(key=f"expand_seeds@{name}").set_value([0, 1, "2"])
    app.button[1].click().run()
    assert not app.exception, app.exception
    community = index.expand([0, 1, 2])
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Members"] == f"{len(community):,}"
    assert metrics["Conductance"] == f"{community.conductance:.4f}"
    type_label(app.selectbox(key=f"similar_node@{name}"), "nobody")
    app.button[0].click().run()
    assert any("node 'nobody' not found" in e.value for e in app.error)


def test_overview_shows_components_and_pagerank():
    app = AppTest.from_file(MAIN, default_timeout=60).run()
    assert not app.exception
    graph = engine.sample(engine.sample_names()[0])
    metrics = {m.label: m.value for m in app.metric}
    import networkx as nx

    assert metrics["Components"] == str(nx.number_connected_components(graph.to_networkx()))
    shown = app.dataframe[1].value
    expected = nx.pagerank(graph.to_networkx(), alpha=0.85, tol=1e-12)
    top = sorted(expected, key=expected.get, reverse=True)[:10]
    assert shown["node"].tolist() == top
    np.testing.assert_allclose(shown["score"], [expected[v] for v in top], rtol=1e-6)


def test_data_folder_graphs_open_and_bad_files_say_why(tmp_path, monkeypatch):
    from app.dashboard.state import data_files

    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "triangle.csv").write_text("source,target\na,b\nb,c\nc,a\nc,d\n")
    (tmp_path / "broken.txt").write_text("1 2\n3\n")
    (tmp_path / "notes.md").write_text("not a graph")
    assert data_files(tmp_path) == ["broken.txt", "nested/triangle.csv"]
    monkeypatch.setenv("GWB_DATA_DIR", str(tmp_path))

    def open_data_file(name: str) -> AppTest:
        # A fresh app per file: AppTest drops the sidebar from its tree after a
        # rerun under st.navigation, so the choice goes in before the first run.
        app = AppTest.from_file(MAIN, default_timeout=60)
        app.session_state["graph_source"] = "Data folder"
        app.session_state["data_file_picker"] = name
        app.run()
        assert not app.exception, app.exception
        return app

    app = open_data_file("nested/triangle.csv")
    assert app.sidebar.selectbox[0].options == ["broken.txt", "nested/triangle.csv"]
    assert app.title[0].value == "Overview: triangle"
    metrics = {m.label: m.value for m in app.metric}
    assert (metrics["Nodes"], metrics["Edges"]) == ("4", "4")
    app = open_data_file("broken.txt")
    assert any("broken.txt:2: expected at least 2 columns" in e.value for e in app.error)
    assert app.title[0].value == f"Overview: {engine.sample_names()[0]}"  # still usable


def test_data_folder_refuses_paths_outside_it(tmp_path):
    from app.dashboard.state import resolve_data_file

    assert resolve_data_file("a/b.csv", tmp_path) == tmp_path.resolve() / "a" / "b.csv"
    with pytest.raises(ValueError, match="outside the data folder"):
        resolve_data_file("../secret.csv", tmp_path)
    with pytest.raises(ValueError, match="outside the data folder"):
        resolve_data_file("/etc/passwd", tmp_path)


def test_an_upload_is_loaded_from_its_bytes():
    import hashlib

    from app.dashboard.state import open_upload

    content = b"# an edge list\n1 2\n2 3\n3 1\n"
    graph = open_upload("tri.txt", hashlib.sha256(content).hexdigest(), content)
    assert (graph.n_nodes, graph.n_edges) == (3, 3)
    assert graph.name == "tri"


def test_an_upload_with_a_node_table_shows_what_was_read():
    import hashlib

    from app.dashboard.state import open_upload, provenance_lines

    edges = b"Source,Target,Weight\nann,bo,2\nbo,cy,1\n"
    nodes = b"Id,Label,team\nann,Ann,red\nbo,Bo,blue\ncy,Cy,red\ndee,Dee,green\n"
    graph = open_upload(
        "edges.csv",
        hashlib.sha256(edges).hexdigest(),
        edges,
        "nodes.csv",
        hashlib.sha256(nodes).hexdigest(),
        nodes,
    )
    assert graph.labels.tolist() == ["ann", "bo", "cy", "dee"]
    assert graph.attributes["team"].tolist() == ["red", "blue", "red", "green"]
    lines = provenance_lines(graph)
    assert "weighted: column 3 ('Weight')" in lines
    assert any(line.startswith("node table: ") for line in lines)


def test_node_search_finds_labels_exact_first_then_by_degree():
    from app.dashboard.inputs import find_nodes

    graph = engine.sample("lesmis")
    found = find_nodes(graph, "ma")
    labels = [str(v) for v in graph.labels]
    degree = dict(zip(labels, graph.degree().tolist()))
    expected = sorted((v for v in labels if "ma" in v.lower()), key=lambda v: -degree[v])
    assert found["node"].tolist() == expected[:20]
    assert found["degree"].tolist() == [degree[v] for v in expected[:20]]
    karate = engine.sample("karate")
    assert find_nodes(karate, "3")["node"].tolist()[0] == 3  # the exact match leads
    assert find_nodes(graph, "zzz").empty and find_nodes(graph, "  ").empty


def test_node_search_shows_matches_in_the_sidebar():
    app = AppTest.from_file(MAIN, default_timeout=60)
    app.session_state["node_search"] = "33"
    app.run()
    assert not app.exception, app.exception
    shown = app.sidebar.dataframe[0].value
    assert shown["node"].tolist()[0] == 33


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".txt", ".npy"])
def test_embedding_downloads_read_back_as_the_embedding(suffix, tmp_path):
    import io
    import zipfile

    import pandas as pd

    from app.dashboard.downloads import embedding_file

    graph = engine.sample("lesmis")
    embedding = engine.fastrp(graph, dim=8, seed=0, device="cpu")
    data, name = embedding_file(embedding, graph, suffix, {"dim": 8})
    if suffix == ".parquet":
        frame = pd.read_parquet(io.BytesIO(data))
        labels, matrix = frame["node"].tolist(), np.stack(frame["embedding"].to_numpy())
    elif suffix == ".csv":
        frame = pd.read_csv(io.BytesIO(data))
        labels, matrix = frame["node"].tolist(), frame.iloc[:, 1:].to_numpy()
    elif suffix == ".txt":
        lines = data.decode().splitlines()
        assert lines[0] == f"{graph.n_nodes} 8"
        labels = [line.split()[0] for line in lines[1:]]
        matrix = np.array([[float(v) for v in line.split()[1:]] for line in lines[1:]])
    else:
        assert name.endswith(".zip")
        bundle = zipfile.ZipFile(io.BytesIO(data))
        matrix = np.load(io.BytesIO(bundle.read(name.replace(".zip", ".npy"))))
        labels = bundle.read(name.replace(".zip", ".ids.txt")).decode().splitlines()
    assert labels == [str(label) for label in graph.labels]
    np.testing.assert_allclose(matrix, embedding, rtol=1e-6)


def test_embedding_clusters_recover_planted_communities():
    from sklearn.metrics import adjusted_rand_score

    from app.dashboard.figures import embedding_clusters

    graph = engine.sample("planted")
    communities = graph.attributes["community"]
    embedding = engine.fastrp(graph, dim=64, seed=0, device="cpu")
    clusters = embedding_clusters(embedding, len(np.unique(communities)), seed=0)
    assert adjusted_rand_score(communities, clusters) >= 0.85
    np.testing.assert_array_equal(clusters, embedding_clusters(embedding, 20, seed=0))
    with pytest.raises(ValueError, match="k must be between 1 and the number of nodes"):
        embedding_clusters(embedding, 0)


def test_embeddings_page_colours_by_kmeans_clusters():
    from app.dashboard.figures import embedding_clusters

    app = AppTest.from_file(MAIN, default_timeout=120).run()
    app.switch_page("pages/embeddings.py").run()
    app.select_slider[0].set_value(32)
    app.button[0].click().run()
    app.selectbox(key="embedding_colour").select("k-means clusters of the embedding").run()
    app.number_input(key="embedding_k_clusters").set_value(3).run()
    assert not app.exception, app.exception
    graph = engine.sample(engine.sample_names()[0])
    clusters = embedding_clusters(engine.fastrp(graph, dim=32, seed=0, device="cpu"), 3)
    [chart] = app.get("plotly_chart")
    colour = json.loads(chart.proto.spec)["data"][0]["marker"]["color"]
    if isinstance(colour, dict):  # plotly's typed-array encoding
        colour = np.frombuffer(base64.b64decode(colour["bdata"]), dtype=colour["dtype"])
    np.testing.assert_array_equal(np.unique(clusters, return_inverse=True)[1], colour)


def test_data_folder_refuses_links_out_of_it(tmp_path):
    from app.dashboard.state import data_files, resolve_data_file

    data, outside = tmp_path / "data", tmp_path / "outside"
    data.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("1 2\n")
    engine.sample("karate").save(data / "k.gwb")
    engine.sample("karate").save(outside / "o.gwb")
    assert resolve_data_file("k.gwb", data) == (data / "k.gwb").resolve()
    # A store inside the folder whose member is a link out of it.
    member = data / "k.gwb" / "indices.npy"
    member.unlink()
    member.symlink_to(outside / "o.gwb" / "indices.npy")
    with pytest.raises(ValueError, match=r"k.gwb/indices.npy is a link to a file outside"):
        resolve_data_file("k.gwb", data)
    # A store, a file and a folder that are links out.
    (data / "linked.gwb").symlink_to(outside / "o.gwb", target_is_directory=True)
    (data / "linked.txt").symlink_to(outside / "secret.txt")
    (data / "sub").symlink_to(outside, target_is_directory=True)
    for name in ("linked.gwb", "linked.txt", "sub/secret.txt"):
        with pytest.raises(ValueError, match="outside the data folder"):
            resolve_data_file(name, data)
    # A link that stays inside the folder is fine.
    (data / "alias.txt").symlink_to(data / "k.gwb" / "meta.json")
    assert resolve_data_file("alias.txt", data) == (data / "k.gwb" / "meta.json").resolve()
    assert "k.gwb" in data_files(data)


def test_a_store_linking_out_of_the_data_folder_is_refused_in_the_app(tmp_path, monkeypatch):
    data, outside = tmp_path / "data", tmp_path / "outside"
    data.mkdir()
    outside.mkdir()
    engine.sample("karate").save(data / "k.gwb")
    (outside / "labels.txt").write_text("stolen\n")
    for member in sorted((data / "k.gwb").iterdir()):
        if member.name != "meta.json":
            target = outside / member.name
            member.rename(target)
            member.symlink_to(target)
    monkeypatch.setenv("GWB_DATA_DIR", str(data))
    app = AppTest.from_file(MAIN, default_timeout=60)
    app.session_state["graph_source"] = "Data folder"
    app.session_state["data_file_picker"] = "k.gwb"
    app.run()
    assert not app.exception, app.exception
    assert any("is a link to a file outside the data folder" in e.value for e in app.error)
    assert app.title[0].value == f"Overview: {engine.sample_names()[0]}"


def test_uploads_get_a_memory_limit_tied_to_the_upload_limit(monkeypatch):
    import hashlib

    from app.dashboard.state import open_upload

    # A 90-byte Matrix Market file declaring a million nodes: about 30 MB of graph,
    # which engine.load allows, but not from an upload capped at 0.5 MB.
    content = b"%%MatrixMarket matrix coordinate pattern general\n1000000 1000000 1\n1 2\n"
    monkeypatch.setenv("GWB_MAX_UPLOAD_MB", "0.5")
    with pytest.raises(engine.GraphFormatError, match="1,000,000"):
        open_upload("big.mtx", hashlib.sha256(content).hexdigest(), content)
    monkeypatch.setenv("GWB_MAX_UPLOAD_MB", "200")
    graph = open_upload("big2.mtx", hashlib.sha256(content + b"\n").hexdigest(), content + b"\n")
    assert graph.n_nodes == 1_000_000


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_uploads_are_saved_per_the_umask(umask):
    import hashlib
    import os

    from app.dashboard.state import open_upload
    from loaders.load import default_cache_dir

    content = f"# umask {umask}\n1 2\n2 3\n".encode()
    digest = hashlib.sha256(content).hexdigest()
    previous = os.umask(umask)
    try:
        open_upload("u.txt", digest, content)
    finally:
        os.umask(previous)
    saved = default_cache_dir() / "uploads" / digest / "u.txt"
    assert saved.stat().st_mode & 0o777 == 0o666 & ~umask
    assert saved.parent.stat().st_mode & 0o777 == 0o777 & ~umask
    assert sorted(p.name for p in saved.parent.iterdir()) == ["u.txt"]


def test_overview_colours_its_graph_view_by_a_node_attribute():
    app = AppTest.from_file(MAIN, default_timeout=60).run()
    app.selectbox(key="overview_colour@karate").select("club").run()
    assert not app.exception
    chart = app.get("plotly_chart")[-1]  # after the degree distribution
    figure = json.loads(chart.proto.spec)
    legend = [trace.get("legendgrouptitle", {}).get("text") for trace in figure["data"]]
    assert "club" in legend, "the view's nodes are coloured (and grouped) by the attribute"
