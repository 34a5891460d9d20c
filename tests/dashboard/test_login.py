"""Auth on the dashboard: pages need a key once keys exist; signing a browser in by cookie."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from starlette.requests import Request

from sweeplab.server.api_keys import issue_api_key
from sweeplab.server.auth import API_KEY_COOKIE
from sweeplab.server.dashboard.login import login_redirect, safe_next
from sweeplab.store.base import Store
from tests.dashboard.conftest import AppClient
from tests.dashboard.sweep_data import SweepData


@pytest.fixture
def key(store: Store) -> str:
    api_key, _ = issue_api_key(store, read_only=True, name="viewer")
    return api_key


def test_pages_data_and_streams_need_a_key_once_keys_exist(
    app: FastAPI, data: SweepData, key: str
) -> None:
    anonymous = AppClient(app)
    paths = [
        "/",
        "/projects/vision",
        f"/runs/{data.finished_ids[0]}",
        f"/sweeps/{data.sweep_id}",
        f"/dashboard/data/sweeps/{data.sweep_id}",
        f"/dashboard/data/metrics?run={data.finished_ids[0]}",
        f"/dashboard/live/runs?run={data.finished_ids[0]}",
    ]
    for path in paths:
        assert anonymous.get(path).status_code == 401, path
    signed_in = AppClient(app, headers={"Authorization": f"Bearer {key}"})
    for path in paths[:6]:
        assert signed_in.get(path).status_code == 200, path


def test_assets_and_login_page_stay_public(app: FastAPI, key: str) -> None:
    anonymous = AppClient(app)
    assert anonymous.get("/static/dashboard/dashboard.css").status_code == 200
    assert anonymous.get("/static/plotly.min.js").status_code == 200
    page = anonymous.get("/login?next=/projects/vision")
    assert page.status_code == 200 and 'value="/projects/vision"' in page.text


def test_login_sets_an_httponly_cookie_that_authenticates(app: FastAPI, key: str) -> None:
    anonymous = AppClient(app)
    response = anonymous.post(
        "/login",
        content=f"api_key={key}&next=/projects/vision",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/projects/vision"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{API_KEY_COOKIE}={key}")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    with_cookie = AppClient(app, headers={"Cookie": f"{API_KEY_COOKIE}={key}"})
    assert with_cookie.get("/").status_code == 200
    out = with_cookie.post("/logout")
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert f'{API_KEY_COOKIE}=""' in out.headers["set-cookie"]


def test_unknown_key_is_refused_on_the_login_page(app: FastAPI, key: str) -> None:
    response = AppClient(app).post(
        "/login",
        content="api_key=slk_wrong",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 401
    assert "does not know that key" in response.text
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/runs/abc?x=1", "/runs/abc?x=1"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        (None, "/"),
        ("", "/"),
    ],
)
def test_after_login_only_local_paths(target: str | None, expected: str) -> None:
    assert safe_next("", target) == expected


def _request(path: str, accept: str, method: str = "GET", root_path: str = "") -> Request:
    raw_path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "method": method,
        "path": raw_path,
        "root_path": root_path,
        "query_string": query.encode(),
        "headers": [(b"accept", accept.encode())],
        "scheme": "http",
        "server": ("dashboard.test", 80),
    }
    return Request(scope)


def test_browsers_asking_for_pages_are_sent_to_sign_in() -> None:
    response = login_redirect(_request("/runs/abc?compare=x", "text/html,application/xhtml+xml"))
    assert response is not None and response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fruns%2Fabc%3Fcompare%3Dx"
    proxied = login_redirect(_request("/sweeplab/", "text/html", root_path="/sweeplab"))
    assert proxied is not None
    assert proxied.headers["location"] == "/sweeplab/login?next=%2Fsweeplab%2F"


@pytest.mark.parametrize(
    ("path", "accept", "method"),
    [
        ("/api/v1/sweeps", "text/html", "GET"),
        ("/dashboard/data/metrics", "text/html", "GET"),
        ("/", "application/json", "GET"),
        ("/", "text/html", "POST"),
    ],
)
def test_api_calls_keep_their_json_errors(path: str, accept: str, method: str) -> None:
    assert login_redirect(_request(path, accept, method)) is None


def test_a_browser_opening_a_page_without_a_key_is_sent_to_sign_in(
    app: FastAPI, data: SweepData, key: str
) -> None:
    browser = AppClient(app, headers={"Accept": "text/html,application/xhtml+xml"})
    response = browser.get(f"/sweeps/{data.sweep_id}")
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next=%2Fsweeps%2F{data.sweep_id}"
    # API clients and data routes keep the JSON 401 with its challenge.
    api = browser.get(f"/dashboard/data/sweeps/{data.sweep_id}")
    assert api.status_code == 401 and api.headers["www-authenticate"] == "Bearer"
