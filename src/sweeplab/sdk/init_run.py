"""``sweeplab.init()``: start a run, join a sweep's run, or hand back the current one."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sweeplab.errors import NotFoundError, UsageError
from sweeplab.sdk import exit_hooks, session
from sweeplab.sdk.config_files import read_config_defaults, read_config_file
from sweeplab.sdk.context import SweepRunContext, active_session, context_from_env
from sweeplab.sdk.run_config import Config, as_mapping
from sweeplab.sdk.run_summary import Summary
from sweeplab.sdk.runlog import LOG_FILE_NAME
from sweeplab.sdk.settings import Mode, Settings
from sweeplab.sdk.stores import store_for
from sweeplab.sdk.tracked_run import Run
from sweeplab.sdk.user_warnings import warn_user
from sweeplab.sdk.writer import HeartbeatPlan, RunWriter

if TYPE_CHECKING:
    from sweeplab.domain import RunRecord
    from sweeplab.store.base import Store

_RETURN_PREVIOUS = (None, False, "default", "return_previous")
_FINISH_PREVIOUS = (True, "finish_previous")
_RESUME_CHOICES = (None, False, True, "allow", "must", "never", "auto")


def init(
    *,
    project: str | None = None,
    config: Mapping[str, Any] | str | Path | Any = None,
    name: str | None = None,
    group: str | None = None,
    tags: Iterable[str] | None = None,
    notes: str | None = None,
    job_type: str | None = None,
    mode: str | None = None,
    dir: str | Path | None = None,
    id: str | None = None,
    resume: bool | str | None = None,
    reinit: bool | str | None = None,
    entity: str | None = None,
    settings: Settings | None = None,
    allow_val_change: bool | None = None,
    config_exclude_keys: Iterable[str] | None = None,
    config_include_keys: Iterable[str] | None = None,
    save_code: bool | None = None,
) -> Run:
    """Start a run and make it ``sweeplab.run``; see ``docs/sdk.md`` for every argument.

    Inside a sweep (an agent's :func:`~sweeplab.sdk.context.activate_sweep_run`, or the
    ``SWEEPLAB_SWEEP_ID``/``SWEEPLAB_RUN_ID`` variables a CLI agent sets), the run the agent
    claimed is joined instead of a new one created, and its sweep values override ``config``.
    ``entity`` and ``save_code`` are accepted for W&B compatibility and ignored.
    """
    del entity, save_code, allow_val_change
    if resume not in _RESUME_CHOICES:
        raise UsageError(
            f"init(resume={resume!r}): use one of 'allow', 'must', 'never', 'auto' or True"
        )
    if reinit not in (*_RETURN_PREVIOUS, *_FINISH_PREVIOUS, "create_new"):
        raise UsageError(
            f"init(reinit={reinit!r}): use True, False, 'return_previous', 'finish_previous' "
            "or 'create_new'"
        )
    sweep_session = active_session()
    context = sweep_session.context if sweep_session is not None else context_from_env()
    with session.lock:
        current = session.current_run()
        if current is not None:
            if context is not None and current.id == context.run_id:
                return current
            if context is None and reinit in _RETURN_PREVIOUS:
                return current
            if context is not None or reinit in _FINISH_PREVIOUS:
                current.finish()
        resolved = _settings(settings, mode)
        values = _config_values(config, config_include_keys, config_exclude_keys)
        run = _start(
            resolved,
            context,
            values,
            project=project,
            name=name,
            group=group,
            tags=tuple(tags or ()),
            notes=notes,
            job_type=job_type,
            log_dir=Path(dir) if dir is not None else None,
            run_id=id,
            resume=resume,
        )
        session.remember(run)
        if sweep_session is not None:
            sweep_session.run = run
    if not run.disabled:
        exit_hooks.install()
    return run


def _settings(settings: Settings | None, mode: str | None) -> Settings:
    if settings is None:
        return Settings.load(mode=mode)
    if mode is not None:
        return replace(settings, mode=Mode.parse(mode, "mode argument"))
    return settings


def _config_values(
    config: Any, include: Iterable[str] | None, exclude: Iterable[str] | None
) -> dict[str, Any]:
    if isinstance(config, str | Path):
        values = read_config_file(Path(config))
    else:
        values = dict(as_mapping(config, "init(config=...)"))
    if include is not None:
        wanted = set(include)
        values = {key: value for key, value in values.items() if key in wanted}
    if exclude is not None:
        unwanted = set(exclude)
        values = {key: value for key, value in values.items() if key not in unwanted}
    return values


def _start(
    settings: Settings,
    context: SweepRunContext | None,
    values: dict[str, Any],
    *,
    project: str | None,
    name: str | None,
    group: str | None,
    tags: tuple[str, ...],
    notes: str | None,
    job_type: str | None,
    log_dir: Path | None,
    run_id: str | None,
    resume: bool | str | None,
) -> Run:
    mode = settings.mode
    if context is not None:
        if run_id is not None and run_id != context.run_id:
            warn_user(f"init(id={run_id!r}) ignored: this process runs sweep run {context.run_id}")
        run_id = context.run_id
        project = context.project or project
        if mode is Mode.OFFLINE:
            warn_user("offline mode ignored for a sweep run: it is written to the agent's store")
            mode = Mode.ONLINE
    from sweeplab.store.base import new_id

    run_id = run_id or settings.run_id or new_id()
    project = project or settings.project
    config = Config()
    summary = Summary()
    start_step = 0
    store: Store | None = None
    stored: RunRecord | None = None
    if mode is Mode.ONLINE:
        store = context.store if context is not None and context.store else store_for(settings)
        stored = _existing_run(store, run_id, project, context, resume)
        if stored is not None:
            config.update(stored.config)
            summary.update(stored.summary)
            name = name or stored.name or None
            start_step = _next_step(store, run_id)
    config.update(read_config_defaults())
    config.update(values)
    if context is not None:
        config._merge_locked(context.params, "sweep")
    run = Run(
        run_id=run_id,
        project=project,
        mode=mode,
        config=config,
        summary=summary,
        name=name or "",
        group=group,
        job_type=job_type,
        tags=tags,
        notes=notes or "",
        sweep_id=context.sweep_id if context is not None else None,
        start_step=start_step,
        on_finish=session.forget,
    )
    if mode is Mode.DISABLED:
        return run
    if store is not None:
        _store_run(store, run, stored is not None)
    base_dir = log_dir if log_dir is not None else settings.sweeplab_dir
    if mode is Mode.OFFLINE:
        stamp = time.strftime("%Y%m%d_%H%M%S")
        run.dir = base_dir / f"offline-run-{stamp}-{run_id}"
    else:
        run.dir = base_dir / f"run-{run_id}"
    heartbeat = None
    if store is not None and context is None:
        # Every online run holds a lease, so one whose process died (kill -9, a lost machine)
        # is reaped as crashed instead of showing "running" for ever. Taken now, not at the
        # first beat: a process can die sooner than that.
        heartbeat = HeartbeatPlan(settings.heartbeat_seconds, settings.lease_seconds)
        store.heartbeat(run.id, heartbeat.lease_seconds)
    elif store is not None and context is not None and context.heartbeat:
        heartbeat = HeartbeatPlan(
            every_seconds=context.heartbeat_seconds or settings.heartbeat_seconds,
            lease_seconds=context.lease_seconds or settings.lease_seconds,
        )
    header = {
        "t": "run",
        "run_id": run.id,
        "project": run.project,
        "name": name or "",
        "group": group,
        "job_type": job_type,
        "tags": list(tags),
        "notes": notes or "",
        "sweep_id": run.sweep_id,
        "config": config.as_dict(),
        "created_at": run.start_time,
        "start_step": start_step,
    }
    writer = RunWriter(
        run.id,
        log_path=run.dir / LOG_FILE_NAME,
        header=header,
        summary=summary,
        store=store,
        flush_seconds=settings.flush_seconds,
        ship_seconds=settings.ship_seconds,
        heartbeat=heartbeat,
    )
    if context is not None and store is not None:
        # Imported here: only sweep runs need the engine (and its numerical dependencies).
        from sweeplab.sdk.local_judging import judge_after_ship

        judge = judge_after_ship(store, context.sweep_id)
        if judge is not None:
            writer.on_shipped = judge
    run._attach_writer(writer)
    return run


def _existing_run(
    store: Store,
    run_id: str,
    project: str,
    context: SweepRunContext | None,
    resume: bool | str | None,
) -> RunRecord | None:
    try:
        record = store.get_run(run_id)
    except NotFoundError:
        if context is not None:
            raise UsageError(
                f"sweep run {run_id} is not in the store: the agent and this process must use "
                "the same store (check SWEEPLAB_DIR, SWEEPLAB_STORE_URL and SWEEPLAB_BASE_URL)"
            ) from None
        if resume == "must":
            raise UsageError(
                f"init(id={run_id!r}, resume='must'): no such run; use resume='allow' to create it"
            ) from None
        return None
    if context is None and resume == "never":
        raise UsageError(
            f"init(id={run_id!r}, resume='never'): run {run_id} already exists; pick another "
            "id or use resume='allow'"
        )
    if record.project and record.project != project:
        raise UsageError(
            f"run {run_id} belongs to project {record.project!r}, not {project!r}; run ids are "
            "unique per store, so pick another id"
        )
    if record.state.is_terminal:
        raise UsageError(
            f"run {run_id} is {record.state.value} and cannot be resumed (finished runs are "
            "immutable); start a new run without id="
        )
    return record


def _next_step(store: Store, run_id: str) -> int:
    steps = [step for values in store.read_metrics(run_id).values() for step, _ in values]
    return max(steps) + 1 if steps else 0


def _store_run(store: Store, run: Run, exists: bool) -> None:
    from sweeplab.store.base import NewRun, RunChanges

    if exists:
        store.update_run(
            run.id,
            RunChanges(
                config=run.config.as_dict(),
                name=run.name if run.name != run.id else None,
                tags=run.tags or None,
                notes=run.notes or None,
            ),
        )
    else:
        store.create_run(
            NewRun(
                project=run.project,
                config=run.config.as_dict(),
                run_id=run.id,
                name=run.name,
                group=run.group,
                job_type=run.job_type,
                tags=run.tags,
                notes=run.notes,
            )
        )
