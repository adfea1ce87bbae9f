"""Every chart's axes, read from the figure object: what a reader sees is what was meant.

Plotly keeps a log axis's range in log10 units, and an annotation's x on a log axis too,
so a figure can look right in code and still draw an axis to 10¹⁸; these tests read the
ranges the browser will use.
"""

import numpy as np
import pandas as pd
import pytest

import engine
from app.dashboard.figures import (
    TITLE_WIDTH,
    degree_distribution_figure,
    embedding_scatter,
    log_axis,
    ncp_figure,
    pca_2d,
    shown_rows,
    sweep_profile_figure,
    umap_2d,
)
from app.dashboard.widgets import SCORE_FORMAT, score_columns


def x_span(figure) -> tuple[float, float]:
    """The data values at the two ends of the figure's x axis."""
    low, high = figure.layout.xaxis.range
    return 10**low, 10**high


def assert_readable_log_ticks(axis) -> None:
    """Ticks are 1-2-5 multiples of powers of ten, labelled in plain digits, within range."""
    low, high = axis.range
    assert len(axis.tickvals) >= 2
    for value, text in zip(axis.tickvals, axis.ticktext):
        assert low <= np.log10(value) <= high
        mantissa = value / 10 ** np.floor(np.log10(value) + 1e-9)
        assert round(mantissa, 6) in (1, 2, 5)
        assert float(text.replace(",", "")) == pytest.approx(value)
        assert "D" not in text and len(text) <= 9


def assert_titled(figure, axis_titles) -> None:
    title = figure.layout.title.text
    assert title and all(len(line) <= TITLE_WIDTH for line in title.split("<br>"))
    assert (figure.layout.xaxis.title.text, figure.layout.yaxis.title.text) == axis_titles
    assert figure.layout.xaxis.automargin and figure.layout.yaxis.automargin


@pytest.mark.parametrize("seed_node", [0, 16, 33])
def test_sweep_profile_spans_the_sizes_the_sweep_tried(seed_node):
    found = engine.local_cluster(engine.sample("karate"), seed_node)
    figure = sweep_profile_figure(found.profile, len(found))
    sizes = found.profile["size"]
    low, high = x_span(figure)
    # A little padding either side (5% of the span): never out to 10**len(found).
    assert sizes.min() / 1.25 <= low <= sizes.min() and sizes.max() <= high <= sizes.max() * 1.25
    assert figure.layout.xaxis.type == "log"
    assert_readable_log_ticks(figure.layout.xaxis)
    assert figure.layout.yaxis.range[0] == 0
    assert figure.layout.yaxis.range[1] >= found.profile["conductance"].max()
    assert_titled(figure, ("cluster size (nodes, best scores first)", "conductance"))
    # The label of the chosen size sits at it: in log10 units, as Plotly reads it on a log axis.
    (label,) = figure.layout.annotations
    assert 10**label.x == pytest.approx(len(found))
    assert figure.layout.shapes[0].x0 == len(found)
    marked = figure.data[1]
    assert list(marked.x) == [len(found)]


def test_sweep_profile_of_a_large_cluster_keeps_its_axis():
    # 18- and 90-node clusters drew axes to 1e18 and 1e90 before (the label's x).
    profile = pd.DataFrame({"size": np.arange(1, 301), "conductance": np.linspace(1, 0.1, 300)})
    for best in (18, 90):
        low, high = x_span(sweep_profile_figure(profile, best))
        assert 0.7 <= low <= 1 and 300 <= high <= 400


def test_ncp_is_log_log_with_readable_ticks():
    graph = engine.sample("planted")
    profile = engine.ncp(graph, n_seeds=5, seed=0)
    figure = ncp_figure(profile)
    assert (figure.layout.xaxis.type, figure.layout.yaxis.type) == ("log", "log")
    for axis, column in ((figure.layout.xaxis, "size"), (figure.layout.yaxis, "conductance")):
        assert_readable_log_ticks(axis)
        low, high = axis.range
        values = np.log10(profile[column][profile[column] > 0])
        assert low <= values.min() and values.max() <= high
        assert high - low <= (values.max() - values.min()) * 1.2 + 0.2
    assert_titled(figure, ("cluster size (nodes)", "best conductance found"))


