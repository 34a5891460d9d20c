"""Runs and sweeps as ``Api()`` hands them out (W&B's public API objects, read mostly)."""

from __future__ import annotations

import importlib
import importlib.util
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sweeplab.domain import RunRecord, SweepRecord

if TYPE_CHECKING:
    from sweeplab.store.base import Store

STEP_COLUMN = "_step"


class ApiRun:
    """A stored run: ``config``, ``summary``, ``history()``; ``update()`` saves edits."""

    def __init__(self, store: Store, record: RunRecord) -> None:
        self._store = store
        self._record = record
        self.id = record.run_id
        self.project = record.project
        self.state = record.state.value
        self.name = record.name or record.run_id
        self.group = record.group
        self.job_type = record.job_type
        self.tags = list(record.tags)
        self.notes = record.notes
        self.sweep_id = record.sweep_id
        self.created_at = record.created_at
        self.config: dict[str, Any] = dict(record.config)
        self.summary: dict[str, Any] = SavingSummary(record.summary, on_update=self.update)

    @property
    def path(self) -> list[str]:
        return [self.project, self.id]

    @property
    def record(self) -> RunRecord:
        return self._record

    def __repr__(self) -> str:
        return f"<Run {self.project}/{self.id} ({self.state})>"

    def history(
        self,
        keys: Sequence[str] | None = None,
        samples: int = 500,
        pandas: bool = True,
        x_axis: str = STEP_COLUMN,
    ) -> Any:
        """Logged rows, one per step with a ``_step`` column: a pandas DataFrame when pandas
        is installed (and ``pandas=True``), else a list of dicts.

        At most ``samples`` rows, spread evenly over the run (first and last kept). With
        ``keys``, only steps where one of them was logged.
        """
        rows = list(self.scan_history(keys))
        if samples and len(rows) > samples:
            rows = _spread(rows, samples)
        if x_axis != STEP_COLUMN:
            rows = [row for row in rows if x_axis in row]
        if pandas and importlib.util.find_spec("pandas") is not None:
            pd = importlib.import_module("pandas")  # optional: no stubs, no hard dependency

            logged = sorted({key for row in rows for key in row} - {STEP_COLUMN})
            columns = [STEP_COLUMN, *(keys or logged)]
            return pd.DataFrame(rows, columns=columns)
        return rows

    def scan_history(self, keys: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
        """Every logged row in step order, as dicts with ``_step``."""
        by_step: dict[int, dict[str, Any]] = {}
        for key, points in self._store.read_metrics(self.id, keys).items():
            for step, value in points:
                by_step.setdefault(step, {STEP_COLUMN: step})[key] = value
        for step in sorted(by_step):
            yield by_step[step]

    def update(self) -> None:
        """Save edits to ``config``, ``summary``, ``name``, ``tags`` and ``notes``."""
        from sweeplab.store.base import RunChanges

        self._record = self._store.update_run(
            self.id,
            RunChanges(
                config=self.config,
                summary=dict(self.summary),
                name=self.name,
                tags=tuple(self.tags),
                notes=self.notes,
            ),
        )

    def summary_value(self, key: str) -> float | None:
        """``summary[key]`` as a number (a dict summary gives its ``best``/``min``/``max``)."""
        value = self.summary.get(key)
        if isinstance(value, dict):
            value = next((value[op] for op in ("best", "min", "max", "last") if op in value), None)
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            return None
        return float(value)


class SavingSummary(dict[str, Any]):
    """A run's summary as a dict whose ``update()`` also saves it, as in W&B's public API
    (``run.summary["x"] = 1; run.summary.update()``)."""

    def __init__(self, values: Mapping[str, Any], on_update: Callable[[], None]) -> None:
        super().__init__(values)
        self._on_update = on_update

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self._on_update()


def _spread(rows: list[dict[str, Any]], samples: int) -> list[dict[str, Any]]:
    if samples == 1:
        return rows[-1:]
    last = len(rows) - 1
    indexes = sorted({round(i * last / (samples - 1)) for i in range(samples)})
    return [rows[i] for i in indexes]


class ApiSweep:
    """A stored sweep: ``config``, ``state``, ``runs`` and ``best_run()``."""

    def __init__(self, store: Store, record: SweepRecord) -> None:
        self._store = store
        self._record = record
        self.id = record.sweep_id
        self.project = record.project
        self.config: dict[str, Any] = dict(record.config)
        self.state = record.state.value
        self.name = record.name

    def __repr__(self) -> str:
        return f"<Sweep {self.project}/{self.id} ({self.state})>"

    @property
    def runs(self) -> list[ApiRun]:
        """The sweep's runs, oldest first (read on each access)."""
        return [ApiRun(self._store, record) for record in self._store.sweep_runs(self.id)]

    def best_run(self, order: str | None = None) -> ApiRun | None:
        """The run with the best summary value of the sweep's metric (by its goal), or of
        ``order`` (``"-summary.acc"``: highest first); ``None`` when no run has a value."""
        if order is not None:
            from sweeplab.sdk.api.filters import sort_runs

            ordered = sort_runs([run.record for run in self.runs], order)
            return ApiRun(self._store, ordered[0]) if ordered else None
        metric = self.config.get("metric")
        if not isinstance(metric, dict) or not metric.get("name"):
            return None
        name = str(metric["name"])
        maximize = str(metric.get("goal", "minimize")).lower().startswith("max")
        scored = [(run.summary_value(name), run) for run in self.runs]
        valued = [(value, run) for value, run in scored if value is not None]
        if not valued:
            return None
        pick = max if maximize else min
        return pick(valued, key=lambda item: item[0])[1]
