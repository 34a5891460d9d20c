"""``run.summary`` and ``define_metric``: one value per metric that describes the whole run.

By default a metric's summary is its last logged value. ``define_metric(name, summary=...)``
asks for aggregates instead, as in W&B: ``"min"``, ``"max"``, ``"mean"``, ``"first"``,
``"last"``, ``"best"`` (with ``goal="minimize"|"maximize"``), ``"none"`` (hide it); several may
be combined with commas, and repeated calls for one name add up. With anything other than
``"last"`` alone, the summary value becomes a dict: ``summary["loss"] == {"min": 0.1}``. NaN
values are left out of min, max, mean and best. ``name`` may end in ``*`` (``"val/*"``).

Setting ``summary["best_acc"] = 0.9`` stores that value; logging the key again replaces it
(the last write wins), except for aggregated metrics, where an explicit value wins until the
run ends.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sweeplab.errors import UsageError

SUMMARY_OPS = frozenset({"min", "max", "mean", "first", "last", "best", "none", "copy"})
GOALS = {"minimize": "minimize", "min": "minimize", "maximize": "maximize", "max": "maximize"}


@dataclass(frozen=True)
class MetricDefinition:
    """What ``define_metric`` recorded for a name (or a ``*`` pattern)."""

    name: str
    summary_ops: frozenset[str] = frozenset()
    goal: str | None = None
    step_metric: str | None = None
    hidden: bool = False

    def matches(self, key: str) -> bool:
        return self.name == key or ("*" in self.name and fnmatch.fnmatchcase(key, self.name))


def parse_definition(
    name: str,
    *,
    summary: str | None,
    goal: str | None,
    step_metric: str | None,
    hidden: bool | None,
    previous: MetricDefinition | None,
) -> MetricDefinition:
    """Check ``define_metric``'s arguments and merge them with an earlier definition."""
    if not isinstance(name, str) or not name:
        raise UsageError("define_metric(): name must be a non-empty string")
    ops: set[str] = set(previous.summary_ops) if previous else set()
    if summary is not None:
        requested = {part.strip().lower() for part in summary.split(",") if part.strip()}
        unknown = requested - SUMMARY_OPS
        if unknown:
            raise UsageError(
                f"define_metric({name!r}): unknown summary {', '.join(sorted(unknown))}; "
                f"use one or more of {', '.join(sorted(SUMMARY_OPS))}, separated by commas"
            )
        ops |= {"last" if op == "copy" else op for op in requested}
    resolved_goal = previous.goal if previous else None
    if goal is not None:
        if goal.lower() not in GOALS:
            raise UsageError(
                f"define_metric({name!r}): goal must be 'minimize' or 'maximize', got {goal!r}"
            )
        resolved_goal = GOALS[goal.lower()]
    if "best" in ops and resolved_goal is None:
        raise UsageError(
            f"define_metric({name!r}, summary='best') needs goal='minimize' or goal='maximize'"
        )
    return MetricDefinition(
        name=name,
        summary_ops=frozenset(ops),
        goal=resolved_goal,
        step_metric=step_metric or (previous.step_metric if previous else None),
        hidden=bool(hidden) if hidden is not None else bool(previous and previous.hidden),
    )


@dataclass
class _Aggregate:
    definition: MetricDefinition
    count: int = 0
    total: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf
    first: Any = None
    last: Any = None

    def observe(self, value: Any) -> None:
        if self.first is None:
            self.first = value
        self.last = value
        number = float(value)
        if math.isnan(number):
            return
        self.count += 1
        self.total += number
        self.minimum = min(self.minimum, number)
        self.maximum = max(self.maximum, number)

    def view(self) -> Any:
        ops = self.definition.summary_ops
        if ops == {"last"}:
            return self.last
        values: dict[str, Any] = {}
        for op in sorted(ops - {"none"}):
            if op == "last":
                values["last"] = self.last
            elif op == "first":
                values["first"] = self.first
            elif self.count:
                if op == "min":
                    values["min"] = self.minimum
                elif op == "max":
                    values["max"] = self.maximum
                elif op == "mean":
                    values["mean"] = self.total / self.count
                elif op == "best":
                    goal_min = self.definition.goal == "minimize"
                    values["best"] = self.minimum if goal_min else self.maximum
        return values


