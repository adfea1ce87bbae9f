"""Damaged stores end in a Python exception (or, when the damage is harmless, a result),
never a crashed process.

The byte-flip tests run in subprocesses: a flip that makes a kernel read out of
bounds kills the process with a signal, which a test in the same process could
not report. Each subprocess tries many flips in a loop (one interpreter start
and one Numba warm-up for all of them), writing each flip to a log before
trying it so that a crash names the flip that caused it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from loaders import Graph, StoreError, open_store, store_checks
from loaders import store as store_module

ROOT = Path(__file__).resolve().parents[2]


def _labelled_graph() -> Graph:
    """String labels, weights, an int and a string node attribute: every file a store has."""
    rng = np.random.default_rng(7)
    n, m = 40, 120
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    names = np.array([f"node-{i}" for i in range(n)], dtype=object)
    graph = Graph.from_edges(names[src], names[dst], rng.random(m) + 0.1, nodes=names)
    return graph.with_attributes(
        group=np.arange(n) % 3, colour=np.array(["red", "green"] * (n // 2), dtype=object)
    )


@pytest.fixture(scope="module")
def labelled_store(tmp_path_factory) -> Path:
    return Path(_labelled_graph().save(tmp_path_factory.mktemp("flips") / "small.gwb"))


# ---------------------------------------------------------------- byte flips


def exercise(path: str | os.PathLike) -> None:
    """Open a store and use it as a user would: lookups, edges, ``gwb info``, two kernels."""
    from scipy.sparse.csgraph import connected_components

    import engine

    graph = open_store(path)
    graph.degree()
    graph.degree(weighted=True)
    graph.in_degree()
    labels = graph.labels
    for label in ("node-0", "node-7", "node-33"):
        graph.node_id(label)
        graph.neighbors(label)
    graph.node_ids(list(labels[:5]))
    graph.edges()
    # What `gwb info` shows.
    repr(graph)
    connected_components(graph.to_scipy(), directed=graph.directed, connection="weak")
    graph.n_self_loops, graph.n_edges, list(graph.attributes)
    seed = graph.label(min(3, graph.n_nodes - 1))
    engine.top_nodes(graph, engine.ppr(graph, seed, device="cpu", seed=1), 5)
    engine.local_cluster(graph, seed, seed=1)


def flip_loop(store: str, seed: int, count: int, log: str) -> None:
    """Flip one byte at a time at seeded random positions of ``store`` and exercise it.

    Each flip is undone before the next. Each is journalled to ``log`` as
    ``<file> <offset> <xor mask>`` before it is tried, then completed with its
    outcome (an exception type or ``result``), so the line a crash leaves
    unfinished names the flip that caused it.
    """
    import resource

    # A structurally valid but extreme weight can make a kernel ask for terabytes;
    # capped, that is a MemoryError here rather than the machine's OOM killer.
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (min(4 << 30, hard) if hard > 0 else 4 << 30, hard))
    folder = Path(store)
    files = sorted(p for p in folder.iterdir() if p.is_file())
    sizes = np.array([p.stat().st_size for p in files])
    ends = np.cumsum(sizes)
    rng = np.random.default_rng(seed)
    exercise(folder)  # the undamaged store works, and the kernels are compiled once
    with open(log, "a") as journal:
        for _ in range(count):
            position = int(rng.integers(ends[-1]))
            which = int(np.searchsorted(ends, position, side="right"))
            offset = position - (int(ends[which - 1]) if which else 0)
            mask = int(rng.integers(1, 256))
            target = files[which]
            journal.write(f"{target.name} {offset} {mask:#04x}")
            journal.flush()
            with open(target, "r+b") as handle:
                handle.seek(offset)
                original = handle.read(1)[0]
                handle.seek(offset)
                handle.write(bytes([original ^ mask]))
            try:
                exercise(folder)
                outcome = "result"
            # Any Python exception is an answer; only a dead process is a failure.
            except Exception as error:
                outcome = type(error).__name__
            finally:
                with open(target, "r+b") as handle:
                    handle.seek(offset)
                    handle.write(bytes([original]))
            journal.write(f" {outcome}\n")
            journal.flush()


def _run_flips(store: Path, tmp_path: Path, seeds: range, count: int) -> Counter:
    """Run ``flip_loop`` in one subprocess per seed, each on its own copy of the store.

    Returns the outcome counts keyed ``"<file>: <outcome>"``, a crash's as
    ``"<file>: crash (signal N)"``; fails the test on any crash.
    """
    import shutil

    environment = dict(os.environ, NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1")
    processes = []
    for seed in seeds:
        copy = tmp_path / f"copy-{seed}.gwb"
        shutil.copytree(store, copy)
        log = tmp_path / f"flips-{seed}.log"
        code = (
            "from tests.loaders.test_store_damage import flip_loop; "
            f"flip_loop({str(copy)!r}, {seed}, {count}, {str(log)!r})"
        )
        process = subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        processes.append((seed, log, process))
    totals: Counter = Counter()
    crashes = []
    for seed, log, process in processes:
        _, err = process.communicate(timeout=600)
        lines = log.read_text().splitlines() if log.exists() else []
        for line in lines:
            name, _, _, *outcome = line.split()
            if outcome:
                totals[f"{name}: {outcome[0]}"] += 1
        if process.returncode != 0:
            unfinished = lines[-1] if lines and len(lines[-1].split()) == 3 else None
            if unfinished:
                totals[f"{unfinished.split()[0]}: crash (signal {-process.returncode})"] += 1
            crashes.append(
                f"seed {seed}: rc {process.returncode} at flip {unfinished!r} "
                f"(file, offset, xor mask)\n{err[-2000:]}"
            )
    by_outcome: Counter = Counter()
    for key, value in totals.items():
        by_outcome[key.split(": ")[1]] += value
    print(f"\n{sum(totals.values())} flips: {dict(by_outcome)}")
    for key in sorted(totals):
        print(f"  {key}: {totals[key]}")
    assert not crashes, "flipped bytes crashed the process:\n" + "\n".join(crashes)
    return totals


def test_flipped_bytes_never_crash(labelled_store, tmp_path):
    totals = _run_flips(labelled_store, tmp_path, range(4), 150)
    assert sum(totals.values()) == 600
    assert any("result" not in key for key in totals), "some flips must be refused"


@pytest.mark.slow
def test_flipped_bytes_never_crash_many(labelled_store, tmp_path):
    totals = _run_flips(labelled_store, tmp_path, range(100, 108), 2500)
    assert sum(totals.values()) == 20000


def test_extreme_but_valid_weight_does_not_crash_the_kernels(labelled_store, tmp_path):
    """A store whose only damage is a finite weight 6e17 passes every structural check;
    what the kernels make of it must still be an answer or an exception."""
    import shutil

    copy = tmp_path / "extreme.gwb"
    shutil.copytree(labelled_store, copy)
    with open(copy / "weights.npy", "r+b") as handle:
        handle.seek(815)
        byte = handle.read(1)[0]
        handle.seek(815)
        handle.write(bytes([byte ^ 0x62]))
    code = f"from tests.loaders.test_store_damage import exercise; exercise({str(copy)!r})"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True)
    assert result.returncode >= 0, f"killed by signal {-result.returncode}"


# ---------------------------------------------------------------- targeted damage


def _poke_indices(path: str, position: int, value: int) -> None:
    """Write ``value`` into ``indices.npy`` in place (sizes unchanged, as a bad disk would)."""
    indices = np.load(os.path.join(path, "indices.npy"), mmap_mode="r+")
    indices[position] = value
    indices.flush()
    del indices


@pytest.mark.parametrize("value", [-1, -(2**31), 40, 2**31 - 1])
def test_index_outside_the_nodes_is_refused(tmp_path, value):
    path = _labelled_graph().save(tmp_path / "g.gwb")
    _poke_indices(path, 17, value)
    with pytest.raises(StoreError, match=r"indices\.npy.*outside \[0, 40\)") as caught:
        open_store(path)
    assert str(tmp_path / "g.gwb") in str(caught.value)


def _rewrite_meta(path, change) -> None:
    meta_file = os.path.join(path, "meta.json")
    with open(meta_file) as handle:
        document = json.load(handle)
    change(document["meta"])
    document["crc32"] = zlib.crc32(store_module._canonical(document["meta"]))
    with open(meta_file, "w") as handle:
        json.dump(document, handle)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m.update(n_nodes="40"), "n_nodes"),
        (lambda m: m.update(n_nodes=-1), "n_nodes"),
        (lambda m: m.update(n_nodes=True), "n_nodes"),
        (lambda m: m.update(nnz=1.5), "nnz"),
        (lambda m: m.update(directed="yes"), "directed"),
        (lambda m: m.update(weighted=1), "weighted"),
        (lambda m: m["dtypes"].update(indices="int64"), "indices"),
        (lambda m: m["dtypes"].update(weights="float64"), "weights"),
        (lambda m: m.update(files=[]), "files"),
        (lambda m: m["files"]["indices.npy"].update(bytes="12"), "indices.npy"),
        (lambda m: m["files"].update({"../escape.npy": {"bytes": 1, "crc32": 0}}), "escape"),
        (lambda m: m.update(attributes="group"), "attributes"),
        (lambda m: m.update(labels="float"), "labels"),
        (lambda m: m.update(n_nodes=41), "indptr.npy"),
        (lambda m: m.update(nnz=m["nnz"] - 1), "nnz"),
        (lambda m: m.update(weighted=False), "weights"),
        (lambda m: m.update(name=5), "name"),
        (lambda m: m.update(n_self_loops=-3), "n_self_loops"),
    ],
)
def test_inconsistent_meta_is_refused(tmp_path, change, message):
    path = _labelled_graph().save(tmp_path / "g.gwb")
    _rewrite_meta(path, change)
    with pytest.raises(StoreError, match=message) as caught:
        open_store(path)
    assert str(tmp_path / "g.gwb") in str(caught.value)


def _replace_array(path: str, name: str, array: np.ndarray, **save) -> None:
    """Swap one array file for another and record its size, as a careless tool might."""
    file = os.path.join(path, name)
    with open(file, "wb") as handle:
        np.lib.format.write_array(handle, array, **save)
    size = os.path.getsize(file)
    _rewrite_meta(path, lambda m: m["files"][name].update(bytes=size))


def test_array_damage_is_refused(tmp_path):
    graph = _labelled_graph()
    cases = {
        "indptr.npy starts at": ("indptr.npy", graph.indptr + 1),
        "indptr.npy decreases": ("indptr.npy", graph.indptr[[0, 2, 1, *range(3, 41)]]),
        "indptr.npy ends at": ("indptr.npy", np.r_[graph.indptr[:-1], graph.nnz - 1]),
        "indptr.npy.*int32": ("indptr.npy", graph.indptr.astype(np.int32)),
        "indices.npy.*>i4": ("indices.npy", graph.indices.astype(">i4")),
        "indices.npy.*shape": ("indices.npy", graph.indices[:-1].copy()),
        "indices.npy.*Fortran": (
            "indices.npy",
            np.asfortranarray(graph.indices.reshape(13, graph.nnz // 13)),
        ),
        "weights.npy.*negative": ("weights.npy", -graph.weights),
        "weights.npy.*nan": ("weights.npy", np.full_like(graph.weights, np.nan)),
        "weights.npy.*inf": ("weights.npy", np.full_like(graph.weights, np.inf)),
    }
    for number, (message, (name, array)) in enumerate(cases.items()):
        path = graph.save(tmp_path / f"g{number}.gwb")
        _replace_array(path, name, array)
        with pytest.raises(StoreError, match=message):
            open_store(path)


def test_object_and_unreadable_npy_headers_are_refused(tmp_path):
    graph = _labelled_graph()
    path = graph.save(tmp_path / "object.gwb")
    _replace_array(path, "indices.npy", graph.indices.astype(object), allow_pickle=True)
    with pytest.raises(StoreError, match="indices.npy"):
        open_store(path)
    # A header that claims more data than the file holds must not map past its end.
    path = graph.save(tmp_path / "long.gwb")
    file = Path(path) / "indices.npy"
    data = file.read_bytes()
    shape = f"({graph.nnz},)".encode()
    assert shape in data[:128]
    file.write_bytes(data.replace(shape, f"({graph.nnz * 9},)".encode()[: len(shape)], 1))
    with pytest.raises(StoreError, match="indices.npy"):
        open_store(path)


def test_duplicate_or_missing_labels_are_refused(tmp_path):
    import pyarrow as pa

    graph = _labelled_graph()
    for number, change in enumerate(
        [
            lambda t: t.set_column(0, "label", pa.array(["x"] * t.num_rows)),
            lambda t: t.set_column(0, "label", pa.array(["x", None] * (t.num_rows // 2))),
            lambda t: t.slice(0, t.num_rows - 1),
            lambda t: t.set_column(1, "group", pa.array([[1]] * t.num_rows)),
        ]
    ):
        path = Path(graph.save(tmp_path / f"g{number}.gwb"))
        table = pa.ipc.open_file(pa.memory_map(str(path / "nodes.arrow"))).read_all()
        table = change(table)
        with pa.OSFile(str(path / "nodes.arrow"), "wb") as sink:
            with pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
        size = (path / "nodes.arrow").stat().st_size
        _rewrite_meta(path, lambda m, size=size: m["files"]["nodes.arrow"].update(bytes=size))
        with pytest.raises(StoreError, match="nodes.arrow"):
            open_store(path)


@pytest.mark.parametrize("chunk", [None, 7])
def test_unsorted_or_repeated_row_is_refused(tmp_path, monkeypatch, chunk):
    """Kernels binary-search and merge rows, so ids must increase within each row;
    a drop where a new row starts is fine. Small chunks cover the chunk seams."""
    if chunk is not None:
        monkeypatch.setattr(store_checks, "CHECK_CHUNK", chunk)
    graph = _labelled_graph()
    path = graph.save(tmp_path / "ok.gwb")
    assert open_store(path).equals(graph)
    row = int(np.argmax(np.diff(graph.indptr) >= 3))
    first = int(graph.indptr[row])
    for number, values in enumerate(
        [
            graph.indices[[first + 1, first]],  # swapped
            graph.indices[[first, first]],  # repeated
        ]
    ):
        path = graph.save(tmp_path / f"bad{number}.gwb")
        indices = np.load(os.path.join(path, "indices.npy"), mmap_mode="r+")
        indices[first : first + 2] = values
        indices.flush()
        del indices
        with pytest.raises(StoreError, match=f"not sorted within a row at entry {first + 1} "):
            open_store(path)


@pytest.mark.parametrize("damage", ["weight", "edge"])
def test_an_undirected_store_must_be_symmetric(labelled_store, tmp_path, damage):
    """One direction of an edge changed (a weight) or re-pointed: the mirror no longer matches.

    Before this check, the one-sided weight crashed PowerPush (its over-relaxed
    sweeps assume symmetry) and a one-sided edge could send the orbit kernels'
    reverse-edge lookups out of bounds.
    """
    import shutil

    copy = tmp_path / "asymmetric.gwb"
    shutil.copytree(labelled_store, copy)
    graph = open_store(copy)
    name = "weights.npy" if damage == "weight" else "indices.npy"
    array = np.load(copy / name).copy()
    if damage == "weight":
        array[0] *= 3
    else:
        # Re-point the last entry of a row at the highest node: rows stay sorted,
        # but that node does not list the row back.
        last = graph.n_nodes - 1
        ends = graph.indptr[1:] - 1
        rows = np.flatnonzero((np.diff(graph.indptr) > 0) & (array[ends] < last))
        row = int(rows[rows != last][0])
        array[ends[row]] = last
    _replace_array(str(copy), name, array)
    with pytest.raises(StoreError, match="not symmetric"):
        open_store(copy)
