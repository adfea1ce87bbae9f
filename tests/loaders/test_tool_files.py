"""Files written by the tools analysts use load, at the defaults, as the graph they wrote.

Each test writes a file with the real writer (networkx, igraph, pandas), or by
hand from a format's documentation (KONECT, Gephi), over several graph families,
and compares names, edges and weights with the graph that was written.
"""

from __future__ import annotations

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from loaders import GraphFormatError, load


def _families() -> dict[str, nx.Graph]:
    strings = nx.Graph()
    strings.add_weighted_edges_from(
        [("alice", "bob", 1.5), ("bob", "Zoë", 2.0), ("Zoë", "東京", 0.25), ("東京", "alice", 3.0)]
    )
    sparse = nx.Graph()
    sparse.add_weighted_edges_from([(10, 1000, 2), (1000, 99999, 5), (99999, 10, 1), (7, 10, 3)])
    directed = nx.DiGraph()
    directed.add_weighted_edges_from([(1, 2, 4), (2, 1, 1), (2, 3, 7), (3, 1, 2)])
    loops = nx.Graph()
    loops.add_weighted_edges_from([(0, 0, 2.5), (0, 1, 1.0), (1, 2, 0.5), (2, 2, 1.0)])
    mixed = nx.Graph()  # int and float weights: networkx's GraphML declares two keys
    mixed.add_weighted_edges_from([("a", "b", 1), ("b", "c", 2.5), ("c", "d", 4)])
    return {
        "strings": strings,
        "sparse-ints": sparse,
        "directed": directed,
        "self-loops": loops,
        "mixed-weights": mixed,
    }


def _with_isolated(graph: nx.Graph) -> nx.Graph:
    graph = graph.copy()
    graph.add_node("loner" if any(isinstance(v, str) for v in graph) else 424242)
    return graph


FAMILIES = _families()


def _expected(graph: nx.Graph, weighted: bool) -> dict:
    edges = {}
    for u, v, data in graph.edges(data=True):
        key = (str(u), str(v)) if graph.is_directed() else frozenset((str(u), str(v)))
        edges[key] = float(data["weight"]) if weighted else None
    return edges


def _loaded(ours, weighted: bool) -> dict:
    table = ours.edges()
    edges = {}
    for row in table.itertuples(index=False):
        u, v = str(row.source), str(row.target)
        key = (u, v) if ours.directed else frozenset((u, v))
        edges[key] = float(row.weight) if weighted else None
    return edges


def _check(ours, graph: nx.Graph, weighted: bool = True, nodes: bool = False) -> None:
    assert ours.directed == graph.is_directed()
    if nodes:
        assert sorted(map(str, ours.labels.tolist())) == sorted(map(str, graph.nodes))
    assert (ours.weights is not None) == weighted, "weights lost or invented"
    assert _loaded(ours, weighted) == _expected(graph, weighted)
    if all(isinstance(node, int) for node in graph.nodes):
        assert ours.labels.dtype.kind == "i", "integer names read as strings"


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_networkx_weighted_edgelist(tmp_path, family):
    graph = FAMILIES[family]
    path = tmp_path / "g.edgelist"
    nx.write_weighted_edgelist(graph, path)
    _check(load(path, directed=graph.is_directed(), cache=False), graph)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_networkx_edgelist_with_its_data_dicts(tmp_path, family):
    graph = FAMILIES[family]
    path = tmp_path / "g.edgelist"
    nx.write_edgelist(graph, path)  # "u v {'weight': 1.5}"
    _check(load(path, directed=graph.is_directed(), cache=False), graph)
    nx.write_edgelist(graph, path, data=False)
    _check(load(path, directed=graph.is_directed(), cache=False), graph, weighted=False)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_igraph_ncol(tmp_path, family):
    graph = FAMILIES[family]
    if family == "strings":  # igraph's NCOL writer refuses non-ASCII names
        graph = nx.relabel_nodes(graph, {"Zoë": "Zoe", "東京": "Tokyo"})
    path = tmp_path / "g.ncol"
    written = ig.Graph.from_networkx(graph)
    written.vs["name"] = [str(name) for name in written.vs["_nx_name"]]
    written.write_ncol(str(path), names="name", weights="weight")
    _check(load(path, directed=graph.is_directed(), cache=False), graph)


