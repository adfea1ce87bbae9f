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


# --- One set, published atomically ---------------------------------------------------------


def _labelled_set(tag: str, n: int, dim: int = 8):
    """A ring whose labels, vectors and run parameters all say which set they are."""
    labels = [f"{tag}{i}" for i in range(n)]
    g = Graph.from_edges(labels, labels[1:] + labels[:1], name=tag)
    offset = 1000.0 if tag == "B" else 0.0
    emb = np.arange(n * dim, dtype=np.float32).reshape(n, dim) + offset
    return g, emb, {"set": tag}


def _write_legacy_npy_set(folder, g, emb, parameters):
    """What earlier versions wrote: plain files in place, no run-record members."""
    np.save(folder / "e.npy", emb)
    (folder / "e.ids.txt").write_text("".join(f"{v}\n" for v in g.labels.tolist()))
    (folder / "e.npy.run.json").write_text(json.dumps({"parameters": parameters}))


def _which_set(folder, sets) -> str:
    """ "A" or "B" when vectors, ids and run.json at the documented paths are that set."""
    seen = {}
    try:
        seen["vectors"] = np.load(folder / "e.npy")
        seen["ids"] = (folder / "e.ids.txt").read_text().split()
        seen["run"] = json.loads((folder / "e.npy.run.json").read_text())["parameters"]
    except (OSError, ValueError) as error:
        return f"other ({type(error).__name__}: {error})"
    for tag, (g, emb, parameters) in sets.items():
        if (
            seen["vectors"].shape == emb.shape
            and (seen["vectors"] == emb).all()
            and seen["ids"] == [str(v) for v in g.labels.tolist()]
            and seen["run"] == parameters
        ):
            return tag
    return "other (members of different sets)"


def _export_in_child(emb, g, path, parameters) -> int:
    """Fork a process that exports and exits; return its pid (no re-import: forks are fast)."""
    pid = os.fork()
    if pid == 0:  # the child: export, then leave without running pytest's exit handlers
        code = 0
        try:
            engine.export_embeddings(emb, g, path, parameters=parameters)
        except BaseException:
            code = 1
        os._exit(code)
    return pid


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_kill_at_any_moment_leaves_the_old_set_or_the_new_set(tmp_path):
    import random
    import signal
    import time

    sets = {"A": _labelled_set("A", 300), "B": _labelled_set("B", 400)}
    # How long one child takes from fork to exit: the kills are spread over that window.
    durations = []
    for trial in range(5):
        folder = tmp_path / f"timing{trial}"
        folder.mkdir()
        engine.export_embeddings(sets["A"][1], sets["A"][0], folder / "e.npy", parameters={})
        started = time.perf_counter()
        _, status = os.waitpid(
            _export_in_child(sets["B"][1], sets["B"][0], folder / "e.npy", {}), 0
        )
        durations.append(time.perf_counter() - started)
        assert os.waitstatus_to_exitcode(status) == 0
    window = sorted(durations)[len(durations) // 2] * 1.2
    rng = random.Random(19)
    outcomes: dict[str, int] = {}
    kills = 0
    for attempt in range(400):
        folder = tmp_path / f"kill{attempt}"
        folder.mkdir()
        g_a, emb_a, parameters_a = sets["A"]
        if attempt % 3 == 0:  # an old in-place set is taken over without a torn moment too
            _write_legacy_npy_set(folder, g_a, emb_a, parameters_a)
        else:
            engine.export_embeddings(emb_a, g_a, folder / "e.npy", parameters=parameters_a)
        g_b, emb_b, parameters_b = sets["B"]
        pid = _export_in_child(emb_b, g_b, folder / "e.npy", parameters_b)
        time.sleep(rng.uniform(0, window))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
            kills += 1
            outcome = _which_set(folder, sets)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            window *= 1.25
        else:
            # The child finished first. The timing trials can run slower or faster than
            # the children now do (a loaded CI machine, cold caches): growing on a kill
            # and shrinking as much on a miss keeps the window near where half the kills
            # land, so they stay spread over the child's whole life, its last rename too.
            window *= 0.8
        if kills >= 60:
            break
    print(f"kills {kills}: {outcomes}")  # the counts the issue asks for (pytest -s)
    assert kills >= 50, f"only {kills} kills landed before the child finished"
    assert set(outcomes) <= {"A", "B"}, outcomes
    assert outcomes.get("A") and outcomes.get("B"), f"kills were not spread out: {outcomes}"
    # The next export sweeps what the killed writers left behind.
    g_b, emb_b, parameters_b = sets["B"]
    engine.export_embeddings(emb_b, g_b, folder / "e.npy", parameters=parameters_b)
    assert _which_set(folder, sets) == "B"
    hidden = folder / ".e.npy.export"
    assert sorted(p.name for p in hidden.iterdir() if not p.name.startswith("v-")) == [
        "current",
        "lock",
    ]
    assert len([p for p in hidden.iterdir() if p.name.startswith("v-")]) == 1
    assert sorted(p.name for p in folder.iterdir()) == [
        ".e.npy.export",
        "e.ids.txt",
        "e.npy",
        "e.npy.run.json",
    ]


def test_a_failed_export_keeps_the_previous_set(tmp_path, monkeypatch):
    sets = {"A": _labelled_set("A", 5), "B": _labelled_set("B", 7)}
    g, emb, parameters = sets["A"]
    engine.export_embeddings(emb, g, tmp_path / "e.npy", parameters=parameters)

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "save", boom)  # the vectors fail after the ids were written
    g, emb, parameters = sets["B"]
    with pytest.raises(OSError, match="disk full"):
        engine.export_embeddings(emb, g, tmp_path / "e.npy", parameters=parameters)
    assert _which_set(tmp_path, sets) == "A"
    versions = [p for p in (tmp_path / ".e.npy.export").iterdir() if p.name.startswith("v-")]
    assert len(versions) == 1


