"""``sweeplab sync``: replay run logs (offline runs, usually) into a store, idempotently.

Replaying is safe to repeat: the store keeps the first value of every ``(run, step, key)``,
and setting a config, summary or final state a run already has is a no-op, so syncing twice
leaves the store exactly as syncing once. A torn final record (the process died mid-write) is
skipped with a warning and reported; every record before it is replayed. A run synced in full
gets a ``synced.json`` marker in its directory; later calls skip marked runs unless
``include_synced=True`` (the replay would change nothing anyway).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sweeplab.domain import RunState
from sweeplab.errors import SweeplabError
from sweeplab.sdk.runlog import LOG_FILE_NAME, Record, read_run_log
from sweeplab.sdk.user_warnings import warn_user
from sweeplab.sdk.writer import metric_rows

if TYPE_CHECKING:
    from sweeplab.store.base import Store

SYNCED_MARKER = "synced.json"
OFFLINE_RUN_PREFIX = "offline-run-"
_SHIP_BATCH_ROWS = 50_000

# Called after each run with (runs done, runs in total, the run's directory).
ProgressCallback = Callable[[int, int, Path], None]


@dataclass(frozen=True)
class SyncedRun:
    """What happened to one run log."""

    path: Path
    run_id: str = ""
    rows: int = 0  # history values in the log
    new_rows: int = 0  # of which the store did not have yet
    state: str = ""
    bad_tail: str | None = None  # why the end of the log was skipped
    skipped: str | None = None  # why the run was not replayed at all
    error: str | None = None  # why the replay failed

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class SyncReport:
    runs: list[SyncedRun] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(run.ok for run in self.runs)

    @property
    def synced(self) -> list[SyncedRun]:
        return [run for run in self.runs if run.ok and run.skipped is None]

    @property
    def new_rows(self) -> int:
        return sum(run.new_rows for run in self.runs)

    def lines(self) -> list[str]:
        """One human-readable line per run (what the CLI prints)."""
        out = []
        for run in self.runs:
            if run.error is not None:
                out.append(f"{run.path}: failed: {run.error}")
            elif run.skipped is not None:
                out.append(f"{run.path}: skipped: {run.skipped}")
            else:
                tail = f"; skipped a bad tail: {run.bad_tail}" if run.bad_tail else ""
                out.append(
                    f"{run.path}: run {run.run_id} {run.state}, {run.new_rows} new of "
                    f"{run.rows} rows{tail}"
                )
        return out


def find_run_dirs(paths: Iterable[str | Path]) -> list[Path]:
    """Run directories named by ``paths``: a run directory, its log file, or a directory whose
    ``offline-run-*`` subdirectories are taken (``./sweeplab`` for example)."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_file() and path.name == LOG_FILE_NAME:
            found.append(path.parent)
        elif (path / LOG_FILE_NAME).is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(
                sorted(
                    child
                    for child in path.glob(f"{OFFLINE_RUN_PREFIX}*")
                    if (child / LOG_FILE_NAME).is_file()
                )
            )
        else:
            raise SweeplabError(
                f"sync: {path} is neither a run directory nor a directory of offline runs"
            )
    return list(dict.fromkeys(found))


def sync_paths(
    paths: Iterable[str | Path],
    store: Store,
    progress: ProgressCallback | None = None,
    *,
    include_synced: bool = False,
) -> SyncReport:
    """Replay the run logs under ``paths`` into ``store``; see the module docstring."""
    run_dirs = find_run_dirs(paths)
    report = SyncReport()
    for done, run_dir in enumerate(run_dirs, start=1):
        if not include_synced and (run_dir / SYNCED_MARKER).is_file():
            report.runs.append(SyncedRun(run_dir, skipped="already synced"))
        else:
            report.runs.append(_sync_run(run_dir, store))
        if progress is not None:
            progress(done, len(run_dirs), run_dir)
    return report