@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("index", [True, False])
def test_pandas_csv(tmp_path, family, index):
    graph = FAMILIES[family]
    path = tmp_path / "g.csv"
    nx.to_pandas_edgelist(graph).to_csv(path, index=index)
    _check(load(path, directed=graph.is_directed(), cache=False), graph)


def test_konect_header_sets_direction_weights_and_nodes(tmp_path):
    path = tmp_path / "out.example"
    path.write_text("% asym positive\n% 3 5 5\n1 2 3\n2 3 1\n4 1 2\n")
    graph = load(path, format="edgelist", cache=False)
    assert graph.directed
    assert graph.labels.tolist() == [1, 2, 3, 4, 5], "node 5 is declared, isolated"
    assert graph.edges()["weight"].tolist() == [3.0, 1.0, 2.0]
    assert "KONECT" in graph.provenance["weights"]
    unweighted = tmp_path / "out.plain"
    unweighted.write_text("% sym unweighted\n% 2 3 3\n1 2 1\n2 3 1\n")
    graph = load(unweighted, format="edgelist", cache=False)
    assert not graph.directed and graph.weights is None


def test_konect_bipartite_numbers_the_right_side_after_the_left(tmp_path):
    path = tmp_path / "out.bip"
    path.write_text("% bip unweighted\n% 3 2 3\n1 1\n1 3\n2 2\n")
    graph = load(path, format="edgelist", cache=False)
    pairs = sorted(map(tuple, graph.edges()[["source", "target"]].values.tolist()))
    assert pairs == [(1, 3), (1, 5), (2, 4)]
    assert graph.n_nodes == 5


def test_konect_sizes_are_checked(tmp_path):
    path = tmp_path / "out.bad"
    path.write_text("% sym unweighted\n% 4 3 3\n1 2\n2 3\n")
    with pytest.raises(GraphFormatError, match="declares 4 edges; the file has 2") as caught:
        load(path, format="edgelist", cache=False)
    assert caught.value.line == 2


def test_gephi_edge_table(tmp_path):
    header = "Source,Target,Type,Id,Label,timeset,Weight\n"
    undirected = tmp_path / "undirected.csv"
    undirected.write_text(header + "a,b,Undirected,0,,,2.0\nb,c,Undirected,1,,,1.0\n")
    graph = load(undirected, cache=False)
    assert not graph.directed
    assert graph.edges()["weight"].tolist() == [2.0, 1.0]
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(header + "a,b,Directed,0,,,2.0\nb,c,Undirected,1,,,1.0\n")
    with pytest.warns(UserWarning, match="1 of 2 rows are Undirected"):
        graph = load(mixed, cache=False)
    assert graph.directed
    pairs = sorted(map(tuple, graph.edges()[["source", "target"]].values.tolist()))
    assert pairs == [("a", "b"), ("b", "c"), ("c", "b")]


def test_a_third_column_of_times_is_ignored_with_a_warning(tmp_path):
    path = tmp_path / "temporal.txt"
    path.write_text("1 2 1217567877\n2 3 1217573000\n")
    with pytest.warns(UserWarning, match="Unix timestamps"):
        graph = load(path, cache=False)
    assert graph.weights is None
    assert "Unix timestamps" in graph.provenance["ignored"]
    assert load(path, weight_col=2, cache=False).weights is not None


