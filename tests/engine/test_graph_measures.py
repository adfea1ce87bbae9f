"""The graph measures in networkx's conventions, called on the engine directly:
:mod:`engine.pagerank_power`, :mod:`engine.triangles`, :mod:`engine.clustering_coefficient`,
:mod:`engine.square_clustering`, :mod:`engine.cuts`, :mod:`engine.jaccard`, and the
``weights`` argument they share (:mod:`engine.edge_weights`). The networkx backend's
tests (tests/app/test_networkx_backend.py) hold them to networkx on many graph families;
these hold the engine's own contract: results by node id, float64 weights taken exactly,
the graph's float32 ones to float32 precision, input checks, caches per weights array."""

from __future__ import annotations

import random
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from checks import numba_cache
from engine import cuts, edge_weights, jaccard, pagerank_power
from engine.clustering_coefficient import average_clustering, clustering
from engine.square_clustering import square_clustering
from engine.triangles import transitivity, triangles
from loaders import Graph


def _weighted(G: nx.Graph, seed: int) -> nx.Graph:
    rng = random.Random(seed)
    for u, v in G.edges:
        G[u][v]["weight"] = rng.uniform(0.1, 3.0)  # not exact in float32
    return G


UNDIRECTED = _weighted(nx.barabasi_albert_graph(120, 3, seed=1), 1)
UNDIRECTED.add_edges_from([(5, 5, {"weight": 2.0}), (9, 9, {"weight": 0.5})])
DIRECTED = _weighted(nx.gnp_random_graph(90, 0.06, seed=2, directed=True), 2)


def _graph(G: nx.Graph) -> Graph:
    """``G`` as an engine graph, ids in ``G``'s node order, float32 weights. (Not
    ``Graph.from_networkx``, whose COO read keeps networkx's negative diagonal entries
    for weighted self-loops of an undirected graph.)"""
    src, dst, weight = zip(*G.edges(data="weight"))
    return Graph.from_edges(src, dst, weight, directed=G.is_directed(), n_nodes=len(G), name="test")


def _squares_without_self_loops(G: nx.Graph) -> dict:
    simple = nx.Graph(G)
    simple.remove_edges_from(list(nx.selfloop_edges(simple)))
    return nx.square_clustering(simple)


def _float64_weights(G: nx.Graph, g: Graph) -> np.ndarray:
    """``G``'s weights aligned with ``g.indices``, in float64 (ids are G's node order)."""
    rows = np.repeat(np.arange(g.n_nodes), np.diff(g.indptr))
    return np.array([G[u][v]["weight"] for u, v in zip(rows.tolist(), g.indices.tolist())])


@pytest.mark.parametrize("G", [UNDIRECTED, DIRECTED], ids=["undirected", "directed"])
def test_float64_weights_give_networkx_results_and_float32_ones_come_close(G):
    g = _graph(G)
    exact = _float64_weights(G, g)
    expected = nx.pagerank(G)
    for weights, tol in ((exact, 1e-12), (True, 1e-7)):
        ours = pagerank_power.pagerank(g, weights=weights)
        assert np.allclose(ours, [expected[v] for v in G], rtol=0, atol=tol)
        ours = clustering(g, weights)
        theirs = nx.clustering(G, weight="weight")
        assert np.allclose(ours, [theirs[v] for v in G], rtol=tol, atol=0)
    unweighted = nx.clustering(G)
    assert clustering(g).tolist() == [unweighted[v] for v in G]
    assert transitivity(g) == nx.transitivity(G)


def test_undirected_counts_equal_networkx():
    G = UNDIRECTED
    g = _graph(G)
    assert triangles(g).tolist() == [nx.triangles(G)[v] for v in G]
    # networkx ignores self-loops in squares since 3.5, as square_clustering does.
    assert square_clustering(g).tolist() == [_squares_without_self_loops(G)[v] for v in G]
    some = square_clustering(g, [7, 3]).tolist()
    assert some == [_squares_without_self_loops(G)[v] for v in (7, 3)]
    ids = [3, 8, 40]
    assert average_clustering(g, ids) == pytest.approx(nx.average_clustering(G, ids), rel=1e-15)
    pairs = [(0, 1), (5, 7), (9, 9), (3, 100)]
    scores = jaccard.jaccard_pairs(g, *zip(*pairs))
    assert scores.tolist() == [s for _, _, s in nx.jaccard_coefficient(G, pairs)]


