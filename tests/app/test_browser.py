"""One real browser: headless Chromium drives the dashboard served by ``streamlit run``.

Skipped when Chromium or Playwright is missing (``make test`` installs Chromium with
apt-get). A screenshot is kept in ``test-artifacts/``.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import engine

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed"),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard_url():
    port = _free_port()
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    log_path = artifacts / "streamlit-server.log"
    log = log_path.open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app" / "dashboard" / "main.py"),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
        ],
        # A file, not a pipe: nobody reads the server's output while the tests run,
        # and a full pipe would block the server.
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                    if reply.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                output = log_path.read_text(errors="replace")
                pytest.fail(f"streamlit did not become healthy:\n{output}")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


@contextlib.contextmanager
def overview_page(playwright, dashboard_url: str, height: int):
    """A headless Chromium page on the dashboard, once the karate overview is drawn.

    The browser closes when the block ends, whether the test passed or not.
    """
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": height})
            page.goto(dashboard_url)
            page.get_by_text("Overview: karate").wait_for(timeout=60_000)
            yield page
        finally:
            browser.close()


def test_pick_a_sample_and_read_its_size(dashboard_url):
    playwright = pytest.importorskip("playwright.sync_api")
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    planted = engine.sample("planted")
    with overview_page(playwright, dashboard_url, height=900) as page:
        # The sidebar's sample picker: the overview may already show its own "Colour by" box.
        page.get_by_test_id("stSidebarUserContent").get_by_test_id("stSelectbox").click()
        page.get_by_role("option", name="planted").click()
        page.get_by_text("Overview: planted").wait_for(timeout=60_000)
        nodes = page.get_by_test_id("stMetric").filter(has_text="Nodes")
        # The title is drawn before the metrics, so the previous graph's
        # values can still be on screen for a moment: wait for the new ones.
        playwright.expect(nodes.get_by_test_id("stMetricValue")).to_have_text(
            f"{planted.n_nodes:,}", timeout=30_000
        )
        page.screenshot(path=str(artifacts / "dashboard-overview.png"), full_page=True)
    assert os.path.getsize(artifacts / "dashboard-overview.png") > 10_000


def test_pagerank_query_in_the_browser(dashboard_url):
    playwright = pytest.importorskip("playwright.sync_api")
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    karate = engine.sample("karate")
    scores = engine.ppr(karate, [33], seed=0, device="cpu")
    expected = engine.top_nodes(karate, scores, 1)["node"].iloc[0]
    with overview_page(playwright, dashboard_url, height=1000) as page:
        page.get_by_role("link", name="PageRank explorer").click()
        page.get_by_text("PageRank explorer: karate").wait_for(timeout=60_000)
        seeds = page.get_by_test_id("stMultiSelect").filter(has_text="Seed nodes")
        # The picker starts with the first node; clear it, then search and pick 33.
        seeds.get_by_role("button", name="Clear all").click()
        seeds.get_by_role("combobox").fill("33")
        page.get_by_role("option", name="33", exact=True).click()
        page.keyboard.press("Escape")  # the open list covers the Run button
        page.get_by_role("button", name="Run").click()
        top = page.get_by_test_id("stMetric").filter(has_text="Top node")
        value = top.get_by_test_id("stMetricValue").inner_text(timeout=60_000)
        page.get_by_test_id("stPlotlyChart").wait_for(timeout=60_000)
        page.screenshot(path=str(artifacts / "dashboard-pagerank.png"), full_page=True)
    assert value == str(expected)
