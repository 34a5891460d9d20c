"""The JSON API through the real app (in-process): sweeps, runs, queries, errors, bounds."""

from __future__ import annotations

import httpx

from sweeplab.domain import RunState
from sweeplab.store.base import Store

GRID = {"method": "grid", "parameters": {"x": {"values": [1, 2, 3]}}}


def _sweep(client: httpx.Client, config: dict[str, object] | None = None) -> str:
    answer = client.post("/api/v1/sweeps", json={"project": "p", "config": config or GRID})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["sweep_id"])


def test_a_sweep_config_is_validated_with_every_violation(client: httpx.Client) -> None:
    bad = {"method": "nope", "parameters": {"lr": {"min": 1, "max": 0}}, "run_cap": -1}
    answer = client.post("/api/v1/sweeps", json={"project": "p", "config": bad})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "config_invalid"
    paths = {violation["path"] for violation in error["violations"]}
    assert {"method", "run_cap"} <= paths and any(p.startswith("parameters.lr") for p in paths)


def test_unvalidated_create_stores_the_config_as_given(client: httpx.Client) -> None:
    config = {"parameters": {"x": {"values": [1]}}}
    body = {"project": "p", "config": config, "seed": 5, "validate_config": False}
    answer = client.post("/api/v1/sweeps", json=body)
    assert answer.status_code == 201
    assert answer.json()["config"] == config and answer.json()["seed"] == 5


def test_sweep_seed_comes_from_the_config_first(client: httpx.Client) -> None:
    body = {"project": "p", "config": {**GRID, "seed": 11}, "seed": 3}
    assert client.post("/api/v1/sweeps", json=body).json()["seed"] == 11


def test_sweep_state_changes(client: httpx.Client, store: Store) -> None:
    sweep_id = _sweep(client)
    paused = client.post(f"/api/v1/sweeps/{sweep_id}/pause", json={"reason": "lunch"})
    assert paused.json()["state"] == "paused" and paused.json()["state_reason"] == "lunch"
    assert client.post(f"/api/v1/sweeps/{sweep_id}/resume").json()["state"] == "running"
    claim = client.post(f"/api/v1/sweeps/{sweep_id}/claims", json={"lease_seconds": 60})
    run_id = claim.json()["run"]["run_id"]
    canceled = client.post(f"/api/v1/sweeps/{sweep_id}/cancel")
    assert canceled.json()["state"] == "canceled"
    assert store.get_run(run_id).stop_requested == "sweep canceled"
    again = client.post(f"/api/v1/sweeps/{sweep_id}/resume")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "state_transition"
    assert client.post(f"/api/v1/sweeps/{sweep_id}/stop").status_code == 409


def test_missing_things_are_404_with_a_code(client: httpx.Client) -> None:
    for path in ("/api/v1/sweeps/nosuch", "/api/v1/runs/nosuch", "/api/v1/nothing/here"):
        answer = client.get(path)
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "not_found"
    assert "nosuch" in client.get("/api/v1/runs/nosuch").json()["error"]["message"]


def test_runs_create_update_and_resume(client: httpx.Client) -> None:
    body = {"project": "p", "run_id": "r1", "name": "<b>first</b>", "config": {"a": 1}}
    created = client.post("/api/v1/runs", json=body)
    assert created.status_code == 201 and created.json()["state"] == "running"
    assert (
        client.post("/api/v1/runs", json=body).json()["created_at"]
        == (created.json()["created_at"])
    )
    changes = {"summary": {"loss": 0.5}, "config": {"b": 2}, "tags": ["x"]}
    updated = client.patch("/api/v1/runs/r1", json=changes).json()
    assert updated["config"] == {"a": 1, "b": 2} and updated["summary"] == {"loss": 0.5}
    assert client.patch("/api/v1/runs/r1", json={"state": "finished"}).status_code == 200
    refused = client.patch("/api/v1/runs/r1", json={"summary": {"loss": 9}})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "run_finished"


