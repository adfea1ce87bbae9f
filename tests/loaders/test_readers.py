"""Readers: every format on small files the test writes, compared with an independent reader."""

import bz2
import gzip
import os

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
import scipy.io
import scipy.sparse as sp

from loaders import Graph, GraphFormatError, load, read_edgelist
from tests.graphs import random_edges


def _undirected_pairs(graph: Graph) -> set:
    table = graph.edges()
    return {tuple(sorted((s, t), key=str)) for s, t in zip(table["source"], table["target"])}


def _write_text(path, text, compression=None):
    opener = {None: open, "gz": gzip.open, "bz2": bz2.open}[compression]
    with opener(path, "wt") as handle:
        handle.write(text)
    return path


@pytest.fixture
def edges():
    src, dst = random_edges(200, 1500, seed=11)
    return src, dst


@pytest.mark.parametrize("separator", [" ", "\t", ","])
def test_delimiters_match_networkx(tmp_path, edges, separator):
    src, dst = edges
    path = tmp_path / "graph.txt"
    path.write_text("".join(f"{u}{separator}{v}\n" for u, v in zip(src, dst)))
    ours = load(path, cache=False)
    reference = nx.read_edgelist(
        path, delimiter=separator if separator != " " else None, nodetype=int
    )
    assert ours.n_nodes == reference.number_of_nodes()
    assert ours.n_edges == reference.number_of_edges()
    assert _undirected_pairs(ours) == {tuple(sorted(e, key=str)) for e in reference.edges}


def test_comments_blank_lines_and_ragged_blanks(tmp_path):
    text = "# SNAP-style header\n% another\n\n  1   2\n2\t3 \n# in the middle\n\n3  1\n"
    ours = read_edgelist(_write_text(tmp_path / "g.txt", text))
    assert _undirected_pairs(ours) == {(1, 2), (2, 3), (1, 3)}


def test_comment_line_inside_a_regular_file(tmp_path):
    text = "1 2\n# 9\n2 3\n"
    assert _undirected_pairs(read_edgelist(_write_text(tmp_path / "g.txt", text))) == {
        (1, 2),
        (2, 3),
    }


def test_csv_with_header_and_weights_matches_pandas(tmp_path, edges):
    src, dst = edges
    weights = np.round(np.random.default_rng(0).random(src.size) * 10, 3)
    frame = pd.DataFrame({"from": src, "to": dst, "weight": weights})
    path = tmp_path / "g.csv"
    frame.to_csv(path, index=False)
    ours = load(path, cache=False, directed=True)
    assert ours.is_weighted and ours.directed
    expected = frame.groupby(["from", "to"])["weight"].sum()
    table = ours.edges().set_index(["source", "target"])["weight"]
    assert np.allclose(table.sort_index().to_numpy(), expected.sort_index().to_numpy(), rtol=1e-6)


def test_columns_by_name_and_position(tmp_path):
    path = _write_text(tmp_path / "g.tsv", "w\tb\ta\n0.5\tx\ty\n2\ty\tz\n")
    graph = read_edgelist(path, source_col="a", target_col="b", weight_col="w", directed=True)
    assert graph.edges().values.tolist() == [["y", "x", 0.5], ["z", "y", 2.0]]
    path = _write_text(tmp_path / "h.txt", "x y 3\ny z 4\n")
    graph = read_edgelist(path, weight_col=2)
    assert graph.weights.tolist() == [3.0, 3.0, 4.0, 4.0]


def test_string_ids(tmp_path):
    path = _write_text(tmp_path / "g.txt", "alice bob\nbob carol\n")
    graph = read_edgelist(path)
    assert graph.labels.tolist() == ["alice", "bob", "carol"]
    digits = _write_text(tmp_path / "d.txt", "01 2\n2 3\n")
    assert read_edgelist(digits, ids="str").labels.tolist() == ["01", "2", "3"]
    # "01" and "1" are different ids: a zero-padded id stays the string it was.
    assert read_edgelist(digits).labels.tolist() == ["01", "2", "3"]
    assert read_edgelist(digits, ids="int").labels.tolist() == [1, 2, 3]
    padded = _write_text(tmp_path / "p.txt", "01 1\n1 2\n")
    assert read_edgelist(padded).n_nodes == 3


@pytest.mark.parametrize("compression", ["gz", "bz2", "zst"])
def test_compressed(tmp_path, edges, compression):
    src, dst = edges
    text = "".join(f"{u} {v}\n" for u, v in zip(src, dst))
    path = tmp_path / f"g.txt.{compression}"
    if compression == "zst":
        with pa.output_stream(str(path), compression="zstd") as sink:
            sink.write(text.encode())
    else:
        _write_text(path, text, compression)
    plain = read_edgelist(_write_text(tmp_path / "plain.txt", text))
    assert load(path, cache=False).equals(
        plain.__class__(
            plain.indptr,
            plain.indices,
            directed=False,
            labels=None if plain.has_identity_labels else plain.labels,
            name="g",
        )
    )


