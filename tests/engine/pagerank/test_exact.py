"""Exact PPR (power iteration) against networkx and igraph's PRPACK."""

import os

import igraph as ig
import numpy as np
import pytest

import engine
from loaders import Graph
from tests import conftest
from tests.engine.pagerank.graphs import (
    email,
    networkx_ppr,
)
from tests.graphs import TINY_GRAPHS


@pytest.mark.parametrize("directed", [False, True])
def test_exact_matches_networkx_on_email(directed):
    g = email(directed)
    for source in (0, 160, 1004):
        ours = engine.ppr(g, source, method="exact")
        np.testing.assert_allclose(ours, networkx_ppr(g, {source: 1.0}), atol=1e-8)
        assert ours.sum() == pytest.approx(1.0, abs=1e-9)


def test_exact_weighted_seed_set_matches_networkx():
    g = engine.sample("lesmis")
    seeds = {"Valjean": 2.0, "Cosette": 1.0, "Javert": 1.0}
    ours = engine.ppr(g, seeds, alpha=0.2, method="exact")
    expected = networkx_ppr(g, seeds, alpha=0.2, weight="weight")
    np.testing.assert_allclose(ours, expected, atol=1e-8)


def test_exact_matches_igraph_prpack():
    graphs = [engine.sample("karate"), engine.sample("florentine")]  # unweighted, as igraph
    football = os.path.join(conftest.SHARED_DATASETS, "football", "football.gml")
    if os.path.exists(football):
        graphs.append(engine.load(football))
    for g in graphs:
        converted = ig.Graph(
            n=g.n_nodes,
            edges=g.edges()[["source", "target"]].to_numpy()
            if g.has_identity_labels
            else np.column_stack(
                [g.node_ids(g.edges()["source"]), g.node_ids(g.edges()["target"])]
            ),
        )
        for source in (0, 5):
            expected = converted.personalized_pagerank(damping=0.85, reset_vertices=[source])
            np.testing.assert_allclose(
                engine.ppr(g, g.label(source), method="exact"), expected, atol=1e-8
            )


def test_dangling_nodes_return_to_the_seeds():
    g = TINY_GRAPHS["directed"].build()  # node 3 has only a self-loop; add a true sink
    sink = Graph.from_edges([0, 1, 2], [1, 2, 3], directed=True)
    for graph in (g, sink):
        for seeds in (0, {0: 1.0, 2: 3.0}):
            personalization = {0: 1.0} if seeds == 0 else seeds
            np.testing.assert_allclose(
                engine.ppr(graph, seeds, method="exact"),
                networkx_ppr(graph, personalization),
                atol=1e-10,
            )


def test_batch_exact_matches_single_queries():
    g = engine.sample("planted")
    sources = [3, 500, 9999, 7]
    table = engine.ppr_batch(g, sources, method="exact", top_k=15, block_size=3)
    assert table["source"].tolist() == [s for s in sources for _ in range(15)]
    for source in sources:
        single = engine.top_nodes(g, engine.ppr(g, source, method="exact"), 15)
        part = table[table["source"] == source]
        assert part["node"].tolist() == single["node"].tolist()
        np.testing.assert_allclose(part["score"], single["score"], rtol=1e-9)


# ------------------------------------------------------------------ push
