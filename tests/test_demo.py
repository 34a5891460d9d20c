"""The main job (`make demo`): the seed tutorial's sweep on the embedded store."""

from __future__ import annotations

from pathlib import Path

import pytest

from sweeplab.demo import PROJECT, main
from sweeplab.domain import RunState
from sweeplab.store import RunQuery, open_store


def test_demo_runs_the_tutorial_sweep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SWEEPLAB_DIR", str(tmp_path / "sweeplab"))
    assert main(["--count", "4"]) == 0
    out = capsys.readouterr().out
    store = open_store(f"sqlite:///{tmp_path / 'sweeplab' / 'sweeplab.db'}")
    try:
        runs = store.list_runs(RunQuery(project=PROJECT))
        assert len(runs) == 4
        assert {run.state for run in runs} <= {RunState.FINISHED, RunState.STOPPED}
        for run in runs:
            assert run.config["epochs"] == 12
            assert run.config["batch_size"] in (32, 64, 128, 256)
            assert len(store.read_metrics(run.run_id)["val_loss"]) >= 1
        best = min(runs, key=lambda run: run.summary["val_loss"])
    finally:
        store.close()
    assert f"best run: {best.run_id}" in out
    assert "http://127.0.0.1:8080/sweeps/" in out
