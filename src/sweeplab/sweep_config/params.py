"""Parameter specs: one frozen value object per W&B distribution.

Each spec checks itself on construction and raises :class:`SpecError` listing every problem
(the loader turns them into path-prefixed violations). Specs hold numbers only; sampling and
encoding live in :mod:`sweeplab.search`, which may use numpy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar


class Distribution(StrEnum):
    """Every distribution name the sweep config accepts (W&B's names)."""

    CONSTANT = "constant"
    CATEGORICAL = "categorical"
    INT_UNIFORM = "int_uniform"
    UNIFORM = "uniform"
    Q_UNIFORM = "q_uniform"
    LOG_UNIFORM = "log_uniform"
    LOG_UNIFORM_VALUES = "log_uniform_values"
    Q_LOG_UNIFORM = "q_log_uniform"
    Q_LOG_UNIFORM_VALUES = "q_log_uniform_values"
    INV_LOG_UNIFORM = "inv_log_uniform"
    INV_LOG_UNIFORM_VALUES = "inv_log_uniform_values"
    NORMAL = "normal"
    Q_NORMAL = "q_normal"
    LOG_NORMAL = "log_normal"
    Q_LOG_NORMAL = "q_log_normal"
    BETA = "beta"
    Q_BETA = "q_beta"


class SpecError(ValueError):
    """A spec's own checks failed; ``problems`` lists each, without the parameter path."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_numbers(spec: object, names: tuple[str, ...], problems: list[str]) -> bool:
    """Append a problem for each named field that is not a finite number; True if all are."""
    ok = True
    for name in names:
        value = getattr(spec, name)
        if not _is_number(value) or not math.isfinite(value):
            problems.append(f"{name} must be a finite number (got {value!r})")
            ok = False
    return ok


class ParamSpec:
    """Base of every parameter spec. ``distribution`` names the W&B distribution."""

    distribution: ClassVar[Distribution]

    @property
    def is_searchable(self) -> bool:
        """False for constants, which take no part in search."""
        return True

    def _problems(self) -> list[str]:
        return []

    def __post_init__(self) -> None:
        problems = self._problems()
        if problems:
            raise SpecError(problems)


@dataclass(frozen=True)
class Constant(ParamSpec):
    distribution: ClassVar[Distribution] = Distribution.CONSTANT
    value: Any

    @property
    def is_searchable(self) -> bool:
        return False


@dataclass(frozen=True)
class Categorical(ParamSpec):
    """A choice among ``values``; ``probabilities`` (summing to 1) weight random draws."""

    distribution: ClassVar[Distribution] = Distribution.CATEGORICAL
    values: tuple[Any, ...]
    probabilities: tuple[float, ...] | None = None

    def _problems(self) -> list[str]:
        problems: list[str] = []
        if len(self.values) == 0:
            problems.append("values must list at least one value")
        if self.probabilities is not None:
            probs = self.probabilities
            if len(probs) != len(self.values):
                problems.append(
                    f"probabilities must have one entry per value "
                    f"(got {len(probs)} probabilities for {len(self.values)} values)"
                )
            bad = [p for p in probs if not _is_number(p) or not math.isfinite(p) or p < 0]
            if bad:
                problems.append(f"probabilities must be numbers >= 0 (got {bad[0]!r})")
            elif not math.isclose(sum(probs), 1.0, rel_tol=0, abs_tol=1e-6):
                problems.append(f"probabilities must sum to 1 (got sum={sum(probs):g})")
        return problems


@dataclass(frozen=True)
class _Bounded(ParamSpec):
    """A distribution on [min, max]."""

    min: float
    max: float

    def _problems(self) -> list[str]:
        problems: list[str] = []
        if _check_numbers(self, ("min", "max"), problems) and self.min >= self.max:
            problems.append(
                f"{self.distribution} needs min < max (got min={self.min!r}, max={self.max!r})"
            )
        return problems


@dataclass(frozen=True)
class IntUniform(_Bounded):
    """Integers min..max inclusive."""

    distribution: ClassVar[Distribution] = Distribution.INT_UNIFORM
    min: int
    max: int

    def _problems(self) -> list[str]:
        problems: list[str] = []
        for name in ("min", "max"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                problems.append(f"int_uniform needs integer {name} (got {value!r})")
        if not problems and self.min >= self.max:
            problems.append(f"int_uniform needs min < max (got min={self.min!r}, max={self.max!r})")
        return problems


@dataclass(frozen=True)
class Uniform(_Bounded):
    distribution: ClassVar[Distribution] = Distribution.UNIFORM


def _check_q(q: object, problems: list[str]) -> None:
    if not isinstance(q, int | float) or isinstance(q, bool) or not math.isfinite(q) or q <= 0:
        problems.append(f"q must be a number > 0 (got q={q!r})")


@dataclass(frozen=True)
class _Quantized(ParamSpec):
    """A distribution whose draws are rounded to a multiple of ``q`` (default the int 1).

    Subclasses list ``_Quantized`` first (``class QNormal(_Quantized, _MuSigma)``), so ``q``
    comes after the base's fields and its check runs after theirs. Bounded ones name the value
    range a multiple of q must fall in (:meth:`_value_range`).
    """

    q: float = 1

    def _value_range(self) -> tuple[float, float] | None:
        return None

    def _problems(self) -> list[str]:
        problems = super()._problems()
        _check_q(self.q, problems)
        value_range = None if problems else self._value_range()
        if value_range is not None:
            _check_multiple_of_q(self, *value_range, problems)
        return problems


@dataclass(frozen=True)
class QUniform(_Quantized, _Bounded):
    """Uniform on [min, max] rounded to a multiple of q; values stay inside [min, max]."""

    distribution: ClassVar[Distribution] = Distribution.Q_UNIFORM

    def _value_range(self) -> tuple[float, float]:
        return self.min, self.max


def _check_multiple_of_q(
    spec: _Quantized,
    low: float,
    high: float,
    problems: list[str],
) -> None:
    """Quantized values stay inside their bounds, so some multiple of q must lie there."""
    if math.ceil(low / spec.q - 1e-9) > math.floor(high / spec.q + 1e-9):
        problems.append(
            f"{spec.distribution} has no multiple of q={spec.q!r} between {low:g} and "
            f"{high:g}; use a smaller q"
        )


@dataclass(frozen=True)
class LogUniform(_Bounded):
    """exp(U(min, max)): min and max are base-e exponents (W&B's original form)."""

    distribution: ClassVar[Distribution] = Distribution.LOG_UNIFORM

    def _problems(self) -> list[str]:
        problems = super()._problems()
        if not problems and max(abs(self.min), abs(self.max)) > 700:
            problems.append(
                f"{self.distribution} takes base-e exponents and exp({self.max!r}) overflows; "
                "did you mean log_uniform_values?"
            )
        return problems


@dataclass(frozen=True)
class _PositiveBounded(_Bounded):
    """A distribution given by its value range, which must be positive for the log."""

    def _problems(self) -> list[str]:
        problems = super()._problems()
        if _is_number(self.min) and self.min <= 0:
            problems.append(f"{self.distribution} needs min > 0 (got min={self.min!r})")
        return problems


@dataclass(frozen=True)
class LogUniformValues(_PositiveBounded):
    """Values log-uniform on [min, max]."""

    distribution: ClassVar[Distribution] = Distribution.LOG_UNIFORM_VALUES


@dataclass(frozen=True)
class QLogUniform(_Quantized, LogUniform):
    """round(exp(U(min, max)) / q) * q, with exponents as bounds."""

    distribution: ClassVar[Distribution] = Distribution.Q_LOG_UNIFORM

    def _value_range(self) -> tuple[float, float]:
        return math.exp(self.min), math.exp(self.max)


@dataclass(frozen=True)
class QLogUniformValues(_Quantized, _PositiveBounded):
    """Log-uniform values on [min, max] rounded to a multiple of q."""

    distribution: ClassVar[Distribution] = Distribution.Q_LOG_UNIFORM_VALUES

    def _value_range(self) -> tuple[float, float]:
        return self.min, self.max


@dataclass(frozen=True)
class InvLogUniform(LogUniform):
    """exp(-U(min, max)): values in [exp(-max), exp(-min)], exponents as bounds."""

    distribution: ClassVar[Distribution] = Distribution.INV_LOG_UNIFORM


@dataclass(frozen=True)
class InvLogUniformValues(_PositiveBounded):
    """Values in [min, max] whose reciprocal is log-uniform."""

    distribution: ClassVar[Distribution] = Distribution.INV_LOG_UNIFORM_VALUES


@dataclass(frozen=True)
class _MuSigma(ParamSpec):
    mu: float = 0.0
    sigma: float = 1.0

    def _problems(self) -> list[str]:
        problems: list[str] = []
        if _check_numbers(self, ("mu", "sigma"), problems) and self.sigma <= 0:
            problems.append(f"{self.distribution} needs sigma > 0 (got sigma={self.sigma!r})")
        return problems


@dataclass(frozen=True)
class Normal(_MuSigma):
    distribution: ClassVar[Distribution] = Distribution.NORMAL


@dataclass(frozen=True)
class QNormal(_Quantized, _MuSigma):
    distribution: ClassVar[Distribution] = Distribution.Q_NORMAL


@dataclass(frozen=True)
class LogNormal(_MuSigma):
    """exp(N(mu, sigma))."""

    distribution: ClassVar[Distribution] = Distribution.LOG_NORMAL


@dataclass(frozen=True)
class QLogNormal(_Quantized, _MuSigma):
    distribution: ClassVar[Distribution] = Distribution.Q_LOG_NORMAL


@dataclass(frozen=True)
class Beta(ParamSpec):
    distribution: ClassVar[Distribution] = Distribution.BETA
    a: float = 1.0
    b: float = 1.0

    def _problems(self) -> list[str]:
        problems: list[str] = []
        if _check_numbers(self, ("a", "b"), problems):
            for name in ("a", "b"):
                if getattr(self, name) <= 0:
                    problems.append(f"beta needs {name} > 0 (got {name}={getattr(self, name)!r})")
        return problems


@dataclass(frozen=True)
class QBeta(_Quantized, Beta):
    distribution: ClassVar[Distribution] = Distribution.Q_BETA


@dataclass(frozen=True)
class Nested(ParamSpec):
    """A parameter whose value is a dict of further parameters (any depth).

    It has no ``distribution`` of its own: search methods only ever see its leaves
    (:func:`flatten_params`).
    """

    parameters: Mapping[str, ParamSpec] = field(default_factory=dict)

    @property
    def is_searchable(self) -> bool:
        return any(child.is_searchable for child in self.parameters.values())


# The spec class for each distribution name, and the fields each accepts besides
# ``distribution``. The loader uses these to build specs and report unknown keys.
SPEC_CLASSES: dict[Distribution, type[ParamSpec]] = {
    Distribution.CONSTANT: Constant,
    Distribution.CATEGORICAL: Categorical,
    Distribution.INT_UNIFORM: IntUniform,
    Distribution.UNIFORM: Uniform,
    Distribution.Q_UNIFORM: QUniform,
    Distribution.LOG_UNIFORM: LogUniform,
    Distribution.LOG_UNIFORM_VALUES: LogUniformValues,
    Distribution.Q_LOG_UNIFORM: QLogUniform,
    Distribution.Q_LOG_UNIFORM_VALUES: QLogUniformValues,
    Distribution.INV_LOG_UNIFORM: InvLogUniform,
    Distribution.INV_LOG_UNIFORM_VALUES: InvLogUniformValues,
    Distribution.NORMAL: Normal,
    Distribution.Q_NORMAL: QNormal,
    Distribution.LOG_NORMAL: LogNormal,
    Distribution.Q_LOG_NORMAL: QLogNormal,
    Distribution.BETA: Beta,
    Distribution.Q_BETA: QBeta,
}

# Parameter paths: a top-level parameter is ("lr",); a nested one ("optimizer", "lr").
ParamPath = tuple[str, ...]


def flatten_params(parameters: Mapping[str, ParamSpec]) -> list[tuple[ParamPath, ParamSpec]]:
    """Every leaf spec with its path, depth-first with keys sorted at each level (W&B's order)."""
    leaves: list[tuple[ParamPath, ParamSpec]] = []

    def visit(prefix: ParamPath, specs: Mapping[str, ParamSpec]) -> None:
        for name in sorted(specs):
            spec = specs[name]
            if isinstance(spec, Nested):
                visit((*prefix, name), spec.parameters)
            else:
                leaves.append(((*prefix, name), spec))

    visit((), parameters)
    return leaves


def nest_values(flat: Mapping[ParamPath, Any]) -> dict[str, Any]:
    """Turn ``{("opt", "lr"): 0.1}`` into ``{"opt": {"lr": 0.1}}``."""
    nested: dict[str, Any] = {}
    for path, value in flat.items():
        node = nested
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return nested


def lookup_value(config: Mapping[str, Any], path: ParamPath) -> tuple[bool, Any]:
    """(True, value) if ``config`` holds a value at ``path``, else (False, None)."""
    node: Any = config
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return False, None
        node = node[key]
    return True, node
