"""The Similar nodes page's "Grow a community": it says why growth stopped, never silently."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import engine
from app.dashboard.state import GRAPH_KEY
from engine.similarity import NeighbourhoodIndex

PAGE = str(Path(__file__).resolve().parents[2] / "app" / "dashboard" / "pages" / "similar.py")


def page_on(name: str) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=120)
    app.session_state[GRAPH_KEY] = name
    app.run()
    assert not app.exception, app.exception
    return app


def grow(app: AppTest, name: str, seeds: list, rounds: int = 3) -> None:
    app.multiselect(key=f"expand_seeds@{name}").set_value(seeds)
    app.number_input[1].set_value(rounds)
    app.button[1].click().run()
    assert not app.exception, app.exception


def members_shown(app: AppTest) -> str:
    return {m.label: m.value for m in app.metric}["Members"]


@pytest.fixture(scope="module")
def planted():
    return engine.sample("planted"), NeighbourhoodIndex.build(engine.sample("planted"))


def test_a_seed_only_community_warns_and_its_suggestion_grows_it(planted):
    g, index = planted
    # The first node whose growth stops below min_score, found by the engine directly.
    seed = next(
        label for label in g.labels if index.expand([label]).stop_reason == "below_min_score"
    )
    alone = index.expand([seed])
    app = page_on("planted")
    grow(app, "planted", [seed])
    assert members_shown(app) == "1"
    warnings = [w.value for w in app.warning]
    assert any("Only the seeds came back" in w and alone.why in w for w in warnings)
    assert any(alone.suggestion in i.value for i in app.info)
    value = alone.suggested["min_score"]
    retry = app.button(key="expand_regrow")
    assert retry.label == f"Grow again with min_score={value}"
    retry.click().run()
    assert not app.exception, app.exception
    expected = index.expand([seed], min_score=value)
    assert expected.grew
    assert members_shown(app) == f"{len(expected):,}"
    assert not any("Only the seeds came back" in w.value for w in app.warning)


def test_a_community_that_grows_says_so_quietly_and_one_cut_short_offers_more_rounds():
    app = page_on("karate")
    grow(app, "karate", [0, 1, 2])
    expected = NeighbourhoodIndex.build(engine.sample("karate")).expand([0, 1, 2])
    assert expected.grew and members_shown(app) == f"{len(expected):,}"
    assert not app.warning
    assert any(expected.why in c.value for c in app.caption)
    # The rounds table is drawn beside the members.
    assert app.dataframe[-1].value["admitted"].sum() == (~expected.members["seed"]).sum()
    short = NeighbourhoodIndex.build(engine.sample("karate")).expand([0, 1, 2], rounds=1)
    assert short.stop_reason == "rounds"
    grow(app, "karate", [0, 1, 2], rounds=1)
    assert members_shown(app) == f"{len(short):,}"
    assert any(short.why in i.value for i in app.info)
    app.button(key="expand_regrow").click().run()
    longer = NeighbourhoodIndex.build(engine.sample("karate")).expand([0, 1, 2], rounds=2)
    assert members_shown(app) == f"{len(longer):,}" != f"{len(short):,}"
