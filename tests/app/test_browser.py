"""One real browser: headless Chromium drives the dashboard served by ``streamlit run``.

Every page is opened, and a test fails on a console error or on any request to a host
other than this machine: the dashboard must work in a lab with no internet. Skipped when
Chromium or Playwright is missing (``make test`` installs Chromium with apt-get).
Screenshots are kept in ``test-artifacts/`` (``dashboard-<page>.png``).
"""

import contextlib
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import engine
from app.cli.supervise import die_with_parent_hook

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
        # Killed with pytest too: a pytest stopped by SIGKILL runs no `finally`.
        preexec_fn=die_with_parent_hook(),
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
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:  # a slow stop must not leave the server behind
            server.kill()
            server.wait()
        log.close()


LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


@dataclass
class Watch:
    """What a page did that an offline lab would notice: requests to other hosts, and
    console errors (a failed request shows up as one too)."""

    outside_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        """Record from ``page`` on; attach before the first ``goto`` to see the first load."""
        page.on("request", self._request)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console_errors.append(f"uncaught: {error}"))

    def _request(self, request) -> None:
        url = urllib.parse.urlsplit(request.url)
        # data: and blob: URLs are the page's own bytes, not a request to anyone.
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in LOCAL_HOSTS:
            self.outside_requests.append(request.url)

    def _console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def assert_clean(self) -> None:
        assert not self.outside_requests, f"requests outside this machine: {self.outside_requests}"
        assert not self.console_errors, f"console errors: {self.console_errors}"


@contextlib.contextmanager
def overview_page(playwright, dashboard_url: str, height: int, watch: Watch | None = None):
    """A headless Chromium page on the dashboard, once the karate overview is drawn.

    ``watch``, when given, records the page's outside requests and console errors from
    before it loads. The browser closes when the block ends, whether the test passed or not.
    """
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": height})
            if watch is not None:
                watch.attach(page)
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
        page.screenshot(path=str(artifacts / "dashboard-overview-planted.png"), full_page=True)
    assert os.path.getsize(artifacts / "dashboard-overview-planted.png") > 10_000


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
        page.screenshot(path=str(artifacts / "dashboard-pagerank-query.png"), full_page=True)
    assert value == str(expected)


# True once the script run has ended, no element still waits to be drawn (Streamlit shows a
# skeleton in its place), and every Plotly chart has drawn its SVG.
DRAWN = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return app !== null && app.dataset.testScriptState === "notRunning"
        && document.querySelector('[data-testid="stSkeleton"]') === null
        && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
            .every(chart => chart.querySelector(".main-svg") !== null);
}"""


def wait_until_drawn(page, timeout_ms: int = 120_000) -> None:
    """Until the page has finished running and drawing (see ``DRAWN``)."""
    page.wait_for_function(DRAWN, timeout=timeout_ms)
    # Twice, a moment apart: a chart can still be replaced right after a run ends.
    page.wait_for_timeout(300)
    page.wait_for_function(DRAWN, timeout=timeout_ms)


def slug(title: str) -> str:
    """``"PageRank explorer"`` -> ``"pagerank-explorer"``, for a screenshot's name."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


# The axes each Plotly chart on the page draws, as Plotly.js laid them out: the
# browser's own reading, not the figure object the server sent.
DRAWN_AXES = """() => [...document.querySelectorAll('.js-plotly-plot')].map(plot => ({
    title: (plot._fullLayout.title || {}).text || "",
    x: {type: plot._fullLayout.xaxis.type, range: plot._fullLayout.xaxis.range},
    y: {type: plot._fullLayout.yaxis.type, range: plot._fullLayout.yaxis.range},
}))"""


