"""``gwb expand`` says why growth stopped and which option grows it (stderr, and in --json)."""

import json

import pytest

import engine
from engine.similarity import NeighbourhoodIndex
from tests.app.test_cli import gwb_json, gwb_ok

SEEDS = ("-s", "0", "-s", "1", "-s", "2")


@pytest.fixture(scope="module")
def index():
    return NeighbourhoodIndex.build(engine.sample("planted"))


def test_a_seed_only_result_says_why_and_its_suggested_option_grows_it(index):
    alone = index.expand([0, 1, 2], min_score=1.0)
    summary = gwb_json("expand", "sample:planted", *SEEDS, "--min-score", "1")
    assert summary["members"] == 3 and summary["stop_reason"] == alone.stop_reason
    assert (summary["why"], summary["suggestion"]) == (alone.why, alone.suggestion)
    assert summary["suggested"] == alone.suggested
    text = gwb_ok("expand", "sample:planted", *SEEDS, "--min-score", "1")
    assert f"only the seeds came back ({alone.stop_reason}): {alone.why}" in text.stderr
    value = alone.suggested["min_score"]
    assert f"suggestion: {alone.suggestion} (--min-score {value})" in text.stderr
    assert "only the seeds" not in text.stdout
    again = gwb_json("expand", "sample:planted", *SEEDS, "--min-score", str(value))
    grown = index.expand([0, 1, 2], min_score=value)
    assert again["members"] == len(grown) > 3
    assert again["stop_reason"] == grown.stop_reason


def test_a_limited_community_names_the_option_to_drop(index, tmp_path):
    limited = index.expand([0, 1, 2], max_size=20)
    out = tmp_path / "members.csv"
    text = gwb_ok("expand", "sample:planted", *SEEDS, "--max-size", "20", "-o", str(out))
    assert f"stopped ({limited.stop_reason}): {limited.why}" in text.stderr
    assert "(without --max-size)" in text.stderr
    summary = json.loads(gwb_ok("expand", "sample:planted", *SEEDS, "--json").stdout)
    assert summary["stop_reason"] == index.expand([0, 1, 2]).stop_reason
    assert summary["suggestion"] is None
