from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pytest

from sweeplab.cli.main import main
from sweeplab.cli.run_commands import history_table
from sweeplab.domain import RunState
from sweeplab.sdk.settings import Settings
from sweeplab.sdk.stores import store_for
from sweeplab.store.base import MetricRow, NewRun


def _make_runs() -> str:
    store = store_for(Settings.load())
    run = store.create_run(NewRun(project="proj", name="first", config={"lr": 0.1, "opt": {"m": 0.9}}))
    store.log_metrics(run.run_id, [MetricRow(0, "loss", 1.0), MetricRow(1, "loss", 0.5),
                                   MetricRow(1, "acc", 0.7), MetricRow(2, "loss", math.nan)])
    store.finish_run(run.run_id, RunState.FINISHED)
    store.create_run(NewRun(project="other", name="second"))
    return run.run_id


def test_runs_table_and_filters(sweeplab_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_id = _make_runs()
    assert main(["runs"]) == 0
    out = capsys.readouterr().out
    assert run_id in out and "first" in out and "second" in out
    assert 'lr=0.1, opt={"m": 0.9}' in out
    assert main(["runs", "--project", "proj", "--state", "finished"]) == 0
    out = capsys.readouterr().out
    assert "first" in out and "second" not in out
    assert main(["runs", "--limit", "1"]) == 0
    assert "showing the newest 1 of 2 runs" in capsys.readouterr().err
    assert main(["runs", "--sweep", "nosuch"]) == 0
    assert "no runs match" in capsys.readouterr().err


def test_runs_rejects_an_unknown_state(sweeplab_dir: Path) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["runs", "--state", "sleeping"])
    assert caught.value.code == 2


def test_history_table() -> None:
    header, rows = history_table({"loss": [(0, 1.0), (2, 0.5)], "acc": [(2, 0.9)]})
    assert header == ["step", "acc", "loss"]
    assert rows == [[0, None, 1.0], [2, 0.9, 0.5]]


def test_export_csv_to_stdout_and_file(sweeplab_dir: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    run_id = _make_runs()
    assert main(["export", run_id]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [["step", "acc", "loss"], ["0", "", "1.0"], ["1", "0.7", "0.5"], ["2", "", "nan"]]
    target = tmp_path / "history.csv"
    assert main(["export", run_id, "-o", str(target)]) == 0
    assert target.read_text().splitlines()[0] == "step,acc,loss"
    assert "wrote 3 steps × 2 metrics" in capsys.readouterr().err


def test_export_errors(sweeplab_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_id = _make_runs()
    assert main(["export", "nosuch"]) == 1
    assert "error: no run with id 'nosuch'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        main(["export", run_id, "--format", "parquet"])
    assert caught.value.code == 2
    assert "give a file with -o FILE.parquet" in capsys.readouterr().err


def test_export_parquet(sweeplab_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                        monkeypatch: pytest.MonkeyPatch) -> None:
    run_id = _make_runs()
    target = tmp_path / "history.parquet"
    try:
        import pyarrow.parquet as pq  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        assert main(["export", run_id, "-o", str(target)]) == 1
        assert "Parquet export needs pyarrow" in capsys.readouterr().err
        return
    assert main(["export", run_id, "-o", str(target)]) == 0
    assert pq.read_table(str(target)).column_names == ["step", "acc", "loss"]


def test_export_parquet_without_any_engine(sweeplab_dir: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    run_id = _make_runs()
    for module in ("pyarrow", "pyarrow.parquet", "pandas"):
        monkeypatch.setitem(sys.modules, module, None)  # makes the import fail
    assert main(["export", run_id, "--format", "parquet", "-o", str(tmp_path / "h.parquet")]) == 1
    assert "pip install pyarrow, or export CSV with --format csv" in capsys.readouterr().err
