"""End to end: the dashboard served by ``scslab dashboard`` and used in headless Chromium.

Loads the page, runs the baseline, moves a lever, runs again and checks that a chart and
a headline figure changed; uploads a bad scenario file and checks its error is shown.
A screenshot is kept in ``test-artifacts/`` (or $SCSLAB_TEST_ARTIFACTS).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from browser import browser_page, chromium_path

ARTIFACTS = Path(os.environ.get("SCSLAB_TEST_ARTIFACTS", Path(__file__).parent.parent / "test-artifacts"))
CHART_DATA = "() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(d => JSON.stringify((d.data || []).map(t => t.y)))"
RUN_TIMEOUT_MS = 180_000
EXPRESSION = 6  # the expression chart with your levers (charts alternate: with your levers, baseline)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory):
    chromium_path()  # skip (or fail in CI) before starting anything
    port = _free_port()
    log_path = tmp_path_factory.mktemp("dashboard") / "server.log"
    log = log_path.open("wb")
    server = subprocess.Popen([sys.executable, "-m", "scslab", "dashboard", "--port", str(port)],
                              stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read() == b"ok":
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the dashboard did not start: {log_path.read_text(errors='replace')[-2000:]}")
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _run(page, shows: str) -> list[str]:
    """Press Run, wait for results that say ``shows``, return the headline figures."""
    page.get_by_role("button", name="Run").click()
    page.get_by_text(shows).wait_for(timeout=RUN_TIMEOUT_MS)
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=RUN_TIMEOUT_MS)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 12", timeout=RUN_TIMEOUT_MS)
    _settle(page)
    return page.get_by_test_id("stMetricValue").all_inner_texts()


def _settle(page, quiet_s: float = 2.0, limit_s: float = 60.0):
    """Wait until the charts stop changing (the page redraws them for a moment after a run)."""
    last, since, deadline = page.evaluate(CHART_DATA), time.monotonic(), time.monotonic() + limit_s
    while time.monotonic() - since < quiet_s and time.monotonic() < deadline:
        time.sleep(0.25)
        now = page.evaluate(CHART_DATA)
        if now != last:
            last, since = now, time.monotonic()


def test_move_a_lever_run_and_see_charts_and_figures_change(dashboard_url):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with browser_page() as page:
        page.goto(dashboard_url)
        page.get_by_text("scslab policy lab").wait_for(timeout=60_000)
        agents = page.get_by_role("spinbutton", name="Agents")
        agents.fill("20000")
        agents.press("Enter")
        page.wait_for_function("() => document.querySelector('input[aria-label=\"Agents\"]').value === '20000'")

        before = _run(page, "Levers as in the scenario")
        charts_before = page.evaluate(CHART_DATA)
        assert len(before) == 5

        page.get_by_text("public", exact=True).click()  # the rulebook lever: secret -> public
        after = _run(page, "Levers moved: Rulebook mode")
        # on a loaded machine the page may still show the previous run's charts for a while after the new
        # figures: wait (within the run timeout) until the run's expression chart is redrawn, then settle
        page.wait_for_function(
            f"before => ({CHART_DATA})()[{EXPRESSION}] !== before", arg=charts_before[EXPRESSION],
            timeout=RUN_TIMEOUT_MS)
        _settle(page)
        charts_after = page.evaluate(CHART_DATA)
        page.screenshot(path=str(ARTIFACTS / "dashboard.png"))

    chilled = 3  # "Lawful speech chilled (last year)"
    assert before[chilled] != after[chilled]
    # charts alternate (with your levers, baseline): the run's charts change, the baseline's do not
    assert charts_before[0::2] != charts_after[0::2]
    assert charts_before[1::2] == charts_after[1::2]
    assert json.loads(charts_before[EXPRESSION]) != json.loads(charts_after[EXPRESSION])


def test_a_bad_upload_shows_its_error(dashboard_url, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[rulebook]\nmode = "sometimes"\n')
    with browser_page() as page:
        page.goto(dashboard_url)
        page.get_by_text("scslab policy lab").wait_for(timeout=60_000)
        page.get_by_text("my scenario file").click()
        page.locator("input[type=file]").set_input_files(str(bad))
        alert = page.get_by_text("bad.toml: field rulebook.mode")
        alert.wait_for(timeout=30_000)
        assert "Input should be 'public' or 'secret'" in alert.inner_text()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard-bad-upload.png"))
