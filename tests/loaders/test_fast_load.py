"""The CSR build (bucketed radix kernels) against a plain-Python reference, and the
chunked reader against reading a file whole.

The reference builds each row as a dict, combining repeated edges' weights in
file order, so float sums must match to the bit; the kernels' serial and
parallel twins, any bucket size and any chunk size must give the same graph.
"""

from __future__ import annotations

import gzip
import re

import numba
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import loaders._kernels as kernels
import loaders._text as text_module
from loaders import Graph, GraphFormatError, read_edgelist
from tests.loaders.test_reading_contract import _ambiguous_header, edge_files, render

_SETTINGS = dict(
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
COMBINE = {"sum": lambda a, b: a + b, "max": max, "min": min}


def reference(src, dst, weights, *, directed, merge, self_loops):
    """(indptr, indices, weights, labels) built row by row in Python, in file order."""
    labels = sorted(set(src) | set(dst))
    index = {label: i for i, label in enumerate(labels)}
    rows: list[dict] = [{} for _ in labels]
    for e, (u, v) in enumerate(zip(src, dst, strict=True)):
        if u == v and self_loops == "drop":
            continue
        a, b = index[u], index[v]
        weight = 1.0 if weights is None else float(weights[e])
        for row, column in [(a, b)] if directed or a == b else [(a, b), (b, a)]:
            entries = rows[row]
            entries[column] = (
                COMBINE[merge](entries[column], weight) if column in entries else weight
            )
    indptr = np.zeros(len(labels) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(entries) for entries in rows])
    indices = np.array([c for entries in rows for c in sorted(entries)], dtype=np.int64)
    values = np.array(
        [entries[c] for entries in rows for c in sorted(entries)], dtype=np.float64
    ).astype(np.float32)
    return indptr, indices, values, np.array(labels)


def check_against_reference(src, dst, weights, directed, merge, self_loops):
    graph = Graph.from_edges(
        src, dst, weights, directed=directed, merge=merge, self_loops=self_loops
    )
    indptr, indices, values, labels = reference(
        list(src), list(dst), weights, directed=directed, merge=merge, self_loops=self_loops
    )
    assert graph.labels.tolist() == labels.tolist()
    assert np.array_equal(graph.indptr, indptr)
    assert np.array_equal(graph.indices, indices)
    if weights is None:
        assert graph.weights is None
    else:
        assert np.array_equal(graph.weights, values)
    rows = np.repeat(np.arange(graph.n_nodes), np.diff(graph.indptr))
    assert graph.n_self_loops == int(np.count_nonzero(rows == graph.indices))
    return graph


edge_arrays = st.integers(1, 60).flatmap(
    lambda n: st.tuples(
        st.lists(st.tuples(st.integers(0, n), st.integers(0, n)), min_size=0, max_size=200),
        st.sampled_from([None, "small", "floats"]),
        st.booleans(),
        st.sampled_from(["sum", "max", "min"]),
        st.sampled_from(["keep", "drop"]),
        st.sampled_from([0, 7, 1 << 40]),  # id offset: dense ids, or hashed ones
    )
)


@settings(max_examples=400, **_SETTINGS)
@given(case=edge_arrays, data=st.data())
def test_small_graphs_match_the_reference(case, data):
    pairs, weight_kind, directed, merge, self_loops, offset = case
    if not pairs:
        return
    src = np.array([u for u, _ in pairs], dtype=np.int64) + offset
    dst = np.array([v for _, v in pairs], dtype=np.int64) + offset
    weights = None
    if weight_kind == "small":
        weights = data.draw(
            st.lists(
                st.sampled_from([0.0, 0.5, 1.0, 3.25]), min_size=len(pairs), max_size=len(pairs)
            )
        )
    elif weight_kind == "floats":
        weights = data.draw(
            st.lists(st.floats(0, 1e6, allow_nan=False), min_size=len(pairs), max_size=len(pairs))
        )
    check_against_reference(src, dst, weights, directed, merge, self_loops)


