"""Chart data and static assets: downsampled series, bounded requests, gzip, caching."""

from __future__ import annotations

import gzip
import json
import math
import re
import threading
from pathlib import Path

import pytest

from sweeplab.errors import NotFoundError
from sweeplab.server.dashboard import assets, build_dashboard_router
from sweeplab.server.dashboard.assets import AssetLibrary, plotly_asset, plotly_js_path
from sweeplab.server.dashboard.run_series import MAX_POINTS, MAX_RUNS
from sweeplab.server.settings import ServerSettings
from sweeplab.store.base import MetricRow, NewRun, Store
from tests.dashboard.conftest import AppClient
from tests.dashboard.sweep_data import METRIC, SweepData


def _long_run(store: Store, steps: int = 20_000) -> str:
    run = store.create_run(NewRun(project="p", name="long"))
    rows = [MetricRow(step, "loss", math.sin(step / 500.0)) for step in range(steps)]
    rows[12_345] = MetricRow(12_345, "loss", 50.0)  # a spike the downsampler must keep
    rows[100] = MetricRow(100, "loss", math.nan)
    rows.append(MetricRow(0, "_runtime", 1.0))
    store.log_metrics(run.run_id, rows)
    return run.run_id


def test_series_are_downsampled_keeping_extremes(store: Store, client: AppClient) -> None:
    run_id = _long_run(store)
    response = client.get(f"/dashboard/data/metrics?run={run_id}&points=500")
    assert response.status_code == 200
    body = response.json()
    assert body["keys"] == ["loss"]  # bookkeeping keys (_runtime) are not charted by default
    series = body["runs"][0]["series"]["loss"]
    assert series["total"] == 20_000
    assert len(series["steps"]) <= 500 and series["steps"][0] == 0 and series["steps"][-1] == 19_999
    assert 50.0 in series["values"]
    assert body["runs"][0]["name"] == "long" and body["runs"][0]["state"] == "running"


def test_zoomed_range_gets_full_detail(store: Store, client: AppClient) -> None:
    run_id = _long_run(store)
    body = client.get(
        f"/dashboard/data/metrics?run={run_id}&key=loss&min_step=90&max_step=110"
    ).json()
    series = body["runs"][0]["series"]["loss"]
    assert series["steps"] == list(range(90, 111))
    assert series["values"][10] is None  # NaN travels as null (a gap in the line)


def test_several_runs_overlay(client: AppClient, data: SweepData) -> None:
    ids = data.finished_ids[:3]
    query = "&".join(f"run={run_id}" for run_id in ids)
    body = client.get(f"/dashboard/data/metrics?{query}&key={METRIC}").json()
    assert [run["run_id"] for run in body["runs"]] == list(ids)
    assert all(list(run["series"]) == [METRIC] for run in body["runs"])


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "name at least one run"),
        ("&".join(f"run=r{i}" for i in range(MAX_RUNS + 1)), f"at most {MAX_RUNS} runs"),
        ("run=a&" + "&".join(f"key=k{i}" for i in range(201)), "at most 200 metric keys"),
        (f"run=a&points={MAX_POINTS + 1}", "points must be between"),
        ("run=a&points=5", "points must be between"),
    ],
)
def test_oversized_requests_are_refused(client: AppClient, query: str, message: str) -> None:
    response = client.get(f"/dashboard/data/metrics?{query}")
    assert response.status_code == 422
    assert message in response.json()["error"]["message"]


def test_unknown_run_is_404(client: AppClient) -> None:
    assert client.get("/dashboard/data/metrics?run=nope").status_code == 404


def test_sweep_data_is_gzipped_json(client: AppClient, data: SweepData) -> None:
    response = client.get(
        f"/dashboard/data/sweeps/{data.sweep_id}", headers={"Accept-Encoding": "gzip"}
    )
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.json()["sweep_id"] == data.sweep_id  # httpx decodes gzip
    plain = client.get(
        f"/dashboard/data/sweeps/{data.sweep_id}", headers={"Accept-Encoding": "identity"}
    )
    assert "content-encoding" not in plain.headers
    assert json.loads(plain.content)["progress"]["total"] == 40
    assert client.get("/dashboard/data/sweeps/nope").status_code == 404


