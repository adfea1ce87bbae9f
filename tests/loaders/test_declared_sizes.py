"""Sizes a file declares are checked against the memory limit before anything is allocated.

Hostile files of a few bytes whose headers declare 10⁸ nodes must be refused fast
and without allocating; genuine files (the shared data sets, files written by
scipy and networkx) must still load; ``memory_limit=`` and ``GWB_MEMORY_LIMIT`` override.
"""

import gzip
import resource
import time
import tracemalloc

import networkx as nx
import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
import scipy.io
import scipy.sparse as sp

from loaders import GraphFormatError, InsufficientMemoryError, load, memory
from loaders.formats import read_igraph_format, read_matrix_market, read_table
from tests.conftest import shared_dataset

HOSTILE_MTX = (
    "%%MatrixMarket matrix coordinate pattern general\n"
    "% ten to the eighth nodes, ten to the ninth entries, one line of data\n"
    "100000000 100000000 1000000000\n"
    "1 2\n"
)
HOSTILE_PAJEK = "*Vertices 100000000\n*Edges\n1 2\n"


@pytest.fixture(autouse=True)
def _no_limit_from_the_environment(monkeypatch):
    monkeypatch.delenv(memory.ENV_VAR, raising=False)


def _refused_cheaply(read, path) -> GraphFormatError:
    """Run ``read(path)``, expecting a GraphFormatError within 1 s and < 20 MB allocated."""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(GraphFormatError) as caught:
            read(path)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    rss_growth_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    assert elapsed < 1.0, f"took {elapsed:.2f} s to refuse"
    assert peak < 20e6, f"allocated {peak:,} bytes before refusing"
    assert rss_growth_kib < 100_000, f"peak RSS grew by {rss_growth_kib:,} KiB"
    return caught.value


# ------------------------------------------------------------------ hostile headers


@pytest.mark.parametrize("compression", [None, "gz"])
def test_hostile_matrix_market_is_refused_before_allocating(tmp_path, compression):
    path = tmp_path / ("huge.mtx" + (".gz" if compression else ""))
    if compression:
        with gzip.open(path, "wt") as handle:
            handle.write(HOSTILE_MTX)
    else:
        path.write_text(HOSTILE_MTX)
    error = _refused_cheaply(lambda p: load(p, cache=False), path)
    assert error.path == str(path) and error.line == 3
    message = str(error)
    assert "100,000,000 x 100,000,000 matrix with 1,000,000,000 entries" in message
    assert "bytes" in message and "memory_limit=" in message and "GWB_MEMORY_LIMIT" in message


def test_hostile_dense_matrix_market_is_refused(tmp_path):
    path = tmp_path / "dense.mtx"
    path.write_text("%%MatrixMarket matrix array real general\n200000 200000\n1.0\n")
    error = _refused_cheaply(read_matrix_market, path)
    assert error.line == 2 and "dense 200,000 x 200,000" in str(error)


def test_non_square_size_line_is_refused_with_its_line(tmp_path):
    path = tmp_path / "wide.mtx"
    path.write_text("%%MatrixMarket matrix coordinate pattern general\n%\n3 4 1\n1 2\n")
    error = _refused_cheaply(read_matrix_market, path)
    assert error.line == 3 and "square" in str(error)


def test_hostile_pajek_is_refused_before_allocating(tmp_path):
    path = tmp_path / "huge.net"
    path.write_text(HOSTILE_PAJEK)
    error = _refused_cheaply(lambda p: load(p, cache=False), path)
    assert error.line == 1 and "*Vertices declares 100,000,000 vertices" in str(error)


def test_pajek_vertices_after_network_line_and_comments(tmp_path):
    path = tmp_path / "named.net"
    path.write_text("% a comment\n*Network hostile\n\n*vertices 100000000\n*Arcs\n1 2\n")
    error = _refused_cheaply(lambda p: read_igraph_format(p, "pajek"), path)
    assert error.line == 4


def test_graphml_parse_counts_are_checked(tmp_path):
    path = tmp_path / "huge.graphml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
        '  <graph id="G" edgedefault="undirected"\n'
        '         parse.nodes="100000000" parse.edges="1000000000">\n'
        '    <node id="a"/><node id="b"/><edge source="a" target="b"/>\n'
        "  </graph>\n</graphml>\n"
    )
    error = _refused_cheaply(lambda p: read_igraph_format(p, "graphml"), path)
    assert error.line == 3 and "100,000,000 nodes" in str(error)


def test_gml_file_size_is_checked_against_the_limit(tmp_path):
    path = tmp_path / "graph.gml"
    nx.write_gml(nx.path_graph(50), path)
    error = _refused_cheaply(lambda p: read_igraph_format(p, "gml", memory_limit=1000), path)
    assert error.line is None and "the file holds" in str(error)
    assert read_igraph_format(path, "gml").n_nodes == 50


# ------------------------------------------------------------------ genuine files load


def test_scipy_written_matrix_market_loads(tmp_path):
    matrix = sp.random_array((300, 300), density=0.02, random_state=3, format="coo")
    for symmetry, data in (("general", matrix), ("symmetric", (matrix + matrix.T).tocoo())):
        path = tmp_path / f"{symmetry}.mtx"
        scipy.io.mmwrite(path, data, symmetry=symmetry)
        graph = read_matrix_market(path)
        assert graph.n_nodes == 300
        expected = sp.csr_array(data)
        expected.sum_duplicates()
        assert graph.nnz == expected.nnz


def test_networkx_written_pajek_loads(tmp_path):
    path = tmp_path / "karate.net"
    nx.write_pajek(nx.karate_club_graph(), path)
    graph = load(path, cache=False)
    assert (graph.n_nodes, graph.n_edges) == (34, 78)