@pytest.mark.parametrize("G", [UNDIRECTED, DIRECTED], ids=["undirected", "directed"])
def test_cuts_equal_networkx(G):
    g = _graph(G)
    exact = _float64_weights(G, g)
    S, T = list(range(0, 30)), list(range(25, 70))
    for weights, weight in ((None, None), (exact, "weight")):
        assert cuts.volume(g, S, weights) == pytest.approx(nx.volume(G, S, weight), rel=1e-14)
        ours = cuts.cut_size(g, S, T, weights)
        assert ours == pytest.approx(nx.cut_size(G, S, T, weight), rel=1e-14)
        ours = cuts.conductance(g, S, T, weights)
        assert ours == pytest.approx(nx.conductance(G, S, T, weight), rel=1e-14)
        if not G.is_directed():  # networkx 3.6 raises TypeError for a directed cut without T
            ours = cuts.conductance(g, S, weights=weights)
            assert ours == pytest.approx(nx.conductance(G, S, weight=weight), rel=1e-14)


def test_pagerank_options_take_networkx_steps():
    G = DIRECTED
    g = _graph(G)
    n = len(G)
    p, start, sink = (np.random.default_rng(k).random(n) for k in range(3))
    ours = pagerank_power.pagerank(
        g, 0.7, personalization=p, start=start, dangling=sink, weights=False, tol=1e-9
    )
    theirs = nx.pagerank(
        G,
        0.7,
        personalization=dict(enumerate(p)),
        nstart=dict(enumerate(start)),
        dangling=dict(enumerate(sink)),
        weight=None,
        tol=1e-9,
    )
    assert np.allclose(ours, [theirs[v] for v in G], rtol=0, atol=1e-15)


def test_pagerank_raises_where_it_does_not_converge():
    g = _graph(DIRECTED)
    with pytest.raises(pagerank_power.ConvergenceError) as error:
        pagerank_power.pagerank(g, max_iter=2, tol=1e-15)
    assert error.value.max_iter == 2
    assert pagerank_power.pagerank(Graph.from_networkx(nx.DiGraph())).shape == (0,)


BAD_CALLS = {
    "damping": (lambda g: pagerank_power.pagerank(g, 1.5), "damping"),
    "personalization sum": (
        lambda g: pagerank_power.pagerank(g, personalization=np.zeros(g.n_nodes)),
        "personalization",
    ),
    "start shape": (lambda g: pagerank_power.pagerank(g, start=np.ones(3)), "start"),
    "tol": (lambda g: pagerank_power.pagerank(g, tol=-1), "tol"),
    "weights dtype": (lambda g: clustering(g, np.ones(g.nnz, np.float32)), "float64"),
    "weights shape": (lambda g: cuts.volume(g, [0], np.ones(3)), "one per CSR entry"),
    "weights finite": (lambda g: cuts.volume(g, [0], np.full(g.nnz, np.nan)), "finite"),
    "ids": (lambda g: cuts.cut_size(g, [0, g.n_nodes]), "S must be node ids"),
    "square ids": (lambda g: square_clustering(g, [-1]), "ids must be node ids"),
    "average ids": (lambda g: average_clustering(g, [g.n_nodes]), "ids must be node ids"),
    "pairs": (lambda g: jaccard.jaccard_pairs(g, [0, 1], [2]), "one length"),
}


@pytest.mark.parametrize("name", BAD_CALLS)
def test_bad_arguments_are_value_errors_naming_them(name):
    call, words = BAD_CALLS[name]
    with pytest.raises(ValueError, match=words):
        call(_graph(UNDIRECTED))


@pytest.mark.parametrize(
    "call",
    [triangles, square_clustering, lambda g: jaccard.jaccard_pairs(g, [0], [1])],
    ids=["triangles", "square_clustering", "jaccard"],
)
def test_undirected_measures_refuse_directed_graphs(call):
    with pytest.raises(ValueError, match="undirected"):
        call(_graph(DIRECTED))


def test_a_side_without_volume_divides_by_zero_as_networkx_does():
    g = Graph.from_networkx(nx.empty_graph(3))
    with pytest.raises(ZeroDivisionError):
        cuts.conductance(g, [0])


def test_derived_state_is_kept_per_weights_array_not_per_values():
    g = _graph(UNDIRECTED)
    ones, twos = np.ones(g.nnz), np.full(g.nnz, 2.0)
    assert pagerank_power.transition(g, ones) is pagerank_power.transition(g, ones)
    assert pagerank_power.transition(g, twos) is not pagerank_power.transition(g, ones)
    assert cuts.volume(g, [0], twos) == 2 * cuts.volume(g, [0], ones)
    # An array that dies takes its entry with it; a new one at the same address is new.
    transient = np.full(g.nnz, 3.0)
    first = cuts.conductance(g, list(range(10)), weights=transient)
    del transient
    assert cuts.conductance(g, list(range(10)), weights=np.full(g.nnz, 3.0)) == first
    assert edge_weights.edge_weights(g, False) is None


def test_kernels_are_stamped_by_the_project_numba_cache():
    engine = Path(numba_cache.__file__).resolve().parents[1] / "engine"
    names = ("pagerank_power", "triangles", "clustering_coefficient", "square_clustering")
    for name in (*names, "cuts", "jaccard"):
        assert numba_cache.key_of(str(engine / f"{name}_kernels.py")) is not None
