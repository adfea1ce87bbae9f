"""Long runs on the dashboard: the estimate under the run button, the question above the
threshold, Cancel, and the time left beside the progress bar."""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import engine
import engine.graphlets
from app.long_run import CONFIRM_ENV
from engine.estimate import format_seconds
from engine.graphlets import orbit_counts
from engine.graphlets.cost import orbit_counts_estimate
from loaders.memory import format_bytes

PAGES = Path(__file__).resolve().parents[2] / "app" / "dashboard" / "pages"
GRAPHLETS = str(PAGES / "graphlets.py")


def graphlets_page() -> AppTest:
    app = AppTest.from_file(GRAPHLETS, default_timeout=120).run()
    assert not app.exception, app.exception
    return app


def shown_counts(app: AppTest) -> np.ndarray:
    """The graphlet degree vectors the page shows (its third table), without the label column."""
    return app.dataframe[2].value.iloc[:, 1:].to_numpy()


def test_the_estimate_of_each_size_stands_under_the_run_button():
    app = graphlets_page()
    graph = engine.sample(engine.sample_names()[0])
    (caption,) = [c.value for c in app.caption if c.value.startswith("Estimate:")]
    for size in (4, 5):
        expected = orbit_counts_estimate(graph, size)
        seconds, size_text = format_seconds(expected.seconds), format_bytes(expected.bytes)
        assert f"{size} nodes about {seconds}, {size_text}" in caption


def test_a_run_over_the_threshold_waits_for_run_anyway(monkeypatch):
    monkeypatch.setenv(CONFIRM_ENV, "0")  # every run is "long"
    app = graphlets_page()
    app.button[0].click().run()  # Count orbits
    assert not app.exception, app.exception
    (question,) = [w.value for w in app.warning if "Run it anyway?" in w.value]
    assert question.startswith("orbit_counts(graphlet_size=4)")
    assert not app.dataframe, "nothing is counted before the answer"
    app.button(key="graphlets_confirm").click().run()
    assert not app.exception, app.exception
    assert not [w for w in app.warning if "Run it anyway?" in w.value]
    graph = engine.sample(engine.sample_names()[0])
    np.testing.assert_array_equal(shown_counts(app), orbit_counts(graph))


def test_dont_run_leaves_nothing_counted(monkeypatch):
    monkeypatch.setenv(CONFIRM_ENV, "0")
    app = graphlets_page()
    app.button[0].click().run()
    app.button(key="graphlets_decline").click().run()
    assert not app.exception, app.exception
    assert not [w for w in app.warning if "Run it anyway?" in w.value]
    assert not app.dataframe
    assert any("Count orbits" in info.value for info in app.info)


def test_under_the_threshold_a_run_goes_straight(monkeypatch):
    monkeypatch.setenv(CONFIRM_ENV, "3600")
    app = graphlets_page()
    app.button[0].click().run()
    assert not [w for w in app.warning if "Run it anyway?" in w.value]
    graph = engine.sample(engine.sample_names()[0])
    np.testing.assert_array_equal(shown_counts(app), orbit_counts(graph))


def test_cancel_stops_the_count_and_keeps_no_result(monkeypatch):
    """A click on Cancel while counting: Streamlit stops the script at the progress bar's next
    update and reruns it; the rerun says so and shows no counts."""
    import streamlit as st

    from app.dashboard import long_run

    seen = {}
    real = engine.graphlets.orbit_counts

    def clicked_cancel(graph, progress=None, *, graphlet_size=4, max_seconds=1800.0):
        progress(1, 10, "orbits")
        # The Cancel button stands under the bar while the work runs.
        seen["cancel button"] = "graphlets_cancel" in st.session_state
        seen["max_seconds"] = max_seconds  # the page asked (or had no need to): no engine limit
        long_run.cancel("graphlets")  # the button's callback, as its click runs it
        st.rerun()  # what the click does to the running script
        return real(graph, progress=progress, graphlet_size=graphlet_size)

    monkeypatch.setattr(engine.graphlets, "orbit_counts", clicked_cancel)
    app = graphlets_page()
    app.button[0].click().run()
    assert not app.exception, app.exception
    assert seen == {"cancel button": True, "max_seconds": None}
    assert any(w.value.startswith("Cancelled") for w in app.warning)
    assert not app.dataframe
    assert not app.session_state["graphlet_orbits"]
    app.run()  # said once
    assert not any(w.value.startswith("Cancelled") for w in app.warning)