@pytest.mark.parametrize(
    ("folder", "file"),
    [
        ("cora", "cora.gml"),
        ("football", "football.gml"),
        ("lgc-ppi-mips", "ppi_mips.graphml"),
        (
            "lgc-sfld-amidohydrolases",
            "sfld_brown_et_al_amidohydrolases_protein_similarities_for_beh.graphml",
        ),
    ],
)
def test_shared_datasets_still_load(folder, file):
    graph = load(shared_dataset(folder, file), cache=False)
    assert graph.n_nodes > 0 and graph.n_edges > 0


# ------------------------------------------------------------------ overrides


def _small_mtx(tmp_path):
    path = tmp_path / "small.mtx"
    scipy.io.mmwrite(path, sp.random_array((1000, 1000), density=0.005, random_state=1))
    return path


def test_memory_limit_argument_overrides(tmp_path):
    path = _small_mtx(tmp_path)
    with pytest.raises(GraphFormatError, match=r"small\.mtx:\d+: .*memory_limit="):
        read_matrix_market(path, memory_limit=10_000)
    with pytest.raises(GraphFormatError, match="over the memory limit"):
        load(path, cache=False, memory_limit="10K")  # load passes it through
    assert read_matrix_market(path, memory_limit="1G").n_nodes == 1000


def test_environment_variable_overrides_and_argument_beats_it(tmp_path, monkeypatch):
    path = _small_mtx(tmp_path)
    monkeypatch.setenv(memory.ENV_VAR, "10000")
    with pytest.raises(GraphFormatError, match="GWB_MEMORY_LIMIT"):
        read_matrix_market(path)
    assert read_matrix_market(path, memory_limit=10**9).n_nodes == 1000


def test_explicit_limits_allow_what_the_default_cap_refuses(tmp_path, monkeypatch):
    # The default lets a header ask for 1 GiB plus 64 bytes per file byte; shrink
    # the allowance so that a genuine graph of isolated nodes exceeds it cheaply.
    monkeypatch.setattr(memory, "READ_ALLOWANCE", 2**20)
    path = tmp_path / "isolated.net"
    path.write_text("*Vertices 100000\n*Edges\n1 2\n")
    with pytest.raises(GraphFormatError, match="default for a file of this size"):
        read_igraph_format(path, "pajek")
    assert read_igraph_format(path, "pajek", memory_limit="100M").n_nodes == 100_000
    monkeypatch.setenv(memory.ENV_VAR, "100M")
    assert read_igraph_format(path, "pajek").n_nodes == 100_000


def test_default_limit_is_at_most_the_available_memory(tmp_path, monkeypatch):
    path = _small_mtx(tmp_path)
    monkeypatch.setattr(memory, "available_memory", lambda: 1000)
    with pytest.raises(GraphFormatError, match=r"1000 bytes \(available memory\)"):
        read_matrix_market(path)


@pytest.mark.parametrize("suffix", [".parquet", ".arrow"])
def test_table_row_count_is_checked(tmp_path, suffix):
    table = pa.table({"source": np.arange(1000), "target": np.arange(1, 1001)})
    path = tmp_path / f"edges{suffix}"
    (pq.write_table if suffix == ".parquet" else feather.write_feather)(table, path)
    with pytest.raises(GraphFormatError, match="declares 1,000 rows"):
        read_table(path, memory_limit=50_000)
    assert read_table(path).n_edges == 1000


# ------------------------------------------------------------------ loaders.memory


def test_available_memory_is_below_the_machine_total():
    total = None
    try:
        with open("/proc/meminfo") as meminfo:
            total = next(int(line.split()[1]) * 1024 for line in meminfo if "MemTotal" in line)
    except OSError:
        pass
    available = memory.available_memory()
    assert available > 0 and (total is None or available <= total)


def test_cgroup_limit_bounds_the_available_memory(tmp_path, monkeypatch):
    (tmp_path / "memory.max").write_text("1000000\n")
    (tmp_path / "memory.current").write_text("600000\n")
    (tmp_path / "memory.stat").write_text("anon 400000\ninactive_file 100000\n")
    monkeypatch.setattr(memory, "_CGROUP_ROOT", tmp_path)
    assert memory._cgroup_room() == 1000000 - (600000 - 100000)
    assert memory.available_memory() == 500000
    (tmp_path / "memory.max").write_text("max\n")
    assert memory._cgroup_room() is None


@pytest.mark.parametrize(
    ("text", "expected"), [("123", 123), ("4k", 4096), ("1.5G", 3 * 2**29), ("2 TiB", 2**41)]
)
def test_parse_size(text, expected):
    assert memory.parse_size(text) == expected


@pytest.mark.parametrize("bad", ["", "lots", "-5", "0"])
def test_bad_limits_are_refused(bad, monkeypatch):
    monkeypatch.setenv(memory.ENV_VAR, bad)
    if bad == "":  # an empty variable means unset
        assert memory.memory_limit()[1] == "available memory"
        return
    with pytest.raises(ValueError, match="GWB_MEMORY_LIMIT"):
        memory.memory_limit()


def test_check_memory_names_need_room_and_parameter():
    with pytest.raises(InsufficientMemoryError) as caught:
        memory.check_memory(5 * 2**30, "fastrp(dim=4096)", parameter="dim", limit="1G")
    error = caught.value
    assert isinstance(error, MemoryError)
    assert (error.needed, error.available, error.parameter) == (5 * 2**30, 2**30, "dim")
    assert "5.0 GiB" in str(error) and "1.0 GiB" in str(error) and "lower dim" in str(error)
