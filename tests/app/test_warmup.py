"""The dashboard's engine warm-up (app/dashboard/warmup.py, issue #22): the progress it
reads, the sidebar line, a page waiting for its engine, and the warm-up process itself."""

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.dashboard import warmup
from app.dashboard.warmup import STEPS, Warmup, write_progress

MAIN = str(Path(__file__).resolve().parents[2] / "app" / "dashboard" / "main.py")


def test_progress_counts_the_engines_ready(tmp_path):
    progress = tmp_path / "progress.json"
    write_progress(progress, ["overview", "pagerank"])
    state = Warmup(progress)
    assert state.counts() == (2, len(STEPS))
    assert state.ready("pagerank") and not state.ready("graphlets")
    assert state.ready("graph")  # a page without a step waits for nothing
    assert not state.finished()
    write_progress(progress, [step.key for step in STEPS])
    assert state.finished()


def test_a_failed_warm_up_keeps_no_page_waiting(tmp_path):
    progress = tmp_path / "progress.json"
    write_progress(progress, [])
    failed = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    failed.wait()
    state = Warmup(progress, failed)
    assert "code 3" in state.state()["failed"]
    assert state.finished() and state.ready("graphlets")
    assert Warmup(tmp_path / "never-written.json").counts() == (0, len(STEPS))


def test_a_launchers_warm_up_that_has_gone_keeps_no_page_waiting(tmp_path):
    """GWB_WARMUP_PROGRESS: the dashboard reads another process's file, with its pid."""
    progress = tmp_path / "progress.json"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    write_progress(progress, ["overview"], pid=gone.pid)
    assert Warmup(progress).ready("graphlets")
    write_progress(progress, ["overview"], pid=None)  # before the launcher's child wrote
    assert not Warmup(progress).ready("graphlets")


def test_tests_start_no_warm_up():
    assert not warmup.enabled()


def test_page_engines_follow_the_navigation():
    class Page:
        def __init__(self, url_path):
            self.url_path = url_path

    assert warmup.page_engine(Page("")) == "overview"
    assert warmup.page_engine(Page("pagerank")) == "pagerank"
    assert warmup.page_engine(Page("graph")) is None
    assert warmup.page_engine(None) is None


def _sidebar_app():
    from app.dashboard.warmup import engines_sidebar

    engines_sidebar(None)


def test_sidebar_says_preparing_engines_k_of_n(tmp_path, monkeypatch):
    progress = tmp_path / "progress.json"
    write_progress(progress, ["overview", "pagerank"])
    monkeypatch.setattr(warmup, "server_warmup", lambda: Warmup(progress))
    app = AppTest.from_function(_sidebar_app).run()
    texts = [element.proto.text for element in app.sidebar.get("progress")]
    assert texts == [f"preparing engines 2/{len(STEPS)}"]
    write_progress(progress, [step.key for step in STEPS])
    assert not AppTest.from_function(_sidebar_app).run().sidebar.get("progress")


def test_a_page_waits_until_its_engine_is_ready(tmp_path, monkeypatch):
    progress = tmp_path / "progress.json"
    write_progress(progress, ["overview"])
    monkeypatch.setattr(warmup, "server_warmup", lambda: Warmup(progress))
    threading.Timer(0.3, write_progress, (progress, ["overview", "pagerank"])).start()
    started = time.monotonic()
    warmup.wait_for_engine("pagerank", poll_s=0.02)
    assert time.monotonic() - started >= 0.25
    started = time.monotonic()
    warmup.wait_for_engine("overview")  # ready: no wait
    assert time.monotonic() - started < 0.1


@pytest.mark.parametrize("only", [["overview"]])
def test_the_warm_up_process_records_each_engine(tmp_path, only):
    progress = tmp_path / "progress.json"
    subprocess.run(
        [sys.executable, "-m", "app.dashboard.warmup", str(progress), *only],
        check=True,
        capture_output=True,
    )
    state = json.loads(progress.read_text())
    assert state["done"] == [step.key for step in STEPS]
    assert state["total"] == len(STEPS) and state["failed"] is None


class AskedWarmup(Warmup):
    """A warm-up that remembers which engines the dashboard asked about."""

    asked: list

    def ready(self, key):
        self.asked.append(key)
        return super().ready(key)


def test_a_pages_first_run_waits_for_its_own_engine(tmp_path, monkeypatch):
    """The PageRank page's Run waits for the PageRank step, then computes."""
    progress = tmp_path / "progress.json"
    write_progress(progress, ["overview"])
    state = AskedWarmup(progress)
    state.asked = []
    monkeypatch.setattr(warmup, "server_warmup", lambda: state)
    app = AppTest.from_file(MAIN, default_timeout=120).run()
    assert state.asked == ["overview"], "the overview's PageRank waits for its own engine"
    app.switch_page("pages/pagerank.py").run()
    state.asked = []
    threading.Timer(0.5, write_progress, (progress, ["overview", "pagerank"])).start()
    started = time.monotonic()
    app.button[0].click().run()
    assert not app.exception, app.exception
    assert time.monotonic() - started >= 0.45
    assert set(state.asked) == {"pagerank"}
    assert app.dataframe, "the result is shown once the engine is ready"