def test_a_set_written_in_place_is_taken_over(tmp_path):
    sets = {"A": _labelled_set("A", 5), "B": _labelled_set("B", 7)}
    _write_legacy_npy_set(tmp_path, *sets["A"])
    g, emb, parameters = sets["B"]
    engine.export_embeddings(emb, g, tmp_path / "e.npy", parameters=parameters)
    assert _which_set(tmp_path, sets) == "B"
    run = json.loads((tmp_path / "e.npy.run.json").read_text())
    assert run["members"] == {
        "e.npy": (tmp_path / "e.npy").stat().st_size,
        "e.ids.txt": (tmp_path / "e.ids.txt").stat().st_size,
    }


def test_a_member_the_new_set_lacks_is_removed(tmp_path, named):
    g, emb = named
    engine.export_embeddings(emb, g, tmp_path / "e.bin", format="npy")
    assert (tmp_path / "e.ids.txt").exists()
    engine.export_embeddings(emb, g, tmp_path / "e.bin", format="csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".e.bin.export",
        "e.bin",
        "e.bin.run.json",
    ]
    assert pd.read_csv(tmp_path / "e.bin")["node"].tolist() == ["ann", "bob", "cy", "dee"]


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_exports_follow_the_umask(tmp_path, named, umask):
    g, emb = named
    previous = os.umask(umask)
    try:
        for suffix in (".npy", ".parquet", ".csv", ".txt"):
            engine.export_embeddings(emb, g, tmp_path / f"e{suffix}")
            engine.export_embeddings(emb, g, tmp_path / f"e{suffix}")  # and over an old set
    finally:
        os.umask(previous)
    for entry in tmp_path.rglob("*"):
        if entry.is_symlink():
            continue
        mode = entry.stat().st_mode & 0o777
        expected = (0o777 if entry.is_dir() else 0o666) & ~umask
        assert mode == expected, f"{entry.relative_to(tmp_path)}: {oct(mode)} != {oct(expected)}"
