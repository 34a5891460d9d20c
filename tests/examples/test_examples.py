"""Every example in ``examples/`` runs end to end with small counts and leaves the runs it
promises in the store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sweeplab.domain import RunRecord, RunState
from sweeplab.store.base import Store
from tests.e2e.conftest import run_cli
from tests.examples.conftest import EXAMPLES, example_environ, run_python

pytestmark = pytest.mark.integration

ENDED = {RunState.FINISHED, RunState.STOPPED}


def _sweep_runs(store: Store, stdout: str, count: int) -> list[RunRecord]:
    """The runs of the sweep whose id the example printed last."""
    sweep_id = stdout.strip().splitlines()[-1]
    runs = store.sweep_runs(sweep_id)
    assert len(runs) == count, [run.state for run in runs]
    for run in runs:
        assert run.state in ENDED, f"{run.run_id} {run.state}: {run.end_reason}"
    return runs


def _values(store: Store, run_id: str, key: str) -> list[float]:
    return [value for _, value in store.read_metrics(run_id).get(key, [])]


def test_tensorflow_sweep(tmp_path: Path, sweeplab_dir: Path, store: Store) -> None:
    done = run_python(EXAMPLES / "tensorflow_sweep.py", ["--count", "3", "--epochs", "4"],
                      sweeplab_dir, tmp_path)
    runs = _sweep_runs(store, done.stdout, 3)
    sweep = store.get_sweep(runs[0].sweep_id or "")
    assert sweep.project == "sweeps-tensorflow" and sweep.config["method"] == "random"
    assert sweep.config["early_terminate"] == {"type": "hyperband", "min_iter": 3}
    for run in runs:
        assert run.config["epochs"] == 4 and run.config["dataset_name"] == "digits"
        assert run.config["batch_size"] in (32, 64, 128, 256)
        epochs = _values(store, run.run_id, "epochs")
        assert epochs == list(range(len(epochs))) and 1 <= len(epochs) <= 4
        assert len(_values(store, run.run_id, "val_loss")) == len(epochs)
    assert "best run" in done.stdout


def _notebook_script(notebook_path: Path, overrides: str) -> str:
    """The notebook's code cells as one script, ``overrides`` right after the parameters cell
    (papermill's convention), checking that every cell is plain Python."""
    notebook = json.loads(notebook_path.read_text())
    assert notebook["nbformat"] == 4
    parts: list[str] = []
    for cell in notebook["cells"]:
        assert cell["cell_type"] in ("markdown", "code")
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        assert not any(line.lstrip().startswith(("%", "!")) for line in source.splitlines())
        assert cell["outputs"] == [] and cell["execution_count"] is None  # stored clean
        parts.append(source)
        if "parameters" in cell["metadata"].get("tags", []):
            parts.append(overrides)
    assert overrides in parts, "the notebook has no cell tagged 'parameters'"
    return "\n\n".join(parts) + "\n"


def test_tensorflow_notebook(tmp_path: Path, sweeplab_dir: Path, store: Store) -> None:
    script = tmp_path / "notebook.py"
    script.write_text(_notebook_script(EXAMPLES / "tensorflow_sweep.ipynb",
                                       "RUN_COUNT = 2\nEPOCHS = 3"))
    done = run_python(script, [], sweeplab_dir, tmp_path)
    (sweep,) = store.list_sweeps(project="sweeps-tensorflow")
    runs = store.sweep_runs(sweep.sweep_id)
    assert len(runs) == 2 and {run.state for run in runs} <= ENDED
    assert all(run.config["epochs"] == 3 for run in runs)
    assert "best run:" in done.stdout


def test_keras_fit_sweep(tmp_path: Path, sweeplab_dir: Path, store: Store) -> None:
    done = run_python(EXAMPLES / "keras_fit_sweep.py", ["--count", "3", "--epochs", "3"],
                      sweeplab_dir, tmp_path)
    runs = _sweep_runs(store, done.stdout, 3)
    assert store.get_sweep(runs[0].sweep_id or "").config["method"] == "bayes"
    for run in runs:
        assert 1e-3 <= run.config["learning_rate"] <= 0.3
        assert 0.0 <= run.config["dropout"] <= 0.5
        assert run.config["hidden_units"] in (16, 32, 64, 128)
        val_loss = _values(store, run.run_id, "val_loss")
        assert _values(store, run.run_id, "epoch") == list(range(len(val_loss)))
        assert run.summary["best_val_loss"] == min(val_loss)
        assert run.summary["best_epoch"] == val_loss.index(min(val_loss))
        assert (sweeplab_dir / f"run-{run.run_id}" / "model-best.keras").is_file()


def test_lightning_sweep(tmp_path: Path, sweeplab_dir: Path, store: Store) -> None:
    done = run_python(EXAMPLES / "lightning_sweep.py", ["--count", "2", "--epochs", "2"],
                      sweeplab_dir, tmp_path)
    for run in _sweep_runs(store, done.stdout, 2):
        assert run.config["hidden"] in (32, 64, 128)
        assert 1e-3 <= run.config["learning_rate"] <= 0.5
        assert 1 <= len(_values(store, run.run_id, "val_loss")) <= 2
        assert _values(store, run.run_id, "trainer/global_step")


def test_sklearn_sweep_runs_the_whole_grid(tmp_path: Path, sweeplab_dir: Path,
                                           store: Store) -> None:
    done = run_python(EXAMPLES / "sklearn_sweep.py", [], sweeplab_dir, tmp_path)
    runs = _sweep_runs(store, done.stdout, 6)
    assert {(run.config["C"], run.config["gamma"]) for run in runs} == {
        (c, gamma) for c in (0.1, 1.0, 10.0) for gamma in (0.001, 0.01)
    }
    sweep = store.get_sweep(runs[0].sweep_id or "")
    assert sweep.state.value == "finished" and "grid" in sweep.state_reason
    best = max(runs, key=lambda run: run.summary["cv_accuracy"])
    assert f"best run {best.run_id}" in done.stdout


def test_cli_sweep(tmp_path: Path, sweeplab_dir: Path, store: Store) -> None:
    workdir = tmp_path / "cli_sweep"
    shutil.copytree(EXAMPLES / "cli_sweep", workdir)  # the agent runs train.py from here
    env = example_environ(sweeplab_dir)
    created = run_cli(["sweep", "sweep.yaml"], env, workdir)
    assert created.returncode == 0, created.stderr
    sweep_id = created.stdout.strip()
    agent = run_cli(["agent", sweep_id, "--count", "2"], env, workdir, timeout_seconds=120)
    assert agent.returncode == 0, agent.stderr
    runs = store.sweep_runs(sweep_id)
    assert len(runs) == 2
    for run in runs:
        assert run.state in ENDED, run.end_reason
        assert run.project == "cli-sweep" and run.config["epochs"] == 8
        assert isinstance(run.config["hidden_units"], int)
        assert 1e-5 <= run.config["alpha"] <= 1e-2
        assert 1 <= len(_values(store, run.run_id, "val_loss")) <= 8
