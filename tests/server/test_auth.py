"""API keys: open on loopback without keys; 401 without a key, 403 for read-only writes."""

from __future__ import annotations

import httpx
import pytest

from sweeplab.server.api_keys import KEY_PREFIX, generate_api_key, hash_api_key
from sweeplab.server.app import create_app
from sweeplab.server.auth import API_KEY_COOKIE, CSRF_HEADER, Authenticator
from sweeplab.server.settings import ServerSettings, is_loopback_host
from sweeplab.store.base import Store
from tests.server.conftest import Keys
from tests.server.inprocess import client_for

SWEEP = {"project": "p", "config": {"method": "random", "parameters": {"x": {"values": [1]}}}}


def test_without_keys_the_server_is_open(client: httpx.Client) -> None:
    assert client.post("/api/v1/sweeps", json=SWEEP).status_code == 201
    assert client.get("/api/v1/sweeps").status_code == 200


def test_without_a_key_writes_and_reads_get_401(store: Store, keys: Keys) -> None:
    with client_for(create_app(store, ServerSettings(key_cache_seconds=0))) as anonymous:
        refused = anonymous.post("/api/v1/sweeps", json=SWEEP)
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"] == "Bearer"
        body = refused.json()["error"]
        assert body["code"] == "unauthenticated"
        assert "sweeplab server create-key" in body["message"]
        assert anonymous.get("/api/v1/sweeps").status_code == 401
        assert anonymous.get("/healthz").status_code == 200  # the one public route


def test_read_only_key_reads_but_gets_403_on_writes(store: Store, keys: Keys) -> None:
    app = create_app(store, ServerSettings(key_cache_seconds=0))
    with client_for(app, keys.read_only) as reader:
        assert reader.get("/api/v1/sweeps").status_code == 200
        refused = reader.post("/api/v1/sweeps", json=SWEEP)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "permission_denied"
        assert "read-only" in refused.json()["error"]["message"]
    with client_for(app, keys.read_write) as writer:
        assert writer.post("/api/v1/sweeps", json=SWEEP).status_code == 201


def test_unknown_or_malformed_keys_get_401(store: Store, keys: Keys) -> None:
    app = create_app(store, ServerSettings(key_cache_seconds=0))
    for key in (generate_api_key(), "x" * 1000):
        with client_for(app, key) as stranger:
            answer = stranger.get("/api/v1/sweeps")
            assert answer.status_code == 401
            assert "unknown API key" in answer.json()["error"]["message"]


def test_required_auth_without_any_key_refuses_everyone(store: Store) -> None:
    app = create_app(store, ServerSettings(require_auth=True))
    with client_for(app) as anonymous:
        assert anonymous.get("/api/v1/sweeps").status_code == 401


def test_auth_can_be_switched_off_for_embedding(store: Store, keys: Keys) -> None:
    with client_for(create_app(store, ServerSettings(require_auth=False))) as anonymous:
        assert anonymous.post("/api/v1/sweeps", json=SWEEP).status_code == 201


def test_creating_the_first_key_closes_an_open_server(store: Store) -> None:
    app = create_app(store, ServerSettings(key_cache_seconds=0))
    with client_for(app) as anonymous:
        created = anonymous.post("/api/v1/keys", json={"name": "first"})
        assert created.status_code == 201
        api_key = created.json()["api_key"]
        assert api_key.startswith(KEY_PREFIX)
        assert anonymous.get("/api/v1/sweeps").status_code == 401
    with client_for(app, api_key) as owner:
        listed = owner.get("/api/v1/keys").json()["keys"]
        assert [key["name"] for key in listed] == ["first"]
        assert "key_hash" not in listed[0]  # the hash never leaves the server
        assert owner.delete(f"/api/v1/keys/{listed[0]['key_id']}").status_code == 204
        # Once keys were required they stay required, even with none left.
        assert owner.get("/api/v1/sweeps").status_code == 401


def test_the_store_keeps_only_the_hash(store: Store, keys: Keys) -> None:
    stored = store.list_api_keys()
    assert {key.key_hash for key in stored} == {
        hash_api_key(keys.read_write),
        hash_api_key(keys.read_only),
    }
    assert all(keys.read_write not in key.key_hash for key in stored)


def test_cookie_writes_need_the_csrf_header(store: Store, keys: Keys) -> None:
    app = create_app(store, ServerSettings(key_cache_seconds=0))
    with client_for(app) as browser:
        browser.cookies.set(API_KEY_COOKIE, keys.read_write)
        assert browser.get("/api/v1/sweeps").status_code == 200
        forged = browser.post("/api/v1/sweeps", json=SWEEP)
        assert forged.status_code == 403
        assert CSRF_HEADER in forged.json()["error"]["message"]
        sent = browser.post("/api/v1/sweeps", json=SWEEP, headers={CSRF_HEADER: "1"})
        assert sent.status_code == 201


def test_verified_keys_are_cached_until_they_age_out(store: Store, keys: Keys) -> None:
    now = [0.0]
    authenticator = Authenticator(store, ServerSettings(key_cache_seconds=10), lambda: now[0])
    record = authenticator.lookup(keys.read_write)
    assert record is not None
    store.delete_api_key(record.key_id)
    assert authenticator.lookup(keys.read_write) == record  # cached
    now[0] = 11.0
    assert authenticator.lookup(keys.read_write) is None


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("example.com", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback
