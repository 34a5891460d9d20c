"""The JSON Schema of a sweep config, derived from the spec classes so the two never drift.

The schema checks shape (keys, types, enums); rules across fields (``min < max``,
probabilities summing to 1, grid over discrete parameters) are checked by
:func:`sweeplab.sweep_config.load_sweep_config`, which also words the errors better. Editors and
other tools can use the schema for completion and early feedback.
"""

from __future__ import annotations

from typing import Any

from sweeplab.sweep_config.loading import TOP_LEVEL_KEYS
from sweeplab.sweep_config.parameters_parser import PARAM_NAME_PATTERN, spec_fields
from sweeplab.sweep_config.params import Distribution
from sweeplab.sweep_config.sweep import Goal, Impute, ImputeWhileRunning, Method

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

# Distributions a config may leave implicit (W&B infers them from the keys present).
_INFERABLE = frozenset(
    {
        Distribution.CONSTANT,
        Distribution.CATEGORICAL,
        Distribution.INT_UNIFORM,
        Distribution.UNIFORM,
    }
)

_FIELD_SCHEMAS: dict[str, dict[str, Any]] = {
    "value": {"description": "The constant value"},
    "values": {"type": "array", "minItems": 1, "description": "The choices"},
    "probabilities": {
        "type": "array",
        "items": {"type": "number", "minimum": 0},
        "description": "Probability of each value (random search); must sum to 1",
    },
    "min": {"type": "number"},
    "max": {"type": "number"},
    "q": {"type": "number", "exclusiveMinimum": 0, "default": 1.0},
    "mu": {"type": "number", "default": 0.0},
    "sigma": {"type": "number", "exclusiveMinimum": 0, "default": 1.0},
    "a": {"type": "number", "exclusiveMinimum": 0, "default": 1.0},
    "b": {"type": "number", "exclusiveMinimum": 0, "default": 1.0},
}


def _distribution_schema(distribution: Distribution) -> dict[str, Any]:
    fields = spec_fields(distribution)
    names = [distribution.value]
    if distribution is Distribution.CATEGORICAL:
        names.append("categorical_w_probabilities")
    properties: dict[str, Any] = {"distribution": {"enum": names}}
    for name in fields:
        schema = dict(_FIELD_SCHEMAS[name])
        if distribution is Distribution.INT_UNIFORM and name in ("min", "max"):
            schema["type"] = "integer"
        properties[name] = schema
    required = [name for name, is_required in fields.items() if is_required]
    if distribution not in _INFERABLE:
        required.insert(0, "distribution")
    return {
        "type": "object",
        "title": distribution.value,
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def sweep_config_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a sweep config."""
    parameter_forms = [_distribution_schema(d) for d in Distribution]
    parameter_forms.append(
        {
            "type": "object",
            "title": "nested",
            "properties": {"parameters": {"$ref": "#/$defs/parameters"}},
            "required": ["parameters"],
            "additionalProperties": False,
        }
    )
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": "https://sweeplab.dev/schema/sweep-config.json",
        "title": "sweeplab sweep config",
        "description": "A W&B-compatible sweep configuration, plus sweeplab's `seed`.",
        "type": "object",
        "required": ["method", "parameters"],
        "additionalProperties": False,
        "$defs": {
            "parameters": {
                "type": "object",
                "minProperties": 1,
                "propertyNames": {"pattern": PARAM_NAME_PATTERN.pattern},
                "additionalProperties": {"$ref": "#/$defs/parameter"},
            },
            "parameter": {"anyOf": parameter_forms},
        },
        "properties": _top_level_properties(),
    }


def _top_level_properties() -> dict[str, Any]:
    properties: dict[str, Any] = {
        "method": {"enum": [m.value for m in Method]},
        "parameters": {"$ref": "#/$defs/parameters"},
        "metric": {
            "type": "object",
            "required": ["name"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "goal": {"enum": [g.value for g in Goal], "default": Goal.MINIMIZE.value},
                "target": {"type": "number"},
                "impute": {"enum": [i.value for i in Impute], "default": Impute.WORST.value},
                "impute_while_running": {
                    "enum": [*(i.value for i in ImputeWhileRunning), False],
                    "default": ImputeWhileRunning.FALSE.value,
                },
            },
        },
        "early_terminate": {
            "type": "object",
            "required": ["type"],
            "additionalProperties": False,
            "oneOf": [{"required": ["min_iter"]}, {"required": ["max_iter", "s"]}],
            "properties": {
                "type": {"const": "hyperband"},
                "min_iter": {"type": "integer", "minimum": 1},
                "max_iter": {"type": "integer", "minimum": 1},
                "s": {"type": "number", "exclusiveMinimum": 0},
                "eta": {"type": "number", "exclusiveMinimum": 1, "default": 3},
                "strict": {"type": "boolean"},
            },
        },
        "run_cap": {"type": "integer", "minimum": 1},
        "seed": {"type": "integer", "minimum": 0},
        "command": {"type": "array", "items": {"type": "string"}},
    }
    for key in TOP_LEVEL_KEYS:
        properties.setdefault(key, {"type": "string"})
    properties["controller"] = {"type": "object"}
    return properties
