"""The networkx backend ``gwb`` against networkx itself, on graph families that differ in
what each convention decides: direction, weights, isolated nodes, self-loops, labels that
are not ints, no nodes at all. Every expected value is networkx's own, computed without
the backend."""

from __future__ import annotations

import logging
import random

import networkx as nx
import pytest

from app.networkx_backend.clustering import SQUARES_COUNT_SELF_LOOPS
from app.networkx_backend.graph import BackendGraph
from app.networkx_backend.interface import SMALL_GRAPH_EDGES, backend_interface

# networkx warns on each reuse of a converted graph; reusing it is what we test.
pytestmark = pytest.mark.filterwarnings("ignore:Note. conversions to backend graphs")


def _weighted(G: nx.Graph, seed: int) -> nx.Graph:
    rng = random.Random(seed)
    for u, v in G.edges:
        G[u][v]["weight"] = rng.choice([0.5, 1.0, 2.0, 3.25])
    return G


def _with_self_loops(G: nx.Graph) -> nx.Graph:
    G.add_edges_from((v, v, {"weight": 1.5}) for v in list(G)[::7])
    return G


def _undirected() -> dict[str, nx.Graph]:
    isolated = nx.barabasi_albert_graph(80, 2, seed=3)
    isolated.add_nodes_from(range(80, 90))
    return {
        "karate": nx.karate_club_graph(),  # weighted
        "ba": _weighted(nx.barabasi_albert_graph(150, 3, seed=1), 1),
        "isolated": isolated,
        "self_loops": _with_self_loops(_weighted(nx.barabasi_albert_graph(100, 3, seed=2), 2)),
        "strings": nx.relabel_nodes(
            _weighted(nx.gnp_random_graph(70, 0.1, seed=4), 4), lambda v: f"node {v}"
        ),
        "tuples": nx.grid_2d_graph(6, 7),
        "no_edges": nx.empty_graph(5),
        "empty": nx.Graph(),
    }


def _directed() -> dict[str, nx.DiGraph]:
    dangling = nx.gnp_random_graph(60, 0.06, seed=5, directed=True)  # nodes without out-arcs
    return {
        "digraph": _weighted(nx.gnp_random_graph(80, 0.08, seed=6, directed=True), 6),
        "dangling": dangling,
        "directed_loops": _with_self_loops(
            _weighted(nx.gnp_random_graph(90, 0.05, seed=7, directed=True), 7)
        ),
        "directed_empty": nx.DiGraph(),
    }


UNDIRECTED = _undirected()
DIRECTED = _directed()
ALL = {**UNDIRECTED, **DIRECTED}


def _close(ours: dict, theirs: dict, tol: float) -> None:
    assert list(ours) == list(theirs)
    for node, value in theirs.items():
        assert ours[node] == pytest.approx(value, abs=tol), node


# ------------------------------------------------------------------ pagerank


PAGERANK_CASES = {
    "default": {},
    "unweighted": {"weight": None},
    "alpha": {"alpha": 0.5},
    "personalized": {"personalization": "first"},
    "dangling": {"dangling": "last"},
    "nstart": {"nstart": "first"},
    "high_damping": {"alpha": 0.99},
}


def _pagerank_arguments(G, case: str) -> dict:
    kwargs = dict(PAGERANK_CASES[case])
    nodes = list(G)
    for key, value in kwargs.items():
        if value == "first":
            kwargs[key] = {v: 1.0 + i % 3 for i, v in enumerate(nodes[:5])}
        elif value == "last":
            kwargs[key] = {v: 1.0 for v in nodes[-3:]}
    return {"tol": 1e-12, "max_iter": 1000, **kwargs}


@pytest.mark.parametrize("case", sorted(PAGERANK_CASES))
@pytest.mark.parametrize("name", sorted(ALL))
def test_pagerank_equals_networkx(name, case):
    G = ALL[name]
    if not len(G) and case in ("nstart", "dangling", "personalized"):
        pytest.skip("no node to personalize on")
    kwargs = _pagerank_arguments(G, case)
    _close(nx.pagerank(G, backend="gwb", **kwargs), nx.pagerank(G, **kwargs), 1e-9)


