from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from sweeplab.sweep_config import Distribution
from sweeplab.sweep_config.json_schema import sweep_config_json_schema
from tests.sweep_config.test_real_configs import ROWS, _load_row


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = sweep_config_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_schema_is_json_serialisable() -> None:
    assert json.loads(json.dumps(sweep_config_json_schema()))["type"] == "object"


def test_schema_has_a_form_for_every_distribution() -> None:
    forms = sweep_config_json_schema()["$defs"]["parameter"]["anyOf"]
    titles = {form["title"] for form in forms}
    assert titles == {d.value for d in Distribution} | {"nested"}


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["file"])
def test_schema_agrees_with_the_loader_on_real_configs(
    row: dict[str, Any], validator: jsonschema.Draft202012Validator
) -> None:
    from sweeplab.errors import ConfigError
    from sweeplab.sweep_config import load_sweep_config

    data = _load_row(row)
    schema_ok = not list(validator.iter_errors(data))
    try:
        load_sweep_config(data)
        loader_ok = True
    except ConfigError:
        loader_ok = False
    assert schema_ok == loader_ok


@pytest.mark.parametrize(
    "config",
    [
        {"method": "random", "parameters": {"a": {"distribution": "normal", "min": 0}}},
        {
            "method": "random",
            "parameters": {"a": {"distribution": "int_uniform", "min": 0.5, "max": 2}},
        },
        {
            "method": "random",
            "parameters": {"a": {"value": 1}},
            "early_terminate": {"type": "hyperband"},
        },
        {"method": "random", "parameters": {"a": {"value": 1}}, "bogus": 1},
        {"method": "random", "parameters": {"a": {"values": [1], "probabilities": [-1]}}},
    ],
)
def test_schema_rejects_bad_shapes(
    config: dict[str, Any], validator: jsonschema.Draft202012Validator
) -> None:
    assert list(validator.iter_errors(config))
