from __future__ import annotations

import json
from typing import Any

import pytest

from sweeplab.agents.macros import (
    DEFAULT_COMMAND,
    CommandInputs,
    check_command,
    expand_command,
    macro_values,
    uses_macro,
)
from sweeplab.errors import UsageError

PARAMS: dict[str, Any] = {"lr": 1e-05, "layers": 3, "bn": True, "dropout_on": False, "opt": "adam"}


def _inputs(**overrides: Any) -> CommandInputs:
    values: dict[str, Any] = {
        "params": PARAMS,
        "program": "train.py",
        "interpreter": "/opt/py/bin/python",
        "args_json_file": "/tmp/s/config-r.json",
        "environ": {"DATA": "/data", "GPU": "1"},
        "windows": False,
    }
    values.update(overrides)
    return CommandInputs(**values)


def test_default_command_matches_wandb() -> None:
    assert DEFAULT_COMMAND == ("${env}", "${interpreter}", "${program}", "${args}")
    assert expand_command(None, _inputs()) == [
        "/usr/bin/env",
        "/opt/py/bin/python",
        "train.py",
        "--lr=1e-05",
        "--layers=3",
        "--bn=True",
        "--dropout_on=False",
        "--opt=adam",
    ]


def test_env_is_empty_on_windows() -> None:
    assert expand_command(["${env}", "x"], _inputs(windows=True)) == ["x"]


def test_each_args_macro() -> None:
    values = macro_values(_inputs())
    assert values["args_no_equals"] == [
        "--lr", "1e-05", "--layers", "3", "--bn", "True", "--dropout_on", "False", "--opt", "adam",
    ]
    assert values["args_no_hyphens"] == ["lr=1e-05", "layers=3", "bn=True", "dropout_on=False", "opt=adam"]
    assert values["args_no_boolean_flags"] == ["--lr=1e-05", "--layers=3", "--bn", "--opt=adam"]
    assert len(values["args_json"]) == 1
    assert json.loads(values["args_json"][0]) == PARAMS
    assert values["args_json_file"] == ["/tmp/s/config-r.json"]


def test_macros_in_a_custom_command() -> None:
    command = ["${env}", "python3", "${program}", "-b", "cfg", "${args_json_file}", "${args_json}"]
    argv = expand_command(command, _inputs(params={"a": 1}))
    assert argv == ["/usr/bin/env", "python3", "train.py", "-b", "cfg", "/tmp/s/config-r.json", '{"a": 1}']


def test_envvar_is_replaced_inside_elements() -> None:
    command = ["${interpreter}", "--data=${envvar:DATA}", "${envvar:GPU}${envvar:GPU}"]
    assert expand_command(command, _inputs(params={})) == ["/opt/py/bin/python", "--data=/data", "11"]


def test_macro_inside_a_longer_element_stays_as_written() -> None:
    assert expand_command(["--cfg=${args_json_file}"], _inputs()) == ["--cfg=${args_json_file}"]


def test_unknown_macro_is_dropped_with_a_warning() -> None:
    command = ["${interpreter}", "${project}", "x"]
    assert expand_command(command, _inputs()) == ["/opt/py/bin/python", "x"]
    warnings = check_command(command, "train.py", {})
    assert len(warnings) == 1 and "${project}" in warnings[0] and "dropped" in warnings[0]


def test_nested_params_are_one_argument_each_as_wandb_writes_them() -> None:
    argv = expand_command(["${args}"], _inputs(params={"opt": {"lr": 0.1, "name": "adam"}}))
    assert argv == ["--opt={'lr': 0.1, 'name': 'adam'}"]
    json_argv = expand_command(["${args_json}"], _inputs(params={"opt": {"lr": 0.1}}))
    assert json.loads(json_argv[0]) == {"opt": {"lr": 0.1}}


def test_check_command_refuses_missing_program() -> None:
    with pytest.raises(UsageError, match="no 'program'"):
        check_command(None, None, {})
    assert check_command(["${interpreter}", "-c", "pass"], None, {}) == []


def test_check_command_refuses_unset_envvar() -> None:
    with pytest.raises(UsageError, match="needs the environment variable MISSING"):
        check_command(["x", "${envvar:MISSING}"], "p.py", {})
    assert check_command(["${envvar:HOME}"], "p.py", {"HOME": "/root"}) == []


def test_uses_macro() -> None:
    assert uses_macro(None, "program")
    assert not uses_macro(["${interpreter}"], "args_json_file")
    assert uses_macro(["a", "${args_json_file}"], "args_json_file")