@pytest.mark.parametrize("name", sorted(ALL))
def test_pagerank_takes_networkx_steps(name):
    """The same start, update and stopping rule: equal to rounding, not only within tol."""
    G = ALL[name]
    _close(nx.pagerank(G, backend="gwb"), nx.pagerank(G), 1e-13)


def test_pagerank_errors_are_networkx_errors():
    G = nx.karate_club_graph()
    with pytest.raises(nx.PowerIterationFailedConvergence):
        nx.pagerank(G, max_iter=0, backend="gwb")
    with pytest.raises(nx.PowerIterationFailedConvergence):
        nx.pagerank(G, max_iter=3, tol=1e-15, backend="gwb")
    with pytest.raises(ZeroDivisionError):
        nx.pagerank(G, personalization={0: 0}, backend="gwb")


# ------------------------------------------------------------------ triangles, clustering


@pytest.mark.parametrize("name", sorted(UNDIRECTED))
def test_triangle_functions_equal_networkx(name):
    G = UNDIRECTED[name]
    assert nx.triangles(G, backend="gwb") == nx.triangles(G)
    assert nx.clustering(G, backend="gwb") == nx.clustering(G)
    assert nx.transitivity(G, backend="gwb") == nx.transitivity(G)
    if SQUARES_COUNT_SELF_LOOPS and nx.number_of_selfloops(G):
        # networkx before 3.5 counts self-loops in squares; gwb leaves that to it.
        with pytest.raises(NotImplementedError):
            nx.square_clustering(G, backend="gwb")
        G = nx.Graph(G)
        G.remove_edges_from(list(nx.selfloop_edges(G)))
    assert nx.square_clustering(G, backend="gwb") == nx.square_clustering(G)
    if len(G):
        assert nx.average_clustering(G, backend="gwb") == pytest.approx(
            nx.average_clustering(G), abs=1e-12
        )
        some = list(G)[::3]
        assert nx.triangles(G, some, backend="gwb") == nx.triangles(G, some)
        assert nx.clustering(G, some, backend="gwb") == nx.clustering(G, some)
        assert list(nx.square_clustering(G, some + some[:2], backend="gwb").items()) == list(
            nx.square_clustering(G, some + some[:2]).items()
        )
        first = next(iter(G))
        assert nx.triangles(G, first, backend="gwb") == nx.triangles(G, first)
        assert nx.clustering(G, first, backend="gwb") == nx.clustering(G, first)
        assert nx.square_clustering(G, first, backend="gwb") == nx.square_clustering(G, first)


@pytest.mark.parametrize("name", sorted(UNDIRECTED))
def test_weighted_clustering_equals_networkx(name):
    """Cube roots summed in another order: equal to the last bits, not always to the bit."""
    G = UNDIRECTED[name]
    _close(
        nx.clustering(G, weight="weight", backend="gwb"), nx.clustering(G, weight="weight"), 1e-14
    )
    if len(G):
        ours = nx.average_clustering(G, weight="weight", backend="gwb")
        assert ours == pytest.approx(nx.average_clustering(G, weight="weight"), abs=1e-14)


@pytest.mark.parametrize("name", sorted(DIRECTED))
def test_directed_clustering_equals_networkx(name):
    G = DIRECTED[name]
    assert nx.clustering(G, backend="gwb") == nx.clustering(G)
    assert nx.transitivity(G, backend="gwb") == nx.transitivity(G)
    if len(G):
        # The mean sums in another order than Python's sum(): equal to rounding.
        ours = nx.average_clustering(G, backend="gwb")
        assert ours == pytest.approx(nx.average_clustering(G), rel=1e-14)
        some = list(G)[::4]
        assert nx.clustering(G, some, backend="gwb") == nx.clustering(G, some)
    ours = nx.clustering(G, weight="weight", backend="gwb")
    _close(ours, nx.clustering(G, weight="weight"), 1e-14)


@pytest.mark.parametrize("count_zeros", [True, False])
def test_average_clustering_options(count_zeros):
    G = UNDIRECTED["isolated"]
    nodes = list(G)[5:40]
    ours = nx.average_clustering(G, nodes, count_zeros=count_zeros, backend="gwb")
    assert ours == pytest.approx(nx.average_clustering(G, nodes, count_zeros=count_zeros))


