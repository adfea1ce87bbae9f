"""The graph view in a real browser: a click on a node in headless Chromium selects it,
and the selection becomes the seeds of the PageRank page.

The chart is Plotly WebGL; Chromium draws it in software (SwiftShader), so no GPU is
needed. Screenshots are kept in ``test-artifacts/``. Skipped when Chromium or
Playwright is missing, like ``test_browser.py``, whose server fixture this reuses.
"""

import os

import pytest

from tests.app.test_browser import CHROMIUM, ROOT, dashboard_url, overview_page  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed"),
]

# Where a node is drawn, in page pixels: Plotly's own axis maps, applied to the point
# whose customdata (its node id) is asked for. Node traces are Scattergl.
NODE_PIXEL = """(node) => {
    const plot = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
    if (!plot || !plot._fullData) return null;
    const box = plot.getBoundingClientRect();
    const xaxis = plot._fullLayout.xaxis, yaxis = plot._fullLayout.yaxis;
    for (const trace of plot._fullData) {
        const ids = trace.customdata;
        if (!ids || trace.name === "selected") continue;
        for (let i = 0; i < ids.length; i++) {
            if (Number(ids[i]) === node) {
                return [box.left + xaxis._offset + xaxis.l2p(trace.x[i]),
                        box.top + yaxis._offset + yaxis.l2p(trace.y[i])];
            }
        }
    }
    return null;
}"""


def test_a_click_on_a_node_makes_it_the_seed(dashboard_url):  # noqa: F811
    playwright = pytest.importorskip("playwright.sync_api")
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    node = 33  # karate's highest-degree node: a large marker, easy to hit
    with overview_page(playwright, dashboard_url, height=1200) as page:
        page.get_by_role("link", name="Graph", exact=True).click()
        page.get_by_text("Graph: karate").wait_for(timeout=60_000)
        page.get_by_text("No node selected yet").wait_for(timeout=60_000)
        page.wait_for_function(f"({NODE_PIXEL})({node}) !== null", timeout=60_000)
        # Hover first: Plotly picks the point under the pointer, then the click selects it.
        x, y = page.evaluate(NODE_PIXEL, node)
        page.mouse.move(x, y)
        page.mouse.click(x, y)
        selected = page.get_by_test_id("stAlertContentSuccess")
        playwright.expect(selected).to_contain_text(f"Selected: {node}.", timeout=60_000)
        page.screenshot(path=str(artifacts / "dashboard-graph-selected.png"), full_page=True)

        page.get_by_role("link", name="PageRank explorer").click()
        page.get_by_text("PageRank explorer: karate").wait_for(timeout=60_000)
        seeds = page.get_by_test_id("stMultiSelect").filter(has_text="Seed nodes")
        # The click replaced the picker's default (the first node): one chip, the node.
        chips = seeds.get_by_role("group", name="Selected values").locator("[data-tag]")
        playwright.expect(chips).to_have_text([str(node)], timeout=60_000)
        page.screenshot(path=str(artifacts / "dashboard-graph-seeds.png"), full_page=True)
    assert os.path.getsize(artifacts / "dashboard-graph-selected.png") > 10_000


def test_a_click_in_the_pagerank_view_picks_the_seed_there(dashboard_url):  # noqa: F811
    playwright = pytest.importorskip("playwright.sync_api")
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    node = 33
    with overview_page(playwright, dashboard_url, height=1200) as page:
        page.get_by_role("link", name="PageRank explorer").click()
        page.get_by_text("PageRank explorer: karate").wait_for(timeout=60_000)
        page.get_by_role("button", name="Run").click()
        page.get_by_test_id("stMetric").filter(has_text="Top node").wait_for(timeout=60_000)
        page.wait_for_function(f"({NODE_PIXEL})({node}) !== null", timeout=60_000)
        x, y = page.evaluate(NODE_PIXEL, node)
        page.mouse.move(x, y)
        page.mouse.click(x, y)
        seeds = page.get_by_test_id("stMultiSelect").filter(has_text="Seed nodes")
        chips = seeds.get_by_role("group", name="Selected values").locator("[data-tag]")
        # The seed was node 0, the first listed; the click made it the clicked node.
        playwright.expect(chips).to_have_text([str(node)], timeout=60_000)
        page.screenshot(path=str(artifacts / "dashboard-pagerank-view.png"), full_page=True)


# The plot area in page pixels: left, top, right, bottom.
PLOT_AREA = """() => {
    const plot = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
    const box = plot.getBoundingClientRect();
    const xaxis = plot._fullLayout.xaxis, yaxis = plot._fullLayout.yaxis;
    return [box.left + xaxis._offset, box.top + yaxis._offset,
            box.left + xaxis._offset + xaxis._length, box.top + yaxis._offset + yaxis._length];
}"""


def test_a_box_around_the_graph_selects_every_node(dashboard_url):  # noqa: F811
    playwright = pytest.importorskip("playwright.sync_api")
    with overview_page(playwright, dashboard_url, height=1200) as page:
        page.get_by_role("link", name="Graph", exact=True).click()
        page.get_by_text("Graph: karate").wait_for(timeout=60_000)
        page.wait_for_function(f"({NODE_PIXEL})(0) !== null", timeout=60_000)
        page.get_by_test_id("stPlotlyChart").hover()  # the mode bar shows on hover
        page.get_by_role("button", name="Box Select").click()
        left, top, right, bottom = page.evaluate(PLOT_AREA)
        page.mouse.move(left + 2, top + 2)
        page.mouse.down()
        page.mouse.move(right - 2, bottom - 2, steps=10)
        page.mouse.up()
        selected = page.get_by_test_id("stAlertContentSuccess")
        # 34 nodes: twenty are named, then "and 14 more".
        playwright.expect(selected).to_contain_text("and 14 more", timeout=60_000)
