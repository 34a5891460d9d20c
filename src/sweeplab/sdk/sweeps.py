"""``sweeplab.sweep()`` and ``sweeplab.agent()``: W&B's two sweep calls, on sweeplab's store.

Both use the store the SDK's settings point at (``SWEEPLAB_STORE_URL``, ``SWEEPLAB_BASE_URL``,
else the embedded SQLite store under ``SWEEPLAB_DIR``, default ``./sweeplab``), so a sweep made
in a notebook is served by ``sweeplab server`` and picked up by ``sweeplab agent`` alike.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sweeplab.errors import UsageError

if TYPE_CHECKING:
    from sweeplab.domain import SweepRecord
    from sweeplab.sdk.settings import Settings
    from sweeplab.store.base import Store

DASHBOARD_URL = "http://127.0.0.1:8080"

SweepSource = Mapping[str, Any] | str | os.PathLike[str] | Callable[[], Mapping[str, Any]]


def sweep(
    sweep: SweepSource,
    entity: str | None = None,
    project: str | None = None,
    prior_runs: Sequence[str] | None = None,
) -> str:
    """Create a sweep and return its id (W&B's ``wandb.sweep``).

    ``sweep`` is the sweep config: a dict, the path of a YAML file, or a function of no
    arguments returning a dict. Every problem in it is reported at once
    (:class:`~sweeplab.errors.ConfigError`). The project is ``project``, else the config's
    ``project``, else ``SWEEPLAB_PROJECT``, else ``uncategorized``. ``entity`` is accepted for
    W&B compatibility and ignored. ``prior_runs`` (adding existing runs to the sweep) is not
    supported and raises :class:`~sweeplab.errors.UsageError` when given.

    Prints the sweep id, how to start agents and how to open its dashboard.
    """
    del entity
    if prior_runs:
        raise UsageError(
            f"sweep(prior_runs=...) is not supported by sweeplab yet (got {len(prior_runs)} "
            "run ids); create the sweep without prior_runs"
        )
    from sweeplab.sdk.settings import Settings

    settings = Settings.load()
    record = create_sweep_in(_store(settings), sweep, project, settings.project)
    return record.sweep_id


def create_sweep_in(
    store: Store, sweep: SweepSource, project: str | None, default_project: str
) -> SweepRecord:
    """Validate, store and announce a sweep (what ``sweep()`` and ``sweeplab sweep`` do).

    The project is ``project``, else the config's ``project``, else ``default_project``.
    """
    from sweeplab.engine import Controller
    from sweeplab.sweep_config import load_sweep_config

    source = sweep() if callable(sweep) else sweep
    if isinstance(source, str | os.PathLike) and not _is_yaml_path(source):
        raise UsageError(
            f"sweep() needs a sweep config: a dict or a .yaml/.yml file path, got {str(source)!r}"
        )
    config = load_sweep_config(source)
    chosen_project = project or config.project or default_project
    record = Controller(store).create_sweep(config.source, chosen_project)
    for warning in config.warnings:
        _say(f"warning: {warning}")
    _say(f"created sweep with id: {record.sweep_id} (project {chosen_project})")
    _say(f"run agents with: sweeplab agent {record.sweep_id}")
    _say(f"view it with: sweeplab server, then open {DASHBOARD_URL}/sweeps/{record.sweep_id}")
    return record


def agent(
    sweep_id: str,
    function: Callable[[], Any] | None = None,
    entity: str | None = None,
    project: str | None = None,
    count: int | None = None,
    *,
    max_consecutive_failures: int | None = None,
) -> None:
    """Run runs of a sweep in this process (W&B's ``wandb.agent``).

    With ``function``, each run calls ``function()``; ``sweeplab.init()`` inside it joins the
    run the agent claimed, with the sweep's values in ``sweeplab.config``. Without it, each run
    starts the sweep's ``program`` through its ``command`` as ``sweeplab agent`` does.

    ``sweep_id`` may be ``ID``, ``project/ID`` or ``entity/project/ID``. The agent returns after
    ``count`` runs, when the sweep is finished (grid exhausted, ``run_cap``, metric target),
    stopped or canceled, after ``max_consecutive_failures`` failed runs in a row (default 5, or
    ``SWEEPLAB_AGENT_MAX_CONSECUTIVE_FAILURES``), or on Ctrl-C; it waits while the sweep is
    paused. A run that raised is recorded ``failed`` with its error, and the agent goes on.
    """
    from dataclasses import replace

    from sweeplab.agents import (
        AgentLoop,
        AgentSettings,
        FunctionLauncher,
        Launcher,
        PrintReporter,
        SubprocessLauncher,
        check_command,
        forwarding_signals,
    )
    from sweeplab.engine import Controller
    from sweeplab.sdk.settings import Settings

    del entity
    bare_id, id_project = parse_sweep_path(sweep_id)
    settings = Settings.load()
    store = _store(settings)
    sweep_record = store.get_sweep(bare_id)
    for named in (id_project, project):
        if named and named != sweep_record.project:
            _say(
                f"warning: sweep {bare_id} belongs to project {sweep_record.project!r}, not "
                f"{named!r}; its runs go to {sweep_record.project!r}"
            )
    agent_settings = AgentSettings.from_env()
    if max_consecutive_failures is not None:
        agent_settings = replace(agent_settings, max_consecutive_failures=max_consecutive_failures)
    controller = Controller(store)
    launcher: Launcher
    if function is not None:
        launcher = FunctionLauncher(function)
    else:
        config = controller.sweep_config(sweep_record)
        for warning in check_command(config.command, config.program, os.environ):
            _say(f"warning: {warning}")
        launcher = SubprocessLauncher(
            work_dir=settings.sweeplab_dir, kill_grace_seconds=agent_settings.kill_grace_seconds
        )
    loop = AgentLoop(
        controller,
        bare_id,
        launcher,
        settings=agent_settings,
        count=count,
        reporter=PrintReporter(),
    )
    try:
        if isinstance(launcher, SubprocessLauncher):
            with forwarding_signals(launcher, loop.request_shutdown, _say):
                loop.run()
        else:
            loop.run()
    except KeyboardInterrupt:
        _say("agent interrupted (Ctrl-C); runs already recorded are kept")


def parse_sweep_path(path: str) -> tuple[str, str | None]:
    """``ID``, ``project/ID`` or ``entity/project/ID`` → (ID, project or None)."""
    parts = path.split("/") if isinstance(path, str) else []
    if not parts or len(parts) > 3 or not parts[-1]:
        raise UsageError(
            f"sweep id {path!r} is not of the form ID, project/ID or entity/project/ID"
        )
    project = parts[-2] if len(parts) >= 2 and parts[-2] else None
    return parts[-1], project


def _store(settings: Settings) -> Store:
    from sweeplab.sdk.stores import store_for

    return store_for(settings)


def _is_yaml_path(source: str | os.PathLike[str]) -> bool:
    if isinstance(source, os.PathLike):
        return True
    text = source.strip()
    return "\n" not in text and Path(text).suffix.lower() in (".yaml", ".yml")


def _say(text: str) -> None:
    print(f"sweeplab: {text}", file=sys.stderr, flush=True)