def test_empty_graph_average_clustering_divides_by_zero_as_networkx_does():
    with pytest.raises(ZeroDivisionError):
        nx.average_clustering(nx.Graph())
    with pytest.raises(ZeroDivisionError):
        nx.average_clustering(nx.Graph(), backend="gwb")


# ------------------------------------------------------------------ jaccard


@pytest.mark.parametrize("name", sorted(UNDIRECTED))
def test_jaccard_equals_networkx(name):
    G = UNDIRECTED[name]
    nodes = list(G)
    rng = random.Random(0)
    pairs = [(rng.choice(nodes), rng.choice(nodes)) for _ in range(200)] if nodes else []
    pairs += list(G.edges)[:20]  # edges and, with self-loops, a node with itself
    ours = list(nx.jaccard_coefficient(G, pairs, backend="gwb"))
    theirs = list(nx.jaccard_coefficient(G, pairs))
    assert [(u, v) for u, v, _ in ours] == [(u, v) for u, v, _ in theirs]
    assert [p for *_, p in ours] == pytest.approx([p for *_, p in theirs], abs=1e-12)


@pytest.mark.parametrize("name", ["karate", "self_loops", "strings", "no_edges", "empty"])
def test_jaccard_of_every_non_edge_equals_networkx(name):
    G = UNDIRECTED[name]

    def scores(result):
        return {frozenset((u, v)): p for u, v, p in result}

    ours = scores(nx.jaccard_coefficient(G, backend="gwb"))
    assert ours == pytest.approx(scores(nx.jaccard_coefficient(G)), abs=1e-12)


def test_jaccard_unknown_node():
    with pytest.raises(nx.NodeNotFound):
        nx.jaccard_coefficient(nx.path_graph(3), [(0, 9)], backend="gwb")


# ------------------------------------------------------------------ cuts


