"""config: access, update, setdefaults, nesting, files, precedence and sweep locking."""

from __future__ import annotations

import argparse
import enum
import warnings
from pathlib import Path

import numpy as np
import pytest

import sweeplab.sdk as wandb
from sweeplab.errors import UsageError
from sweeplab.sdk.config_files import read_config_file
from sweeplab.sdk.context import SweepRunContext, activate_sweep_run
from sweeplab.sdk.run_config import AttrDict, Config, as_mapping
from sweeplab.sdk.settings import Settings
from sweeplab.store.base import NewRun
from sweeplab.store.memory import MemoryStore


def test_attribute_and_item_access() -> None:
    changes: list[dict[str, object]] = []
    config = Config(changes.append)
    config.lr = 0.1
    config["epochs"] = 3
    config.update({"opt": {"name": "adam", "beta": 0.9}})
    config.setdefaults({"lr": 99, "batch": 32})
    assert config.lr == 0.1 and config["epochs"] == 3 and config.batch == 32
    assert config.opt.name == "adam" and config["opt"]["beta"] == 0.9
    assert isinstance(config.opt, AttrDict) and isinstance(config.opt, dict)
    assert "lr" in config and "nope" not in config
    assert config.get("nope", 5) == 5
    assert config.keys() == ["lr", "epochs", "opt", "batch"]
    assert dict(config.items())["batch"] == 32
    assert len(config) == 4 and list(config) == config.keys()
    assert config.as_dict() == {
        "lr": 0.1,
        "epochs": 3,
        "opt": {"name": "adam", "beta": 0.9},
        "batch": 32,
    }
    assert type(config.as_dict()["opt"]) is dict
    assert config == {"lr": 0.1, "epochs": 3, "opt": {"name": "adam", "beta": 0.9}, "batch": 32}
    assert changes == [
        {"lr": 0.1},
        {"epochs": 3},
        {"opt": {"name": "adam", "beta": 0.9}},
        {"batch": 32},
    ]
    with pytest.raises(AttributeError, match="config has no key 'missing'"):
        _ = config.missing
    with pytest.raises(AttributeError, match="config has no key 'x'"):
        getattr(config.opt, "x")  # noqa: B009 - attribute access is what is tested
    assert "Config(" in repr(config)


def test_values_are_made_json_friendly() -> None:
    class Color(enum.Enum):
        RED = "red"

    config = Config()
    config.update(
        {
            "--lr": np.float32(0.5),
            "shape": (1, 2),
            "arr": np.array([1, 2]),
            "color": Color.RED,
            "path": Path("/x"),
        }
    )
    assert config.as_dict() == {
        "lr": 0.5,
        "shape": [1, 2],
        "arr": [1, 2],
        "color": "red",
        "path": "/x",
    }
    with pytest.warns(UserWarning, match="'obj': a object is not a JSON value"):
        config.obj = object()
    assert isinstance(config.obj, str)


def test_update_takes_namespaces_and_refuses_other_things() -> None:
    config = Config()
    config.update(argparse.Namespace(lr=0.1, batch_size=8))
    assert config.as_dict() == {"lr": 0.1, "batch_size": 8}
    assert as_mapping(None, "x") == {}
    with pytest.raises(TypeError, match=r"config.update\(\) takes a dict"):
        config.update(3)


def test_sweep_keys_are_locked_with_wandb_warning() -> None:
    config = Config()
    config.update({"lr": 0.1, "epochs": 2})
    config._merge_locked({"lr": 0.5}, "sweep")
    with pytest.warns(
        UserWarning, match=r"Config item 'lr' was locked by 'sweep' \(ignored update\)."
    ):
        config.lr = 0.9
    with pytest.warns(UserWarning, match="locked by 'sweep'"):
        config.update({"lr": 1.0, "epochs": 3})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        config.update({"lr": 0.5})  # the same value: nothing to warn about
    assert config.lr == 0.5 and config.epochs == 3
    assert config.locked_keys() == {"lr": "sweep"}


