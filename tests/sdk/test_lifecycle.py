"""Starting and ending runs: reinit, context manager, exit codes, atexit and excepthook."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import sweeplab.sdk as wandb
from sweeplab.domain import RunState
from sweeplab.errors import RunStopped, UsageError
from sweeplab.sdk.runlog import LOG_FILE_NAME, read_run_log
from sweeplab.sdk.settings import Settings
from sweeplab.store.base import MetricRow, NewRun, RunChanges
from sweeplab.store.memory import MemoryStore
from sweeplab.store.urls import open_store
from tests.sdk.conftest import child_environment


def test_calls_before_init_explain_themselves() -> None:
    assert wandb.run is None
    with pytest.raises(
        UsageError, match=r"You must call sweeplab.init\(\) before sweeplab.log\(\)"
    ):
        wandb.log({"a": 1})
    with pytest.raises(UsageError, match=r"before sweeplab\.define_metric"):
        wandb.define_metric("a", summary="min")
    wandb.finish()  # nothing to finish: fine


def test_init_twice_returns_the_current_run(settings: Settings) -> None:
    first = wandb.init(settings=settings)
    assert wandb.init(settings=settings) is first
    assert wandb.init(reinit="return_previous", settings=settings) is first


def test_reinit_finishes_the_previous_run(settings: Settings, store: MemoryStore) -> None:
    first = wandb.init(settings=settings)
    second = wandb.init(reinit=True, settings=settings)
    assert second is not first and wandb.run is second
    assert store.get_run(first.id).state is RunState.FINISHED


def test_reinit_create_new_keeps_both_open(settings: Settings, store: MemoryStore) -> None:
    first = wandb.init(settings=settings)
    second = wandb.init(reinit="create_new", settings=settings)
    assert wandb.run is second and not first.finished
    second.finish()
    assert wandb.run is first
    first.finish()
    assert wandb.run is None


def test_bad_init_arguments(settings: Settings) -> None:
    with pytest.raises(UsageError, match=r"init\(reinit='sometimes'\)"):
        wandb.init(reinit="sometimes", settings=settings)
    with pytest.raises(UsageError, match=r"init\(resume='maybe'\)"):
        wandb.init(resume="maybe", settings=settings)


def test_finish_with_exit_code_marks_failed(settings: Settings, store: MemoryStore) -> None:
    run = wandb.init(settings=settings)
    wandb.finish(exit_code=3)
    stored = store.get_run(run.id)
    assert (stored.state, stored.exit_code, stored.end_reason) == (
        RunState.FAILED,
        3,
        "exit code 3",
    )
    with pytest.warns(UserWarning, match=r"is finished; the call to log\(\) was ignored"):
        run.log({"a": 1.0})
    run.finish()  # again: nothing happens
    assert store.get_run(run.id).state is RunState.FAILED


def test_context_manager(settings: Settings, store: MemoryStore) -> None:
    with wandb.init(settings=settings) as run:
        run.log({"a": 1.0})
    assert store.get_run(run.id).state is RunState.FINISHED

    with pytest.raises(ZeroDivisionError), wandb.init(settings=settings) as failing:
        failing.log({"a": 1.0})
        _ = 1 / 0
    stored = store.get_run(failing.id)
    assert stored.state is RunState.FAILED
    assert stored.end_reason.startswith("ZeroDivisionError: division by zero")
    assert "test_lifecycle.py" in stored.end_reason  # innermost frames kept
    assert stored.exit_code == 1


def test_keyboard_interrupt_stops_the_run(settings: Settings, store: MemoryStore) -> None:
    with pytest.raises(KeyboardInterrupt), wandb.init(settings=settings) as run:
        raise KeyboardInterrupt
    stored = store.get_run(run.id)
    assert stored.state is RunState.STOPPED and "Ctrl-C" in stored.end_reason


def test_resume_an_existing_run(settings: Settings, store: MemoryStore) -> None:
    # A run whose process died: it is still running in the store, with two steps logged.
    store.create_run(NewRun(project="p", config={"a": 1}, run_id="fixed01", name="first"))
    store.log_metrics("fixed01", [MetricRow(0, "x", 1.0), MetricRow(1, "x", 2.0)])
    store.update_run("fixed01", RunChanges(summary={"x": 2.0}))
    resumed = wandb.init(
        project="p", id="fixed01", resume="must", config={"b": 2}, settings=settings
    )
    assert resumed.step == 2 and resumed.name == "first"
    assert resumed.config.as_dict() == {"a": 1, "b": 2}
    assert resumed.summary["x"] == 2.0
    wandb.log({"x": 3.0})
    wandb.finish()
    assert store.read_metrics("fixed01")["x"] == [(0, 1.0), (1, 2.0), (2, 3.0)]
    assert store.get_run("fixed01").config == {"a": 1, "b": 2}


def test_resume_rules(settings: Settings, store: MemoryStore) -> None:
    with pytest.raises(UsageError, match=r"resume='must'\): no such run"):
        wandb.init(project="p", id="nope", resume="must", settings=settings)
    wandb.init(project="p", id="taken", settings=settings).finish()
    with pytest.raises(UsageError, match=r"resume='never'\): run taken already exists"):
        wandb.init(project="p", id="taken", resume="never", settings=settings)
    with pytest.raises(UsageError, match="belongs to project 'p', not 'q'"):
        wandb.init(project="q", id="taken", settings=settings)
    with pytest.raises(UsageError, match="run taken is finished and cannot be resumed"):
        wandb.init(project="p", id="taken", settings=settings)


def test_run_id_from_the_environment(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_RUN_ID", "envrun1")
    run = wandb.init(settings=Settings.load(store=settings.store, flush_seconds=0.01))
    assert run.id == "envrun1"


def test_a_run_stopped_in_the_store_keeps_its_state(settings: Settings, store: MemoryStore) -> None:
    run = wandb.init(settings=settings)
    store.finish_run(run.id, RunState.STOPPED, reason="by a user")
    store.update_run(run.id, RunChanges(name="renamed"))
    wandb.finish()
    assert store.get_run(run.id).state is RunState.STOPPED


SCRIPT_HEADER = """
import sweeplab.sdk as wandb
run = wandb.init(project="proc", id="{run_id}", config={{"a": 1}})
for step in range(5):
    wandb.log({{"x": float(step)}})