def test_run_listing_filters_sorts_and_pages(client: httpx.Client, store: Store) -> None:
    for index in range(5):
        body = {"project": "p" if index < 4 else "q", "name": f"r{index}", "tags": ["t"]}
        run_id = client.post("/api/v1/runs", json=body).json()["run_id"]
        client.patch(f"/api/v1/runs/{run_id}", json={"summary": {"loss": 5 - index}})
    page = client.get("/api/v1/runs", params={"project": "p", "order": "summary.loss", "limit": 3})
    assert [run["name"] for run in page.json()["runs"]] == ["r3", "r2", "r1"]
    assert page.json()["next_offset"] == 3
    rest = client.get(
        "/api/v1/runs", params={"project": "p", "order": "summary.loss", "limit": 3, "offset": 3}
    )
    assert [run["name"] for run in rest.json()["runs"]] == ["r0"]
    assert rest.json()["next_offset"] is None
    queried = client.post("/api/v1/runs/query", json={"summary_equals": {"loss": 1}})
    assert [run["name"] for run in queried.json()["runs"]] == ["r4"]
    states = client.get("/api/v1/runs", params={"state": ["finished", "failed"]}).json()
    assert states["runs"] == []
    bad = client.get("/api/v1/runs", params={"order": "colour"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "query_invalid"


def test_projects_are_listed(client: httpx.Client) -> None:
    _sweep(client)
    client.post("/api/v1/runs", json={"project": "other"})
    names = [p["name"] for p in client.get("/api/v1/projects").json()["projects"]]
    assert names == ["other", "p"]


def test_inputs_are_bounded_and_every_problem_reported(client: httpx.Client) -> None:
    body = {
        "project": "a/b",
        "run_id": "../../etc/passwd",
        "name": "n" * 2000,
        "tags": ["t"] * 101,
        "colour": "red",
    }
    answer = client.post("/api/v1/runs", json=body)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "request_invalid"
    paths = {violation["path"] for violation in error["violations"]}
    assert {"body.project", "body.run_id", "body.name", "body.tags", "body.colour"} <= paths
    assert client.get("/api/v1/runs/" + "x" * 65).status_code == 422
    assert client.get("/api/v1/runs", params={"limit": 100_000}).status_code == 422
    lease = client.post("/api/v1/runs/r/heartbeat", json={"lease_seconds": "NaN"})
    assert lease.status_code == 422


def test_configs_and_summaries_are_bounded(client: httpx.Client) -> None:
    config = {f"k{index}": index for index in range(10_001)}
    answer = client.post("/api/v1/runs", json={"project": "p", "config": config})
    assert answer.status_code == 422
    assert "at most 10000 top-level keys" in answer.json()["error"]["message"]


def test_a_non_json_body_is_refused(client: httpx.Client) -> None:
    # A cross-site form posts text/plain; it must not pass as JSON.
    answer = client.post(
        "/api/v1/runs", content=b'{"project": "p"}', headers={"Content-Type": "text/plain"}
    )
    assert answer.status_code == 422


def test_reap_and_heartbeat(client: httpx.Client, store: Store) -> None:
    sweep_id = _sweep(client)
    claim = client.post(f"/api/v1/sweeps/{sweep_id}/claims", json={"lease_seconds": 5})
    run = claim.json()["run"]
    beat = client.post(f"/api/v1/runs/{run['run_id']}/heartbeat", json={"lease_seconds": 5})
    assert beat.json()["lease_expires_at"] >= run["lease_expires_at"]
    future = run["lease_expires_at"] + 100
    reaped = client.post("/api/v1/runs/reap", json={"now": future}).json()["run_ids"]
    assert reaped == [run["run_id"]]
    assert store.get_run(run["run_id"]).state is RunState.CRASHED


def test_health_and_openapi_are_published(client: httpx.Client) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/sweeps/{sweep_id}/claims" in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 200
