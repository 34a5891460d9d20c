"""The dashboard in Chromium: each page renders with data; screenshots of each page."""

from __future__ import annotations

import re

from sweeplab.domain import SweepState
from tests.browser.conftest import BrowserPage, LiveServer
from tests.dashboard.sweep_data import METRIC, PROJECT


def test_projects_page(server: LiveServer, browser: BrowserPage) -> None:
    page = browser.page
    page.goto(server.url + "/")
    link = page.locator("#projects-table a", has_text=PROJECT)
    assert link.count() == 1
    browser.screenshot("projects")
    link.click()
    page.wait_for_url(re.compile(f"/projects/{PROJECT}$"))
    assert browser.errors == []


def test_runs_table_sorts_filters_and_compares(server: LiveServer, browser: BrowserPage) -> None:
    page = browser.page
    data = server.data
    page.goto(f"{server.url}/projects/{PROJECT}")
    rows = page.locator("#runs-table tbody tr")
    assert rows.count() == len(data.finished_ids) + len(data.stopped_ids) + 2
    assert page.locator("#sweeps-table tbody tr").count() == 1
    browser.screenshot("runs-table")
    # Sort by the metric, best first (ascending), by clicking its header twice.
    page.locator("#runs-table thead a", has_text=METRIC).click()
    page.wait_for_url(re.compile(r"sort=-summary\.val_loss"))
    page.locator("#runs-table thead a", has_text=METRIC).click()
    page.wait_for_url(re.compile(r"sort=summary\.val_loss"))
    values = [
        float(text)
        for text in page.locator(f'#runs-table td[data-col="summary.{METRIC}"]').all_inner_texts()
        if text.strip()
    ]
    assert values == sorted(values) and len(values) >= len(data.finished_ids)
    # Filter to stopped runs through the form.
    page.locator('input[name="state"][value="stopped"]').check()
    page.locator("#runs-filter button[type=submit]").click()
    page.wait_for_url(re.compile(r"state=stopped"))
    assert rows.count() == len(data.stopped_ids)
    # Select two runs and compare them on one chart.
    boxes = page.locator(".run-select")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.locator("#compare-button").click()
    page.wait_for_url(re.compile(r"/runs/\w+\?compare="))
    chart = page.locator(f'.chart[data-key="{METRIC}"]')
    chart.locator(".scatterlayer .trace").nth(1).wait_for()
    assert chart.locator(".scatterlayer .trace").count() == 2
    browser.screenshot("run-compare")
    assert browser.errors == []


def test_run_page_charts(server: LiveServer, browser: BrowserPage) -> None:
    page = browser.page
    run_id = server.data.finished_ids[0]
    page.goto(f"{server.url}/runs/{run_id}")
    for key in ("accuracy", "train_loss", METRIC):
        page.locator(f'.chart[data-key="{key}"] .scatterlayer .trace path.js-line').wait_for()
    chart = page.locator(f'.chart[data-key="{METRIC}"]')
    assert chart.get_attribute("data-points") == "16"
    assert "3 metrics" in page.locator("#chart-status").inner_text()
    page.locator("#log-y").check()
    axis_type = page.evaluate(
        f"document.querySelector('.chart[data-key=\"{METRIC}\"]').layout.yaxis.type"
    )
    assert axis_type == "log"
    page.locator("#smoothing").fill("0.6")
    chart.locator(".scatterlayer .trace").nth(1).wait_for()  # raw + smoothed line
    page.locator("#chart-filter").fill("acc")
    assert page.locator('.chart-card[data-key="train_loss"]').is_hidden()
    page.locator("#chart-filter").fill("")
    # Zooming asks the server for full detail in the zoomed step range.
    with page.expect_request(
        lambda request: "min_step=2" in request.url and "max_step=6" in request.url
    ):
        page.evaluate(
            f"Plotly.relayout(document.querySelector('.chart[data-key=\"{METRIC}\"]'),"
            " {'xaxis.range[0]': 2, 'xaxis.range[1]': 6})"
        )
    assert page.locator("#config-table tr").count() == 4
    browser.screenshot("run")
    assert browser.errors == []


def test_sweep_page_renders_analysis(server: LiveServer, browser: BrowserPage) -> None:
    page = browser.page
    data = server.data
    page.goto(f"{server.url}/sweeps/{data.sweep_id}")
    page.wait_for_function(
        "() => Number(document.getElementById('parallel').dataset.rendered) > 0", timeout=15_000
    )
    parallel = page.locator("#parallel")
    # Drawn by parallel.js (a 2D canvas under an SVG of axes), not by plotly's WebGL parcoords.
    assert parallel.locator("canvas").count() == 1
    assert parallel.locator("svg.parcoords").count() == 1
    assert parallel.locator(".js-plotly-plot").count() == 0
    labels = parallel.locator(".axis-title").all_text_contents()
    assert labels == ["batch_size", "dropout", "lr (log)", "optimizer", METRIC]
    assert re.fullmatch(r"\d+ runs", page.locator("#parallel-note").inner_text())
    importance = page.locator("#importance-table tbody tr")
    assert importance.count() == 4
    first = importance.nth(0).locator("td")
    assert first.nth(0).inner_text() == "lr"
    assert 0.0 < float(first.nth(1).inner_text()) <= 1.0
    assert page.locator("#scatter .scatterlayer .point").count() >= len(data.finished_ids)
    assert page.locator("#top-runs tbody tr").count() == 10
    stopped = page.locator("#decisions-stopped tbody tr")
    assert stopped.count() == len(data.stopped_ids)
    assert "early termination (hyperband)" in stopped.nth(0).inner_text()
    total = len(data.finished_ids) + len(data.stopped_ids) + 1
    assert page.locator("#progress-text").inner_text() == f"{total} / 40 runs"
    browser.screenshot("sweep")
    assert browser.errors == []


def test_sweep_controls_call_the_api(server: LiveServer, browser: BrowserPage) -> None:
    page = browser.page
    sweep_id = server.data.sweep_id
    page.goto(f"{server.url}/sweeps/{sweep_id}")
    page.locator('[data-action="pause"]').click()
    page.locator("#sweep-state .badge", has_text="paused").wait_for()
    assert server.store.get_sweep(sweep_id).state is SweepState.PAUSED
    assert page.locator('[data-action="pause"]').is_disabled()
    page.locator('[data-action="resume"]').click()
    page.locator("#sweep-state .badge", has_text="running").wait_for()
    assert server.store.get_sweep(sweep_id).state is SweepState.RUNNING
    # Stop asks for confirmation; dismissing it changes nothing.
    page.locator('[data-action="stop"]').click()
    assert browser.dialogs and "Stop this sweep?" in browser.dialogs[-1]
    assert server.store.get_sweep(sweep_id).state is SweepState.RUNNING
    assert browser.errors == []
