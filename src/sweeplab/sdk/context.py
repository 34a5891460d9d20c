"""How an agent tells ``init()`` that the run it starts belongs to a sweep.

An agent claims a run in the store (engine), then runs the user's code. That code calls
``sweeplab.init()``, which must *join* the claimed run (same run id and project, config from the
sweep) instead of creating a new one. Two channels carry that information:

- **In-process agents** (``sweeplab.agent(sweep_id, function=train)``) wrap the call in
  :func:`activate_sweep_run`::

      ctx = SweepRunContext(run_id=run.run_id, sweep_id=sweep_id, project=project,
                            params=run.config, store=store)
      with activate_sweep_run(ctx) as session:
          function()              # calls sweeplab.init() / log() / finish() as it likes
      # session.run is the sdk Run if the function called init(), else None

  On leaving the block, a run the function joined but did not finish is finished: ``finished``
  on a normal exit, ``stopped`` (with the stop reason) on :class:`~sweeplab.errors.RunStopped`,
  ``failed`` (with the error text) on any other exception, which is then re-raised. If the
  function never called ``init()``, the store is not touched: the agent records the outcome
  itself (it holds the store and the run id).

- **Subprocess agents** (``sweeplab agent ID``) pass the same facts through environment
  variables, built by :func:`sweep_run_env` after :func:`write_sweep_param_file`::

      SWEEPLAB_RUN_ID, SWEEPLAB_SWEEP_ID, SWEEPLAB_PROJECT, SWEEPLAB_SWEEP_PARAM_PATH

  ``init()`` in the child reads them (``WANDB_RUN_ID`` etc. are honoured when the ``SWEEPLAB_``
  name is unset) and opens the store from its own settings (``SWEEPLAB_DIR`` /
  ``SWEEPLAB_BASE_URL`` / ``SWEEPLAB_STORE_URL``), so the agent must pass those through too
  (it does when it copies its own environment).

Either way ``init()`` applies config precedence ``config-defaults.yaml < init(config=) < params``
and locks the sweep's keys.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sweeplab.errors import UsageError

if TYPE_CHECKING:
    from sweeplab.sdk.tracked_run import Run
    from sweeplab.store.base import Store

# Environment variable names shared with the CLI agent (the W&B spelling is the fallback).
ENV_RUN_ID = "SWEEPLAB_RUN_ID"
ENV_SWEEP_ID = "SWEEPLAB_SWEEP_ID"
ENV_PROJECT = "SWEEPLAB_PROJECT"
ENV_SWEEP_PARAM_PATH = "SWEEPLAB_SWEEP_PARAM_PATH"


@dataclass(frozen=True)
class SweepRunContext:
    """A run an agent has claimed and wants the user's ``init()`` to join.

    - ``run_id``, ``sweep_id``, ``project``: identify the claimed run (it already exists in the
      store, in state ``running``).
    - ``params``: the sweep's parameter values for this run, nested dicts for nested parameters
      (``RunRecord.config`` of the claimed run). They override ``init(config=)`` and are locked.
    - ``store``: the store the run lives in. ``None`` means "open the store from settings"
      (what a subprocess does); in-process agents pass their store so a ``MemoryStore`` works.
    - ``heartbeat``: whether the SDK heartbeats the run's lease while it is open (and raises
      ``RunStopped`` at the next ``log()`` once the store says ``stop_requested``). An agent that
      heartbeats on its own may switch this off; both together are harmless.
    - ``lease_seconds``/``heartbeat_seconds``: ``None`` means the SDK settings' values.
    """

    run_id: str
    sweep_id: str
    project: str
    params: Mapping[str, Any] = field(default_factory=dict)
    store: Store | None = None
    heartbeat: bool = True
    lease_seconds: float | None = None
    heartbeat_seconds: float | None = None


@dataclass
class SweepRunSession:
    """What happened inside :func:`activate_sweep_run`: the Run the user's code joined, if any."""

    context: SweepRunContext
    run: Run | None = None


