"""The .gwb store: round trips, memory mapping, and refusing damaged or newer stores."""

import json
import os
import subprocess
import sys
import zlib

import numpy as np
import pytest

from loaders import Graph, StoreError, open_store, save_store
from loaders import store as store_module
from tests.graphs import random_edges


def _round_trip(graph: Graph, tmp_path) -> Graph:
    return open_store(graph.save(tmp_path / "g.gwb"))


def test_round_trip_tiny_graphs(tiny, tmp_path):
    graph = tiny.build()
    again = _round_trip(graph, tmp_path)
    assert again.equals(graph)
    assert again.n_edges == graph.n_edges and again.n_self_loops == graph.n_self_loops


@pytest.mark.parametrize("nodes", [[], np.array([], dtype=object)])
def test_round_trip_empty_node_list(nodes, tmp_path):
    graph = Graph.from_edges([], [], nodes=nodes)
    again = _round_trip(graph, tmp_path)
    assert again.n_nodes == 0 and again.n_edges == 0 and again.equals(graph)


def test_round_trip_labels_weights_attributes(tmp_path):
    src, dst = random_edges(500, 3000, seed=1)
    weights = np.random.default_rng(2).random(3000)
    graph = Graph.from_edges(src * 7 + 3, dst * 7 + 3, weights, directed=True).with_attributes(
        group=np.arange(len(np.unique(np.r_[src, dst]))) % 4
    )
    again = _round_trip(graph, tmp_path)
    assert again.equals(graph)
    assert again.node_id(int(graph.labels[10])) == 10
    names = Graph.from_edges(["ana", "bo", "ana"], ["bo", "cy", "cy"]).with_attributes(
        role=np.array(["x", "y", "z"], dtype=object)
    )
    again = open_store(names.save(tmp_path / "names.gwb"))
    assert again.labels.tolist() == ["ana", "bo", "cy"]
    assert again.attributes["role"].tolist() == ["x", "y", "z"]
    assert again.neighbors("cy").tolist() == ["ana", "bo"]


def test_open_is_memory_mapped_and_read_only(tmp_path):
    graph = _round_trip(Graph.from_edges(*random_edges(100, 400, seed=0)), tmp_path)
    assert isinstance(graph.indices, np.memmap) or isinstance(graph.indices.base, np.memmap)
    with pytest.raises(ValueError):
        graph.indices[0] = 1


def test_existing_destination_needs_overwrite(tmp_path):
    graph = Graph.from_edges([0], [1])
    path = graph.save(tmp_path / "g.gwb")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        graph.save(path)
    bigger = Graph.from_edges([0, 1], [1, 2])
    save_store(bigger, path, overwrite=True)
    assert open_store(path).n_edges == 2
    assert sorted(os.listdir(tmp_path)) == ["g.gwb"], "no temporary folders left behind"


def _rewrite_meta(path, change):
    meta_file = os.path.join(path, "meta.json")
    document = json.load(open(meta_file))
    change(document["meta"])
    document["crc32"] = zlib.crc32(store_module._canonical(document["meta"]))
    json.dump(document, open(meta_file, "w"))


def test_newer_format_is_refused(tmp_path):
    path = Graph.from_edges([0], [1]).save(tmp_path / "g.gwb")
    _rewrite_meta(path, lambda meta: meta.update(format_version=99))
    with pytest.raises(StoreError, match="format version 99 is newer"):
        open_store(path)


def test_edited_meta_fails_its_checksum(tmp_path):
    path = Graph.from_edges([0], [1]).save(tmp_path / "g.gwb")
    meta_file = os.path.join(path, "meta.json")
    text = open(meta_file).read().replace('"n_edges": 1', '"n_edges": 2')
    open(meta_file, "w").write(text)
    with pytest.raises(StoreError, match="meta.json: fails its checksum"):
        open_store(path)


def test_truncated_array_is_refused(tmp_path):
    path = Graph.from_edges(*random_edges(100, 400, seed=0)).save(tmp_path / "g.gwb")
    indices = os.path.join(path, "indices.npy")
    with open(indices, "r+b") as handle:
        handle.truncate(os.path.getsize(indices) - 8)
    with pytest.raises(StoreError, match="indices.npy has .* bytes, expected"):
        open_store(path)