@dataclass
class Summary:
    """A run's summary. Mapping-like; item and attribute access both read and write."""

    _values: dict[str, Any] = field(default_factory=dict)
    _overrides: dict[str, Any] = field(default_factory=dict)
    _definitions: dict[str, MetricDefinition] = field(default_factory=dict)
    _aggregates: dict[str, _Aggregate] = field(default_factory=dict)
    # key -> the definition that applies to it (None: none), so patterns match once per key.
    _resolved: dict[str, MetricDefinition | None] = field(default_factory=dict)
    # Set when a value was set or a metric defined since the writer last shipped the summary
    # (logged rows are noticed by the writer itself, to keep log() short).
    dirty: bool = False

    # --- fed by the run ------------------------------------------------------------------------

    @property
    def last_values(self) -> dict[str, Any]:
        """The dict of last logged values, which ``log()`` updates directly (hot path)."""
        return self._values

    def observe_row(self, row: Mapping[str, Any]) -> None:
        """A committed history row."""
        self._values.update(row)
        if self._definitions:
            self.observe_aggregates(row)

    def observe_aggregates(self, row: Mapping[str, Any]) -> None:
        """Feed the ``define_metric`` aggregates (only called once a metric is defined)."""
        for key, value in row.items():
            aggregate = self._aggregate_for(key)
            if aggregate is not None:
                aggregate.observe(value)

    def _aggregate_for(self, key: str) -> _Aggregate | None:
        if key not in self._resolved:
            self._resolved[key] = next(
                (d for d in reversed(self._definitions.values()) if d.matches(key)), None
            )
        definition = self._resolved[key]
        if definition is None or not definition.summary_ops:
            return None
        aggregate = self._aggregates.get(key)
        if aggregate is None or aggregate.definition is not definition:
            aggregate = self._aggregates[key] = _Aggregate(definition)
        return aggregate

    def define(self, definition: MetricDefinition) -> None:
        self._definitions[definition.name] = definition
        self._resolved.clear()
        self.dirty = True

    def definition(self, name: str) -> MetricDefinition | None:
        return self._definitions.get(name)

    # --- mapping interface ------------------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        """The summary as the store keeps it. Safe to call from the writer thread."""
        values = self._values.copy()
        for key, aggregate in list(self._aggregates.items()):
            if "none" in aggregate.definition.summary_ops:
                values.pop(key, None)
            else:
                values[key] = aggregate.view()
        values.update(self._overrides.copy())
        return values

    def __getitem__(self, key: str) -> Any:
        return self.as_dict()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        if key in self._aggregates:
            self._overrides[key] = value
        else:
            self._values[key] = value
        self.dirty = True

    def __delitem__(self, key: str) -> None:
        found = self._values.pop(key, _MISSING) is not _MISSING
        found = self._overrides.pop(key, _MISSING) is not _MISSING or found
        if not found:
            raise KeyError(key)
        self.dirty = True

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"summary has no key {key!r}") from None

    def __setattr__(self, key: str, value: Any) -> None:
        if key.startswith("_") or key == "dirty":
            object.__setattr__(self, key, value)
        else:
            self[key] = value

    def __contains__(self, key: object) -> bool:
        return key in self.as_dict()

    def __iter__(self) -> Iterator[str]:
        return iter(self.as_dict())

    def __len__(self) -> int:
        return len(self.as_dict())

    def keys(self) -> list[str]:
        return list(self.as_dict())

    def items(self) -> list[tuple[str, Any]]:
        return list(self.as_dict().items())

    def values(self) -> list[Any]:
        return list(self.as_dict().values())

    def get(self, key: str, default: Any = None) -> Any:
        return self.as_dict().get(key, default)

    def update(self, data: Mapping[str, Any] | None = None, **values: Any) -> None:
        for key, value in {**(data or {}), **values}.items():
            self[key] = value

    def __repr__(self) -> str:
        return f"Summary({self.as_dict()!r})"


_MISSING = object()