def plain(title: str) -> str:
    """A drawn title without its markup (Streamlit's theme bolds titles, long ones wrap)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", title)).strip()


def test_every_page_opens_offline_without_console_errors(dashboard_url):
    playwright = pytest.importorskip("playwright.sync_api")
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    watch = Watch()
    # Tall: Streamlit scrolls inside its own container, so a screenshot shows one viewport.
    with overview_page(playwright, dashboard_url, height=1800, watch=watch) as page:
        links = page.get_by_test_id("stSidebarNav").get_by_role("link")
        # A link's text is its icon's name, then its title.
        titles = [text.split("\n")[-1].strip() for text in links.all_inner_texts()]
        assert titles[0] == "Overview" and len(titles) >= 6
        shots = []
        for index, title in enumerate(titles):
            links.nth(index).click()
            heading = page.get_by_role("heading", level=1).filter(has_text=f"{title}: karate")
            heading.wait_for(timeout=60_000)
            wait_until_drawn(page)
            shot = artifacts / f"dashboard-{slug(title)}.png"
            page.screenshot(path=str(shot), full_page=True)
            shots.append(shot)
    assert all(os.path.getsize(shot) > 10_000 for shot in shots)
    watch.assert_clean()


def test_cluster_charts_draw_sane_axes_in_the_browser(dashboard_url):
    """The sweep profile's axis ran to 10^cluster size in the browser; now it spans the sweep."""
    playwright = pytest.importorskip("playwright.sync_api")
    artifacts = ROOT / "test-artifacts"
    watch = Watch()
    karate = engine.sample("karate")
    found = engine.local_cluster(karate, 0)
    with overview_page(playwright, dashboard_url, height=1400, watch=watch) as page:
        page.get_by_role("link", name="Local clusters").click()
        page.get_by_text("Local clusters: karate").wait_for(timeout=60_000)
        # The seed picker starts with the first node, 0.
        page.get_by_role("button", name="Run").click()
        page.get_by_test_id("stMetric").filter(has_text="Members").wait_for(timeout=60_000)
        page.get_by_role("button", name="Compute profile").click()
        page.get_by_text("sizes, computed in").wait_for(timeout=120_000)
        wait_until_drawn(page)
        page.screenshot(path=str(artifacts / "dashboard-local-clusters-run.png"), full_page=True)
        drawn = {plain(chart["title"]).split(":")[0]: chart for chart in page.evaluate(DRAWN_AXES)}
        charts = page.get_by_test_id("stPlotlyChart")
        for name, index in (("sweep", 0), ("ncp", charts.count() - 1)):
            # Centred first: at the top of the view, Streamlit's header would cover the title.
            charts.nth(index).evaluate("chart => chart.scrollIntoView({block: 'center'})")
            charts.nth(index).screenshot(path=str(artifacts / f"dashboard-clusters-{name}.png"))
    assert "Sweep profile" in drawn, list(drawn)
    sweep = drawn["Sweep profile"]
    assert sweep["x"]["type"] == "log"
    low, high = (10**end for end in sweep["x"]["range"])
    assert 0.5 <= low <= 1 and found.profile["size"].max() <= high <= 1.5 * karate.n_nodes
    assert sweep["y"]["range"][0] == 0
    ncp = drawn["Community profile"]
    assert ncp["x"]["type"] == ncp["y"]["type"] == "log"
    assert 10 ** ncp["x"]["range"][1] <= 1.5 * karate.n_nodes
    watch.assert_clean()


def test_graphlets_and_similar_answers_stay_offline(dashboard_url):
    """The answers' charts and tables (a Vega-Lite bar chart among them) fetch nothing."""
    playwright = pytest.importorskip("playwright.sync_api")
    artifacts = ROOT / "test-artifacts"
    watch = Watch()
    with overview_page(playwright, dashboard_url, height=1600, watch=watch) as page:
        page.get_by_role("link", name="Graphlets").click()
        page.get_by_text("Graphlets: karate").wait_for(timeout=60_000)
        page.get_by_role("button", name="Count orbits").click()
        page.get_by_text("Graphlet degree vectors").wait_for(timeout=120_000)
        wait_until_drawn(page)
        page.get_by_test_id("stVegaLiteChart").first.wait_for(timeout=60_000)
        page.screenshot(path=str(artifacts / "dashboard-graphlets-counted.png"), full_page=True)
        page.get_by_role("link", name="Similar nodes").click()
        page.get_by_text("Similar nodes: karate").wait_for(timeout=60_000)
        page.get_by_role("button", name="Find similar nodes").click()
        page.get_by_test_id("stMetric").filter(has_text="Most similar").wait_for(timeout=60_000)
        wait_until_drawn(page)
        page.screenshot(path=str(artifacts / "dashboard-similar-answer.png"), full_page=True)
    watch.assert_clean()


@pytest.mark.skipif(importlib.util.find_spec("umap") is None, reason="umap-learn is not installed")
def test_embeddings_umap_map_in_the_browser(dashboard_url):
    playwright = pytest.importorskip("playwright.sync_api")
    artifacts = ROOT / "test-artifacts"
    watch = Watch()
    with overview_page(playwright, dashboard_url, height=1200, watch=watch) as page:
        page.get_by_role("link", name="Embeddings").click()
        page.get_by_text("Embeddings: karate").wait_for(timeout=60_000)
        page.get_by_role("button", name="Compute embeddings").click()
        page.get_by_text("PCA of the embedding").wait_for(timeout=120_000)
        page.get_by_test_id("stRadio").get_by_text("UMAP", exact=True).click()
        # The first map in a server compiles UMAP's kernels: tens of seconds on 2 cores.
        page.get_by_text("UMAP of the embedding").wait_for(timeout=240_000)
        wait_until_drawn(page)
        page.screenshot(path=str(artifacts / "dashboard-embeddings-umap.png"), full_page=True)
        (chart,) = [c for c in page.evaluate(DRAWN_AXES) if plain(c["title"]).startswith("UMAP")]
    assert chart["x"]["type"] == "linear"
    watch.assert_clean()
