"""Load a sweep config from a dict, a YAML file or YAML text, and validate it once.

Every violation is collected, each with its path and a fix, and raised together as one
:class:`~sweeplab.errors.ConfigError`. Inside sweeplab only the resulting typed
:class:`~sweeplab.sweep_config.sweep.SweepConfig` is passed around.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from sweeplab.errors import ConfigError, Violation
from sweeplab.sweep_config.messages import describe, did_you_mean
from sweeplab.sweep_config.parameters_parser import ParametersParser
from sweeplab.sweep_config.params import ParamSpec, flatten_params
from sweeplab.sweep_config.sweep import (
    Goal,
    HyperbandSpec,
    Impute,
    ImputeWhileRunning,
    Method,
    MetricSpec,
    SweepConfig,
)
from sweeplab.sweep_config.yaml_loader import parse_yaml

# Keys W&B accepts that only describe the sweep; sweeplab keeps them as text.
_TEXT_KEYS = ("program", "name", "description", "project", "entity")
# Keys W&B's schema accepts that sweeplab stores but does not act on.
_PASSTHROUGH_KEYS = ("apiVersion", "kind", "controller", "job", "image_uri")
_UNSUPPORTED_KEYS = {
    "scheduler": "W&B Launch schedulers are not supported; use method: grid, random or bayes",
    "metrics": "multi-objective 'metrics' is not supported; give a single 'metric'",
}
TOP_LEVEL_KEYS = (
    "method",
    "metric",
    "parameters",
    "early_terminate",
    "run_cap",
    "seed",
    "command",
    *_TEXT_KEYS,
    *_PASSTHROUGH_KEYS,
)
_METRIC_KEYS = ("name", "goal", "target", "impute", "impute_while_running")
_HYPERBAND_KEYS = ("type", "min_iter", "max_iter", "s", "eta", "strict")
_GRID_DISCRETE = ("constant", "categorical", "int_uniform", "q_uniform")

_E = TypeVar("_E", Method, Goal, Impute, ImputeWhileRunning)

ConfigSource = Mapping[str, Any] | str | os.PathLike[str]


def load_sweep_config(source: ConfigSource) -> SweepConfig:
    """Read and validate a sweep config.

    ``source`` is a dict, a path to a YAML file (``str`` ending in .yaml/.yml, or a
    ``PathLike``), or YAML text. Raises :class:`ConfigError` listing every violation.
    """
    if not isinstance(source, str | os.PathLike):
        return parse_sweep_config(source)
    if isinstance(source, os.PathLike) or _looks_like_yaml_path(source):
        path = Path(source)
        if not path.is_file():
            raise ConfigError([Violation("", f"sweep config file not found: {path}")])
        data = parse_yaml(path.read_text(encoding="utf-8"), origin=str(path))
    else:
        data = parse_yaml(source)
    return parse_sweep_config(data)


def _looks_like_yaml_path(text: str) -> bool:
    return "\n" not in text and text.strip().lower().endswith((".yaml", ".yml"))


def parse_sweep_config(data: object) -> SweepConfig:
    """Validate an already-parsed config (a dict) and build the typed ``SweepConfig``."""
    if not isinstance(data, Mapping):
        raise ConfigError(
            [
                Violation(
                    "", f"a sweep config must be a mapping of keys to values (got {describe(data)})"
                )
            ]
        )
    return _ConfigReader(data).read()


class _ConfigReader:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.violations: list[Violation] = []

    def add(self, path: str, message: str) -> None:
        self.violations.append(Violation(path, message))

    def read(self) -> SweepConfig:
        self._check_keys()
        method = self._method()
        parser = ParametersParser()
        parameters: dict[str, ParamSpec] = {}
        if "parameters" in self.data:
            parameters = parser.parse(self.data["parameters"], "parameters")
        else:
            self.add("parameters", "is required: say which hyperparameters to search")
        self.violations.extend(parser.violations)
        metric = self._metric()
        early_terminate = self._early_terminate()
        run_cap = self._positive_int("run_cap", minimum=1)
        seed = self._positive_int("seed", minimum=0)
        command = self._command()
        texts = {key: self._text(key) for key in _TEXT_KEYS}
        self._cross_checks(method, parameters, metric, early_terminate)
        if self.violations or method is None:
            raise ConfigError(self.violations)
        return SweepConfig(
            method=method,
            parameters=parameters,
            metric=metric,
            early_terminate=early_terminate,
            run_cap=run_cap,
            seed=seed,
            command=command,
            extras={key: self.data[key] for key in _PASSTHROUGH_KEYS if key in self.data},
            source=dict(self.data),
            warnings=tuple(parser.warnings),
            **texts,
        )

    def _check_keys(self) -> None:
        for key in self.data:
            if key in TOP_LEVEL_KEYS:
                continue
            if key in _UNSUPPORTED_KEYS:
                self.add(str(key), _UNSUPPORTED_KEYS[key])
                continue
            self.add(str(key), f"unknown key{did_you_mean(str(key), TOP_LEVEL_KEYS)}")

    def _method(self) -> Method | None:
        if "method" not in self.data:
            self.add("method", "is required: grid, random or bayes")
            return None
        return self._enum("method", self.data["method"], Method)

    def _enum(self, path: str, value: object, enum: type[_E]) -> _E | None:
        choices = [member.value for member in enum]
        if isinstance(value, bool) and enum is ImputeWhileRunning and not value:
            return enum("false")  # YAML reads `false` as a boolean; W&B means the string.
        if isinstance(value, str) and value in choices:
            return enum(value)
        quoted = " or ".join(f"'{choice}'" for choice in choices)
        self.add(path, f"must be {quoted} (got {value!r}){did_you_mean(str(value), choices)}")
        return None

    def _metric(self) -> MetricSpec | None:
        raw = self.data.get("metric")
        if raw is None:
            return None
        if not isinstance(raw, Mapping):
            self.add("metric", f"must be a mapping with 'name' and 'goal' (got {describe(raw)})")
            return None
        self._unknown_keys("metric", raw, _METRIC_KEYS)
        name = raw.get("name")
        if not isinstance(name, str) or not name:
            self.add("metric.name", f"must be the name of a logged metric (got {name!r})")
        fields: dict[str, Any] = {}
        for key, enum in (
            ("goal", Goal),
            ("impute", Impute),
            ("impute_while_running", ImputeWhileRunning),
        ):
            if key in raw:
                fields[key] = self._enum(f"metric.{key}", raw[key], enum)
        target = raw.get("target")
        if target is not None and not _is_finite_number(target):
            self.add("metric.target", f"must be a number (got {target!r})")
        if not isinstance(name, str) or not name or any(v is None for v in fields.values()):
            return None
        return MetricSpec(name=name, target=target, **fields)

    def _early_terminate(self) -> HyperbandSpec | None:
        raw = self.data.get("early_terminate")
        if raw is None:
            return None
        path = "early_terminate"
        if not isinstance(raw, Mapping):
            self.add(
                path,
                f"must be a mapping such as {{type: hyperband, min_iter: 3}} (got {describe(raw)})",
            )
            return None
        before = len(self.violations)
        self._unknown_keys(path, raw, _HYPERBAND_KEYS)
        if raw.get("type") != "hyperband":
            self.add(f"{path}.type", f"must be 'hyperband' (got {raw.get('type')!r})")
        has_min = "min_iter" in raw
        has_max = "max_iter" in raw or "s" in raw
        if has_min and has_max:
            self.add(path, "give either min_iter, or max_iter with s, not both")
        elif not has_min and not has_max:
            self.add(path, "hyperband needs min_iter, or max_iter with s")
        elif has_max and not ("max_iter" in raw and "s" in raw):
            missing = "s" if "max_iter" in raw else "max_iter"
            self.add(path, f"max_iter and s go together: add {missing}")
        checks: list[tuple[str, Callable[[Any], bool], str]] = [
            ("min_iter", _is_int_at_least_1, "must be an integer >= 1"),
            ("max_iter", _is_int_at_least_1, "must be an integer >= 1"),
            ("s", lambda v: _is_finite_number(v) and v > 0, "must be a number > 0"),
            ("eta", lambda v: _is_finite_number(v) and v > 1, "must be a number > 1"),
            ("strict", lambda v: isinstance(v, bool), "must be true or false"),
        ]
        for key, is_valid, rule in checks:
            if key in raw and not is_valid(raw[key]):
                self.add(f"{path}.{key}", f"{rule} (got {raw[key]!r})")
        if len(self.violations) > before:
            return None
        eta = raw.get("eta", 3)
        if "max_iter" in raw and (raw["s"] < 1 or raw["max_iter"] / eta < 1):
            # Bands are max_iter/eta^k for k = 1..s while at least 1: none would exist.
            self.add(
                path,
                f"max_iter={raw['max_iter']!r} with s={raw['s']!r} and eta={eta!r} gives no band "
                "(bands are max_iter/eta^k for k = 1..s, each at least 1): raise max_iter or s, "
                "or lower eta",
            )
            return None
        values = {key: raw[key] for key in _HYPERBAND_KEYS[1:] if key in raw}
        for key in ("min_iter", "max_iter"):
            if key in values:
                values[key] = int(values[key])
        return HyperbandSpec(**values)

    def _positive_int(self, key: str, minimum: int) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not _is_int(value) or value < minimum:
            self.add(key, f"must be an integer >= {minimum} (got {value!r})")
            return None
        return int(value)

    def _command(self) -> tuple[Any, ...] | None:
        value = self.data.get("command")
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(part, str) for part in value):
            self.add(
                "command",
                "must be a list of strings such as [${env}, ${interpreter}, ${program}, ${args}]",
            )
            return None
        return tuple(value)

    def _text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.add(key, f"must be a string (got {describe(value)})")
            return None
        return value

    def _cross_checks(
        self,
        method: Method | None,
        parameters: Mapping[str, ParamSpec],
        metric: MetricSpec | None,
        early_terminate: HyperbandSpec | None,
    ) -> None:
        if "metric" not in self.data:
            if method is Method.BAYES:
                self.add(
                    "metric", "bayes search needs a metric to optimize: add metric: {name, goal}"
                )
            if early_terminate is not None:
                self.add("metric", "early_terminate needs a metric to judge runs by: add metric")
        if method is Method.GRID:
            for path, spec in flatten_params(parameters):
                kind = spec.distribution.value
                if kind not in _GRID_DISCRETE:
                    dotted = ".parameters.".join(path)
                    self.add(
                        f"parameters.{dotted}",
                        f"grid search needs discrete parameters, but this one is {kind}; "
                        "list the points with values: [...], or use int_uniform or q_uniform",
                    )

    def _unknown_keys(self, path: str, raw: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
        for key in raw:
            if key not in allowed:
                hint = did_you_mean(str(key), allowed)
                self.add(f"{path}.{key}", f"unknown key{hint}; allowed keys: {', '.join(allowed)}")


def _is_int(value: object) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _is_int_at_least_1(value: object) -> bool:
    return _is_int(value) and value >= 1  # type: ignore[operator]


def _is_finite_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