@pytest.mark.parametrize(
    ("done", "elapsed", "expected", "shown"),
    [
        (0, 0.0, 30.0, ", about 30 s left"),  # nothing done yet: the estimate
        (50, 10.0, None, ", about 10 s left"),  # half done in 10 s: 10 s more
        (0, 3.0, None, ""),  # neither a pace nor an estimate
    ],
)
def test_progress_text_says_the_time_left(monkeypatch, done, elapsed, expected, shown):
    from types import SimpleNamespace

    from app.dashboard import progress as progress_module
    from app.long_run import Eta

    bar = progress_module.ProgressBar("Orbits", expected=expected)
    bar.started = 0.0
    bar.eta = Eta(expected, clock=iter([0.0, elapsed]).__next__)
    monkeypatch.setattr(progress_module, "time", SimpleNamespace(perf_counter=lambda: elapsed))
    text = bar.text(done, 100, "orbits")
    assert text == f"Orbits: orbits, {done:,} of 100 · {elapsed:.1f} s{shown}"


# --- the other heavy pages, with an engine estimate stood in -----------------------------


def long_estimate(name: str, seen: list):
    """A stand-in for ``engine.estimate.<name>``: records its arguments, says 17 minutes."""
    from engine.estimate import Estimate

    def estimate(g, *args, **kwargs):
        seen.append((args, kwargs))
        return Estimate(f"{name} on {g.n_nodes} nodes", 1000.0, 2**20, 1, 10**12)

    return estimate


def question_of(app: AppTest) -> list[str]:
    return [w.value for w in app.warning if "Run it anyway?" in w.value]


def test_embeddings_page_asks_before_a_long_fastrp(monkeypatch):
    import engine.estimate

    seen = []
    monkeypatch.setattr(
        engine.estimate, "fastrp_estimate", long_estimate("fastrp", seen), raising=False
    )
    app = AppTest.from_file(str(PAGES / "embeddings.py"), default_timeout=120).run()
    assert not app.exception, app.exception
    assert "Estimate at dimension 128: about 17 min, 1.0 MiB (asks before running)" in [
        c.value for c in app.caption
    ]
    app.select_slider[0].set_value(16)
    app.button[0].click().run()
    assert question_of(app) and not app.dataframe
    # The estimate is asked with FastRP's own arguments, as the page then runs it.
    args, kwargs = seen[-1]
    assert args == () and kwargs["dim"] == 16 and kwargs["iteration_weights"] == (0.0, 1.0, 1.0)
    app.button(key="fastrp_confirm").click().run()
    assert not app.exception, app.exception
    graph = engine.sample(engine.sample_names()[0])
    expected = engine.nearest(engine.fastrp(graph, **kwargs), 0, k=10, graph=graph)
    assert app.dataframe[0].value["node"].tolist() == expected["node"].tolist()


def test_similar_page_builds_a_long_index_only_when_asked(monkeypatch):
    import engine.estimate

    seen = []
    monkeypatch.setattr(
        engine.estimate,
        "neighbourhood_index_estimate",
        long_estimate("NeighbourhoodIndex.build", seen),
        raising=False,
    )
    app = AppTest.from_file(str(PAGES / "similar.py"), default_timeout=120).run()
    assert not app.exception, app.exception
    assert seen[-1] == ((128, 0.5), {})  # build's num_perm and threshold
    assert not [c for c in app.caption if c.value.startswith("Index:")], "not built on opening"
    assert any("Build the index" in info.value for info in app.info)
    app.button(key="neighbourhood_index_build").click().run()
    assert question_of(app)
    app.button(key="neighbourhood_index_confirm").click().run()
    assert not app.exception, app.exception
    assert [c for c in app.caption if c.value.startswith("Index:")]


