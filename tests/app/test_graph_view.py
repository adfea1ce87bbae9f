"""The graph view: node choice, induced edges, cached layout and figure, and the selection
flow from a click in the chart to the seed pickers of every page (driven by AppTest)."""

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

import engine
from app.dashboard.graph_drawing import (
    MAX_CATEGORIES,
    LayoutCache,
    graph_view_figure,
    induced_edges,
    layout_positions,
    selection_ids,
    view_nodes,
)
from tests.graphs import TINY_GRAPHS

DASHBOARD = Path(__file__).resolve().parents[2] / "app" / "dashboard"
MAIN = str(DASHBOARD / "main.py")
GRAPH_PAGE = str(DASHBOARD / "pages" / "graph.py")


def test_a_small_graph_is_drawn_whole():
    graph = engine.sample("karate")
    np.testing.assert_array_equal(view_nodes(graph, [5]), np.arange(34))


def test_a_large_graph_is_drawn_around_the_focus_within_the_cap():
    graph = engine.sample("planted")
    ids = view_nodes(graph, [7, 3], max_nodes=50)
    assert len(ids) == 50 and np.all(np.diff(ids) > 0)
    assert {3, 7} <= set(ids.tolist())
    # Only the focus and its neighbours: one hop.
    neighbours = set(graph.neighbor_ids(3).tolist()) | set(graph.neighbor_ids(7).tolist())
    assert set(ids.tolist()) <= neighbours | {3, 7}
    # Neighbours of both focus nodes come before those of one.
    shared = neighbours & set(graph.neighbor_ids(3).tolist()) & set(graph.neighbor_ids(7).tolist())
    assert shared <= set(ids.tolist())


def test_the_focus_alone_is_cut_at_the_cap_in_its_order():
    graph = engine.sample("planted")
    focus = list(range(100, 0, -1))
    assert view_nodes(graph, focus, max_nodes=10).tolist() == list(range(91, 101))
    assert view_nodes(graph, [5], hops=0, max_nodes=10).tolist() == [5]


def test_no_focus_on_a_large_graph_draws_the_highest_degrees():
    graph = engine.sample("planted")
    ids = view_nodes(graph, max_nodes=100)
    degree = graph.degree()
    assert len(ids) == 100
    assert degree[ids].min() >= np.sort(degree)[::-1][99]


@pytest.mark.parametrize("name", ["karate", "lesmis", "planted"])
def test_induced_edges_match_networkx(name):
    graph = engine.sample(name)
    rng = np.random.default_rng(0)
    ids = np.sort(rng.choice(graph.n_nodes, min(graph.n_nodes, 300), replace=False))
    edges = induced_edges(graph, ids)
    drawn = {frozenset(graph.labels_of(ids[pair]).tolist()) for pair in edges}
    expected = graph.to_networkx().subgraph(graph.labels_of(ids).tolist())
    assert drawn == {frozenset(edge) for edge in expected.edges if edge[0] != edge[1]}
    assert len(drawn) == len(edges), "each pair once"


@pytest.mark.parametrize("name", sorted(TINY_GRAPHS))
def test_every_tiny_graph_is_drawn_whole_with_its_edges(name):
    tiny = TINY_GRAPHS[name]
    graph = tiny.build()
    ids = view_nodes(graph)
    edges = induced_edges(graph, ids)
    reference = tiny.networkx().to_undirected()
    expected = {frozenset(edge) for edge in reference.edges if edge[0] != edge[1]}
    assert {frozenset(graph.labels_of(ids[pair]).tolist()) for pair in edges} == expected
    figure = _figure(graph, ids)
    assert sorted(i for trace in figure.data[1:] for i in trace.customdata) == ids.tolist()


def test_a_directed_pair_is_one_segment_and_self_loops_are_left_out():
    graph = engine.Graph.from_edges([0, 1, 1, 2], [1, 0, 2, 2], directed=True, self_loops="keep")
    assert induced_edges(graph, np.arange(3)).tolist() == [[0, 1], [1, 2]]


