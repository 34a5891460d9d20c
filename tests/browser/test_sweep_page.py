"""The sweep page's parallel coordinates (parallel.js) and what shows without plotly.js."""

from __future__ import annotations

import re

from tests.browser.conftest import BrowserPage, LiveServer
from tests.dashboard.sweep_data import METRIC

_RENDERED = "() => Number(document.getElementById('parallel').dataset.rendered) > 0"
# Pixels of the lines canvas that are not transparent (the lines were really drawn).
_INKED_PIXELS = """() => {
  const canvas = document.querySelector('#parallel canvas');
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 3; i < pixels.length; i += 4) inked += pixels[i] > 0 ? 1 : 0;
  return inked;
}"""


def _drag_along_axis(page: object, axis: int, start: float, end: float) -> None:
    """Drag on axis ``axis`` from ``start`` to ``end`` (fractions of its height, from the top)."""
    hit = page.locator("#parallel .axis-hit").nth(axis)  # type: ignore[attr-defined]
    hit.scroll_into_view_if_needed()
    box = hit.bounding_box()
    x = box["x"] + box["width"] / 2
    mouse = page.mouse  # type: ignore[attr-defined]
    mouse.move(x, box["y"] + box["height"] * start)
    mouse.down()
    mouse.move(x, box["y"] + box["height"] * end, steps=4)
    mouse.up()


def test_parallel_coordinates_filter_by_dragging_an_axis(
    server: LiveServer, browser: BrowserPage
) -> None:
    page = browser.page
    page.goto(f"{server.url}/sweeps/{server.data.sweep_id}")
    page.wait_for_function(_RENDERED)
    assert page.evaluate(_INKED_PIXELS) > 1000
    note = page.locator("#parallel-note")
    total = int(note.inner_text().split()[0])
    metric_axis = page.locator("#parallel .axis-title").all_text_contents().index(METRIC)
    # Keep the lower half of the metric's range: some runs stay, fewer than all.
    _drag_along_axis(page, metric_axis, 0.5, 1.0)
    match = re.search(r"; (\d+) inside the filters", note.inner_text())
    assert match, note.inner_text()
    assert 0 < int(match.group(1)) < total
    assert page.locator("#parallel .brush").count() == 1
    browser.screenshot("sweep-parallel-filtered")
    # A redraw (here: the window narrower) keeps the filter.
    page.set_viewport_size({"width": 1100, "height": 900})
    page.wait_for_function(
        "() => document.querySelector('#parallel canvas').style.width !== ''"
        " && parseFloat(document.querySelector('#parallel canvas').style.width) < 1100"
    )
    assert page.locator("#parallel .brush").count() == 1
    assert "inside the filters" in note.inner_text()
    # A click on the axis clears its filter.
    _drag_along_axis(page, metric_axis, 0.3, 0.3)
    assert page.locator("#parallel .brush").count() == 0
    assert note.inner_text() == f"{total} runs"
    assert browser.errors == []
    page.set_viewport_size({"width": 1400, "height": 900})


def test_the_sweep_page_without_plotly_still_shows_everything_else(
    server: LiveServer, browser: BrowserPage
) -> None:
    page = browser.page
    page.route(re.compile(r"/static/plotly\.min\.js"), lambda route: route.abort())
    page.goto(f"{server.url}/sweeps/{server.data.sweep_id}")
    page.wait_for_function(_RENDERED)
    page.locator("#scatter", has_text="Chart unavailable: plotly.js did not load.").wait_for()
    assert page.locator("#importance-table tbody tr").count() == 4
    assert page.locator("#top-runs tbody tr").count() == 10
    assert page.evaluate(_INKED_PIXELS) > 1000
    assert page.locator("#action-message").inner_text() == ""  # nothing else failed
    assert browser.errors == []
