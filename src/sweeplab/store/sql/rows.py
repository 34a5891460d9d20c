"""Conversions between table rows and the frozen records of :mod:`sweeplab.domain`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping

from sweeplab.domain import RunRecord, RunState, SweepRecord, SweepState
from sweeplab.store.sql.tables import runs


def sweep_from_row(row: RowMapping) -> SweepRecord:
    return SweepRecord(
        sweep_id=row["sweep_id"],
        project=row["project"],
        config=row["config"],
        state=SweepState(row["state"]),
        seed=int(row["seed"]),
        created_at=float(row["created_at"]),
        updated_at=float(row["updated_at"]),
        engine_version=row["engine_version"],
        state_reason=row["state_reason"],
    )


# The JSON columns of ``runs``.
RUN_JSON_COLUMNS = ("config", "summary", "suggestion_info", "tags")


def runs_with_json_text() -> sa.Select[Any]:
    """``SELECT`` every column of ``runs``, the JSON ones as their text (for
    :func:`run_from_row` with a ``parse``, e.g. ``types.decode_json_text``)."""
    return sa.select(
        *(
            sa.cast(column, sa.Text).label(column.name)
            if column.name in RUN_JSON_COLUMNS
            else column
            for column in runs.c
        )
    )


def _as_read(value: Any) -> Any:
    return value


def run_from_row(row: RowMapping, parse: Callable[[Any], Any] | None = None) -> RunRecord:
    """The record of a ``runs`` row; ``parse`` turns JSON text into values when the row was
    read by :func:`runs_with_json_text`."""
    json = parse or _as_read
    return RunRecord(
        run_id=row["run_id"],
        state=RunState(row["state"]),
        config=json(row["config"]),
        summary=json(row["summary"]),
        project=row["project"],
        sweep_id=row["sweep_id"],
        name=row["name"],
        group=row["run_group"],
        job_type=row["job_type"],
        tags=tuple(json(row["tags"])),
        notes=row["notes"],
        created_at=float(row["created_at"]),
        updated_at=float(row["updated_at"]),
        heartbeat_at=row["heartbeat_at"],
        lease_expires_at=row["lease_expires_at"],
        exit_code=row["exit_code"],
        end_reason=row["end_reason"],
        suggestion_info=json(row["suggestion_info"]),
        point_key=row["point_key"],
        stop_requested=row["stop_requested"],
    )


def run_to_row(record: RunRecord) -> dict[str, Any]:
    """Every column of ``runs`` except ``seq``, from ``record`` (history is not a column)."""
    return {
        "run_id": record.run_id,
        "project": record.project,
        "sweep_id": record.sweep_id,
        "state": record.state.value,
        "name": record.name,
        "run_group": record.group,
        "job_type": record.job_type,
        "tags": list(record.tags),
        "notes": record.notes,
        "config": dict(record.config),
        "summary": dict(record.summary),
        "suggestion_info": dict(record.suggestion_info),
        "point_key": record.point_key,
        "stop_requested": record.stop_requested,
        "exit_code": record.exit_code,
        "end_reason": record.end_reason,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "heartbeat_at": record.heartbeat_at,
        "lease_expires_at": record.lease_expires_at,
    }