def test_layouts_are_cached_by_subgraph():
    graph = engine.sample("lesmis")
    ids = view_nodes(graph)
    edges = induced_edges(graph, ids)
    cache = LayoutCache(size=1)
    first = cache.positions(len(ids), edges)
    assert cache.positions(len(ids), edges.copy()) is first
    assert (cache.hits, cache.misses) == (1, 1)
    cache.positions(len(ids), edges[:-1])  # another subgraph: a miss, and the first goes
    cache.positions(len(ids), edges)
    assert (cache.hits, cache.misses) == (1, 3)
    assert not first.flags.writeable, "a cached layout is shared: read-only"
    np.testing.assert_array_equal(first, layout_positions(len(ids), edges))


def test_linked_nodes_lie_closer_than_unlinked_ones():
    graph = engine.sample("planted")
    ids = view_nodes(graph, [0], hops=3, max_nodes=2000)
    edges = induced_edges(graph, ids)
    positions = layout_positions(len(ids), edges)
    linked = np.linalg.norm(positions[edges[:, 0]] - positions[edges[:, 1]], axis=1)
    pairs = np.random.default_rng(0).integers(0, len(ids), (2000, 2))
    anywhere = np.linalg.norm(positions[pairs[:, 0]] - positions[pairs[:, 1]], axis=1)
    assert np.median(linked) < 0.5 * np.median(anywhere)


def _figure(graph, ids, **options):
    edges = induced_edges(graph, ids)
    return graph_view_figure(graph, ids, layout_positions(len(ids), edges), edges, **options)


def test_the_figure_is_webgl_with_the_edges_in_one_trace():
    graph = engine.sample("karate")
    ids = view_nodes(graph)
    figure = _figure(graph, ids, colour=graph.degree().astype(float), colour_name="score")
    assert {trace.type for trace in figure.data} == {"scattergl"}
    edges, nodes = figure.data
    assert edges.mode == "lines" and len(edges.x) == 3 * graph.n_edges
    assert np.isnan(np.asarray(edges.x, dtype=float)[2::3]).all(), "gaps between segments"
    assert nodes.marker.showscale and nodes.marker.colorbar.title.text == "score"
    assert sorted(nodes.customdata.tolist()) == list(range(34))
    assert "<b>33</b>" in nodes.text[33] and "club: Officer" in nodes.text[33]


def test_categories_get_a_legend_and_the_rare_ones_share_other():
    graph = engine.sample("planted")
    ids = view_nodes(graph, max_nodes=2000)
    community = graph.attributes["community"][ids].astype(str)  # as names, not numbers
    figure = _figure(graph, ids, colour=community, colour_name="community", highlight=[ids[0]])
    names = [trace.name for trace in figure.data[1:]]
    assert names[-1] == "selected" and figure.data[-1].customdata.tolist() == [ids[0]]
    categories = names[:-1]
    assert len(set(community.tolist())) > MAX_CATEGORIES
    assert len(categories) == MAX_CATEGORIES + 1 and categories[-1] == "other"
    assert figure.data[1].legendgrouptitle.text == "community"
    drawn = sorted(id for trace in figure.data[1:-1] for id in trace.customdata.tolist())
    assert drawn == ids.tolist()


def test_selection_events_become_node_ids():
    event = {"selection": {"points": [{"customdata": 4}, {"customdata": [9]}, {"x": 0}]}}
    assert selection_ids(event) == [4, 9]
    assert selection_ids(None) == [] and selection_ids({"selection": {"points": []}}) == []


# --------------------------------------------------------------------------- AppTest


