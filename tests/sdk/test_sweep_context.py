"""Joining a sweep's run: in-process context, environment variables, heartbeats, RunStopped."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import sweeplab.sdk as wandb
from sweeplab.domain import RunState
from sweeplab.errors import RunStopped, UsageError
from sweeplab.sdk.context import (
    SweepRunContext,
    activate_sweep_run,
    active_session,
    context_from_env,
    read_sweep_param_file,
    sweep_run_env,
    write_sweep_param_file,
)
from sweeplab.sdk.local_judging import judge_after_ship
from sweeplab.sdk.settings import Mode, Settings
from sweeplab.store.base import MetricRow, NewRun, RunChanges, Store
from sweeplab.store.memory import MemoryStore
from sweeplab.store.urls import open_store
from tests.sdk.conftest import child_environment
from tests.server.inprocess import remote_store_over

SWEEP_CONFIG = {"method": "grid", "parameters": {"lr": {"values": [0.1, 0.2]}}}


def _claimed_run(store: Store, params: dict[str, object]) -> tuple[str, str]:
    sweep = store.create_sweep("sp", SWEEP_CONFIG, seed=1)
    run = store.create_run(NewRun(project="sp", config=params, sweep_id=sweep.sweep_id))
    store.heartbeat(run.run_id, lease_seconds=60)
    return sweep.sweep_id, run.run_id


def test_init_joins_the_claimed_run(store: MemoryStore, settings: Settings) -> None:
    sweep_id, run_id = _claimed_run(store, {"lr": 0.1})
    context = SweepRunContext(run_id, sweep_id, "sp", {"lr": 0.1}, store=store)
    with activate_sweep_run(context) as session:
        assert active_session() is session
        with pytest.warns(UserWarning, match="offline mode ignored for a sweep run"):
            run = wandb.init(config={"lr": 1.0, "epochs": 3}, settings=Settings(mode=Mode.OFFLINE))
        assert wandb.init() is run  # a second init inside the function: same run
        assert session.run is run
        assert (run.id, run.project, run.sweep_id, run.mode) == (
            run_id,
            "sp",
            sweep_id,
            Mode.ONLINE,
        )
        assert run.config.as_dict() == {"lr": 0.1, "epochs": 3}
        wandb.log({"loss": 0.5})
    assert active_session() is None
    stored = store.get_run(run_id)
    assert stored.state is RunState.FINISHED and stored.config == {"lr": 0.1, "epochs": 3}


def test_a_run_from_before_the_agent_is_finished_when_the_sweep_run_starts(
    store: MemoryStore, settings: Settings
) -> None:
    before = wandb.init(settings=settings)
    sweep_id, run_id = _claimed_run(store, {"lr": 0.2})
    with activate_sweep_run(SweepRunContext(run_id, sweep_id, "sp", {"lr": 0.2}, store=store)):
        with pytest.warns(UserWarning, match="init\\(id='mine'\\) ignored"):
            run = wandb.init(id="mine", settings=settings)
        assert run.id == run_id
    assert before.finished and store.get_run(before.id).state is RunState.FINISHED


def test_function_that_raises_fails_the_run(store: MemoryStore) -> None:
    sweep_id, run_id = _claimed_run(store, {"lr": 0.1})
    with (
        pytest.raises(ValueError, match="bad"),
        activate_sweep_run(SweepRunContext(run_id, sweep_id, "sp", {"lr": 0.1}, store=store)),
    ):
        wandb.init()
        raise ValueError("bad")
    stored = store.get_run(run_id)
    assert stored.state is RunState.FAILED and stored.end_reason.startswith("ValueError: bad")


def test_function_without_init_leaves_the_store_to_the_agent(store: MemoryStore) -> None:
    sweep_id, run_id = _claimed_run(store, {"lr": 0.1})
    with activate_sweep_run(SweepRunContext(run_id, sweep_id, "sp", {}, store=store)) as session:
        pass
    assert session.run is None and store.get_run(run_id).state is RunState.RUNNING


def test_only_one_sweep_run_per_process(store: MemoryStore) -> None:
    context = SweepRunContext("r1", "s1", "p", store=store)
    with (
        activate_sweep_run(context),
        pytest.raises(UsageError, match="is still active in this process"),
        activate_sweep_run(SweepRunContext("r2", "s1", "p")),
    ):
        pass


def test_a_claimed_run_missing_from_the_store_is_explained(store: MemoryStore) -> None:
    with (
        activate_sweep_run(SweepRunContext("ghost", "s1", "p", store=store)),
        pytest.raises(UsageError, match="the agent and this process must use the same store"),
    ):
        wandb.init()


def test_heartbeats_and_run_stopped_at_the_next_log(store: MemoryStore) -> None:
    sweep_id, run_id = _claimed_run(store, {"lr": 0.1})
    context = SweepRunContext(
        run_id, sweep_id, "sp", {"lr": 0.1}, store=store, heartbeat_seconds=0.02, lease_seconds=30
    )
    logged = 0
    with pytest.raises(RunStopped) as stopped, activate_sweep_run(context):
        run = wandb.init(settings=Settings(flush_seconds=0.01))
        wandb.log({"loss": 1.0})
        first_lease = store.get_run(run_id).lease_expires_at
        store.update_run(run_id, RunChanges(stop_requested="hyperband: loss above the band"))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            wandb.log({"loss": 1.0})  # raises once a heartbeat has seen the request
            logged += 1
            time.sleep(0.005)
    assert stopped.value.reason == "hyperband: loss above the band"
    assert stopped.value.run_id == run_id and stopped.value.code == "run_stopped"
    stored = store.get_run(run_id)
    assert (
        stored.state is RunState.STOPPED and stored.end_reason == "hyperband: loss above the band"
    )
    assert first_lease is not None and stored.heartbeat_at is not None
    assert len(store.read_metrics(run_id)["loss"]) == logged + 2  # the raising call is kept
    assert run.finished and wandb.run is None


def test_a_stop_request_arrives_with_the_next_flush_not_only_the_heartbeat(
    store: MemoryStore,
) -> None:
    sweep_id, run_id = _claimed_run(store, {"lr": 0.1})
    context = SweepRunContext(run_id, sweep_id, "sp", {}, store=store, heartbeat_seconds=3600)
    with pytest.raises(RunStopped, match="asked by a user"), activate_sweep_run(context):
        wandb.init(settings=Settings(flush_seconds=0.01))
        store.update_run(run_id, RunChanges(stop_requested="asked by a user"))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # raises once a flush's answer carried the request
            wandb.log({"loss": 1.0})
            time.sleep(0.005)
    assert store.get_run(run_id).state is RunState.STOPPED


def test_a_run_stopped_directly_in_the_store_stops_too(store: MemoryStore) -> None:
    sweep_id, run_id = _claimed_run(store, {"lr": 0.1})
    context = SweepRunContext(run_id, sweep_id, "sp", {}, store=store, heartbeat_seconds=0.01)
    with activate_sweep_run(context):
        wandb.init(settings=Settings(flush_seconds=0.01))
        store.finish_run(run_id, RunState.STOPPED, reason="by a user")
        with (
            pytest.raises(RunStopped, match="marked stopped in the store"),
            pytest.warns(UserWarning, match="the store refuses further data"),
        ):
            for _ in range(1000):
                wandb.log({"x": 1.0})
                time.sleep(0.005)


def test_param_files_and_environment(tmp_path: Path) -> None:
    path = write_sweep_param_file(tmp_path / "params.json", {"lr": 0.1, "opt": {"name": "adam"}})
    assert read_sweep_param_file(path) == {"lr": 0.1, "opt": {"name": "adam"}}
    (tmp_path / "wandb_form.json").write_text(json.dumps({"lr": {"value": 0.2}}))
    assert read_sweep_param_file(tmp_path / "wandb_form.json") == {"lr": 0.2}
    (tmp_path / "list.json").write_text("[1]")
    with pytest.raises(UsageError, match="holds a list, not a JSON object"):
        read_sweep_param_file(tmp_path / "list.json")
    with pytest.raises(UsageError, match="cannot read sweep parameters"):
        read_sweep_param_file(tmp_path / "missing.json")

    env = sweep_run_env(SweepRunContext("r1", "s1", "p1"), path)
    assert env == {
        "SWEEPLAB_RUN_ID": "r1",
        "SWEEPLAB_SWEEP_ID": "s1",
        "SWEEPLAB_PROJECT": "p1",
        "SWEEPLAB_SWEEP_PARAM_PATH": str(path),
    }
    context = context_from_env(env)
    assert context is not None and context.params == {"lr": 0.1, "opt": {"name": "adam"}}
    wandb_env = {"WANDB_RUN_ID": "r2", "WANDB_SWEEP_ID": "s2", "WANDB_PROJECT": "p2"}
    context = context_from_env(wandb_env)
    assert context is not None and (context.run_id, context.sweep_id, context.params) == (
        "r2",
        "s2",
        {},
    )
    assert context_from_env({"SWEEPLAB_RUN_ID": "only-a-run"}) is None


def test_a_child_process_joins_through_the_environment(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'sweeplab' / 'sweeplab.db'}")
    sweep_id, run_id = _claimed_run(store, {"lr": 0.2, "opt": {"name": "adam"}})
    params = write_sweep_param_file(tmp_path / "params.json", {"lr": 0.2, "opt": {"name": "adam"}})
    script = tmp_path / "train.py"
    script.write_text(
        textwrap.dedent(
            """
            import sweeplab.sdk as wandb
            wandb.init(project="ignored", config={"lr": 1.0, "epochs": 2})
            for epoch in range(wandb.config.epochs):
                wandb.log({"loss": wandb.config.lr * (epoch + 1), "opt_is_adam": wandb.config.opt.name == "adam"})
            """
        )
    )
    env = child_environment(
        tmp_path, **sweep_run_env(SweepRunContext(run_id, sweep_id, "sp"), params)
    )
    result = subprocess.run(
        [sys.executable, str(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    stored = store.get_run(run_id)
    assert stored.state is RunState.FINISHED
    assert stored.config == {"lr": 0.2, "opt": {"name": "adam"}, "epochs": 2}
    assert store.read_metrics(run_id)["loss"] == [(0, 0.2), (1, 0.4)]
    assert store.read_metrics(run_id)["opt_is_adam"] == [(0, 1.0), (1, 1.0)]
    store.close()


HYPERBAND_SWEEP = {
    "method": "grid",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {"lr": {"values": [0.1, 0.2, 0.3]}},
    "early_terminate": {"type": "hyperband", "min_iter": 2, "eta": 2},
}


def test_on_a_local_store_a_run_is_judged_as_its_metrics_arrive(store: MemoryStore) -> None:
    """No heartbeat comes in time (an hour away): the writer judges the sweep after shipping,
    so a bad run is stopped at a later log()."""
    sweep = store.create_sweep("sp", HYPERBAND_SWEEP, seed=1)
    for _ in range(2):  # two good runs that reached band 1 and finished
        good = store.create_run(NewRun(project="sp", sweep_id=sweep.sweep_id))
        store.log_metrics(good.run_id, [MetricRow(step, "loss", 0.1) for step in range(2)])
        store.finish_run(good.run_id, RunState.FINISHED)
    bad = store.create_run(NewRun(project="sp", sweep_id=sweep.sweep_id))
    store.heartbeat(bad.run_id, lease_seconds=60)
    context = SweepRunContext(
        bad.run_id, sweep.sweep_id, "sp", {}, store=store, heartbeat_seconds=3600
    )
    with pytest.raises(RunStopped, match="early termination"), activate_sweep_run(context):
        wandb.init(settings=Settings(flush_seconds=0.01, ship_seconds=0.01))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            wandb.log({"loss": 5.0})
            time.sleep(0.01)
    assert store.get_run(bad.run_id).state is RunState.STOPPED


def test_a_server_judges_its_sweeps_itself(store: MemoryStore) -> None:
    with remote_store_over(store) as remote:
        assert judge_after_ship(remote, "anysweep") is None
    assert judge_after_ship(store, "anysweep") is not None
