"""Metrics (idempotent ingest, sampled reads, NaN/±Inf), claims, agent heartbeats, body limit."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from sweeplab.domain import RunState
from sweeplab.server.app import create_app
from sweeplab.server.settings import ServerSettings
from sweeplab.store.base import MetricRow, NewRun, RunChanges, Store
from tests.server.inprocess import client_for

GRID = {"method": "grid", "parameters": {"x": {"values": list(range(12))}}}
HYPERBAND = {
    "method": "grid",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {"x": {"values": [1, 2, 3]}},
    "early_terminate": {"type": "hyperband", "min_iter": 2, "eta": 2},
}


def _run(client: httpx.Client) -> str:
    return str(client.post("/api/v1/runs", json={"project": "p"}).json()["run_id"])


def test_metric_ingest_is_idempotent(client: httpx.Client) -> None:
    run_id = _run(client)
    rows = [[step, "loss", float(step), 1000.0 + step] for step in range(5)]
    first = client.post(f"/api/v1/runs/{run_id}/metrics", json={"rows": rows})
    assert first.json()["new_rows"] == 5
    changed = [[step, "loss", 99.0, None] for step in range(7)]
    again = client.post(f"/api/v1/runs/{run_id}/metrics", json={"rows": changed})
    assert again.json()["new_rows"] == 2
    read = client.get(f"/api/v1/runs/{run_id}/metrics").json()["metrics"]
    assert read == {
        "loss": [[0, 0.0], [1, 1.0], [2, 2.0], [3, 3.0], [4, 4.0], [5, 99.0], [6, 99.0]]
    }


def test_non_finite_values_round_trip_as_strings(client: httpx.Client) -> None:
    run_id = _run(client)
    rows = [[0, "v", "NaN", None], [1, "v", "Infinity", None], [2, "v", "-Infinity", None]]
    assert client.post(f"/api/v1/runs/{run_id}/metrics", json={"rows": rows}).status_code == 200
    raw = client.get(f"/api/v1/runs/{run_id}/metrics")
    json.loads(raw.text, parse_constant=_refuse_constant)  # plain JSON, no NaN literals
    assert raw.json()["metrics"]["v"] == [[0, "NaN"], [1, "Infinity"], [2, "-Infinity"]]
    client.patch(
        f"/api/v1/runs/{run_id}",
        content=json.dumps({"summary": {"best": {"$float": "Infinity"}, "text": "NaN",
                                        "nested": [{"$float": "NaN"}]}}),
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    run = client.get(f"/api/v1/runs/{run_id}", params={"history": "true"})
    json.loads(run.text, parse_constant=_refuse_constant)
    body = run.json()
    assert body["summary"] == {
        "best": {"$float": "Infinity"},
        "text": "NaN",  # a real string stays a string
        "nested": [{"$float": "NaN"}],
    }
    assert body["history"]["v"] == ["NaN", "Infinity", "-Infinity"]


def _refuse_constant(name: str) -> object:
    raise AssertionError(f"the response holds the non-JSON constant {name}")


def test_sampled_reads_keep_extremes(client: httpx.Client, store: Store) -> None:
    run_id = _run(client)
    rows = [MetricRow(step, "loss", 0.0) for step in range(5_000)]
    rows[1234] = MetricRow(1234, "loss", 50.0)
    rows += [MetricRow(step, "acc", 1.0) for step in range(10)]
    store.log_metrics(run_id, rows)
    answer = client.get(
        f"/api/v1/runs/{run_id}/metrics", params={"keys": ["loss", "acc"], "samples": 20}
    ).json()["metrics"]
    assert len(answer["loss"]) <= 20 and [1234, 50.0] in answer["loss"]
    assert len(answer["acc"]) == 10
    too_few = client.get(f"/api/v1/runs/{run_id}/metrics", params={"samples": 1})
    assert too_few.status_code == 422
    long_key = client.get(f"/api/v1/runs/{run_id}/metrics", params={"keys": ["k" * 600]})
    assert long_key.status_code == 422
    assert long_key.json()["error"]["code"] == "request_invalid"


def test_metric_batches_are_bounded(client: httpx.Client) -> None:
    run_id = _run(client)
    rows = [[step, "k", 1.0, None] for step in range(50_001)]
    big = client.post(f"/api/v1/runs/{run_id}/metrics", json={"rows": rows})
    assert big.status_code == 422
    bad = [[-1, "k", 1.0, None], [0, "", 1.0, None], [0, "a\nb", 1.0, None]]
    answer = client.post(f"/api/v1/runs/{run_id}/metrics", json={"rows": bad})
    assert answer.status_code == 422
    assert len(answer.json()["error"]["violations"]) == 3


def test_claims_hand_out_each_point_once(client: httpx.Client) -> None:
    sweep_id = client.post("/api/v1/sweeps", json={"project": "p", "config": GRID}).json()[
        "sweep_id"
    ]

    def claim(_: int) -> object:
        body = {"lease_seconds": 60}
        answer = client.post(f"/api/v1/sweeps/{sweep_id}/claims", json=body).json()
        return answer["run"]["config"]["x"] if answer["run"] else answer["reason"]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(claim, range(16)))
    points = sorted(result for result in results if isinstance(result, int))
    assert points == list(range(12))
    assert len([r for r in results if isinstance(r, str)]) == 4


def test_a_repeated_claim_request_gets_the_same_run(client: httpx.Client) -> None:
    sweep_id = client.post("/api/v1/sweeps", json={"project": "p", "config": GRID}).json()[
        "sweep_id"
    ]
    body = {"lease_seconds": 60, "request_id": "abc123"}
    first = client.post(f"/api/v1/sweeps/{sweep_id}/claims", json=body).json()
    second = client.post(f"/api/v1/sweeps/{sweep_id}/claims", json=body).json()
    assert first["run"]["run_id"] == second["run"]["run_id"]
    other = client.post(f"/api/v1/sweeps/{sweep_id}/claims", json={"lease_seconds": 60}).json()
    assert other["run"]["run_id"] != first["run"]["run_id"]


def _claimed(client: httpx.Client, sweep_id: str, count: int) -> list[str]:
    path = f"/api/v1/sweeps/{sweep_id}/claims"
    return [
        client.post(path, json={"lease_seconds": 60}).json()["run"]["run_id"]
        for _ in range(count)
    ]


def _loss_rows(value: float, steps: int) -> list[list[object]]:
    return [[step, "loss", value, None] for step in range(steps)]


def test_ingest_carries_the_summary_and_config_in_one_request(client: httpx.Client) -> None:
    run_id = _run(client)
    answer = client.post(
        f"/api/v1/runs/{run_id}/metrics",
        json={"rows": _loss_rows(0.5, 3), "summary": {"loss": 0.5}, "config": {"lr": 0.1}},
    ).json()
    assert answer == {"new_rows": 3, "state": "running", "stop_requested": "", "sweep_id": None}
    run = client.get(f"/api/v1/runs/{run_id}").json()
    assert run["summary"] == {"loss": 0.5} and run["config"] == {"lr": 0.1}
    # Only a summary (no new rows) is an ingest too.
    client.post(f"/api/v1/runs/{run_id}/metrics", json={"rows": [], "summary": {"acc": 1.0}})
    assert client.get(f"/api/v1/runs/{run_id}").json()["summary"] == {"loss": 0.5, "acc": 1.0}


def test_ingest_of_a_missing_run_is_404_and_of_a_finished_run_409(
    client: httpx.Client, store: Store
) -> None:
    missing = client.post("/api/v1/runs/nosuchrun/metrics", json={"rows": [], "summary": {}})
    assert missing.status_code == 404
    run_id = _run(client)
    store.update_run(run_id, RunChanges(state=RunState.FINISHED))
    refused = client.post(f"/api/v1/runs/{run_id}/metrics", json={"rows": _loss_rows(1.0, 1)})
    assert refused.status_code == 409
    assert "refusing 1 new metric rows" in refused.json()["error"]["message"]


def test_new_metrics_get_hyperband_judged_in_the_background(store: Store) -> None:
    """Ingest is all an agent does: the server judges the sweep soon after, and the next
    ingest answer and heartbeat carry the verdict."""
    settings = ServerSettings(stopping_interval_seconds=0.02)
    with client_for(create_app(store, settings)) as client:
        sweep_id = client.post(
            "/api/v1/sweeps", json={"project": "p", "config": HYPERBAND}
        ).json()["sweep_id"]
        good, other, bad = _claimed(client, sweep_id, 3)
        for run_id in (good, other):  # two good runs reached band 1 and finished
            client.post(f"/api/v1/runs/{run_id}/metrics", json={"rows": _loss_rows(0.1, 2)})
            client.patch(f"/api/v1/runs/{run_id}", json={"state": "finished"})
        path = f"/api/v1/runs/{bad}/metrics"
        first = client.post(path, json={"rows": _loss_rows(5.0, 2)}).json()
        assert first["stop_requested"] == ""  # judged after the answer, not inside it
        answer = first
        deadline = time.monotonic() + 10
        while not answer["stop_requested"] and time.monotonic() < deadline:
            time.sleep(0.02)
            answer = client.post(path, json={"rows": [], "summary": {"x": 1}}).json()
        assert answer["stop_requested"].startswith("early termination (hyperband): ")
        beat = client.post(f"/api/v1/runs/{bad}/agent-heartbeat", json={"lease_seconds": 60})
        assert beat.json()["command"] == "stop"
        assert beat.json()["reason"] == answer["stop_requested"]
        decisions = client.get(f"/api/v1/sweeps/{sweep_id}/stop-decisions").json()["decisions"]
        assert [d["run_id"] for d in decisions if d["should_stop"]] == [bad]


def test_a_heartbeat_does_not_judge_on_its_own(client: httpx.Client, store: Store) -> None:
    """Metrics written straight into the store (no ingest through the server) are judged
    only when someone asks; a heartbeat just extends the lease."""
    sweep_id = client.post("/api/v1/sweeps", json={"project": "p", "config": HYPERBAND}).json()[
        "sweep_id"
    ]
    good, other, bad = _claimed(client, sweep_id, 3)
    for run_id in (good, other):
        store.log_metrics(run_id, [MetricRow(s, "loss", 0.1) for s in range(2)])
        store.update_run(run_id, RunChanges(state=RunState.FINISHED))
    store.log_metrics(bad, [MetricRow(s, "loss", 5.0) for s in range(2)])
    path = f"/api/v1/runs/{bad}/agent-heartbeat"
    assert client.post(path, json={"lease_seconds": 60}).json()["command"] == "continue"
    judged = client.post(f"/api/v1/sweeps/{sweep_id}/stop-decisions").json()["decisions"]
    assert [d["run_id"] for d in judged if d["should_stop"]] == [bad]
    assert client.post(path, json={"lease_seconds": 60}).json()["command"] == "stop"


def test_agent_heartbeat_says_continue_and_exit(client: httpx.Client, store: Store) -> None:
    sweep_id = client.post("/api/v1/sweeps", json={"project": "p", "config": GRID}).json()[
        "sweep_id"
    ]
    run_id = client.post(f"/api/v1/sweeps/{sweep_id}/claims", json={"lease_seconds": 60}).json()[
        "run"
    ]["run_id"]
    path = f"/api/v1/runs/{run_id}/agent-heartbeat"
    assert client.post(path, json={"lease_seconds": 60}).json()["command"] == "continue"
    client.post(f"/api/v1/sweeps/{sweep_id}/stop", json={"reason": "enough"})
    beat = client.post(path, json={"lease_seconds": 60}).json()
    assert (beat["command"], beat["reason"]) == ("exit", "enough")
    lone = store.create_run(NewRun(project="p"))
    lone_path = f"/api/v1/runs/{lone.run_id}/agent-heartbeat"
    assert client.post(lone_path, json={"lease_seconds": 60}).json()["command"] == "continue"
    store.update_run(lone.run_id, RunChanges(state=RunState.FINISHED))
    assert client.post(lone_path, json={"lease_seconds": 60}).json()["command"] == "stop"


@pytest.mark.parametrize("chunked", [False, True])
def test_bodies_over_the_limit_get_413(store: Store, chunked: bool) -> None:
    app = create_app(store, ServerSettings(max_body_bytes=1000))
    body = json.dumps({"project": "p", "notes": "x" * 2000}).encode()
    with client_for(app) as client:
        content = iter([body[:500], body[500:]]) if chunked else body
        answer = client.post(
            "/api/v1/runs", content=content, headers={"Content-Type": "application/json"}
        )
        assert answer.status_code == 413
        error = answer.json()["error"]
        assert error["code"] == "payload_too_large"
        assert "at most 1000" in error["message"]
        small = client.post("/api/v1/runs", json={"project": "p"})
        assert small.status_code == 201
