"""The 34 sweep configs people published (shared/compat) against W&B's own verdicts.

sweeplab accepts every config W&B accepts. Of W&B's five rejections, three are rows the corpus
marks ``oracle_doubtful`` and sweeplab accepts on purpose:
- two use ``min: 1e-5``, which W&B's YAML 1.1 loader reads as a string; ours reads a float;
- one uses W&B's deprecated ``log_uniform`` (base-e exponents), which W&B's cloud still runs;
  sweeplab accepts it with a warning that spells out the value range.
The other two are rejected with a message that names the path and the fix.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sweeplab.errors import ConfigError
from sweeplab.sweep_config import Categorical, load_sweep_config
from sweeplab.sweep_config.yaml_loader import parse_yaml

DATA = Path(__file__).parent / "data"
ROWS: list[dict[str, Any]] = [
    json.loads(line) for line in (DATA / "real-sweep-configs.jsonl").read_text().splitlines()
]
ACCEPTED_DESPITE_WANDB = {
    "real-sweep-configs/AkuSax__exhale-prediction-cvae__sweep.yaml",
    "real-sweep-configs/Blended-Learning-Novo-Nordisk-Team-2__VQVAE-anomaly-detection__sweep.yaml",
    "real-sweep-configs/MilesCranmer__pysr_wandb__sweep.yml",
}


def _load_row(row: dict[str, Any]) -> Any:
    data = parse_yaml((DATA / row["file"]).read_text(encoding="utf-8"))
    key = row["sweep_config_key"]
    return data[key] if key else data


def test_corpus_is_complete() -> None:
    assert len(ROWS) == 34
    assert sum(row["valid"] for row in ROWS) == 29


@pytest.mark.parametrize("row", [r for r in ROWS if r["valid"]], ids=lambda r: r["file"])
def test_accepts_every_config_wandb_accepts(row: dict[str, Any]) -> None:
    config = load_sweep_config(_load_row(row))
    inferred = {".".join(path): spec.distribution.value for path, spec in config.flat_parameters()}
    for name, wandb_kind in row["inferred"].items():
        if name in inferred:  # W&B reports nested parameters under their top-level name only
            assert inferred[name] == wandb_kind, name


@pytest.mark.parametrize(
    "row", [r for r in ROWS if r["file"] in ACCEPTED_DESPITE_WANDB], ids=lambda r: r["file"]
)
def test_accepts_doubtful_rejections_on_purpose(row: dict[str, Any]) -> None:
    assert not row["valid"] and row["oracle_doubtful"]
    config = load_sweep_config(_load_row(row))
    assert config.parameters


def test_deprecated_log_uniform_is_accepted_with_a_warning() -> None:
    row = next(r for r in ROWS if "MilesCranmer" in r["file"])
    config = load_sweep_config(_load_row(row))
    assert any(
        "alpha: log_uniform takes base-e exponents" in warning for warning in config.warnings
    )


def test_wrong_goal_is_rejected_with_a_suggestion() -> None:
    row = next(r for r in ROWS if "Bovey0809" in r["file"])
    with pytest.raises(ConfigError) as caught:
        load_sweep_config(_load_row(row))
    assert [str(v) for v in caught.value.violations] == [
        "metric.goal: must be 'minimize' or 'maximize' (got 'maximum') (did you mean 'maximize'?)"
    ]


def test_launch_scheduler_config_is_rejected_with_every_reason() -> None:
    row = next(r for r in ROWS if "optuna_config_advanced" in r["file"])
    with pytest.raises(ConfigError) as caught:
        load_sweep_config(_load_row(row))
    paths = {v.path for v in caught.value.violations}
    assert paths == {"scheduler", "method", "parameters"}


def test_yaml_file_path_loads_directly() -> None:
    path = (
        DATA / "real-sweep-configs/wandb__examples__keras-cnn-fashion__sweep-random-hyperband.yaml"
    )
    config = load_sweep_config(path)
    assert config.early_terminate is not None
    # YAML 1.1 would have read these as strings; a float reads as a float.
    assert config.parameters["decay"] == Categorical(values=(1e-5, 1e-6, 1e-7))