"""


def _run_script(
    tmp_path: Path, body: str, run_id: str, **env: str
) -> subprocess.CompletedProcess[str]:
    script = tmp_path / f"{run_id}.py"
    script.write_text(textwrap.dedent(SCRIPT_HEADER.format(run_id=run_id)) + textwrap.dedent(body))
    return subprocess.run(
        [sys.executable, str(script)],
        env=child_environment(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _stored(tmp_path: Path, run_id: str) -> tuple[RunState, str, list[tuple[int, float]]]:
    store = open_store(f"sqlite:///{tmp_path / 'sweeplab' / 'sweeplab.db'}")
    try:
        record = store.get_run(run_id)
        return record.state, record.end_reason, store.read_metrics(run_id)["x"]
    finally:
        store.close()


def test_atexit_finishes_a_run_the_script_did_not_finish(tmp_path: Path) -> None:
    result = _run_script(tmp_path, "", "atexit1")
    assert result.returncode == 0, result.stderr
    state, _, history = _stored(tmp_path, "atexit1")
    assert state is RunState.FINISHED
    assert history == [(step, float(step)) for step in range(5)]


def test_uncaught_exception_marks_the_run_failed(tmp_path: Path) -> None:
    result = _run_script(tmp_path, "raise RuntimeError('boom')\n", "except1")
    assert result.returncode == 1
    assert "RuntimeError: boom" in result.stderr  # the previous hook still prints it
    state, reason, history = _stored(tmp_path, "except1")
    assert state is RunState.FAILED and reason.startswith("RuntimeError: boom")
    assert len(history) == 5


def test_sys_exit_with_a_code_marks_the_run_failed(tmp_path: Path) -> None:
    result = _run_script(tmp_path, "import sys\nsys.exit(3)\n", "exit3")
    assert result.returncode == 3
    state, reason, _ = _stored(tmp_path, "exit3")
    assert (state, reason) == (RunState.FAILED, "exit code 3")


def test_the_run_log_is_written_every_flush_and_the_store_fed_every_ship(
    store: MemoryStore, tmp_path: Path
) -> None:
    settings = Settings(
        store=store, sweeplab_dir=tmp_path / "sweeplab", flush_seconds=0.01, ship_seconds=3600
    )
    run = wandb.init(settings=settings)
    wandb.log({"loss": 1.0})
    log_path = run.dir / LOG_FILE_NAME if run.dir is not None else None
    assert log_path is not None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not _history_rows(log_path):
        time.sleep(0.01)
    assert _history_rows(log_path) == 1
    assert store.read_metrics(run.id) == {}  # not shipped yet: the next ship is an hour away
    wandb.finish()
    assert store.read_metrics(run.id) == {"loss": [(0, 1.0)]}  # finish ships everything


def _history_rows(log_path: Path) -> int:
    if not log_path.exists():
        return 0
    records = read_run_log(log_path).records
    return sum(len(record["rows"]) for record in records if record["t"] == "history")


def test_a_run_whose_process_died_is_reaped_as_crashed(tmp_path: Path) -> None:
    """A plain run holds a lease from init(); killed without a chance to finish (os._exit,
    like kill -9), it stays running only until its lease expires, then the reaper marks it
    crashed. Rows it had shipped stay."""
    body = """
    import os, time
    from sweeplab.store.urls import open_store
    store = open_store(os.environ["SWEEPLAB_STORE_URL"])
    deadline = time.monotonic() + 30
    while len(store.read_metrics(run.id).get("x", [])) < 5 and time.monotonic() < deadline:
        time.sleep(0.02)  # until the writer has shipped every row
    os._exit(9)
    """
    store_url = f"sqlite:///{tmp_path / 'sweeplab' / 'sweeplab.db'}"
    result = _run_script(
        tmp_path, body, "killed1", SWEEPLAB_STORE_URL=store_url, SWEEPLAB_SHIP_SECONDS="0.05"
    )
    assert result.returncode == 9, result.stderr
    store = open_store(store_url)
    try:
        run = store.get_run("killed1")
        assert run.state is RunState.RUNNING and run.lease_expires_at is not None
        assert store.reap_expired(now=run.lease_expires_at - 1) == []
        assert store.reap_expired(now=run.lease_expires_at + 1) == ["killed1"]
        reaped = store.get_run("killed1")
        assert reaped.state is RunState.CRASHED
        assert reaped.end_reason.startswith("lease expired")
        assert len(store.read_metrics("killed1")["x"]) == 5
    finally:
        store.close()


def test_a_call_after_the_run_ended_says_so(settings: Settings, store: MemoryStore) -> None:
    """A loop that goes on after its run was stopped (a framework callback caught the stop)
    learns that the run ended and why, not that init() was never called."""
    run = wandb.init(settings=settings)
    store.update_run(run.id, RunChanges(stop_requested="early termination (hyperband): bad"))
    with pytest.raises(RunStopped):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            wandb.log({"loss": 1.0})
            time.sleep(0.005)
    assert run.end_reason == "early termination (hyperband): bad"
    with pytest.raises(UsageError, match=rf"run {run.id} has ended \(stopped: early termination"):
        wandb.log({"loss": 2.0})
    with pytest.raises(UsageError, match=r"Call sweeplab\.init"):
        wandb.define_metric("loss", summary="min")