def _node_sets(G):
    nodes = list(G)
    half = set(nodes[: len(nodes) // 2])
    other = set(nodes[len(nodes) // 2 : len(nodes) // 2 + 7])
    overlapping = set(nodes[len(nodes) // 3 : len(nodes) // 3 * 2 + 1])
    return half, other, overlapping


@pytest.mark.parametrize("weight", [None, "weight"])
@pytest.mark.parametrize("name", sorted(ALL))
def test_cut_functions_equal_networkx(name, weight):
    G = ALL[name]
    S, T, overlapping = _node_sets(G)
    for t in (None, T, overlapping):
        ours = nx.cut_size(G, S, t, weight=weight, backend="gwb")
        if t is None and G.is_directed():
            # networkx 3.6 raises TypeError here (edge_boundary(G, None, S)); its docs
            # say T defaults to the complement, as conductance's T does.
            t = set(G) - S
        assert ours == pytest.approx(nx.cut_size(G, S, t, weight=weight), abs=1e-9)
    for nodes in (S, T, list(S) + list(S)[:3]):
        ours = nx.volume(G, nodes, weight=weight, backend="gwb")
        assert ours == pytest.approx(nx.volume(G, nodes, weight=weight), abs=1e-9)
    for t in (None, T):
        try:
            theirs = nx.conductance(G, S, t, weight=weight)
        except ZeroDivisionError:
            with pytest.raises(ZeroDivisionError):
                nx.conductance(G, S, t, weight=weight, backend="gwb")
            continue
        ours = nx.conductance(G, S, t, weight=weight, backend="gwb")
        assert ours == pytest.approx(theirs, rel=1e-6)  # the engine's weights are float32


def _multigraph(kind, seed: int):
    """Parallel edges, some weighted and some not, and self-loops."""
    rng = random.Random(seed)
    M = kind()
    M.add_nodes_from(range(40))
    for _ in range(160):
        u, v = rng.randrange(40), rng.randrange(40)
        M.add_edge(u, v, **({"weight": rng.choice([0.5, 2.0])} if rng.random() < 0.7 else {}))
    return M


@pytest.mark.parametrize("weight", [None, "weight"])
@pytest.mark.parametrize("kind", [nx.MultiGraph, nx.MultiDiGraph])
def test_multigraphs_count_parallel_edges_as_networkx_does(kind, weight):
    M = _multigraph(kind, 3)
    S, T = set(range(15)), set(range(20, 30))
    _close(nx.pagerank(M, weight=weight, backend="gwb"), nx.pagerank(M, weight=weight), 1e-13)
    assert nx.volume(M, S, weight=weight, backend="gwb") == nx.volume(M, S, weight=weight)
    assert nx.cut_size(M, S, T, weight=weight, backend="gwb") == nx.cut_size(M, S, T, weight=weight)
    ours = nx.conductance(M, S, weight=weight, backend="gwb")
    assert ours == pytest.approx(nx.conductance(M, S, weight=weight), rel=1e-6)


# ------------------------------------------------------------------ dispatch


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (lambda G: nx.square_clustering(G.to_directed(), backend="gwb"), "directed graphs"),
        (lambda G: nx.square_clustering(nx.MultiGraph(G), backend="gwb"), "not multigraphs"),
    ],
)
def test_unsupported_arguments_give_a_reason(call, reason, caplog):
    """With ``backend="gwb"`` networkx refuses; its debug log carries our reason."""
    with caplog.at_level(logging.DEBUG, logger="networkx"), pytest.raises(NotImplementedError):
        call(nx.karate_club_graph())
    assert reason in caplog.text


def test_backend_priority_falls_back_to_networkx_with_the_reason(caplog, monkeypatch):
    G = _weighted(nx.barabasi_albert_graph(100, 3, seed=9), 9)
    M = nx.MultiGraph(G)
    monkeypatch.setattr(nx.config.backend_priority, "algos", ["gwb"])
    with caplog.at_level(logging.DEBUG, logger="networkx"):
        multi = nx.square_clustering(M)
        triangles = nx.triangles(G)
    assert "not multigraphs" in caplog.text
    monkeypatch.setattr(nx.config.backend_priority, "algos", [])
    assert multi == nx.square_clustering(M)
    assert triangles == nx.triangles(G)
    assert "gwb" in G.__networkx_cache__["backends"]  # triangles ran here


def test_should_run_leaves_tiny_graphs_and_local_functions_to_networkx():
    tiny = nx.path_graph(5)
    assert "fewer than" in backend_interface.should_run("triangles", (tiny,), {})
    big = nx.barabasi_albert_graph(100, 3, seed=1)
    assert big.number_of_edges() >= SMALL_GRAPH_EDGES
    assert backend_interface.should_run("triangles", (big,), {}) is True
    assert "reads only" in backend_interface.should_run("volume", (big, {0, 1}), {})
    nx.triangles(big, backend="gwb")  # now converted and cached: worth it for every call
    assert backend_interface.should_run("volume", (big, {0, 1}), {}) is True


def test_conversion_is_cached_until_the_graph_changes():
    G = nx.barabasi_albert_graph(100, 3, seed=1)
    nx.triangles(G, backend="gwb")
    cached = list(G.__networkx_cache__["backends"]["gwb"].values())
    assert len(cached) == 1 and isinstance(cached[0], BackendGraph)
    nx.clustering(G, backend="gwb")
    assert list(G.__networkx_cache__["backends"]["gwb"].values()) == cached  # reused
    G.add_edge(0, 99)  # networkx's own methods clear the cache...
    assert "backends" not in G.__networkx_cache__
    assert nx.triangles(G, backend="gwb") == nx.triangles(G)  # ...so this converts again


def test_round_trip_keeps_nodes_edges_and_weights():
    G = UNDIRECTED["self_loops"]
    back = backend_interface.convert_to_nx(
        backend_interface.convert_from_nx(G, edge_attrs={"weight": 1})
    )
    assert list(back) == list(G)
    assert {frozenset((u, v)): w for u, v, w in back.edges(data="weight")} == {
        frozenset((u, v)): w for u, v, w in G.edges(data="weight", default=1)
    }
    D = DIRECTED["digraph"]
    back = backend_interface.convert_to_nx(backend_interface.convert_from_nx(D))
    assert back.is_directed() and set(back.edges) == set(D.edges)


def test_non_numeric_weights_are_not_converted():
    G = nx.Graph([(0, 1, {"weight": "heavy"})])
    with pytest.raises(NotImplementedError, match="numeric"):
        backend_interface.convert_from_nx(G, edge_attrs={"weight": 1})
