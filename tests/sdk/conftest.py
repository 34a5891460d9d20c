from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sweeplab.sdk import session
from sweeplab.sdk.settings import Settings
from sweeplab.sdk.stores import close_stores
from sweeplab.store.memory import MemoryStore

# Variables the SDK reads; tests start from none of them.
SDK_VARIABLES = [
    f"{prefix}_{name}"
    for prefix in ("SWEEPLAB", "WANDB")
    for name in (
        "PROJECT",
        "MODE",
        "DIR",
        "BASE_URL",
        "API_KEY",
        "STORE_URL",
        "RUN_ID",
        "SWEEP_ID",
        "SWEEP_PARAM_PATH",
        "HEARTBEAT_SECONDS",
        "LEASE_SECONDS",
        "FLUSH_SECONDS",
        "SHIP_SECONDS",
        "CONFIG_DIR",
    )
]


@pytest.fixture(autouse=True)
def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test runs in tmp_path with SDK variables unset, and leaves no run open."""
    for name in SDK_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SWEEPLAB_DIR", str(tmp_path / "sweeplab"))
    monkeypatch.setenv("SWEEPLAB_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)
    session.forget_ended()
    yield
    session.finish_all()
    session.forget_ended()
    close_stores()


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def settings(store: MemoryStore, tmp_path: Path) -> Settings:
    """Online settings writing to a MemoryStore, with a fast writer."""
    return Settings(
        store=store, sweeplab_dir=tmp_path / "sweeplab", flush_seconds=0.01, ship_seconds=0.01
    )


def child_environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment for a subprocess script: the test's SDK variables plus ``extra``."""
    env = {key: value for key, value in os.environ.items() if key not in SDK_VARIABLES}
    env["SWEEPLAB_DIR"] = str(tmp_path / "sweeplab")
    env["SWEEPLAB_CONFIG_DIR"] = str(tmp_path / "config")
    env.update(extra)
    return env