def test_directed_vs_undirected(tmp_path):
    path = _write_text(tmp_path / "g.txt", "1 2\n2 1\n2 3\n")
    assert read_edgelist(path).n_edges == 2
    assert read_edgelist(path, directed=True).n_edges == 3


def test_large_file_takes_the_fast_path_and_agrees(tmp_path):
    src, dst = random_edges(20_000, 200_000, seed=5)
    path = tmp_path / "big.txt"
    pd.DataFrame({"s": src, "d": dst}).to_csv(path, sep=" ", header=False, index=False)
    assert read_edgelist(path, directed=True).equals(
        Graph.from_edges(src, dst, directed=True, name="big")
    )


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("text", "options", "line", "message"),
    [
        ("1 2\n3\n4 5\n", {}, 2, "expected at least 2 columns, found 1"),
        ("# c\n1 2\n2 x\n", {"ids": "int"}, 3, "node id 'x' is not an integer"),
        ("1 2 0.5\n2 3 heavy\n", {"weight_col": 2}, 2, "weight 'heavy' is not a number"),
        ("1 2 0.5\n2 3 nan\n", {"weight_col": 2}, 2, "weight 'nan' is not finite"),
        ("1 2 0.5\n\n2 3 inf\n", {"weight_col": 2}, 3, "weight 'inf' is not finite"),
        ("1 2 0.5\n2 3 -1\n", {"weight_col": 2}, 2, "weight '-1' is negative"),
        ("a,b\n1,2\n3\n", {}, 3, "expected at least 2 columns"),
    ],
)
def test_malformed_lines_are_named(tmp_path, text, options, line, message):
    path = _write_text(tmp_path / "bad.txt", text)
    with pytest.raises(GraphFormatError, match=message) as caught:
        load(path, **options)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert isinstance(caught.value, ValueError)
    assert os.listdir(os.environ["GWB_CACHE_DIR"]) == [], "nothing cached for a failed load"


def test_bad_line_deep_in_a_large_compressed_file(tmp_path):
    lines = [f"{i} {i + 1}" for i in range(50_000)]
    lines[41_234] = "7 seven"
    path = _write_text(tmp_path / "g.txt.gz", "\n".join(lines) + "\n", "gz")
    with pytest.raises(GraphFormatError, match=r"g.txt.gz:41235: node id 'seven'"):
        read_edgelist(path, ids="int")


@pytest.mark.parametrize("compression", ["gzip", "bz2", "zstd"])
@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_damaged_compressed_files_name_the_file(tmp_path, compression, damage):
    data = "".join(f"{i} {i + 1}\n" for i in range(20_000)).encode()
    sink = pa.BufferOutputStream()
    with pa.CompressedOutputStream(sink, compression) as stream:
        stream.write(data)
    packed = sink.getvalue().to_pybytes()
    suffix = {"gzip": "gz", "bz2": "bz2", "zstd": "zst"}[compression]
    path = tmp_path / f"g.txt.{suffix}"
    path.write_bytes(packed[: len(packed) - 5] if damage == "truncated" else b"not packed" * 9)
    with pytest.raises(GraphFormatError, match=f"cannot read {compression} data") as caught:
        load(path)
    assert str(caught.value).startswith(f"{path}: ")


