from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sweeplab.cli.main import main
from sweeplab.domain import RunState
from sweeplab.sdk.settings import Settings
from sweeplab.sdk.stores import store_for

TRAIN = """
import sys
import sweeplab.sdk as wandb
run = wandb.init(config={"epochs": 2})
if wandb.config.a == 3:
    sys.exit(4)
for epoch in range(wandb.config.epochs):
    wandb.log({"loss": wandb.config.a / (epoch + 1)})
"""


def _sweep(tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str = "") -> str:
    (tmp_path / "train.py").write_text(TRAIN)
    config = tmp_path / "sweep.yaml"
    config.write_text(f"program: train.py\nmethod: grid\nparameters:\n  a: {{values: [1, 2, 3]}}\n{extra}")
    assert main(["sweep", str(config)]) == 0
    return capsys.readouterr().out.strip()


def test_agent_runs_the_program_per_run(sweeplab_dir: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    sweep_id = _sweep(tmp_path, capsys)
    assert main(["agent", sweep_id, "--count", "2"]) == 0
    err = capsys.readouterr().err
    assert "agent done after 2 runs: ran 2 runs as asked" in err
    store = store_for(Settings.load())
    runs = store.sweep_runs(sweep_id)
    assert [run.state for run in runs] == [RunState.FINISHED] * 2
    assert [run.config["epochs"] for run in runs] == [2, 2]
    assert [v for _, v in store.read_metrics(runs[1].run_id)["loss"]] == [2.0, 1.0]
    # The third point fails (exit code 4); the grid is then done: exit 0, the failure shown.
    assert main(["agent", sweep_id]) == 0
    err = capsys.readouterr().err
    assert "exit code 4" in err and "grid exhausted" in err
    assert store_for(Settings.load()).sweep_runs(sweep_id)[2].state is RunState.FAILED


def test_agent_exits_1_after_repeated_failures(sweeplab_dir: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    sweep_id = _sweep(tmp_path, capsys, f"command: ['{sys.executable}', '-c', 'raise SystemExit(1)']\n")
    monkeypatch.setenv("SWEEPLAB_AGENT_MAX_CONSECUTIVE_FAILURES", "2")
    assert main(["agent", sweep_id]) == 1
    assert "2 runs failed in a row" in capsys.readouterr().err


def test_agent_refuses_a_command_it_cannot_build(sweeplab_dir: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    sweep_id = _sweep(tmp_path, capsys, "command: ['${envvar:SWEEPLAB_TEST_UNSET}', '${args}']\n")
    assert main(["agent", sweep_id]) == 1
    assert "SWEEPLAB_TEST_UNSET" in capsys.readouterr().err
    assert store_for(Settings.load()).sweep_runs(sweep_id) == []


def test_agent_usage_and_unknown_sweep(sweeplab_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["agent", "abc", "--count", "0"])
    assert caught.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        main(["agent", "abc", "--count", "many"])
    assert caught.value.code == 2
    assert main(["agent", "nosuch"]) == 1
    assert "no sweep with id 'nosuch'" in capsys.readouterr().err


def test_agent_with_explicit_store_passes_it_to_the_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SWEEPLAB_DIR", str(tmp_path / "dir"))
    (tmp_path / "train.py").write_text(TRAIN)
    config = tmp_path / "sweep.yaml"
    config.write_text("program: train.py\nmethod: grid\nparameters:\n  a: {values: [1]}\n")
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    assert main(["sweep", str(config), "--store", url]) == 0
    sweep_id = capsys.readouterr().out.strip()
    assert main(["agent", sweep_id, "--store", url]) == 0
    from sweeplab.store import open_store

    store = open_store(url)
    try:
        run = store.sweep_runs(sweep_id)[0]
        assert run.state is RunState.FINISHED
        assert store.read_metrics(run.run_id)["loss"] == [(0, 1.0), (1, 0.5)]
    finally:
        store.close()


def test_interrupted_agent_exits_130(sweeplab_dir: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from sweeplab.agents import AgentExit, AgentLoop, AgentResult

    sweep_id = _sweep(tmp_path, capsys)
    monkeypatch.setattr(AgentLoop, "run", lambda self: AgentResult(AgentExit.INTERRUPTED, "stop"))
    assert main(["agent", sweep_id]) == 130


def test_keyboard_interrupt_anywhere_exits_130(sweeplab_dir: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from sweeplab.agents import AgentLoop

    def interrupt(self: AgentLoop) -> None:
        raise KeyboardInterrupt

    sweep_id = _sweep(tmp_path, capsys)
    monkeypatch.setattr(AgentLoop, "run", interrupt)
    assert main(["agent", sweep_id]) == 130
    assert "sweeplab: interrupted" in capsys.readouterr().err