@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize("bucket_entries", [1 << 15, 64, 1])
def test_large_graphs_match_the_reference_on_every_path(monkeypatch, directed, bucket_entries):
    """Enough edges for the parallel twins, radix passes and many buckets, with
    repeats (merged in file order: random float weights must sum to the bit)."""
    monkeypatch.setattr(kernels, "BUCKET_ENTRIES", bucket_entries)
    rng = np.random.default_rng(5)
    m = 120_000
    src = rng.integers(0, 3_000, m) * 3  # every third id: kept ids are renumbered
    dst = rng.integers(0, 3_000, m) * 3
    dst[:500] = src[:500]  # self-loops
    weights = rng.random(m)
    for merge in ("sum", "max"):
        graph = check_against_reference(src, dst, weights, directed, merge, "keep")
    serial = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        alone = Graph.from_edges(src, dst, weights, directed=directed, merge="max")
    finally:
        numba.set_num_threads(serial)
    assert alone.equals(graph)


def test_hub_rows_longer_than_a_bucket():
    rng = np.random.default_rng(9)
    src = np.concatenate([np.zeros(70_000, np.int64), rng.integers(0, 50_000, 30_000)])
    dst = rng.integers(0, 100_000, src.size)
    check_against_reference(src, dst, None, False, "sum", "keep")


def test_int32_and_int64_ids_give_one_graph():
    rng = np.random.default_rng(3)
    src, dst = rng.integers(0, 10_000, (2, 100_000))
    wide = Graph.from_edges(src.astype(np.int64), dst.astype(np.int64))
    narrow = Graph.from_edges(src.astype(np.int32), dst.astype(np.int32))
    assert wide.equals(narrow)
    assert narrow.labels.dtype == np.int64


def test_n_nodes_and_konect_ranges_keep_isolated_nodes():
    graph = Graph.from_edges(np.array([0, 2], np.int32), np.array([2, 0], np.int32), n_nodes=5)
    assert graph.n_nodes == 5 and graph.degree().tolist() == [1, 0, 1, 0, 0]
    ranged = Graph.from_edges([3, 5], [5, 4], nodes=np.arange(1, 7))
    assert ranged.labels.tolist() == [1, 2, 3, 4, 5, 6]
    assert ranged.neighbors(5).tolist() == [3, 4]
    from loaders import NodeNotFoundError

    with pytest.raises(NodeNotFoundError, match="9"):
        Graph.from_edges([3, 9], [5, 4], nodes=np.arange(1, 7))


# ---------------------------------------------------------------- chunk borders


def _outcome(path):
    try:
        graph = read_edgelist(path)
    except GraphFormatError as error:
        return ("error", error.line, error.reason)
    return ("graph", graph)


#: Lines that break a file: too few fields, not UTF-8, an open quote, empty fields.
DAMAGE = [b"1", b"a b\xff", b'"open, 2', b"x,y,z,,", b"   ", b"\xed\xa0\x80 1", b'"a""b",c']


@settings(max_examples=300, **_SETTINGS)
@given(
    spec=edge_files(),
    chunk=st.integers(1, 48),
    damage=st.none() | st.tuples(st.integers(0, 30), st.sampled_from(range(len(DAMAGE)))),
)
def test_chunk_borders_change_nothing(tmp_path, monkeypatch, spec, chunk, damage):
    """A file read in chunks of a few bytes (each cut at a line start by the thread
    that reads it) gives the same graph, or the same error on the same line, as
    read whole; damaged lines included."""
    if _ambiguous_header(spec):
        return
    lines = render(spec).encode("utf-8").split(b"\n")
    if damage is not None:
        position, kind = damage
        lines.insert(min(position, len(lines)), DAMAGE[kind])
    data = b"\n".join(lines)
    path = tmp_path / ("edges.txt.gz" if spec["gzip"] else "edges.txt")
    path.write_bytes(gzip.compress(data) if spec["gzip"] else data)
    whole = _outcome(path)
    monkeypatch.setattr(text_module, "CHUNK_BYTES", chunk)
    pieces = _outcome(path)
    if whole[0] == "graph":
        assert pieces[0] == "graph" and whole[1].equals(pieces[1]), data
    else:
        assert pieces == whole, data