def test_clusters_page_asks_before_a_long_profile(monkeypatch):
    import engine.estimate
    from engine.community_profile import ncp

    seen = []
    monkeypatch.setattr(engine.estimate, "ncp_estimate", long_estimate("ncp", seen), raising=False)
    app = AppTest.from_file(str(PAGES / "clusters.py"), default_timeout=120).run()
    assert not app.exception, app.exception
    assert "Estimate for 50 seeds: about 17 min, 1.0 MiB (asks before running)" in [
        c.value for c in app.caption
    ]
    (compute,) = [b for b in app.button if b.label == "Compute profile"]
    compute.click().run()
    assert question_of(app)
    assert not [c for c in app.caption if "sizes, computed in" in c.value]
    app.button(key="ncp_confirm").click().run()
    assert not app.exception, app.exception
    assert seen[-1] == ((), {"n_seeds": 50, "seed": 0})
    expected = ncp(engine.sample(engine.sample_names()[0]), n_seeds=50, seed=0)
    shown = app.dataframe[-1].value
    np.testing.assert_allclose(shown["conductance"], expected["conductance"])


@pytest.mark.parametrize(
    ("page", "label", "estimate_name", "arguments"),
    [
        (
            "embeddings.py",
            "Estimate at dimension 128",
            "fastrp_estimate",
            lambda g: ((g,), {"dim": 128, "seed": 0, "device": "cpu"}),
        ),
        ("similar.py", "Index estimate", "neighbourhood_index_estimate", lambda g: ((g,), {})),
        ("clusters.py", "Estimate for 50 seeds", "ncp_estimate", lambda g: ((g, 50), {"seed": 0})),
    ],
)
def test_each_heavy_page_shows_the_engines_estimate(page, label, estimate_name, arguments):
    """The pages' own estimates, as the engine publishes them (skipped until it does)."""
    import engine.estimate
    from app.long_run import short_estimate

    estimate = getattr(engine.estimate, estimate_name, None)
    if estimate is None:
        pytest.skip(f"engine.estimate has no {estimate_name} yet")
    app = AppTest.from_file(str(PAGES / page), default_timeout=120).run()
    assert not app.exception, app.exception
    args, kwargs = arguments(engine.sample(engine.sample_names()[0]))
    expected = f"{label}: {short_estimate(estimate(*args, **kwargs))}"
    assert expected in [c.value for c in app.caption]


def test_edge_orbits_add_their_estimate_to_the_question(monkeypatch):
    """The caption prices the edge orbits too, and a count with them asks when the two
    together pass the threshold, though the node orbits alone would not."""
    from engine.graphlets.edges_cost import edge_orbit_counts_estimate

    graph = engine.sample(engine.sample_names()[0])
    nodes, edges = orbit_counts_estimate(graph, 4), edge_orbit_counts_estimate(graph)
    seconds, size_text = format_seconds(edges.seconds), format_bytes(edges.bytes)
    monkeypatch.setenv(CONFIRM_ENV, str(nodes.seconds + edges.seconds / 2))
    app = graphlets_page()
    (caption,) = [c.value for c in app.caption if c.value.startswith("Estimate:")]
    assert f"edge orbits about {seconds}, {size_text} more" in caption
    app.checkbox[0].check()
    app.button[0].click().run()
    assert not app.exception, app.exception
    (question,) = [w.value for w in app.warning if "Run it anyway?" in w.value]
    assert "then edge_orbit_counts" in question
    app.checkbox[0].uncheck()
    app.button[0].click().run()
    assert not [w for w in app.warning if "Run it anyway?" in w.value]
    np.testing.assert_array_equal(shown_counts(app), orbit_counts(graph))
