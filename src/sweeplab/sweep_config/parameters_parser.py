"""Turn the ``parameters`` section of a sweep config into parameter specs.

Every problem is collected as a :class:`~sweeplab.errors.Violation` with its path; nothing is
raised until the whole config has been read (see :mod:`sweeplab.sweep_config.loading`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from sweeplab.errors import Violation
from sweeplab.sweep_config.messages import describe, did_you_mean
from sweeplab.sweep_config.params import (
    SPEC_CLASSES,
    Distribution,
    Nested,
    ParamSpec,
    SpecError,
)

# W&B's rule for parameter names (its schema's propertyNames pattern).
PARAM_NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")

# W&B spells a weighted categorical as its own distribution; it is our Categorical.
_DISTRIBUTION_ALIASES = {"categorical_w_probabilities": Distribution.CATEGORICAL}

# W&B's original log distributions take exponents as bounds, a common trap worth a warning.
_EXPONENT_BOUNDED = frozenset(
    {Distribution.LOG_UNIFORM, Distribution.Q_LOG_UNIFORM, Distribution.INV_LOG_UNIFORM}
)

_NUMERIC_FIELDS = frozenset({"min", "max", "q", "mu", "sigma", "a", "b"})


def spec_fields(distribution: Distribution) -> dict[str, bool]:
    """The keys a distribution accepts besides ``distribution``, each mapped to 'required'."""
    spec_class: Any = SPEC_CLASSES[distribution]  # every spec class is a dataclass
    return {
        field.name: field.default is dataclasses.MISSING
        and field.default_factory is dataclasses.MISSING
        for field in dataclasses.fields(spec_class)
    }


class ParametersParser:
    """Collects specs and violations for one ``parameters`` mapping (recursively)."""

    def __init__(self) -> None:
        self.violations: list[Violation] = []
        self.warnings: list[str] = []

    def parse(self, raw: object, path: str) -> dict[str, ParamSpec]:
        if not isinstance(raw, Mapping):
            self._add(path, f"must be a mapping of parameter names to specs (got {describe(raw)})")
            return {}
        if not raw:
            self._add(path, "must define at least one parameter")
            return {}
        specs: dict[str, ParamSpec] = {}
        for name, raw_spec in raw.items():
            param_path = f"{path}.{name}"
            if not isinstance(name, str) or not PARAM_NAME_PATTERN.match(name):
                self._add(
                    param_path,
                    f"parameter name {name!r} must start with a letter or '_' and contain only "
                    "letters, digits, '_', '.' and '-'",
                )
                continue
            spec = self._parse_one(raw_spec, param_path)
            if spec is not None:
                specs[name] = spec
        return specs

    def _parse_one(self, raw: object, path: str) -> ParamSpec | None:
        if not isinstance(raw, Mapping):
            self._add(
                path,
                f"must be a mapping such as {{values: [...]}} or {{value: ...}} "
                f"(got {describe(raw)}); for a constant write `value: {raw!r}`",
            )
            return None
        if "parameters" in raw:
            return self._parse_nested(raw, path)
        distribution = self._distribution(raw, path)
        if distribution is None:
            return None
        return self._build(distribution, raw, path)

    def _parse_nested(self, raw: Mapping[str, Any], path: str) -> ParamSpec | None:
        extra = sorted(str(key) for key in raw if key != "parameters")
        if extra:
            self._add(
                path,
                "a parameter with nested 'parameters' takes no other keys "
                f"(got {', '.join(extra)})",
            )
        children = self.parse(raw["parameters"], f"{path}.parameters")
        return Nested(parameters=children) if children else None

    def _distribution(self, raw: Mapping[str, Any], path: str) -> Distribution | None:
        if "distribution" in raw:
            name = raw["distribution"]
            if name in _DISTRIBUTION_ALIASES:
                return _DISTRIBUTION_ALIASES[name]
            try:
                return Distribution(name)
            except ValueError:
                known = [member.value for member in Distribution]
                hint = did_you_mean(str(name), known)
                self._add(
                    f"{path}.distribution",
                    f"unknown distribution {name!r}{hint}; choose one of {', '.join(known)}",
                )
                return None
        return self._infer(raw, path)

    def _infer(self, raw: Mapping[str, Any], path: str) -> Distribution | None:
        """W&B's inference: value → constant, values → categorical, int min/max → int_uniform."""
        if "value" in raw:
            return Distribution.CONSTANT
        if "values" in raw:
            return Distribution.CATEGORICAL
        if "min" in raw and "max" in raw:
            bounds = (raw["min"], raw["max"])
            if all(isinstance(b, int) and not isinstance(b, bool) for b in bounds):
                return Distribution.INT_UNIFORM
            return Distribution.UNIFORM
        keys = ", ".join(sorted(map(str, raw))) or "nothing"
        self._add(
            path,
            f"cannot tell the distribution (got {keys}); give `values: [...]`, `value: ...`, "
            "`min` and `max`, nested `parameters`, or a `distribution` with its arguments",
        )
        return None

    def _build(
        self, distribution: Distribution, raw: Mapping[str, Any], path: str
    ) -> ParamSpec | None:
        fields = spec_fields(distribution)
        ok = True
        for key in raw:
            if key != "distribution" and key not in fields:
                hint = did_you_mean(str(key), list(fields))
                allowed = ", ".join(["distribution", *fields])
                self._add(
                    f"{path}.{key}",
                    f"unknown key for {distribution.value}{hint}; allowed keys: {allowed}",
                )
                ok = False
        for key, required in fields.items():
            if required and key not in raw:
                self._add(path, f"{distribution.value} needs '{key}'")
                ok = False
        for key in ("values", "probabilities"):
            if key in raw and not isinstance(raw[key], list | tuple):
                self._add(f"{path}.{key}", f"must be a list (got {describe(raw[key])})")
                ok = False
        for key in sorted(_NUMERIC_FIELDS & set(raw)):
            if isinstance(raw[key], str):
                hint = " (write it without quotes)" if _looks_numeric(raw[key]) else ""
                self._add(f"{path}.{key}", f"must be a number, got the string {raw[key]!r}{hint}")
                ok = False
        if not ok:
            return None
        kwargs = {key: _freeze(key, value) for key, value in raw.items() if key != "distribution"}
        if distribution is Distribution.INT_UNIFORM:
            kwargs = {key: _whole_float_to_int(value) for key, value in kwargs.items()}
        try:
            spec = SPEC_CLASSES[distribution](**kwargs)
        except SpecError as error:
            for problem in error.problems:
                self._add(path, problem)
            return None
        if distribution in _EXPONENT_BOUNDED:
            self._warn_exponent_bounds(distribution, raw["min"], raw["max"], path)
        return spec

    def _warn_exponent_bounds(
        self, distribution: Distribution, low: float, high: float, path: str
    ) -> None:
        self.warnings.append(
            f"{path}: {distribution.value} takes base-e exponents, so values lie between "
            f"exp({low!r}) and exp({high!r}); to give the value range itself use "
            f"{distribution.value}_values"
        )

    def _add(self, path: str, message: str) -> None:
        self.violations.append(Violation(path, message))


def _freeze(key: str, value: Any) -> Any:
    """Lists in a spec become tuples so specs stay immutable and hashable where possible."""
    if key in ("values", "probabilities") and isinstance(value, list):
        return tuple(value)
    return value


def _whole_float_to_int(value: Any) -> Any:
    # JSON Schema (and so W&B) counts 3.0 as an integer.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
