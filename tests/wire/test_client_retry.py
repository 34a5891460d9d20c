"""The API client retries 429/5xx and connection failures with backoff, never other 4xx."""

from __future__ import annotations

import random

import httpx
import pytest

from sweeplab.errors import NotFoundError, ServerUnavailableError, StoreError
from sweeplab.wire.client import ApiClient
from sweeplab.wire.models import HealthOut
from sweeplab.wire.retry import RetryPolicy, parse_retry_after

OK = {"status": "ok", "version": "1"}


def _client(responses: list[httpx.Response | Exception], waits: list[float]) -> ApiClient:
    seen = iter(responses)

    def answer(request: httpx.Request) -> httpx.Response:
        item = next(seen)
        if isinstance(item, Exception):
            raise item
        return item

    return ApiClient(
        "http://server",
        "slk_key",
        transport=httpx.MockTransport(answer),
        retry=RetryPolicy(attempts=4, base_seconds=0.1, max_seconds=1.0),
        sleep=waits.append,
        rng=random.Random(0),
    )


def test_retries_5xx_429_and_connection_errors_then_succeeds() -> None:
    waits: list[float] = []
    client = _client(
        [
            httpx.ConnectError("refused"),
            httpx.Response(503),
            httpx.Response(429, headers={"Retry-After": "0.5"}),
            httpx.Response(200, json=OK),
        ],
        waits,
    )
    assert client.call("GET", "/health", HealthOut).status == "ok"
    assert len(waits) == 3
    assert waits[2] >= 0.5  # Retry-After is honoured


def test_other_4xx_are_not_retried() -> None:
    waits: list[float] = []
    body = {"error": {"code": "not_found", "message": "no run 'x'"}}
    client = _client([httpx.Response(404, json=body)], waits)
    with pytest.raises(NotFoundError, match="no run 'x'"):
        client.call("GET", "/runs/x", HealthOut)
    assert waits == []


def test_giving_up_names_the_server() -> None:
    waits: list[float] = []
    client = _client([httpx.ConnectError("refused")] * 4, waits)
    with pytest.raises(ServerUnavailableError, match=r"http://server/api/v1/x.*after 4 tries"):
        client.call("GET", "/x", HealthOut)
    assert len(waits) == 3
    failing = _client([httpx.Response(500)] * 4, [])
    with pytest.raises(ServerUnavailableError, match="500"):
        failing.call("GET", "/x", HealthOut)
    store_down = {"error": {"code": "store_error", "message": "database is locked"}}
    locked = _client([httpx.Response(503, json=store_down)] * 4, [])
    with pytest.raises(StoreError, match="database is locked"):
        locked.call("GET", "/x", HealthOut)


def test_an_answer_of_the_wrong_shape_is_reported() -> None:
    client = _client([httpx.Response(200, json={"unexpected": True})], [])
    with pytest.raises(ServerUnavailableError, match="not a valid HealthOut"):
        client.call("GET", "/x", HealthOut)


def test_the_key_is_sent_as_a_bearer_token() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=OK)

    ApiClient("http://h/sub/", "slk_k", transport=httpx.MockTransport(answer)).call(
        "GET", "/x", HealthOut
    )
    assert seen[0].headers["Authorization"] == "Bearer slk_k"
    assert str(seen[0].url) == "http://h/sub/api/v1/x"


def test_backoff_grows_with_jitter_and_a_cap() -> None:
    policy = RetryPolicy(attempts=10, base_seconds=0.5, max_seconds=4.0)
    rng = random.Random(1)
    for attempt in range(10):
        ceiling = min(4.0, 0.5 * 2**attempt)
        delays = [policy.delay_seconds(attempt, rng) for _ in range(50)]
        assert all(0 <= delay <= ceiling for delay in delays)
        assert len(set(delays)) > 1  # jittered
    assert policy.delay_seconds(0, rng, retry_after_seconds=60) == 4.0  # capped


def test_policy_and_retry_after_parsing() -> None:
    with pytest.raises(ValueError, match="attempts >= 1"):
        RetryPolicy(attempts=0)
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") is None
    assert parse_retry_after("-1") is None
    assert parse_retry_after(None) is None
