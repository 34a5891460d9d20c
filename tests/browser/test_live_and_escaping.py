"""Live charts grow while a run logs; user text shows as text and never runs as code."""

from __future__ import annotations

import threading
import time

from sweeplab.store.base import MetricRow, RunChanges
from tests.browser.conftest import BrowserPage, LiveServer
from tests.dashboard.sweep_data import METRIC, PROJECT, XSS_NAME


def test_live_run_chart_grows_while_it_logs(server: LiveServer, browser: BrowserPage) -> None:
    page = browser.page
    run_id = server.data.running_id
    page.goto(f"{server.url}/runs/{run_id}")
    chart = page.locator(f'.chart[data-key="{METRIC}"]')
    chart.locator(".scatterlayer .trace").first.wait_for()
    before = int(chart.get_attribute("data-points") or "0")
    assert before >= 2
    stop = threading.Event()

    def log() -> None:  # the run keeps training: a point every 100 ms
        step = 1000
        while not stop.is_set():
            server.store.log_metrics(run_id, [MetricRow(step, METRIC, 1.0 / (step - 990))])
            server.store.update_run(run_id, RunChanges(summary={METRIC: 1.0 / (step - 990)}))
            step += 1
            time.sleep(0.1)

    writer = threading.Thread(target=log)
    writer.start()
    try:
        page.wait_for_function(
            f"() => Number(document.querySelector('.chart[data-key=\"{METRIC}\"]').dataset.points)"
            f" >= {before + 5}",
            timeout=15_000,
        )
    finally:
        stop.set()
        writer.join()
    # The new points are drawn, not only received: the x axis now reaches the new steps.
    page.wait_for_function(
        f"() => document.querySelector('.chart[data-key=\"{METRIC}\"]')._fullLayout.xaxis.range[1]"
        " > 1000",
        timeout=5_000,
    )
    assert "live" in page.locator("#chart-status").inner_text()
    assert page.locator("#run-runtime").inner_text() != "0.0s"
    browser.screenshot("run-live")
    # The runs table follows its running runs too: state and summary cells update in place.
    page.goto(f"{server.url}/projects/{PROJECT}?state=running")
    cell = page.locator(f'tr[data-run-id="{run_id}"] td[data-col="summary.{METRIC}"]')
    shown = cell.inner_text()
    server.store.update_run(run_id, RunChanges(summary={METRIC: 0.000123}))
    page.wait_for_function(
        f'() => document.querySelector(\'tr[data-run-id="{run_id}"] td[data-col="summary.{METRIC}"]\')'
        ".textContent.trim() === '0.000123'",
        timeout=10_000,
    )
    assert shown != "0.000123"
    assert browser.errors == []


def test_a_script_in_a_run_name_shows_as_text(server: LiveServer, browser: BrowserPage) -> None:
    page = browser.page
    data = server.data
    page.goto(f"{server.url}/runs/{data.xss_run_id}")
    assert page.locator("h1").inner_text() == XSS_NAME
    assert XSS_NAME in page.locator("#config-table").inner_text()
    assert XSS_NAME in page.title()
    page.goto(f"{server.url}/projects/{PROJECT}")
    assert page.locator(".run-name", has_text=XSS_NAME).count() == 1
    # Overlaid with another run, the name also reaches plotly's legend.
    page.goto(f"{server.url}/runs/{data.finished_ids[0]}?compare={data.xss_run_id}")
    legend = page.locator('.chart[data-key="loss"] .legend')
    legend.locator(".traces").first.wait_for()
    assert XSS_NAME in (legend.text_content() or "")
    browser.screenshot("xss-run-name")
    page.wait_for_timeout(300)  # give an injected onerror handler time to fire, if any
    assert page.locator("img[src='x']").count() == 0
    assert browser.dialogs == []
    assert browser.errors == []


def test_pages_forbid_eval_and_violations_reach_the_tests(
    server: LiveServer, browser: BrowserPage
) -> None:
    page = browser.page
    page.goto(f"{server.url}/sweeps/{server.data.sweep_id}")
    # A timer given a string evaluates it as page code, which the CSP blocks (the test's own
    # evaluate() runs through the DevTools protocol, which the CSP does not cover).
    page.evaluate("() => { setTimeout('window.__evaluated = true', 0); }")
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__evaluated === undefined")
    assert [v for v in browser.csp_violations if v.startswith("script-src")], (
        browser.csp_violations
    )
    browser.csp_violations.clear()  # seen: the fixture's check covers every other test