def test_lines_longer_than_the_read_ahead(tmp_path, monkeypatch):
    """A chunk's last line may run past what its thread reads ahead of the chunk's end
    (64 KiB): it reads further, and the next chunk starts after that line."""
    long_comment = "# " + "x" * 200_000
    text = "1 2\n" + long_comment + "\n2 3\n" + long_comment + "\r\n3 4\r" + "4 5"
    path = tmp_path / "long.txt"
    path.write_text(text)
    whole = read_edgelist(path)
    for chunk in (10, 1000, 100_000):
        monkeypatch.setattr(text_module, "CHUNK_BYTES", chunk)
        assert read_edgelist(path).equals(whole)
    assert sorted(map(tuple, whole.edges().values.tolist())) == [(1, 2), (2, 3), (3, 4), (4, 5)]
    monkeypatch.setattr(text_module, "CHUNK_BYTES", 10)
    (tmp_path / "bad.txt").write_text("1 2\n" + long_comment + "\n2 x y\n3\n")
    with pytest.raises(GraphFormatError) as caught:
        read_edgelist(tmp_path / "bad.txt")
    assert caught.value.line == 4


@pytest.mark.parametrize("ids", ["auto", "int"])
def test_id_parsing_matches_the_rule(tmp_path, ids):
    """Ids of every length and form, read by the word-at-a-time parser and the
    digit-by-digit one, against the contract's rule for each ``ids`` mode."""
    tokens = [
        "0", "7", "-7", "00", "-0", "+5", "12345678", "99999999", "-12345678", "123456789",
        "007", "1a", "12:4", "/1", "9223372036854775807", "-9223372036854775808",
        "9223372036854775808", "18446744073709551616", "-", "+", "1" * 18, "1" * 19,
    ]  # fmt: skip
    plain = re.compile(r"0|-?[1-9][0-9]*" if ids == "auto" else r"[+-]?[0-9]+")
    for token in tokens:
        path = tmp_path / "ids.txt"
        path.write_text(f"{token} 1\n1 2\n")
        valid = bool(plain.fullmatch(token)) and -(2**63) <= int(token) < 2**63
        if ids == "int" and not valid:
            with pytest.raises(GraphFormatError):
                read_edgelist(path, ids=ids)
            continue
        graph = read_edgelist(path, ids=ids)
        assert graph.labels.dtype.kind == ("i" if valid else "O"), token
        if valid:
            assert int(token) in graph.labels.tolist(), token


def test_store_arrays_are_numpy_files_with_their_checksums(tmp_path):
    """The store's writer (two writers and a checksum from memory) writes what
    numpy writes, and the CRC32 that reading the file back gives."""
    from loaders import store

    rng = np.random.default_rng(1)
    for array in (
        np.arange(10, dtype=np.int32),
        np.zeros(0, np.int64),
        rng.random(3_000_001).astype(np.float32),
        np.arange(11, dtype=np.int64)[::2],
    ):
        info = store._write_array(tmp_path / "ours.npy", array)
        np.save(tmp_path / "numpy.npy", array)
        assert (tmp_path / "ours.npy").read_bytes() == (tmp_path / "numpy.npy").read_bytes()
        assert info == store._file_checksum(tmp_path / "ours.npy")


def test_fresh_arrays_are_writable_and_sized():
    from loaders._build import fresh_array

    for shape in (10, (2, 5), 1 << 22, (2, 1 << 21)):
        array = fresh_array(shape, np.int32)
        array[...] = 3
        assert array.shape == ((shape,) if isinstance(shape, int) else shape)
        assert int(array.sum()) == 3 * array.size


def test_too_many_ids_is_refused():
    from loaders._build import build_csr

    with pytest.raises(ValueError, match="2\\*\\*32"):
        build_csr(np.array([0]), np.array([1]), 2**32, None, directed=False)
