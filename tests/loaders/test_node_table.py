"""Node tables joined onto edge lists: ids, labels, typed attributes, missing nodes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loaders import Graph, GraphFormatError, open_store, read_edgelist
from loaders.node_table import attach_node_table, read_node_table


def _gephi_files(tmp_path):
    edges = tmp_path / "edges.csv"
    edges.write_text("Source,Target,Weight\nann,bo,2\nbo,cy,1\n")
    nodes = tmp_path / "nodes.csv"
    nodes.write_text(
        "Id,Label,team,score,active\n"
        'ann,"Ann A.",red,1.5,true\n'
        "bo,Bo,blue,2,false\n"
        "cy,Cy,red,,true\n"
        "dee,Dee,green,4,false\n"
    )
    return edges, nodes


def test_gephi_node_table(tmp_path):
    edges, nodes = _gephi_files(tmp_path)
    graph = attach_node_table(read_edgelist(edges), nodes)
    assert graph.labels.tolist() == ["ann", "bo", "cy", "dee"], "dee is an isolated node"
    assert graph.degree().tolist() == [1, 2, 1, 0]
    attributes = graph.attributes
    assert attributes["label"].tolist() == ["Ann A.", "Bo", "Cy", "Dee"]
    assert attributes["team"].tolist() == ["red", "blue", "red", "green"]
    assert attributes["score"].dtype.kind == "f", "numbers stay numbers"
    assert np.isnan(attributes["score"][2])
    assert attributes["active"].tolist() == [True, False, True, False]
    assert "node table" in graph.provenance


def test_integer_ids_and_a_parquet_table(tmp_path):
    edges = tmp_path / "edges.txt"
    edges.write_text("10 20\n20 30\n")
    nodes = tmp_path / "nodes.parquet"
    pd.DataFrame({"node": [30, 10, 20, 40], "group": [1, 2, 2, 3]}).to_parquet(nodes)
    graph = attach_node_table(read_edgelist(edges), nodes)
    assert graph.labels.tolist() == [10, 20, 30, 40]
    assert graph.attributes["group"].tolist() == [2, 2, 1, 3]
    assert graph.attributes["group"].dtype.kind == "i"


def test_unlisted_endpoints_are_counted_in_a_warning(tmp_path):
    edges = tmp_path / "edges.txt"
    edges.write_text("a b\nb c\nc d\n")
    nodes = tmp_path / "nodes.csv"
    nodes.write_text("id,kind\na,x\nb,y\n")
    with pytest.warns(UserWarning, match="2 of the graph's 4 nodes are not in the node table"):
        graph = attach_node_table(read_edgelist(edges), nodes)
    assert graph.attributes["kind"].tolist() == ["x", "y", None, None]


def test_repeated_and_mistyped_ids_are_refused(tmp_path):
    nodes = tmp_path / "nodes.csv"
    nodes.write_text("id,kind\na,x\na,y\n")
    with pytest.raises(GraphFormatError, match="'a' appears more than once"):
        read_node_table(nodes)
    nodes.write_text("id,kind\nalpha,x\n")
    with pytest.raises(GraphFormatError, match="integers but the table's ids are not"):
        attach_node_table(Graph.from_edges([1], [2]), nodes)


def test_zero_padded_ids_match_the_edge_list(tmp_path):
    edges = tmp_path / "edges.txt"
    edges.write_text("007 7\n")
    nodes = tmp_path / "nodes.csv"
    nodes.write_text("id,who\n007,bond\n7,other\n")
    graph = attach_node_table(read_edgelist(edges), nodes)
    assert dict(zip(graph.labels.tolist(), graph.attributes["who"].tolist())) == {
        "007": "bond",
        "7": "other",
    }


def test_attributes_survive_the_store(tmp_path):
    edges, nodes = _gephi_files(tmp_path)
    graph = attach_node_table(read_edgelist(edges), nodes)
    reopened = open_store(graph.save(tmp_path / "g.gwb"))
    assert reopened.labels.tolist() == graph.labels.tolist()
    for key, values in graph.attributes.items():
        assert pd.Series(reopened.attributes[key]).equals(pd.Series(values)), key


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("kind", ["strings", "ints"])
def test_what_gwb_writes_loads_back_equal(tmp_path, suffix, kind):
    """Edge and node tables written from a graph (pandas, as a user would) load back equal."""
    from loaders import load

    names = ["ann", "bo", "cy", "dee", "Zoë"] if kind == "strings" else [10, 20, 30, 40, 50]
    graph = Graph.from_edges(
        [names[0], names[1], names[2]],
        [names[1], names[2], names[0]],
        [1.5, 2.0, 0.25],
        nodes=names,  # names[3:] are isolated
    ).with_attributes(team=np.array(["r", "b", "r", "g", "b"], dtype=object), age=np.arange(5.0))
    edges, nodes = tmp_path / f"edges{suffix}", tmp_path / f"nodes{suffix}"
    write = "to_csv" if suffix == ".csv" else "to_parquet"
    getattr(graph.edges(), write)(edges, index=False)
    getattr(graph.nodes(), write)(nodes, index=False)
    loaded = load(edges, nodes=nodes, cache=False)
    order = [loaded.node_id(name) for name in graph.labels.tolist()]
    assert loaded.labels[order].tolist() == graph.labels.tolist()
    assert loaded.subgraph(graph.labels.tolist()).edges().equals(graph.edges())
    for key in ("team", "age"):
        assert loaded.attributes[key][order].tolist() == graph.attributes[key].tolist()