def test_missing_file_and_unknown_extension(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.txt"):
        load(tmp_path / "nowhere.txt")
    odd = _write_text(tmp_path / "graph.xyz", "1 2\n")
    with pytest.raises(ValueError, match=r"'.xyz'.*known extensions: .*\.mtx"):
        load(odd)
    with pytest.raises(ValueError, match="unknown format 'bogus'; formats: edgelist"):
        load(odd, format="bogus")


def test_empty_and_binary_files(tmp_path):
    with pytest.raises(GraphFormatError, match="no data lines"):
        read_edgelist(_write_text(tmp_path / "e.txt", "# nothing\n"))
    binary = tmp_path / "b.txt"
    binary.write_bytes(b"\xff\xfe\x00\x01 2\n")
    with pytest.raises(GraphFormatError, match="not UTF-8"):
        read_edgelist(binary)


# ---------------------------------------------------------------- the cache


def test_second_load_is_a_memory_map(tmp_path, edges):
    src, dst = edges
    path = tmp_path / "g.txt"
    path.write_text("".join(f"{u} {v}\n" for u, v in zip(src, dst)))
    first = load(path)
    second = load(path)
    assert isinstance(second.indices.base, np.memmap) or isinstance(second.indices, np.memmap)
    assert second.equals(first)
    # a changed file is parsed again, not served stale from the cache
    path.write_text("1 2\n")
    assert load(path).n_edges == 1
    # different options give a different cache entry
    assert load(path, directed=True).directed


def test_cache_dir_option(tmp_path):
    path = _write_text(tmp_path / "g.txt", "1 2\n")
    load(path, cache_dir=tmp_path / "cache")
    assert [p.suffix for p in (tmp_path / "cache").iterdir()] == [".gwb"]


# ---------------------------------------------------------------- other formats


def test_matrix_market(tmp_path):
    src, dst = random_edges(50, 200, seed=2)
    graph = Graph.from_edges(src, dst, np.arange(1, 201, dtype=float), n_nodes=50)
    scipy.io.mmwrite(tmp_path / "sym.mtx", sp.tril(graph.to_scipy()).tocoo(), symmetry="symmetric")
    again = load(tmp_path / "sym.mtx", cache=False)
    assert not again.directed
    assert np.allclose(again.to_scipy().toarray(), graph.to_scipy().toarray())
    scipy.io.mmwrite(
        tmp_path / "gen.mtx",
        sp.coo_array((np.ones(3), ([0, 1, 2], [1, 2, 0])), shape=(3, 3)),
        field="pattern",
    )
    directed = load(tmp_path / "gen.mtx")
    assert directed.directed and not directed.is_weighted and directed.n_edges == 3


@pytest.mark.parametrize("fmt", ["gml", "graphml", "pajek"])
def test_igraph_formats_match_networkx(tmp_path, fmt):
    reference = nx.les_miserables_graph()
    reference = nx.convert_node_labels_to_integers(reference, label_attribute="name")
    path = tmp_path / f"lesmis.{ {'pajek': 'net'}.get(fmt, fmt) }"
    {"gml": nx.write_gml, "graphml": nx.write_graphml, "pajek": nx.write_pajek}[fmt](
        reference, path
    )
    graph = load(path, cache=False)
    assert graph.n_nodes == 77 and graph.n_edges == reference.number_of_edges()
    assert graph.is_weighted
    assert graph.degree(weighted=True).sum() == pytest.approx(2 * reference.size(weight="weight"))


def test_gml_with_repeated_edges(tmp_path):
    text = (
        'graph [\n directed 0\n node [ id 0 label "a" ]\n node [ id 1 label "b" ]\n'
        ' node [ id 2 label "c" ]\n edge [ source 0 target 1 ]\n'
        " edge [ source 1 target 0 ]\n edge [ source 1 target 2 ]\n]\n"
    )
    graph = load(_write_text(tmp_path / "dup.gml", text))
    assert graph.n_edges == 2
    assert graph.labels.tolist() == ["a", "b", "c"], "GML names come from label"
    assert graph.attributes["id"].tolist() == [0, 1, 2]
    assert graph.neighbors("b").tolist() == ["a", "c"]
    numbered = load(tmp_path / "dup.gml", label_attr="id")
    assert numbered.attributes["label"].tolist() == ["a", "b", "c"]


def test_broken_gml_names_the_file(tmp_path):
    path = _write_text(tmp_path / "broken.gml", "graph [ node [ id 0 ] edge [ source 0 \n")
    with pytest.raises(GraphFormatError, match="broken.gml.*cannot read GML"):
        load(path)


@pytest.mark.parametrize("suffix", [".parquet", ".arrow", ".feather"])
def test_tables(tmp_path, suffix):
    table = pa.table({"src": ["a", "b", "c"], "dst": ["b", "c", "a"], "weight": [1.0, 2.0, 3.0]})
    path = tmp_path / f"edges{suffix}"
    (pq.write_table if suffix == ".parquet" else feather.write_feather)(table, path)
    graph = load(path)
    assert graph.labels.tolist() == ["a", "b", "c"] and graph.is_weighted
    assert graph.degree(weighted=True).tolist() == [4.0, 3.0, 5.0]
    bad = pa.table({"u": [1, 2], "v": [2, 3], "w": [1.0, -2.0]})
    pq.write_table(bad, tmp_path / "bad.parquet")
    with pytest.raises(GraphFormatError, match=r"bad.parquet:2: weight in row 2 is -2.0"):
        load(tmp_path / "bad.parquet", weight_col="w")
    with pytest.raises(GraphFormatError, match="column 'nope' not in the table"):
        load(tmp_path / "bad.parquet", source_col="nope", target_col="v")


def test_objects_and_stores(tmp_path):
    import igraph as ig

    assert load(nx.path_graph(3)).n_edges == 2
    assert load(ig.Graph.Ring(4)).n_edges == 4
    graph = Graph.from_edges([0], [1])
    assert load(graph) is graph
    store = graph.save(tmp_path / "g.gwb")
    assert load(store).equals(graph)
    with pytest.raises(TypeError, match="cannot load a graph from int"):
        load(42)
