from __future__ import annotations

from pathlib import Path

import pytest

from sweeplab.cli.main import main
from sweeplab.domain import RunState, SweepState
from sweeplab.engine import Controller
from sweeplab.sdk.settings import Settings
from sweeplab.sdk.stores import store_for

CONFIG = "method: grid\nparameters:\n  a: {values: [1, 2]}\n"


def _controller() -> Controller:
    return Controller(store_for(Settings.load()))


def _create(tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    path = tmp_path / "sweep.yaml"
    path.write_text(CONFIG)
    assert main(["sweep", str(path), *extra]) == 0
    return capsys.readouterr().out.strip()


def test_sweep_create_prints_the_id_on_stdout(
    sweeplab_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sweep.yaml"
    path.write_text(CONFIG)
    assert main(["sweep", str(path), "--project", "proj"]) == 0
    out, err = capsys.readouterr()
    sweep_id = out.strip()
    assert _controller().store.get_sweep(sweep_id).project == "proj"
    assert f"sweeplab agent {sweep_id}" in err


def test_sweep_create_reports_config_problems(
    sweeplab_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("method: grid\nparameters:\n  a: {min: 0.0, max: 1.0}\nrun_cap: -1\n")
    assert main(["sweep", str(path)]) == 1
    err = capsys.readouterr().err
    assert "sweeplab: error: invalid sweep config (2 problems)" in err
    assert "run_cap" in err and "parameters.a" in err


def test_sweep_usage_errors(sweeplab_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["sweep"])
    assert caught.value.code == 2
    assert "give a sweep config file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        main(["sweep", "--pause"])
    assert caught.value.code == 2
    assert "--pause needs the sweep id" in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        main(["sweep", "--pause", "--stop", "x"])
    assert caught.value.code == 2


def test_pause_resume_stop(sweeplab_dir: Path, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    sweep_id = _create(tmp_path, capsys)
    assert main(["sweep", "--pause", sweep_id]) == 0
    assert "running → paused" in capsys.readouterr().err
    assert _controller().store.get_sweep(sweep_id).state is SweepState.PAUSED
    assert main(["sweep", "--pause", f"ent/proj/{sweep_id}"]) == 0
    assert f"sweep {sweep_id} is already paused" in capsys.readouterr().err
    assert main(["sweep", "--resume", sweep_id]) == 0
    assert main(["sweep", "--stop", sweep_id]) == 0
    assert "finish on their own" in capsys.readouterr().err
    assert main(["sweep", "--resume", sweep_id]) == 1
    err = capsys.readouterr().err
    assert f"error: cannot resume sweep {sweep_id}: it is stopped (stopped by user)" in err


def test_cancel_asks_running_runs_to_stop(sweeplab_dir: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    sweep_id = _create(tmp_path, capsys)
    run = _controller().claim_next_run(sweep_id, 60).run
    assert run is not None
    assert main(["sweep", "--cancel", sweep_id]) == 0
    assert "1 running run(s) were asked to stop" in capsys.readouterr().err
    assert _controller().store.get_run(run.run_id).stop_requested == "sweep canceled"


def test_unknown_sweep_fails_with_a_message(sweeplab_dir: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", "--stop", "nosuch"]) == 1
    assert "sweeplab: error: no sweep with id 'nosuch'" in capsys.readouterr().err


def test_sweeps_table(sweeplab_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweeps"]) == 0
    assert "no sweeps yet" in capsys.readouterr().err
    sweep_id = _create(tmp_path, capsys, "--project", "proj")
    controller = _controller()
    run = controller.claim_next_run(sweep_id, 60).run
    assert run is not None
    controller.finish_run(run.run_id, RunState.FINISHED)
    controller.claim_next_run(sweep_id, 60)
    assert main(["sweeps", "--project", "proj"]) == 0
    out = capsys.readouterr().out
    assert sweep_id in out and "1 finished, 1 running" in out and "grid" in out
    assert main(["sweeps", "--project", "other"]) == 0
    assert "no sweeps in project 'other' yet" in capsys.readouterr().err


def test_explicit_store_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "sweep.yaml"
    path.write_text(CONFIG)
    url = f"sqlite:///{tmp_path / 'other.db'}"
    assert main(["sweep", str(path), "--store", url]) == 0
    sweep_id = capsys.readouterr().out.strip()
    assert main(["sweeps", "--store", url]) == 0
    assert sweep_id in capsys.readouterr().out