def _decoded(value):
    """A trace array from a chart's JSON: Plotly writes NumPy arrays as base64 (``bdata``)."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return value


def chart_traces(app: AppTest, chart_index: int = 0) -> list[dict]:
    """The traces of a drawn chart, arrays decoded, as the browser receives them."""
    spec = json.loads(app.get("plotly_chart")[chart_index].proto.spec)
    return [{key: _decoded(value) for key, value in trace.items()} for trace in spec["data"]]


def drawn_nodes(app: AppTest, chart_index: int = 0) -> set[int]:
    """Node ids drawn in a graph view (every node trace carries them as customdata)."""
    return {i for trace in chart_traces(app, chart_index)[1:] for i in trace["customdata"]}


def select_in_chart(app: AppTest, chart_index: int, node_ids: list[int]) -> AppTest:
    """Select ``node_ids`` in a graph view's chart, as a click or a lasso in a browser does.

    AppTest cannot click a Plotly chart, so this sends the selection state the browser
    sends (points with the node id as ``customdata``) with the next run.
    """
    chart = app.get("plotly_chart")[chart_index]
    states = app._tree.get_widget_states()
    points = [{"curve_number": 1, "point_index": i, "customdata": i} for i in node_ids]
    selection = {"points": points, "point_indices": node_ids, "box": [], "lasso": []}
    states.widgets.append(
        WidgetState(id=chart.proto.id, string_value=json.dumps({"selection": selection}))
    )
    return app._run(states)


def test_graph_page_draws_karate_whole_and_colours_by_an_attribute():
    app = AppTest.from_file(MAIN, default_timeout=60).run()
    app.switch_page("pages/graph.py").run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Graph: karate"
    assert any("The whole graph: 34 nodes" in caption.value for caption in app.caption)
    assert any("No node selected" in info.value for info in app.info)
    [chart] = app.get("plotly_chart")
    assert drawn_nodes(app) == set(range(34))
    assert chart.proto.selection_mode, "selections are on"
    app.selectbox(key="graph_view_colour@karate").select("club").run()
    assert [trace.get("name") for trace in chart_traces(app)][1:] == ["Mr. Hi", "Officer"]


def test_a_click_in_the_graph_view_sets_the_seeds_of_every_page():
    app = AppTest.from_file(MAIN, default_timeout=120).run()
    app.switch_page("pages/graph.py").run()
    select_in_chart(app, 0, [33, 5])
    assert not app.exception, app.exception
    assert any("Selected: 33, 5." in message.value for message in app.success)
    assert app.dataframe[-1].value["node"].tolist() == [33, 5]
    assert sorted(chart_traces(app)[-1]["customdata"]) == [5, 33], "the selection is outlined"
    app.switch_page("pages/pagerank.py").run()
    assert not app.exception, app.exception
    seeds = app.multiselect(key="ppr_seeds@karate")
    assert seeds.value == [33, 5]
    # Changed by hand, a picker keeps its change until the next selection.
    seeds.set_value([1])
    app.button[0].click().run()  # the picker is in a form: submitted with Run
    assert app.multiselect(key="ppr_seeds@karate").value == [1]
    app.switch_page("pages/clusters.py").run()
    assert app.multiselect(key="cluster_seeds@karate").value == [33, 5]
    app.switch_page("pages/graphlets.py").run()
    app.button[0].click().run()
    assert app.selectbox(key="graphlet_node@karate").value == 33, "a one-node picker: the first"
    app.switch_page("pages/similar.py").run()
    assert app.selectbox(key="similar_node@karate").value == 33
    assert app.multiselect(key="expand_seeds@karate").value == [33, 5]
    app.switch_page("pages/graph.py").run()
    select_in_chart(app, 0, [2])
    app.switch_page("pages/pagerank.py").run()
    assert app.multiselect(key="ppr_seeds@karate").value == [2]


def test_a_large_graph_is_centred_on_the_selection_and_expands():
    app = AppTest.from_file(GRAPH_PAGE, default_timeout=120)
    app.session_state["sample_picker"] = "planted"
    app.run()
    assert not app.exception, app.exception
    assert any("The 3,000 highest-degree" in caption.value for caption in app.caption)
    assert len(drawn_nodes(app)) == 3000
    graph = engine.sample("planted")
    centre = 17
    select_in_chart(app, 0, [centre])
    app.button(key="graph_centre").click().run()
    assert not app.exception, app.exception
    around = {centre, *graph.neighbor_ids(centre).tolist()}
    assert drawn_nodes(app) == around
    assert any("1 centre nodes" in caption.value for caption in app.caption)
    # Select a neighbour and expand: its neighbours join the view, the centre stays.
    neighbour = int(graph.neighbor_ids(centre)[0])
    select_in_chart(app, 0, [neighbour])
    app.button(key="graph_view_expand").click().run()
    assert not app.exception, app.exception
    assert drawn_nodes(app) == around | set(graph.neighbor_ids(neighbour).tolist())
    assert any(f"Selected: {neighbour}." in message.value for message in app.success)
    app.button(key="graph_view_reset").click().run()
    assert drawn_nodes(app) == around


def test_the_benchmark_times_a_2000_node_view(capsys):
    from benchmarks.dashboard import VIEW_NODES, measure_graph_view, report_graph_view

    times = measure_graph_view(engine.sample("planted"), repeats=1)
    assert times["drawn"][0] == VIEW_NODES == 2000
    assert times["cached layout"] < times["layout"]
    report_graph_view(repeats=1)
    [row] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("planted")]
    assert row.split()[1] == "2,000"


def test_pagerank_page_draws_its_answer_and_a_click_there_picks_the_seeds():
    app = AppTest.from_file(MAIN, default_timeout=120).run()
    app.switch_page("pages/pagerank.py").run()
    app.button[0].click().run()
    assert not app.exception, app.exception
    graph = engine.sample("karate")
    [edges, nodes, seeds] = chart_traces(app)
    assert edges["mode"] == "lines" and edges["type"] == "scattergl"
    assert nodes["marker"]["colorbar"]["title"]["text"] == "score"
    assert sorted(nodes["customdata"]) == list(range(graph.n_nodes)), "karate is drawn whole"
    assert seeds["name"] == "seeds, selected" and seeds["customdata"] == [0]
    select_in_chart(app, 0, [33])
    assert not app.exception, app.exception
    assert app.multiselect(key="ppr_seeds@karate").value == [33]


def test_cluster_page_colours_the_view_by_side_of_the_cut():
    from engine.cluster import local_cluster

    app = AppTest.from_file(MAIN, default_timeout=120).run()
    app.switch_page("pages/clusters.py").run()
    app.button[0].click().run()
    assert not app.exception, app.exception
    found = local_cluster(engine.sample("karate"), [0])
    traces = chart_traces(app, 1)  # after the sweep profile
    sides = {trace["name"]: set(trace["customdata"]) for trace in traces[1:-1]}
    assert sides["seed"] == {0}
    assert sides["in the cluster"] == set(found.node_ids.tolist()) - {0}
    assert sides["outside"] == set(range(34)) - set(found.node_ids.tolist())


def test_graphlets_page_colours_role_mates_by_an_orbit_count():
    from engine.graphlets import orbit_counts

    app = AppTest.from_file(MAIN, default_timeout=120).run()
    app.switch_page("pages/graphlets.py").run()
    app.button[0].click().run()
    assert not app.exception, app.exception
    app.selectbox(key="graphlet_view_colour@karate").select("orbit 3").run()
    assert not app.exception, app.exception
    [_, nodes, query] = chart_traces(app)
    assert nodes["marker"]["colorbar"]["title"]["text"] == "orbit 3"
    triangles = orbit_counts(engine.sample("karate"))[:, 3]
    assert (
        _decoded(nodes["marker"]["color"]) == triangles[nodes["customdata"]].astype(float).tolist()
    )
    assert query["customdata"] == [0]


def test_similar_page_draws_the_query_node_and_its_answer():
    app = AppTest.from_file(MAIN, default_timeout=120).run()
    app.switch_page("pages/similar.py").run()
    app.selectbox(key="similar_node@karate").select(33)
    app.button[0].click().run()
    assert not app.exception, app.exception
    [_, nodes, query] = chart_traces(app)
    assert nodes["marker"]["colorbar"]["title"]["text"] == "jaccard"
    assert query["customdata"] == [33]