def test_degree_distribution_axes():
    degrees = engine.sample("planted").degree()
    figure = degree_distribution_figure(degrees)
    assert (figure.layout.xaxis.type, figure.layout.yaxis.type) == ("log", "log")
    assert_readable_log_ticks(figure.layout.xaxis)
    assert_readable_log_ticks(figure.layout.yaxis)
    assert 10 ** figure.layout.xaxis.range[1] >= degrees.max()
    assert_titled(figure, ("degree", "nodes"))


def test_log_axis_uses_powers_of_ten_over_many_decades():
    axis = log_axis([1e-6, 1.0])
    assert axis["tickvals"] == pytest.approx([10.0**k for k in range(-6, 1)])
    assert axis["ticktext"][-1] == "1" and axis["ticktext"][0] == "1e-06"
    assert log_axis([0, -1]) == {"type": "log", "automargin": True}


def test_a_long_title_wraps_and_gets_room():
    coords = np.zeros((30_000, 2))
    figure = embedding_scatter(coords, np.arange(30_000), np.arange(30_000) % 3, colour_name="a")
    lines = figure.layout.title.text.split("<br>")
    assert all(len(line) <= TITLE_WIDTH for line in lines)
    assert " ".join(lines) == "PCA of the embedding, coloured by a (20,000 of 30,000 nodes)"
    assert figure.layout.margin.t >= 50 + 24 * (len(lines) - 1)


@pytest.mark.parametrize(
    "map_name, axes", [("PCA", ("PC 1", "PC 2")), ("UMAP", ("UMAP 1", "UMAP 2"))]
)
def test_embedding_scatter_names_its_map(map_name, axes):
    graph = engine.sample("karate")
    coords = pca_2d(engine.fastrp(graph, dim=16, seed=0, device="cpu"))
    figure = embedding_scatter(coords, graph.labels, map_name=map_name)
    assert_titled(figure, axes)
    assert figure.layout.title.text.startswith(map_name)
    assert figure.layout.xaxis.type is None  # linear: coordinates may be negative


def test_umap_map_is_seeded_and_keeps_communities_apart():
    pytest.importorskip("umap")
    graph = engine.sample("lesmis")
    embedding = engine.fastrp(graph, dim=32, seed=0, device="cpu")
    coords = umap_2d(embedding, seed=0)
    assert coords.shape == (graph.n_nodes, 2) and np.isfinite(coords).all()
    np.testing.assert_array_equal(coords, umap_2d(embedding, seed=0))
    # Nearest neighbours in the embedding stay close on the map: each node's nearest map
    # point is among its 15 nearest in the embedding for most nodes.
    unit = embedding / np.linalg.norm(embedding, axis=1, keepdims=True)
    similar = np.argsort(-(unit @ unit.T), axis=1)[:, 1:16]
    distances = np.linalg.norm(coords[:, None] - coords[None], axis=2)
    np.fill_diagonal(distances, np.inf)
    nearest_on_map = distances.argmin(axis=1)
    kept = np.mean([nearest_on_map[i] in similar[i] for i in range(graph.n_nodes)])
    assert kept > 0.7


def test_umap_of_many_rows_maps_the_shown_ones():
    pytest.importorskip("umap")
    embedding = np.random.default_rng(0).standard_normal((80, 4)).astype(np.float32)
    coords = umap_2d(embedding, seed=0, max_rows=50)
    shown = shown_rows(len(embedding), 50)
    assert len(shown) == 50
    assert np.isfinite(coords[shown]).all()
    assert np.isnan(np.delete(coords, shown, axis=0)).all()


def test_tiny_embeddings_fall_back_to_pca():
    points = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    np.testing.assert_allclose(umap_2d(points), pca_2d(points))


def test_scores_are_shown_to_three_significant_digits():
    table = pd.DataFrame(
        {"node": [1, 2], "score": [0.012345, 1.23456e-7], "volume": [10.0, 20.0], "k": [1, 2]}
    )
    columns = score_columns(table)
    assert list(columns) == ["score"]
    assert columns["score"]["type_config"]["format"] == SCORE_FORMAT == "%.3g"
    # What %.3g makes of them, as the browser's sprintf does (JavaScript's toPrecision(3)).
    assert [SCORE_FORMAT % value for value in table["score"]] == ["0.0123", "1.23e-07"]
