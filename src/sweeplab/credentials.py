"""Where sweeplab finds settings and keys outside the code: environment variables and the
credentials file ``sweeplab login`` writes.

Below every layer that needs them: the SDK's settings, ``open_store`` (a server URL opens
with its saved key) and the CLI all read the same variables and file through here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sweeplab.errors import UsageError

CREDENTIALS_FILE_NAME = "credentials.json"


def env_value(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """``SWEEPLAB_<name>``, else ``WANDB_<name>``, else ``None`` (empty counts as unset)."""
    env = os.environ if environ is None else environ
    return env.get("SWEEPLAB_" + name) or env.get("WANDB_" + name) or None


def read_json_object(path: Path) -> dict[str, Any]:
    """The JSON object in ``path`` ({} when the file does not exist)."""
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise UsageError(f"cannot read {path}: {error}; fix or delete the file") from error
    if not isinstance(loaded, dict):
        raise UsageError(f"{path} should hold a JSON object; fix or delete the file")
    return loaded


def credentials_file(environ: Mapping[str, str] | None = None) -> Path:
    """Where API keys are kept: ``$SWEEPLAB_CONFIG_DIR`` or ``$XDG_CONFIG_HOME/sweeplab``."""
    env = os.environ if environ is None else environ
    config_dir = env.get("SWEEPLAB_CONFIG_DIR")
    if not config_dir:
        xdg = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        config_dir = str(Path(xdg) / "sweeplab")
    return Path(config_dir) / CREDENTIALS_FILE_NAME


def _normalise_url(base_url: str) -> str:
    return base_url.rstrip("/")


def saved_api_key(base_url: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The key ``save_api_key`` stored for ``base_url``, if any."""
    keys = read_json_object(credentials_file(environ)).get("keys", {})
    key = keys.get(_normalise_url(base_url)) if isinstance(keys, dict) else None
    return key if isinstance(key, str) else None


def save_api_key(base_url: str, api_key: str, environ: Mapping[str, str] | None = None) -> Path:
    """Store ``api_key`` for ``base_url`` in the credentials file, readable by the owner only."""
    path = credentials_file(environ)
    values = read_json_object(path)
    keys = values.get("keys")
    keys = dict(keys) if isinstance(keys, dict) else {}
    keys[_normalise_url(base_url)] = api_key
    values["keys"] = keys
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Create with 0600 from the start, so the key is never readable by others, even briefly.
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(values, handle, indent=2)
    os.chmod(temporary, 0o600)  # an existing file keeps its old mode through O_CREAT
    os.replace(temporary, path)
    return path
