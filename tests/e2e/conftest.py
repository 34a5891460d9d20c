"""Helpers for end-to-end tests: real processes sharing one SQLite store under tmp_path."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from sweeplab.store.base import Store


def clean_environ(sweeplab_dir: Path, **extra: str) -> dict[str, str]:
    """This process's environment without sweeplab/W&B settings, pointed at ``sweeplab_dir``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SWEEPLAB_", "WANDB_"))
    }
    env["SWEEPLAB_DIR"] = str(sweeplab_dir)
    env.update(extra)
    return env


def run_cli(args: list[str], env: Mapping[str, str], cwd: Path,
            timeout_seconds: float = 60) -> subprocess.CompletedProcess[str]:
    """``sweeplab ARGS`` in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "sweeplab.cli.main", *args],
        env=dict(env), cwd=cwd, capture_output=True, text=True, timeout=timeout_seconds,
        check=False,
    )


def start_cli(args: list[str], env: Mapping[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sweeplab.cli.main", *args],
        env=dict(env), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


@pytest.fixture
def sweeplab_dir(tmp_path: Path) -> Path:
    return tmp_path / "sweeplab"


@pytest.fixture
def store(sweeplab_dir: Path) -> Iterator[Store]:
    """The store the processes share, opened by the test to check what they wrote."""
    from sweeplab.store import open_store

    sweeplab_dir.mkdir(parents=True, exist_ok=True)
    opened = open_store(f"sqlite:///{sweeplab_dir / 'sweeplab.db'}")
    yield opened
    opened.close()
