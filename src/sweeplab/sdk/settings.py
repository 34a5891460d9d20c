"""Where the SDK's settings come from: arguments, environment, and a settings file.

Precedence, highest first: an explicit argument (``init(mode=...)``), a ``SWEEPLAB_*`` variable,
its ``WANDB_*`` spelling, the settings file written by ``sweeplab offline``/``online``
(``<sweeplab dir>/settings.json``), the default.

| variable | meaning | default |
| --- | --- | --- |
| ``SWEEPLAB_PROJECT`` | project of new runs | ``uncategorized`` |
| ``SWEEPLAB_MODE`` | ``online``, ``offline`` or ``disabled`` | settings file, else ``online`` |
| ``SWEEPLAB_DIR`` | run logs and the embedded SQLite store | ``./sweeplab`` |
| ``SWEEPLAB_BASE_URL`` | a sweeplab server; unset means the embedded store | unset |
| ``SWEEPLAB_API_KEY`` | key for the server | the credentials file |
| ``SWEEPLAB_STORE_URL`` | any ``open_store`` URL, overriding both of the above | unset |
| ``SWEEPLAB_RUN_ID`` | the run id (with ``SWEEPLAB_SWEEP_ID``: join a sweep run) | unset |
| ``SWEEPLAB_SWEEP_ID``, ``..._SWEEP_PARAM_PATH`` | set by an agent, see ``sdk.context`` | unset |
| ``SWEEPLAB_HEARTBEAT_SECONDS`` | how often an online run extends its lease | 10 |
| ``SWEEPLAB_LEASE_SECONDS`` | how long a lease lasts without a heartbeat | 60 |
| ``SWEEPLAB_FLUSH_SECONDS`` | how often the writer appends to the run log | 0.5 |
| ``SWEEPLAB_SHIP_SECONDS`` | how often the writer ships to the store | 0.5; server: 2 |
| ``SWEEPLAB_CONFIG_DIR`` | where ``login()`` keeps API keys | ``$XDG_CONFIG_HOME/sweeplab`` |
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sweeplab.credentials import (
    env_value,
    read_json_object,
    saved_api_key,
)
from sweeplab.errors import UsageError
from sweeplab.store.urls import is_server_url

if TYPE_CHECKING:
    from sweeplab.store.base import Store

DEFAULT_PROJECT = "uncategorized"
# How often a run's writer appends to its run log, and ships to its store. A server is shared
# by every agent: a run ships to it every 2 s (one request with the rows, config and
# summary), so 100 agents send 50 requests/s instead of 200.
FLUSH_SECONDS = 0.5
LOCAL_SHIP_SECONDS = 0.5
SERVER_SHIP_SECONDS = 2.0
SETTINGS_FILE_NAME = "settings.json"


class Mode(StrEnum):
    """Where a run's data goes."""

    ONLINE = "online"  # the local log and the store
    OFFLINE = "offline"  # the local log only; `sweeplab sync` uploads it later
    DISABLED = "disabled"  # nowhere: every call is accepted and does nothing

    @classmethod
    def parse(cls, text: str, source: str) -> Mode:
        """``text`` as a mode; W&B's old spellings ``dryrun`` and ``run`` are accepted."""
        normalised = {"dryrun": "offline", "run": "online"}.get(text.strip().lower(), text)
        try:
            return cls(normalised.strip().lower())
        except ValueError:
            choices = ", ".join(mode.value for mode in cls)
            raise UsageError(f"{source}: unknown mode {text!r}; use one of {choices}") from None


def _env_seconds(name: str, default: float, environ: Mapping[str, str] | None) -> float:
    text = env_value(name, environ)
    if text is None:
        return default
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise UsageError(f"SWEEPLAB_{name}={text!r}: expected a positive number of seconds")
    return seconds


@dataclass(frozen=True)
class Settings:
    """Everything the SDK reads from its surroundings, resolved once per ``init()``.

    ``store`` is a hook for tests and embedding: a store object used instead of opening one
    from ``store_url``/``base_url``/``sweeplab_dir``.
    """

    project: str = DEFAULT_PROJECT
    mode: Mode = Mode.ONLINE
    sweeplab_dir: Path = Path("sweeplab")
    base_url: str | None = None
    api_key: str | None = None
    store_url: str | None = None
    run_id: str | None = None
    heartbeat_seconds: float = 10.0
    lease_seconds: float = 60.0
    flush_seconds: float = FLUSH_SECONDS
    ship_seconds: float = LOCAL_SHIP_SECONDS
    store: Store | None = None

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from the environment and the settings file, then ``overrides``
        (keyword arguments named like the fields; ``None`` values are ignored)."""
        given = {key: value for key, value in overrides.items() if value is not None}
        sweeplab_dir = Path(
            given.pop("sweeplab_dir", None) or env_value("DIR", environ) or "sweeplab"
        )
        mode_text = given.pop("mode", None)
        if mode_text is not None:
            mode = Mode.parse(str(mode_text), "mode argument")
        elif (env_mode := env_value("MODE", environ)) is not None:
            mode = Mode.parse(env_mode, "SWEEPLAB_MODE")
        else:
            mode = saved_mode(sweeplab_dir) or Mode.ONLINE
        base_url = env_value("BASE_URL", environ)
        store_url = env_value("STORE_URL", environ)
        remote = bool(base_url) if store_url is None else is_server_url(store_url)
        default_ship = SERVER_SHIP_SECONDS if remote else LOCAL_SHIP_SECONDS
        settings = cls(
            project=env_value("PROJECT", environ) or DEFAULT_PROJECT,
            mode=mode,
            sweeplab_dir=sweeplab_dir,
            base_url=base_url,
            api_key=env_value("API_KEY", environ),
            store_url=store_url,
            run_id=env_value("RUN_ID", environ),
            heartbeat_seconds=_env_seconds("HEARTBEAT_SECONDS", 10.0, environ),
            lease_seconds=_env_seconds("LEASE_SECONDS", 60.0, environ),
            flush_seconds=_env_seconds("FLUSH_SECONDS", FLUSH_SECONDS, environ),
            ship_seconds=_env_seconds("SHIP_SECONDS", default_ship, environ),
        )
        return replace(settings, **given)

    def resolved_api_key(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The API key for ``base_url``: the environment's, else the one ``login()`` saved."""
        if self.api_key:
            return self.api_key
        if not self.base_url:
            return None
        return saved_api_key(self.base_url, environ)


# --- the settings file (`sweeplab offline` / `sweeplab online`) ---------------------------------


def settings_file(sweeplab_dir: Path | None = None) -> Path:
    """``<sweeplab dir>/settings.json`` (the sweeplab dir from ``SWEEPLAB_DIR`` by default)."""
    base = sweeplab_dir if sweeplab_dir is not None else Path(env_value("DIR") or "sweeplab")
    return base / SETTINGS_FILE_NAME


def saved_mode(sweeplab_dir: Path | None = None) -> Mode | None:
    """The mode ``save_mode`` persisted, if any."""
    path = settings_file(sweeplab_dir)
    text = read_json_object(path).get("mode")
    return Mode.parse(str(text), str(path)) if text is not None else None


def save_mode(mode: str | Mode, sweeplab_dir: Path | None = None) -> Path:
    """Persist ``mode`` for later runs (``sweeplab offline``/``online``); returns the file.

    Environment variables and ``init(mode=)`` still win over the file.
    """
    parsed = Mode.parse(str(mode), "mode")
    path = settings_file(sweeplab_dir)
    values = read_json_object(path)
    values["mode"] = parsed.value
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values, indent=2) + "\n", encoding="utf-8")
    return path
