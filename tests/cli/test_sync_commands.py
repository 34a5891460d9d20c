from __future__ import annotations

from pathlib import Path

import pytest

from sweeplab.cli.main import main
from sweeplab.sdk.settings import Settings, saved_mode
from sweeplab.sdk.stores import store_for
from sweeplab.store.base import RunQuery


def test_offline_and_online_save_the_mode(sweeplab_dir: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["offline"]) == 0
    assert saved_mode(sweeplab_dir).value == "offline"  # type: ignore[union-attr]
    assert "offline mode is now the default" in capsys.readouterr().err
    monkeypatch.setenv("SWEEPLAB_MODE", "offline")
    assert main(["online"]) == 0
    assert saved_mode(sweeplab_dir).value == "online"  # type: ignore[union-attr]
    assert "SWEEPLAB_MODE=offline is set and wins" in capsys.readouterr().err


def test_sync_uploads_offline_runs_once(sweeplab_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sweeplab.sdk as wandb

    run = wandb.init(project="proj", mode="offline")
    for step in range(3):
        wandb.log({"loss": 1.0 / (step + 1)})
    run.finish()
    assert main(["sync"]) == 0
    err = capsys.readouterr().err
    assert "synced 1 of 1 runs, 3 new rows" in err
    assert main(["sync", str(sweeplab_dir), "--include-synced"]) == 0
    assert "synced 1 of 1 runs, 0 new rows" in capsys.readouterr().err
    runs = store_for(Settings.load()).list_runs(RunQuery(project="proj"))
    assert [r.run_id for r in runs] == [run.id]


def test_sync_with_nothing_to_do(sweeplab_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sweeplab_dir.mkdir(parents=True)
    assert main(["sync"]) == 0
    assert "nothing to sync" in capsys.readouterr().err


def test_sync_of_a_bad_path_fails(sweeplab_dir: Path, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", str(tmp_path / "missing")]) == 1
    assert "neither a run directory nor a directory of offline runs" in capsys.readouterr().err


def test_sync_reports_a_run_that_fails(sweeplab_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sweeplab.sdk.runlog import LOG_FILE_NAME

    run_dir = sweeplab_dir / "offline-run-broken"
    run_dir.mkdir(parents=True)
    (run_dir / LOG_FILE_NAME).write_bytes(b"not a run log at all")
    assert main(["sync", str(run_dir)]) == 1
    err = capsys.readouterr().err
    assert f"{run_dir}: failed: " in err
    assert "some runs failed to sync" in err
