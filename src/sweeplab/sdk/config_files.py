"""Config values from YAML files: ``config-defaults.yaml`` and ``init(config="file.yaml")``.

W&B's format is ``key: {value: v}`` (optionally with ``desc:``), with an optional
``wandb_version: 1`` line; sweeplab also accepts plain ``key: v``. A mapping whose keys are
only ``value`` and ``desc`` is read as W&B's form; any other mapping is a nested value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sweeplab.errors import UsageError
from sweeplab.sdk.user_warnings import warn_user

DEFAULTS_FILE_NAME = "config-defaults.yaml"
_VALUE_FORM_KEYS = frozenset({"value", "desc"})


def read_config_file(path: Path) -> dict[str, Any]:
    """The config values a YAML file holds (see the module docstring for its forms)."""
    from sweeplab.errors import ConfigError
    from sweeplab.sweep_config.yaml_loader import parse_yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot read config file {path}: {error}") from error
    try:
        loaded = parse_yaml(text, str(path))
    except ConfigError as error:
        raise UsageError(f"{path}: {error}") from error
    if loaded is None:
        warn_user(f"{path} is empty; proceeding with no values from it")
        return {}
    if not isinstance(loaded, dict):
        raise UsageError(
            f"{path} must hold a mapping of config keys (like `epochs: {{value: 10}}`), "
            f"not a {type(loaded).__name__}"
        )
    version = loaded.pop("wandb_version", None)
    if version not in (None, 1):
        raise UsageError(f"{path}: unknown wandb_version {version!r} (only 1 exists)")
    loaded.pop("_wandb", None)
    return {
        str(key): (
            value["value"]
            if isinstance(value, dict) and "value" in value and set(value) <= _VALUE_FORM_KEYS
            else value
        )
        for key, value in loaded.items()
    }


def read_config_defaults(directory: Path | None = None) -> dict[str, Any]:
    """``config-defaults.yaml`` in ``directory`` (the working directory), or ``{}``."""
    path = (directory or Path.cwd()) / DEFAULTS_FILE_NAME
    return read_config_file(path) if path.is_file() else {}