_lock = threading.Lock()
# The one active session (a list of at most one, so no `global` statement is needed).
_active: list[SweepRunSession] = []


@contextmanager
def activate_sweep_run(context: SweepRunContext) -> Iterator[SweepRunSession]:
    """Make ``init()`` calls inside the block join ``context``'s run (see the module docstring).

    Only one sweep run may be active per process at a time (``sweeplab.run`` is process-wide,
    as in W&B); activating a second one raises :class:`~sweeplab.errors.UsageError`. The
    context is process-global rather than thread-local so a function run on a worker thread
    still sees it.
    """
    session = SweepRunSession(context)
    with _lock:
        if _active:
            raise UsageError(
                f"cannot run sweep run {context.run_id!r}: sweep run "
                f"{_active[0].context.run_id!r} is still active in this process; "
                "run one agent per process (or finish the first run before starting another)"
            )
        _active.append(session)
    try:
        yield session
    except BaseException as error:
        if session.run is not None:
            session.run._finish_from_exception(error)
        raise
    else:
        if session.run is not None:
            session.run.finish()
    finally:
        with _lock:
            _active.clear()


def active_session() -> SweepRunSession | None:
    """The session of the sweep run active in this process, if any (used by ``init()``)."""
    return _active[0] if _active else None


def write_sweep_param_file(path: Path, params: Mapping[str, Any]) -> Path:
    """Write a run's parameter values for a child process (a JSON object; nested params nest)."""
    path.write_text(json.dumps(dict(params), indent=2, sort_keys=True), encoding="utf-8")
    return path


def read_sweep_param_file(path: Path) -> dict[str, Any]:
    """Read what :func:`write_sweep_param_file` wrote.

    W&B's own param files are YAML in ``{key: {value: v}}`` form; a JSON file in that form is
    accepted too when *every* top-level value is a one-key ``{"value": ...}`` dict.
    """
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UsageError(
            f"cannot read sweep parameters from {path} ({ENV_SWEEP_PARAM_PATH}): {error}; "
            "it should be a JSON object written by the sweeplab agent"
        ) from error
    if not isinstance(loaded, dict):
        raise UsageError(
            f"sweep parameter file {path} holds a {type(loaded).__name__}, not a JSON object"
        )
    if loaded and all(isinstance(v, dict) and set(v) == {"value"} for v in loaded.values()):
        return {key: value["value"] for key, value in loaded.items()}
    return loaded


def sweep_run_env(context: SweepRunContext, param_path: Path) -> dict[str, str]:
    """The environment variables a child process needs to join ``context``'s run.

    Merge them into a copy of the agent's own environment (which carries the store settings).
    """
    return {
        ENV_RUN_ID: context.run_id,
        ENV_SWEEP_ID: context.sweep_id,
        ENV_PROJECT: context.project,
        ENV_SWEEP_PARAM_PATH: str(param_path),
    }


def context_from_env(environ: Mapping[str, str] | None = None) -> SweepRunContext | None:
    """The sweep run a parent agent asked this process to join, or ``None``.

    Needs a run id and a sweep id (``SWEEPLAB_*`` or ``WANDB_*``); parameters come from the
    param file when one is named.
    """
    env = os.environ if environ is None else environ

    def get(name: str) -> str:
        return env.get(name) or env.get("WANDB_" + name.removeprefix("SWEEPLAB_")) or ""

    run_id, sweep_id = get(ENV_RUN_ID), get(ENV_SWEEP_ID)
    if not (run_id and sweep_id):
        return None
    param_path = get(ENV_SWEEP_PARAM_PATH)
    params = read_sweep_param_file(Path(param_path)) if param_path else {}
    return SweepRunContext(
        run_id=run_id, sweep_id=sweep_id, project=get(ENV_PROJECT), params=params
    )