@dataclass
class _Replay:
    """A run log folded into what the store needs."""

    header: Record
    config: dict[str, Any]
    rows: list[list[Any]]
    summary: dict[str, Any]
    exit: Record | None


def _fold(records: list[Record]) -> _Replay | None:
    header: Record | None = None
    config: dict[str, Any] = {}
    rows: list[list[Any]] = []
    summary: dict[str, Any] = {}
    exit_record: Record | None = None
    for record in records:
        kind = record.get("t")
        if kind == "run" and header is None:
            header = record
            config.update(record.get("config") or {})
        elif kind == "config":
            config.update(record["values"])
        elif kind == "history":
            rows.extend(record["rows"])
            # Rows newer than the last summary snapshot still move plain "last value" keys.
            for _, _, values in record["rows"]:
                for key, value in values.items():
                    if not isinstance(summary.get(key), dict):
                        summary[key] = value
        elif kind == "summary":
            summary = dict(record["values"])
        elif kind == "exit":
            exit_record = record
    if header is None:
        return None
    return _Replay(header, config, rows, summary, exit_record)


def _sync_run(run_dir: Path, store: Store) -> SyncedRun:
    log_path = run_dir / LOG_FILE_NAME
    try:
        contents = read_run_log(log_path)
    except SweeplabError as error:
        return SyncedRun(run_dir, error=str(error))
    bad_tail = None
    if contents.bad_tail is not None:
        bad_tail = contents.bad_tail.describe(log_path)
        warn_user(f"sync: {bad_tail}")
    replay = _fold(contents.records)
    if replay is None:
        return SyncedRun(run_dir, bad_tail=bad_tail, error="the log has no run header record")
    run_id = str(replay.header["run_id"])
    try:
        state, new_rows = _apply(replay, store)
    except SweeplabError as error:
        return SyncedRun(run_dir, run_id, len(replay.rows), bad_tail=bad_tail, error=str(error))
    result = SyncedRun(
        run_dir,
        run_id,
        rows=sum(len(values) for _, _, values in replay.rows),
        new_rows=new_rows,
        state=state.value,
        bad_tail=bad_tail,
    )
    _write_marker(run_dir, result)
    return result


def _apply(replay: _Replay, store: Store) -> tuple[RunState, int]:
    from sweeplab.store.base import NewRun, RunChanges

    header = replay.header
    run_id = str(header["run_id"])
    store.create_run(
        NewRun(
            project=str(header["project"]),
            config=replay.config,
            run_id=run_id,
            name=str(header.get("name") or ""),
            group=header.get("group"),
            job_type=header.get("job_type"),
            tags=tuple(header.get("tags") or ()),
            notes=str(header.get("notes") or ""),
            sweep_id=header.get("sweep_id"),
        ),
        now=header.get("created_at"),
    )
    rows = metric_rows(replay.rows)
    new_rows = 0
    for start in range(0, len(rows), _SHIP_BATCH_ROWS):
        new_rows += store.log_metrics(run_id, rows[start : start + _SHIP_BATCH_ROWS])
    store.update_run(run_id, RunChanges(config=replay.config, summary=replay.summary))
    if replay.exit is not None:
        state = RunState(replay.exit["state"])
        exit_code, reason = replay.exit.get("exit_code"), str(replay.exit.get("reason") or "")
    else:
        state, exit_code = RunState.CRASHED, None
        reason = "the run log ends without an exit record (the process died, or still runs)"
    current = store.get_run(run_id)
    if current.state is not state and current.state.can_become(state):
        store.finish_run(run_id, state, exit_code, reason)
    return state, new_rows


def _write_marker(run_dir: Path, result: SyncedRun) -> None:
    marker = {
        "run_id": result.run_id,
        "synced_at": time.time(),
        "rows": result.rows,
        "new_rows": result.new_rows,
        "state": result.state,
        "bad_tail": result.bad_tail,
    }
    (run_dir / SYNCED_MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
