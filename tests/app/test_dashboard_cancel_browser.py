"""Cancel in a real browser: a click on Cancel stops the engine's work mid-run.

AppTest runs a script to its end before anything can be clicked, so only a served
dashboard shows that the click interrupts the running call (Streamlit stops the script
at the progress bar's next update) rather than waiting for it. Skipped, as
``test_browser.py`` is, without Chromium or Playwright.
"""

import re
import time
from pathlib import Path

import pytest

from tests.app.test_browser import CHROMIUM, dashboard_url, overview_page  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed"),
]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
#: Random seeds of the profile: about 0.1 s each on the planted sample (10,000 nodes) on
#: the reference machine, so the whole run takes minutes and a cancel stands out.
SEEDS = 2000


def test_cancel_stops_a_running_profile(dashboard_url):  # noqa: F811
    playwright = pytest.importorskip("playwright.sync_api")
    with overview_page(playwright, dashboard_url, height=1400) as page:
        page.get_by_test_id("stSidebarUserContent").get_by_test_id("stSelectbox").click()
        page.get_by_role("option", name="planted").click()
        page.get_by_text("Overview: planted").wait_for(timeout=60_000)
        page.get_by_role("link", name="Local clusters").click()
        page.get_by_text("Network community profile", exact=True).wait_for(timeout=60_000)
        seeds = page.get_by_test_id("stNumberInput").filter(has_text="Random seeds")
        seeds.locator("input").fill(str(SEEDS))
        page.get_by_role("button", name="Compute profile").click()
        cancel = page.get_by_role("button", name="Cancel")
        cancel.wait_for(timeout=60_000)
        # The bar moves: the work has started (and reports progress) before the click.
        bar = page.get_by_test_id("stProgress")
        playwright.expect(bar).to_contain_text(re.compile(r"of [0-9,]+ seeds"), timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / "dashboard-cancel-running.png"), full_page=True)
        clicked = time.monotonic()
        cancel.click()
        page.get_by_text("Cancelled: the run was stopped").wait_for(timeout=30_000)
        stopped_after = time.monotonic() - clicked
        assert page.get_by_text("sizes, computed in").count() == 0, "no half profile is kept"
        assert page.get_by_role("button", name="Cancel").count() == 0
        page.screenshot(path=str(ARTIFACTS / "dashboard-cancel-done.png"), full_page=True)
    # Streamlit starts the rerun that says "Cancelled" only once the running script has
    # ended, so the engine's call was interrupted, not waited for (minutes).
    assert stopped_after < 30