def test_flipped_byte_fails_verify(tmp_path):
    src, dst = random_edges(100, 400, seed=0)
    # Directed: in an undirected store a one-sided weight change breaks symmetry,
    # which open_store refuses without verify.
    path = Graph.from_edges(src, dst, np.ones(400), directed=True).save(tmp_path / "g.gwb")
    weights = os.path.join(path, "weights.npy")
    with open(weights, "r+b") as handle:
        # The low mantissa byte of the last weight: still a finite weight >= 0, so the
        # graph is structurally valid and only the checksum can tell.
        handle.seek(-4, os.SEEK_END)
        byte = handle.read(1)
        handle.seek(-4, os.SEEK_END)
        handle.write(bytes([byte[0] ^ 0x01]))
    assert open_store(path).weights[-1] != 1.0  # sizes still agree: only verify reads every byte
    with pytest.raises(StoreError, match="weights.npy fails its checksum"):
        open_store(path, verify=True)


def test_missing_store_and_missing_meta(tmp_path):
    with pytest.raises(FileNotFoundError, match="no graph store"):
        open_store(tmp_path / "nowhere.gwb")
    half = tmp_path / "half.gwb"
    half.mkdir()
    np.save(half / "indptr.npy", np.zeros(3, np.int64))
    with pytest.raises(StoreError, match="no meta.json"):
        open_store(half)


def test_failed_write_leaves_nothing(tmp_path, monkeypatch):
    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(store_module, "_write_meta", crash)
    with pytest.raises(OSError, match="disk full"):
        Graph.from_edges([0], [1]).save(tmp_path / "g.gwb")
    assert os.listdir(tmp_path) == []


def test_killed_writer_never_leaves_a_valid_store(tmp_path):
    """SIGKILL in the middle of a save: the destination does not exist, and the
    staging folder left behind is not a store."""
    script = f"""
import os, signal, numpy as np
from loaders import Graph, store
graph = Graph.from_edges(np.arange(1000), np.arange(1, 1001))
def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
store._write_meta = die
graph.save({str(tmp_path / "g.gwb")!r})
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert result.returncode == -9
    assert not (tmp_path / "g.gwb").exists()
    leftovers = [p for p in tmp_path.iterdir()]
    assert leftovers and all(p.name.startswith(".g.gwb.") for p in leftovers)
    for folder in leftovers:
        with pytest.raises(StoreError):
            open_store(folder)


def test_unstorable_labels_give_a_clear_error(tmp_path):
    import networkx as nx

    graph = Graph.from_networkx(nx.grid_2d_graph(2, 2))  # tuple labels
    assert graph.node_id((1, 1)) == 3
    with pytest.raises(TypeError, match="cannot store labels"):
        graph.save(tmp_path / "g.gwb")
    assert os.listdir(tmp_path) == []


def test_an_attribute_called_label_keeps_the_node_labels(tmp_path):
    """The sfld GraphML file has a vertex attribute "label" beside its ids."""
    graph = Graph.from_edges(["a", "b"], ["b", "c"]).with_attributes(label=["", "", ""])
    stored = open_store(save_store(graph, tmp_path / "labelled.gwb"))
    assert stored.labels.tolist() == ["a", "b", "c"]
    assert stored.attributes["label"].tolist() == ["", "", ""]
    assert stored.node_id("c") == 2


# ---------------------------------------------------------------- replacing a store


def _watch_every_step(monkeypatch, path, seen: list) -> None:
    """After every rename or swap the writer makes, try to open ``path`` as a reader would."""

    def after(real):
        def step(*args, **kwargs):
            result = real(*args, **kwargs)
            try:
                seen.append(open_store(path, verify=True).n_edges)
            except (OSError, StoreError) as error:
                seen.append(error)
            return result

        return step

    monkeypatch.setattr(os, "rename", after(os.rename))
    monkeypatch.setattr(os, "replace", after(os.replace))
    if hasattr(store_module, "exchange_paths"):
        monkeypatch.setattr(store_module, "exchange_paths", after(store_module.exchange_paths))


def test_overwrite_never_leaves_the_path_without_a_store(tmp_path, monkeypatch):
    path = Graph.from_edges([0], [1]).save(tmp_path / "g.gwb")
    seen: list = []
    _watch_every_step(monkeypatch, path, seen)
    save_store(Graph.from_edges([0, 1], [1, 2]), path, overwrite=True)
    monkeypatch.undo()
    assert seen and all(isinstance(s, int) for s in seen), f"a reader saw {seen}"
    assert seen[-1] == 2 and open_store(path, verify=True).n_edges == 2
    assert sorted(os.listdir(tmp_path)) == ["g.gwb"], "no temporaries left behind"


def test_overwrite_without_an_atomic_exchange_falls_back_to_two_renames(tmp_path, monkeypatch):
    """Where renameat2 is missing the old store is moved aside, then the new one in."""
    path = Graph.from_edges([0], [1]).save(tmp_path / "g.gwb")
    monkeypatch.setattr(store_module, "exchange_paths", lambda first, second: False)
    save_store(Graph.from_edges([0, 1], [1, 2]), path, overwrite=True)
    assert open_store(path, verify=True).n_edges == 2
    assert sorted(os.listdir(tmp_path)) == ["g.gwb"]


def test_overwrite_replaces_a_symlink_not_its_target(tmp_path):
    target = Graph.from_edges([0], [1]).save(tmp_path / "target.gwb")
    link = tmp_path / "link.gwb"
    link.symlink_to(target)
    save_store(Graph.from_edges([0, 1], [1, 2]), link, overwrite=True)
    assert not link.is_symlink() and open_store(link).n_edges == 2
    assert open_store(target).n_edges == 1
    assert sorted(os.listdir(tmp_path)) == ["link.gwb", "target.gwb"]


def test_failed_overwrite_keeps_the_old_store_and_leaves_nothing(tmp_path, monkeypatch):
    path = Graph.from_edges([0], [1]).save(tmp_path / "g.gwb")

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(store_module, "_write_meta", crash)
    with pytest.raises(OSError, match="disk full"):
        save_store(Graph.from_edges([0, 1], [1, 2]), path, overwrite=True)
    assert open_store(path, verify=True).n_edges == 1
    assert sorted(os.listdir(tmp_path)) == ["g.gwb"]


def test_killed_overwrite_keeps_the_old_store_and_the_next_save_cleans_up(tmp_path):
    path = Graph.from_edges([0], [1]).save(tmp_path / "g.gwb")
    script = f"""
