from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sweeplab.domain import RunState, SweepState
from sweeplab.errors import ConfigError, NotFoundError, UsageError
from sweeplab.sdk.settings import Settings
from sweeplab.sdk.stores import close_stores, store_for
from sweeplab.sdk.sweeps import agent, parse_sweep_path, sweep
from sweeplab.store.base import Store

GRID: dict[str, Any] = {"method": "grid", "parameters": {"a": {"values": [1, 2, 3]}}}


@pytest.fixture(autouse=True)
def _local_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("SWEEPLAB_PROJECT", "SWEEPLAB_STORE_URL", "SWEEPLAB_BASE_URL", "SWEEPLAB_MODE",
                 "WANDB_PROJECT", "WANDB_DIR", "WANDB_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SWEEPLAB_DIR", str(tmp_path / "sweeplab"))
    monkeypatch.setenv("SWEEPLAB_LEASE_SECONDS", "10")
    monkeypatch.setenv("SWEEPLAB_HEARTBEAT_SECONDS", "0.5")
    monkeypatch.chdir(tmp_path)
    yield
    close_stores()


def _store() -> Store:
    return store_for(Settings.load())


def test_sweep_stores_and_announces(capsys: pytest.CaptureFixture[str]) -> None:
    sweep_id = sweep(GRID, project="proj")
    record = _store().get_sweep(sweep_id)
    assert (record.project, record.state) == ("proj", SweepState.RUNNING)
    assert dict(record.config) == GRID
    err = capsys.readouterr().err
    assert f"sweeplab: created sweep with id: {sweep_id} (project proj)" in err
    assert f"sweeplab agent {sweep_id}" in err
    assert f"sweeplab server, then open http://127.0.0.1:8080/sweeps/{sweep_id}" in err


def test_sweep_from_yaml_and_callable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "sweep.yaml"
    path.write_text("method: random\nproject: from-config\nparameters:\n  lr: {min: 1e-5, max: 0.1}\n")
    assert _store().get_sweep(sweep(str(path))).project == "from-config"
    monkeypatch.setenv("SWEEPLAB_PROJECT", "from-env")
    assert _store().get_sweep(sweep(lambda: GRID)).project == "from-env"
    assert _store().get_sweep(sweep(GRID)).project == "from-env"


def test_sweep_without_project_is_uncategorized() -> None:
    assert _store().get_sweep(sweep(GRID)).project == "uncategorized"


def test_sweep_reports_every_violation() -> None:
    with pytest.raises(ConfigError) as caught:
        sweep({"method": "grid", "parameters": {"a": {"min": 0.0, "max": 1.0}}, "run_cap": 0})
    assert {v.path for v in caught.value.violations} >= {"parameters.a", "run_cap"}


def test_sweep_refuses_what_it_cannot_do() -> None:
    with pytest.raises(UsageError, match=r"a dict or a \.yaml/\.yml file path"):
        sweep("grid please")
    with pytest.raises(UsageError, match="prior_runs"):
        sweep(GRID, prior_runs=["abc"])


def test_parse_sweep_path() -> None:
    assert parse_sweep_path("abc") == ("abc", None)
    assert parse_sweep_path("proj/abc") == ("abc", "proj")
    assert parse_sweep_path("ent/proj/abc") == ("abc", "proj")
    for bad in ("", "a/b/c/d", "proj/"):
        with pytest.raises(UsageError, match="ID, project/ID or entity/project/ID"):
            parse_sweep_path(bad)


def test_agent_runs_the_function(capsys: pytest.CaptureFixture[str]) -> None:
    import sweeplab.sdk as wandb

    sweep_id = sweep(GRID, project="proj")
    seen: list[int] = []

    def train() -> None:
        wandb.init()
        seen.append(wandb.config.a)
        wandb.log({"loss": 1.0 / wandb.config.a})

    agent(f"someone/proj/{sweep_id}", function=train, count=2)
    assert seen == [1, 2]
    runs = _store().sweep_runs(sweep_id)
    assert [run.state for run in runs] == [RunState.FINISHED] * 2
    err = capsys.readouterr().err
    assert "agent done after 2 runs: ran 2 runs as asked" in err
    assert "warning" not in err
    # Without a count it runs until the grid is done, then returns.
    agent(sweep_id, function=train)
    assert seen == [1, 2, 3]
    assert "grid exhausted" in capsys.readouterr().err


def test_agent_warns_on_another_project(capsys: pytest.CaptureFixture[str]) -> None:
    sweep_id = sweep(GRID, project="proj")
    agent(sweep_id, function=lambda: None, project="other", count=1)
    assert "belongs to project 'proj', not 'other'" in capsys.readouterr().err


def test_agent_on_unknown_sweep() -> None:
    with pytest.raises(NotFoundError, match="nosuch"):
        agent("nosuch", function=lambda: None)


def test_agent_stops_after_consecutive_failures(capsys: pytest.CaptureFixture[str]) -> None:
    sweep_id = sweep({"method": "random", "parameters": {"x": {"min": 0, "max": 9}}})

    def broken() -> None:
        raise RuntimeError("CUDA out of memory")

    agent(sweep_id, function=broken, max_consecutive_failures=2)
    runs = _store().sweep_runs(sweep_id)
    assert [run.state for run in runs] == [RunState.FAILED] * 2
    assert runs[0].end_reason.startswith("RuntimeError: CUDA out of memory")
    assert "2 runs failed in a row" in capsys.readouterr().err


def test_agent_ctrl_c_returns(capsys: pytest.CaptureFixture[str]) -> None:
    sweep_id = sweep(GRID)

    def interrupted() -> None:
        raise KeyboardInterrupt

    agent(sweep_id, function=interrupted)
    runs = _store().sweep_runs(sweep_id)
    assert [run.state for run in runs] == [RunState.STOPPED]
    assert "interrupted during run" in capsys.readouterr().err


def test_agent_ctrl_c_outside_a_run(monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    from sweeplab.agents import AgentLoop

    def interrupt(self: AgentLoop) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(AgentLoop, "run", interrupt)
    agent(sweep(GRID), function=lambda: None)
    assert "agent interrupted (Ctrl-C)" in capsys.readouterr().err


def test_agent_without_function_runs_the_program(tmp_path: Path) -> None:
    program = tmp_path / "train.py"
    program.write_text(
        "import sys\nimport sweeplab.sdk as wandb\nrun = wandb.init()\n"
        "wandb.log({'loss': float(sys.argv[1].split('=')[1])})\nrun.finish()\n"
    )
    sweep_id = sweep({**GRID, "program": str(program), "command": ["${interpreter}", "${program}", "${args}"]})
    agent(sweep_id, count=1)
    run = _store().sweep_runs(sweep_id)[0]
    assert run.state is RunState.FINISHED
    assert _store().read_metrics(run.run_id)["loss"] == [(0, 1.0)]


def test_agent_without_function_warns_on_unknown_macro(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    sweep_id = sweep({**GRID, "command": [sys.executable, "-c", "pass", "${project}"]})
    agent(sweep_id, count=1)
    assert "'${project}' is not a known macro" in capsys.readouterr().err
    assert _store().sweep_runs(sweep_id)[0].state is RunState.FINISHED
