"""Embedding export (every format read back by an independent reader) and nearest neighbours."""

import json
import os

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import engine
from loaders import Graph


@pytest.fixture(scope="module")
def named():
    g = Graph.from_edges(["ann", "bob", "cy", "dee"], ["bob", "cy", "dee", "ann"], name="ring")
    return g, engine.fastrp(g, dim=6, seed=2, device="cpu")


def test_parquet(tmp_path, named):
    g, emb = named
    path = engine.export_embeddings(emb, g, tmp_path / "e.parquet", parameters={"dim": 6})
    table = pq.read_table(path)
    assert table.column("node").to_pylist() == ["ann", "bob", "cy", "dee"]
    kind = table.schema.field("embedding").type
    assert kind.list_size == 6 and str(kind.value_type) == "float"
    np.testing.assert_array_equal(np.array(table.column("embedding").to_pylist(), np.float32), emb)
    run = json.load(open(str(path) + ".run.json"))
    assert run["parameters"] == {"dim": 6} and run["graph"]["n_edges"] == 4
    assert len(run["graph"]["sha256"]) == 64


def test_npy_with_ids(tmp_path, named):
    g, emb = named
    engine.export_embeddings(emb, g, tmp_path / "e.npy")
    np.testing.assert_array_equal(np.load(tmp_path / "e.npy"), emb)
    assert (tmp_path / "e.ids.txt").read_text().split() == ["ann", "bob", "cy", "dee"]


def test_csv(tmp_path, named):
    g, emb = named
    engine.export_embeddings(emb, g, tmp_path / "e.csv")
    frame = pd.read_csv(tmp_path / "e.csv")
    assert frame["node"].tolist() == ["ann", "bob", "cy", "dee"]
    np.testing.assert_allclose(frame.drop(columns="node").to_numpy(), emb, rtol=1e-6)


def test_word2vec(tmp_path, named):
    g, emb = named
    engine.export_embeddings(emb, g, tmp_path / "e.txt")
    lines = (tmp_path / "e.txt").read_text().splitlines()
    assert lines[0] == "4 6"
    first = lines[1].split()
    assert first[0] == "ann"
    np.testing.assert_allclose(np.array(first[1:], dtype=np.float32), emb[0], rtol=1e-6)
    spaced = Graph.from_edges(["a b"], ["c"])
    with pytest.raises(ValueError, match="node label 'a b' contains whitespace"):
        engine.export_embeddings(np.zeros((2, 3)), spaced, tmp_path / "bad.txt")
    assert not (tmp_path / "bad.txt").exists()


def test_bad_shape_and_format(tmp_path, named):
    g, emb = named
    with pytest.raises(ValueError, match=r"shape \(n_nodes=4, dim\)"):
        engine.export_embeddings(emb[:2], g, tmp_path / "e.npy")
    with pytest.raises(ValueError, match="cannot tell the embedding format"):
        engine.export_embeddings(emb, g, tmp_path / "e.xyz")


def test_failed_write_leaves_nothing(tmp_path, named, monkeypatch):
    g, emb = named
    import engine.export as export

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(export, "_write_parquet", boom)
    with pytest.raises(OSError, match="disk full"):
        engine.export_embeddings(emb, g, tmp_path / "e.parquet")
    assert os.listdir(tmp_path) == []


def test_nearest_matches_brute_force():
    g = engine.sample("planted")
    emb = engine.fastrp(g, dim=32, seed=0, device="cpu")
    unit = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    for node in (0, 4321, 9999):
        scores = unit @ unit[node]
        scores[node] = -np.inf
        expected = np.argsort(-scores, kind="stable")[:10]
        table = engine.nearest(emb, node, k=10, graph=g)
        assert table["node"].tolist() == expected.tolist()
        np.testing.assert_allclose(table["similarity"], scores[expected], rtol=1e-5)
    community = g.attributes["community"]
    neighbours = engine.nearest(emb, 5, k=20, graph=g)["node"].to_numpy()
    assert np.mean(community[neighbours] == community[5]) > 0.8


def test_nearest_by_label_and_errors(named):
    g, emb = named
    assert "ann" not in engine.nearest(emb, "ann", k=2, graph=g)["node"].tolist()
    assert len(engine.nearest(emb, "ann", k=50, graph=g)) == 3
    with pytest.raises(KeyError, match="node 'zed' not found"):
        engine.nearest(emb, "zed", graph=g)
    with pytest.raises(KeyError, match=r"outside \[0, 4\)"):
        engine.nearest(emb, 7)
    with pytest.raises(ValueError, match="k must be an integer >= 1"):
        engine.nearest(emb, 0, k=0)
