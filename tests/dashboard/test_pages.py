"""The HTML pages, served by create_app: content, escaping, headers, errors."""

from __future__ import annotations

import html
import re

import pytest

from sweeplab.server.dashboard.templating import (
    CONTENT_SECURITY_POLICY,
    format_duration,
    format_number,
    format_time,
    format_value,
)
from sweeplab.store.base import NewRun, Store
from tests.dashboard.conftest import AppClient
from tests.dashboard.sweep_data import PROJECT, XSS_NAME, SweepData


def test_projects_page_lists_projects_with_counts(client: AppClient, data: SweepData) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert f'href="/projects/{PROJECT}"' in response.text
    total = len(data.finished_ids) + len(data.stopped_ids) + 2
    assert f'<td class="num">{total}</td>' in response.text


def test_empty_store_says_how_to_start(client: AppClient) -> None:
    assert "No runs yet" in client.get("/").text


def test_project_page_shows_sweeps_and_runs(client: AppClient, data: SweepData) -> None:
    page = client.get(f"/projects/{PROJECT}").text
    assert f'href="/sweeps/{data.sweep_id}"' in page
    assert "cnn-search" in page
    for run_id in (*data.finished_ids, data.running_id):
        assert f'data-run-id="{run_id}"' in page
    assert f'data-running="{data.running_id}' in page or data.running_id in page
    # Default columns: built-ins, then config and summary keys found in the runs.
    for header in ("batch_size", "optimizer", "val_loss", "Runtime"):
        assert header in page


def test_project_page_filters_sorts_and_pages(client: AppClient, data: SweepData) -> None:
    stopped = client.get(f"/projects/{PROJECT}?state=stopped").text
    assert all(f'data-run-id="{run_id}"' in stopped for run_id in data.stopped_ids)
    assert f'data-run-id="{data.finished_ids[0]}"' not in stopped
    page = client.get(f"/projects/{PROJECT}?sort=summary.val_loss&per_page=10").text
    assert page.count("data-run-id=") == 10
    assert "Next →" in page and "← Previous" not in page
    second = client.get(f"/projects/{PROJECT}?sort=summary.val_loss&per_page=10&page=2").text
    assert "← Previous" in second
    grouped = client.get(f"/projects/{PROJECT}?group_by=state&group_metric=summary.val_loss").text
    assert 'id="groups-table"' in grouped and "mean summary.val_loss" in grouped
    chosen = client.get(f"/projects/{PROJECT}?cols=config.lr,tags").text
    head = chosen.split('id="runs-table"')[1].split("</thead>")[0]
    assert "batch_size" not in head and "Tags" in head and "lr" in head


def test_bad_table_parameters_render_an_error_page(client: AppClient, data: SweepData) -> None:
    response = client.get(f"/projects/{PROJECT}?sort=config.lr")
    assert response.status_code == 422
    assert "cannot sort by" in response.text and "request_invalid" in response.text


def test_unknown_project_is_a_404_page(client: AppClient) -> None:
    response = client.get("/projects/nope")
    assert response.status_code == 404
    assert "no project named" in html.unescape(response.text)


def test_run_page_shows_config_summary_and_chart_hooks(client: AppClient, data: SweepData) -> None:
    run_id = data.finished_ids[0]
    page = client.get(f"/runs/{run_id}").text
    assert 'id="config-table"' in page and 'id="summary-table"' in page
    assert f'data-runs="{run_id}"' in page and 'data-live=""' in page
    assert "/static/plotly.min.js?v=plotly-" in page
    assert f'href="/sweeps/{data.sweep_id}"' in page
    live = client.get(f"/runs/{data.running_id}").text
    assert f'data-live="{data.running_id}"' in live


def test_run_page_overlays_other_runs(client: AppClient, data: SweepData) -> None:
    first, second, third = data.finished_ids[:3]
    page = client.get(f"/runs/{first}?compare={second},{third},{first}").text
    assert f'data-runs="{first},{second},{third}"' in page
    assert page.count('class="compare-item"') == 3


def test_run_page_errors(client: AppClient, data: SweepData) -> None:
    missing = client.get("/runs/doesnotexist")
    assert missing.status_code == 404 and "doesnotexist" in missing.text
    other = client.get(f"/runs/{data.finished_ids[0]}?compare=nope")
    assert other.status_code == 404 and "nope" in other.text
    many = ",".join(f"r{i}" for i in range(25))
    too_many = client.get(f"/runs/{data.finished_ids[0]}?compare={many}")
    assert too_many.status_code == 422 and "at most 19 other runs" in too_many.text
    long_id = client.get(f"/runs/{data.finished_ids[0]}?compare={'x' * 65}")
    assert long_id.status_code == 422 and "at most 64 characters" in long_id.text


def test_sweep_page_shows_state_controls_and_config(client: AppClient, data: SweepData) -> None:
    page = client.get(f"/sweeps/{data.sweep_id}").text
    assert 'data-sweep="' + data.sweep_id + '"' in page and 'data-live="true"' in page
    buttons = dict(re.findall(r'data-action="(\w+)" ?(disabled)?', page))
    assert buttons == {"pause": "", "resume": "disabled", "stop": "", "cancel": ""}
    assert "hyperband" in page and "min_iter=3" in page and "run_cap 40" in page
    assert "&#34;log_uniform_values&#34;" in page  # the config, escaped
    assert client.get("/sweeps/missing").status_code == 404


def test_names_and_values_are_escaped_everywhere(client: AppClient, data: SweepData) -> None:
    escaped = html.escape(XSS_NAME)
    for path in (f"/projects/{PROJECT}", f"/runs/{data.xss_run_id}"):
        page = client.get(path).text
        assert XSS_NAME not in page
        assert escaped in page or XSS_NAME.replace("<", "&lt;").replace(">", "&gt;") in page


def test_project_names_with_slashes_stay_one_segment(store: Store, client: AppClient) -> None:
    store.create_run(NewRun(project="team/a b", name="slashed-run"))
    page = client.get("/").text
    assert 'href="/projects/team%2Fa%20b"' in page
    project = client.get("/projects/team%2Fa%20b")
    assert project.status_code == 200 and "slashed-run" in project.text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.000123456, "0.0001235"),
        (float("nan"), "NaN"),
        (float("-inf"), "-Infinity"),
        (12345, "12,345"),
        (True, "true"),
        ([1, 2], "[1, 2]"),
        ("x" * 200, "x" * 119 + "…"),
        (None, ""),
    ],
)
def test_value_formatting(value: object, text: str) -> None:
    assert format_value(value) == text


def test_time_and_duration_formatting() -> None:
    assert format_time(0) == "" and format_time(86400.0) == "1970-01-02 00:00:00"
    assert format_duration(5.25) == "5.2s" and format_duration(125) == "2m 05s"
    assert format_duration(7300) == "2h 01m" and format_duration(None) == ""
    assert format_number(1.5) == "1.5"


def test_project_page_counts_without_scanning_every_run(client: AppClient, data: SweepData) -> None:
    fresh = client.get(f"/projects/{PROJECT}").text
    assert "2 running" in fresh and " runs</span>" not in fresh  # no project scan yet
    client.get("/")  # the projects page computes (and caches) the counts
    total = len(data.finished_ids) + len(data.stopped_ids) + 2
    assert f"{total} runs</span>" in client.get(f"/projects/{PROJECT}").text


def test_pages_are_compressed_for_clients_that_accept_it(
    client: AppClient, data: SweepData
) -> None:
    response = client.get(f"/projects/{PROJECT}", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert int(response.headers["content-length"]) < len(response.content) / 3
    assert response.headers["cache-control"] == "no-store"