import os, signal, numpy as np
from loaders import Graph, store
def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
store._write_meta = die
store.save_store(Graph.from_edges([0, 1], [1, 2]), {path!r}, overwrite=True)
"""
    assert subprocess.run([sys.executable, "-c", script]).returncode == -9
    assert open_store(path, verify=True).n_edges == 1
    leftovers = [p for p in tmp_path.iterdir() if p.name != "g.gwb"]
    assert len(leftovers) == 1 and leftovers[0].name.startswith(".g.gwb.")
    # A temporary this fresh may belong to a save still at work elsewhere: kept.
    save_store(Graph.from_edges([0, 1], [1, 2]), path, overwrite=True)
    assert leftovers[0].exists()
    # An hour later it is taken as a crash's and removed by the next save.
    stale = os.path.getmtime(leftovers[0]) - 2 * 3600
    os.utime(leftovers[0], (stale, stale))
    save_store(Graph.from_edges([0, 1, 2], [1, 2, 3]), path, overwrite=True)
    assert sorted(os.listdir(tmp_path)) == ["g.gwb"]
    assert open_store(path, verify=True).n_edges == 3


@pytest.mark.parametrize(
    ("umask", "files", "folders"), [(0o022, 0o644, 0o755), (0o077, 0o600, 0o700)]
)
def test_outputs_follow_the_umask(tmp_path, umask, files, folders):
    graph = Graph.from_edges(["a", "b"], ["b", "c"], [1.0, 2.0]).with_attributes(team=[1, 2, 3])
    previous = os.umask(umask)
    try:
        path = graph.save(tmp_path / "g.gwb")
        graph.save(path, overwrite=True)
    finally:
        os.umask(previous)
    assert os.stat(path).st_mode & 0o777 == folders
    names = sorted(os.listdir(path))
    assert names == ["indices.npy", "indptr.npy", "meta.json", "nodes.arrow", "weights.npy"]
    for name in names:
        assert os.stat(os.path.join(path, name)).st_mode & 0o777 == files, name