def test_a_mostly_numeric_third_column_names_the_line(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("1 2 0.5\n2 3 1.5\n3 4 heavy\n4 5 2\n")
    with pytest.raises(GraphFormatError, match="'heavy'") as caught:
        load(path, cache=False)
    assert caught.value.line == 3
    assert load(path, weight_col=None, cache=False).weights is None


def test_auto_weights_show_in_repr(tmp_path):
    path = tmp_path / "g.txt"
    path.write_text("1 2 0.5\n2 3 1.5\n")
    graph = load(path, cache=False)
    assert graph.provenance["weights"] == "column 3"
    assert np.allclose(graph.edges()["weight"], [0.5, 1.5])
    frame = pd.DataFrame({"a": [1]})
    assert frame is not None


# ---------------------------------------------------------------- formats that name nodes


@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("fmt", ["gml", "graphml", "pajek"])
def test_networkx_writers(tmp_path, family, fmt):
    graph = _with_isolated(FAMILIES[family])
    path = tmp_path / f"g.{'net' if fmt == 'pajek' else fmt}"
    getattr(nx, f"write_{fmt}")(graph, path)
    _check(load(path, cache=False), graph, nodes=True)


@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("fmt", ["gml", "graphml", "pajek"])
def test_igraph_writers(tmp_path, family, fmt):
    graph = _with_isolated(FAMILIES[family])
    written = ig.Graph.from_networkx(graph)
    written.vs["name"] = [str(name) for name in written.vs["_nx_name"]]
    del written.vs["_nx_name"]
    path = tmp_path / f"g.{'net' if fmt == 'pajek' else fmt}"
    getattr(written, f"write_{fmt}")(str(path))
    _check(load(path, cache=False), graph, nodes=True)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_scipy_matrix_market(tmp_path, family):
    import scipy.io

    graph = FAMILIES[family]
    order = list(graph.nodes)
    path = tmp_path / "g.mtx"
    scipy.io.mmwrite(path, nx.to_scipy_sparse_array(graph, nodelist=order))
    numbered = nx.relabel_nodes(graph, {node: k for k, node in enumerate(order)})
    ours = load(path, cache=False)
    if not graph.is_directed():
        assert not ours.directed, "a symmetric matrix is an undirected graph"
    _check(ours, numbered, nodes=True)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_pandas_parquet(tmp_path, family):
    graph = FAMILIES[family]
    path = tmp_path / "g.parquet"
    nx.to_pandas_edgelist(graph).to_parquet(path)
    _check(load(path, directed=graph.is_directed(), cache=False), graph)


def test_polbooks_and_lesmis_have_their_names():
    from tests.conftest import shared_dataset

    polbooks = load(shared_dataset("polbooks", "polbooks.gml"))
    assert "1000 Years for Revenge" in set(polbooks.labels.tolist())
    assert polbooks.attributes["id"].tolist() == list(range(105))
    lesmis = load(shared_dataset("lesmis", "lesmis.gml"))
    assert "Valjean" in set(lesmis.labels.tolist())
    reference = nx.read_gml(shared_dataset("lesmis", "lesmis.gml"))
    assert sorted(lesmis.labels.tolist()) == sorted(reference.nodes)


def test_parquet_tables_with_awkward_column_types(tmp_path):
    path = tmp_path / "g.parquet"
    pd.DataFrame({"source": [1.0, 2.0], "target": [2.0, 3.0]}).to_parquet(path)
    assert load(path, cache=False).labels.tolist() == [1, 2, 3]
    pd.DataFrame({"source": [1, 2], "target": ["b", "c"]}).to_parquet(path)
    assert load(path, cache=False).labels.tolist() == ["1", "2", "b", "c"]
    pd.DataFrame({"source": [1.5, 2.0], "target": [2.0, 3.0]}).to_parquet(path)
    with pytest.raises(GraphFormatError, match=r"g.parquet:1: column 'source' holds the node id"):
        load(path, cache=False)
    pd.DataFrame({"source": [[1], [2]], "target": [2, 3]}).to_parquet(path)
    with pytest.raises(GraphFormatError, match=r"g.parquet: column 'source' holds list"):
        load(path, cache=False)