def test_nested_sweep_values_merge_into_nested_config() -> None:
    config = Config()
    config.update({"opt": {"name": "sgd", "momentum": 0.9}})
    config._merge_locked({"opt": {"name": "adam"}}, "sweep")
    assert config.as_dict() == {"opt": {"name": "adam", "momentum": 0.9}}


def test_config_defaults_yaml_both_forms(
    tmp_path: Path, settings: Settings, store: MemoryStore
) -> None:
    (tmp_path / "config-defaults.yaml").write_text(
        "wandb_version: 1\nepochs:\n  desc: number of epochs\n  value: 10\nlr: 0.01\nopt: {name: adam}\n"
    )
    run = wandb.init(config={"lr": 0.1}, settings=settings)
    assert run.config.as_dict() == {"epochs": 10, "lr": 0.1, "opt": {"name": "adam"}}
    wandb.finish()
    assert store.get_run(run.id).config == {"epochs": 10, "lr": 0.1, "opt": {"name": "adam"}}


def test_config_file_problems(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("")
    with pytest.warns(UserWarning, match="is empty"):
        assert read_config_file(path) == {}
    path.write_text("- 1\n- 2\n")
    with pytest.raises(UsageError, match="must hold a mapping of config keys"):
        read_config_file(path)
    path.write_text("wandb_version: 2\na: 1\n")
    with pytest.raises(UsageError, match="unknown wandb_version 2"):
        read_config_file(path)
    path.write_text("a: [1\n")
    with pytest.raises(UsageError, match="cannot parse YAML"):
        read_config_file(path)
    with pytest.raises(UsageError, match="cannot read config file"):
        read_config_file(tmp_path / "missing.yaml")


def test_init_config_from_a_yaml_path_with_include_and_exclude(
    tmp_path: Path, settings: Settings
) -> None:
    path = tmp_path / "special.yaml"
    path.write_text("a: {value: 1}\nb: 2\nc: 3\n")
    run = wandb.init(config=str(path), config_exclude_keys=["c"], settings=settings)
    assert run.config.as_dict() == {"a": 1, "b": 2}
    wandb.finish()
    run = wandb.init(config=path, config_include_keys=["c"], settings=settings)
    assert run.config.as_dict() == {"c": 3}


def test_precedence_defaults_init_config_sweep(
    tmp_path: Path, store: MemoryStore, settings: Settings
) -> None:
    (tmp_path / "config-defaults.yaml").write_text("lr: 0.001\nbatch: 16\nepochs: 5\n")
    sweep = store.create_sweep(
        "p", {"method": "grid", "parameters": {"lr": {"values": [0.3]}}}, seed=1
    )
    claimed = store.create_run(NewRun(project="p", config={"lr": 0.3}, sweep_id=sweep.sweep_id))
    context = SweepRunContext(claimed.run_id, sweep.sweep_id, "p", {"lr": 0.3}, store=store)
    with activate_sweep_run(context):
        run = wandb.init(project="other", config={"lr": 0.01, "batch": 32}, settings=settings)
        assert run.id == claimed.run_id and run.project == "p" and run.sweep_id == sweep.sweep_id
        assert run.config.as_dict() == {"lr": 0.3, "batch": 32, "epochs": 5}
        with pytest.warns(UserWarning, match="Config item 'lr' was locked by 'sweep'"):
            wandb.config.lr = 0.5
        wandb.config.epochs = 2
        wandb.log({"loss": 1.0})
    stored = store.get_run(claimed.run_id)
    assert stored.config == {"lr": 0.3, "batch": 32, "epochs": 2}
    assert stored.state.value == "finished"
    assert store.read_metrics(claimed.run_id)["loss"] == [(0, 1.0)]


def test_nested_config_edits_in_place_are_saved_at_finish(
    settings: Settings, store: MemoryStore
) -> None:
    run = wandb.init(config={"opt": {"lr": 0.1}}, settings=settings)
    run.config.opt.lr = 0.2  # not seen by the config object; the final snapshot catches it
    wandb.finish()
    assert store.get_run(run.id).config == {"opt": {"lr": 0.2}}
