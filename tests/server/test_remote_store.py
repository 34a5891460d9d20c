"""RemoteStore beyond the contract: the server's controller, real HTTP, keys, the SDK."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import sweeplab.store.remote as remote_module
from sweeplab.domain import RunRecord, RunState, SweepRecord
from sweeplab.engine import Controller
from sweeplab.engine.coordination import ServerCoordinatedStore
from sweeplab.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    ServerUnavailableError,
    StoreError,
)
from sweeplab.server.api_keys import issue_api_key
from sweeplab.server.app import create_app
from sweeplab.server.settings import ServerSettings
from sweeplab.store.base import (
    Ingested,
    MetricRow,
    NewRun,
    PlannedRun,
    RunChanges,
    Store,
    SweepDone,
)
from sweeplab.store.memory import MemoryStore
from sweeplab.store.remote import RemoteStore
from sweeplab.store.urls import open_store
from sweeplab.wire import limits
from tests.server.conftest import LiveServer
from tests.server.inprocess import remote_store_over

GRID = {"method": "grid", "parameters": {"x": {"values": list(range(10))}}}
SDK_VARIABLES = ("BASE_URL", "API_KEY", "STORE_URL", "RUN_ID", "SWEEP_ID", "PROJECT", "MODE")


@pytest.fixture
def remote(store: Store) -> Iterator[RemoteStore]:
    with remote_store_over(store) as opened:
        yield opened


@pytest.fixture
def sdk_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from sweeplab.sdk import session
    from sweeplab.sdk.stores import close_stores

    for name in SDK_VARIABLES:
        monkeypatch.delenv(f"SWEEPLAB_{name}", raising=False)
        monkeypatch.delenv(f"WANDB_{name}", raising=False)
    monkeypatch.setenv("SWEEPLAB_DIR", str(tmp_path / "sweeplab"))
    monkeypatch.setenv("SWEEPLAB_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("SWEEPLAB_FLUSH_SECONDS", "0.05")
    monkeypatch.setenv("SWEEPLAB_SHIP_SECONDS", "0.05")
    monkeypatch.chdir(tmp_path)
    yield
    session.finish_all()
    close_stores()


def test_controllers_claim_through_the_server_exactly_once(
    remote: RemoteStore, store: Store
) -> None:
    assert isinstance(remote, ServerCoordinatedStore)
    assert not isinstance(store, ServerCoordinatedStore)
    sweep = Controller(remote).create_sweep(GRID, project="p")
    controllers = [Controller(remote) for _ in range(4)]

    def claim(index: int) -> int | None:
        run = controllers[index % 4].claim_next_run(sweep.sweep_id, 30.0).run
        return None if run is None else int(run.config["x"])

    with ThreadPoolExecutor(4) as pool:
        claimed = list(pool.map(claim, range(14)))
    assert sorted(x for x in claimed if x is not None) == list(range(10))
    assert store.get_sweep(sweep.sweep_id).state.value == "finished"


def test_leases_run_on_the_servers_clock(remote: RemoteStore, store: Store) -> None:
    skewed = Controller(remote, clock=lambda: 0.0)  # an agent whose clock is 1970
    sweep = skewed.create_sweep(GRID, project="p")
    run = skewed.claim_next_run(sweep.sweep_id, 30.0).run
    assert run is not None
    assert run.lease_expires_at is not None and run.lease_expires_at > time.time()
    beat = skewed.heartbeat(run.run_id, 30.0)
    assert beat.lease_expires_at is not None and beat.lease_expires_at > time.time()
    assert skewed.reap() == []  # the server's clock: nothing expired


def test_stopping_is_judged_on_the_server(remote: RemoteStore, store: Store) -> None:
    config = {
        "method": "grid",
        "metric": {"name": "loss", "goal": "minimize"},
        "parameters": {"x": {"values": [1, 2, 3]}},
        "early_terminate": {"type": "hyperband", "min_iter": 2, "eta": 2},
    }
    controller = Controller(remote)
    sweep = controller.create_sweep(config, project="p")
    runs = [controller.claim_next_run(sweep.sweep_id, 30.0).run for _ in range(3)]
    assert all(run is not None for run in runs)
    ids = [run.run_id for run in runs if run is not None]
    for run_id, loss in zip(ids, (0.1, 0.1, 5.0), strict=True):
        remote.log_metrics(run_id, [MetricRow(step, "loss", loss) for step in range(2)])
    for run_id in ids[:2]:
        controller.finish_run(run_id, RunState.FINISHED)
    decisions = controller.evaluate_stopping(sweep.sweep_id)
    assert [d.run_id for d in decisions if d.should_stop] == [ids[2]]
    assert controller.heartbeat(ids[2], 30.0).stop_requested.startswith("early termination")


def test_a_big_ingest_goes_in_chunks_with_the_changes_on_the_last(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[int, dict[str, object] | None]] = []
    real_ingest = store.ingest

    def spy(run_id: str, rows: Sequence[MetricRow], changes: RunChanges | None = None,
            now: float | None = None) -> Ingested:
        seen.append((len(rows), None if changes is None else dict(changes.summary or {})))
        return real_ingest(run_id, rows, changes, now)

    monkeypatch.setattr(store, "ingest", spy)
    monkeypatch.setattr(limits, "CLIENT_METRIC_CHUNK_ROWS", 4)
    with remote_store_over(store) as remote:
        run = remote.create_run(NewRun(project="p"))
        rows = [MetricRow(step, "loss", float(step)) for step in range(10)]
        ingested = remote.ingest(run.run_id, rows, RunChanges(summary={"loss": 9.0}))
        assert ingested.new_rows == 10 and ingested.state is RunState.RUNNING
        assert seen == [(4, None), (4, None), (2, {"loss": 9.0})]
        seen.clear()
        assert remote.log_metrics(run.run_id, []) == 0
        assert seen == [(0, None)]
        with pytest.raises(NotFoundError):
            remote.log_metrics("nosuchrun", [])


def test_non_finite_values_round_trip_over_real_http(live_server: LiveServer, store: Store) -> None:
    remote = RemoteStore(live_server.url)
    try:
        run = remote.create_run(NewRun(project="p", config={"lr": math.inf}))
        remote.update_run(run.run_id, RunChanges(summary={"loss": math.nan, "text": "NaN"}))
        values = [math.nan, math.inf, -math.inf, 1.5]
        rows = [MetricRow(step, "v", value) for step, value in enumerate(values)]
        assert remote.log_metrics(run.run_id, rows) == 4
        read = remote.get_run(run.run_id, with_history=True)
        assert read.config == {"lr": math.inf}
        assert math.isnan(read.summary["loss"]) and read.summary["text"] == "NaN"
        got = read.history["v"]
        assert math.isnan(got[0]) and got[1:] == (math.inf, -math.inf, 1.5)
        sampled = remote.read_sampled_metrics(run.run_id, ["v"], samples=4)
        assert len(sampled["v"]) == 4
    finally:
        remote.close()


def test_the_reaper_runs_in_the_background(store: Store) -> None:
    app = create_app(store, ServerSettings(reap_interval_seconds=0.05))
    sweep = store.create_sweep("p", GRID, seed=1)
    run = Controller(store).claim_next_run(sweep.sweep_id, lease_seconds=0.01).run
    assert run is not None

    async def serve_briefly() -> None:
        async with app.router.lifespan_context(app):
            await asyncio.sleep(0.3)

    asyncio.run(serve_briefly())
    reaped = store.get_run(run.run_id)
    assert reaped.state is RunState.CRASHED and "lease expired" in reaped.end_reason


def test_a_retried_create_finds_its_own_sweep(
    remote: RemoteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remote_module, "new_id", lambda length=8: "fixed")
    first = remote.create_sweep("p", GRID, seed=3)
    assert remote.create_sweep("p", GRID, seed=3) == first  # as if the first try's answer got lost
    with pytest.raises(ConflictError, match="already exists"):
        remote.create_sweep("p", GRID, seed=4)
    with pytest.raises(ConflictError, match="already exists"):
        remote.create_sweep("p", GRID, seed=3, sweep_id="fixed")


def test_planned_claims_give_up_when_the_sweep_never_settles(
    remote: RemoteStore, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remote_module, "MAX_PLANNED_CLAIM_TRIES", 3)
    sweep = store.create_sweep("p", GRID, seed=1)
    bystander = store.create_run(NewRun(project="p", sweep_id=sweep.sweep_id))
    plans = []

    def restless(sweep: SweepRecord, runs: Sequence[RunRecord]) -> PlannedRun | SweepDone:
        plans.append(len(runs))
        # Someone else changes the sweep between every plan and its application.
        store.update_run(bystander.run_id, RunChanges(summary={"n": len(plans)}))
        return PlannedRun(config={"x": 1})

    with pytest.raises(ServerUnavailableError, match="changed under every one of 3 plans"):
        remote.claim_run(sweep.sweep_id, restless, 30.0)
    assert len(plans) == 3
    assert len(store.sweep_runs(sweep.sweep_id)) == 1


def test_malformed_ids_are_refused_before_sending(remote: RemoteStore) -> None:
    with pytest.raises(NotFoundError, match="ids have 1 to 64"):
        remote.get_run("../../admin")


def test_keys_are_managed_on_the_servers_own_store(remote: RemoteStore) -> None:
    with pytest.raises(StoreError, match="sweeplab server create-key"):
        remote.create_api_key("0" * 64, read_only=False)
    for call in (
        remote.has_api_keys,
        lambda: remote.find_api_key("0" * 64),
        lambda: remote.delete_api_key("k"),
    ):
        with pytest.raises(StoreError, match="RemoteStore keeps no API keys"):
            call()


def test_server_urls_are_checked_when_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    from sweeplab.errors import StoreUrlError

    with pytest.raises(StoreUrlError, match="must not carry a query"):
        open_store("http://host:8080/?key=secret")
    monkeypatch.setenv("SWEEPLAB_HTTP_RETRIES", "0")
    with pytest.raises(StoreUrlError, match="SWEEPLAB_HTTP_RETRIES='0'"):
        open_store("http://host:8080")
    monkeypatch.setenv("SWEEPLAB_HTTP_RETRIES", "2")
    opened = open_store("http://host:8080")
    assert isinstance(opened, RemoteStore)
    opened.close()


def test_memory_key_methods_refuse_unknown_ids() -> None:
    memory = MemoryStore()
    with pytest.raises(NotFoundError, match="no API key with id 'nope'"):
        memory.delete_api_key("nope")
    memory.create_api_key("a" * 64, read_only=True)
    with pytest.raises(ConflictError, match="already exists"):
        memory.create_api_key("a" * 64, read_only=False)


def test_open_store_uses_the_key_login_saved(
    live_server: LiveServer, store: Store, sdk_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sweeplab

    api_key, _ = issue_api_key(store, read_only=False)
    anonymous = open_store(live_server.url)
    with pytest.raises(AuthenticationError, match="requires an API key"):
        anonymous.list_projects()
    anonymous.close()
    monkeypatch.setenv("SWEEPLAB_BASE_URL", live_server.url)
    assert sweeplab.login(key=api_key)
    monkeypatch.delenv("SWEEPLAB_BASE_URL")
    logged_in = open_store(live_server.url + "/")
    try:
        assert logged_in.list_projects() == []
    finally:
        logged_in.close()


def test_sdk_runs_and_agents_work_against_a_server(
    live_server: LiveServer, store: Store, sdk_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sweeplab

    monkeypatch.setenv("SWEEPLAB_BASE_URL", live_server.url)
    sweep_id = sweeplab.sweep({**GRID, "parameters": {"x": {"values": [1, 2, 3]}}}, project="p")

    def train() -> None:
        sweeplab.init()
        for step in range(3):
            sweeplab.log({"loss": float(sweeplab.config.x * step)})

    sweeplab.agent(sweep_id, function=train)
    runs = store.sweep_runs(sweep_id)
    assert sorted(run.config["x"] for run in runs) == [1, 2, 3]
    assert all(run.state is RunState.FINISHED for run in runs)
    for run in runs:
        assert [v for _, v in store.read_metrics(run.run_id)["loss"]] == [
            float(run.config["x"] * step) for step in range(3)
        ]
