from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sweeplab.sdk.stores import close_stores

_SETTINGS_VARIABLES = (
    "SWEEPLAB_PROJECT", "SWEEPLAB_STORE_URL", "SWEEPLAB_BASE_URL", "SWEEPLAB_MODE",
    "WANDB_PROJECT", "WANDB_DIR", "WANDB_MODE", "WANDB_BASE_URL",
)


@pytest.fixture
def sweeplab_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh SWEEPLAB_DIR (and working directory) under tmp_path."""
    for name in _SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    directory = tmp_path / "sweeplab"
    monkeypatch.setenv("SWEEPLAB_DIR", str(directory))
    monkeypatch.setenv("SWEEPLAB_LEASE_SECONDS", "10")
    monkeypatch.setenv("SWEEPLAB_HEARTBEAT_SECONDS", "0.5")
    monkeypatch.chdir(tmp_path)
    yield directory
    close_stores()
