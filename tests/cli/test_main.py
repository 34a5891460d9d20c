from __future__ import annotations

import json
from pathlib import Path

import pytest

from sweeplab.cli.main import main

DATA = Path(__file__).parents[1] / "sweep_config" / "data" / "real-sweep-configs"


def test_validate_ok_and_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(DATA / "MilesCranmer__pysr_wandb__sweep.yml")]) == 0
    captured = capsys.readouterr()
    assert "ok (bayes, 29 parameters)" in captured.out
    assert "warning: parameters.alpha: log_uniform takes base-e exponents" in captured.err


def test_validate_reports_problems_and_fails(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("method: grid\nparameters:\n  lr: {min: 0.1, max: 0.01}\n")
    assert main(["validate", str(bad), str(tmp_path / "missing.yml")]) == 1
    err = capsys.readouterr().err
    assert "parameters.lr: uniform needs min < max (got min=0.1, max=0.01)" in err
    assert "sweep config file not found" in err


def test_schema_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "sweeplab sweep config"


def test_unknown_command_exits_with_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["fly"])
    assert caught.value.code == 2
    assert "invalid choice: 'fly'" in capsys.readouterr().err