def test_plotly_is_served_from_the_plotly_wheel_gzipped_and_cacheable(client: AppClient) -> None:
    path = plotly_js_path()
    assert path.parts[-3:] == ("plotly", "package_data", "plotly.min.js")
    raw = client.get("/static/plotly.min.js?v=1", headers={"Accept-Encoding": "gzip"})
    assert raw.status_code == 200
    assert raw.headers["content-type"].startswith("text/javascript")
    assert raw.headers["content-encoding"] == "gzip"
    assert "immutable" in raw.headers["cache-control"]
    assert raw.content == path.read_bytes()
    assert int(raw.headers["content-length"]) < len(raw.content) / 2
    again = client.get("/static/plotly.min.js", headers={"If-None-Match": raw.headers["etag"]})
    assert again.status_code == 304


def test_own_assets_and_unknown_names(client: AppClient) -> None:
    css = client.get("/static/dashboard/dashboard.css", headers={"Accept-Encoding": "identity"})
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "no-cache" in css.headers["cache-control"]
    for name in ("common.js", "parallel.js", "runs.js", "run.js", "sweep.js", "favicon.svg"):
        assert client.get(f"/static/dashboard/{name}").status_code == 200
    missing = client.get("/static/dashboard/..%2F__init__.py")
    assert missing.status_code == 404
    assert client.get("/static/dashboard/secret.txt").status_code == 404


def test_missing_plotly_is_reported_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(NotFoundError, match=r"pip install 'plotly>=5'"):
        AssetLibrary().get("plotly.min.js")


def test_asset_versions_change_with_content() -> None:
    library = AssetLibrary()
    assert library.url("plotly.min.js").startswith("/static/plotly.min.js?v=plotly-")
    assert library.url("run.js").startswith("/static/dashboard/run.js?v=")
    body = library.get("dashboard.css")
    assert gzip.decompress(body.gzipped) == body.body
    assert (
        Path(assets.__file__).with_name("static").joinpath("dashboard.css").read_bytes()
        == body.body
    )


def test_plotly_is_compressed_in_the_background_once_per_process() -> None:
    library = AssetLibrary()
    thread = library.prepare_in_background()
    assert thread is not None
    assert library.prepare_in_background() is None  # started once
    thread.join(timeout=30)
    # Shared: another dashboard in the process serves the same compressed bytes.
    assert AssetLibrary().get("plotly.min.js") is plotly_asset() is library.get("plotly.min.js")


def test_background_compression_leaves_a_missing_plotly_to_the_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    failures: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: failures.append(args.exc_value))
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    library = AssetLibrary()
    thread = library.prepare_in_background()
    assert thread is not None
    thread.join(timeout=30)
    assert failures == []
    with pytest.raises(NotFoundError, match=r"plotly\.min\.js is not installed"):
        library.get("plotly.min.js")


def test_building_the_dashboard_starts_compressing_plotly(
    monkeypatch: pytest.MonkeyPatch, store: Store
) -> None:
    started: list[AssetLibrary] = []

    def record(library: AssetLibrary) -> None:
        started.append(library)

    monkeypatch.setattr(AssetLibrary, "prepare_in_background", record)
    router = build_dashboard_router(store, ServerSettings())
    assert started == [router.dashboard.assets]


def test_the_favicon_is_inline(client: AppClient, data: SweepData) -> None:
    from urllib.parse import unquote

    page = client.get(f"/sweeps/{data.sweep_id}").text
    match = re.search(r'<link rel="icon" type="image/svg\+xml" href="data:image/svg\+xml,([^"]+)">', page)
    assert match, "no inline favicon"
    favicon = Path(assets.__file__).with_name("static").joinpath("favicon.svg").read_bytes()
    assert unquote(match.group(1)).encode() == favicon
