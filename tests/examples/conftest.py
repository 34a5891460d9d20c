"""Running the examples (and the seed tutorial) as a user would: a child process each, with
``SWEEPLAB_DIR`` in ``tmp_path``, then checking what landed in the store."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from sweeplab.store.base import Store
from tests.e2e.conftest import clean_environ

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = REPO_ROOT / "examples"
# How long one example may take: a few runs of a small model, TensorFlow's import included.
EXAMPLE_TIMEOUT_SECONDS = 300


def example_environ(sweeplab_dir: Path) -> dict[str, str]:
    """A clean environment writing to ``sweeplab_dir``, quiet TensorFlow, headless plots."""
    return clean_environ(
        sweeplab_dir,
        TF_CPP_MIN_LOG_LEVEL="2",
        MPLBACKEND="Agg",
        # One BLAS/torch thread per process: the models are tiny and the machine is shared.
        OMP_NUM_THREADS="1",
    )


def run_python(script: Path, args: Sequence[str], sweeplab_dir: Path, cwd: Path,
               ) -> subprocess.CompletedProcess[str]:
    """``python SCRIPT ARGS``; fails the test with the output if it exits non-zero."""
    done = subprocess.run(
        [sys.executable, str(script), *args], env=example_environ(sweeplab_dir), cwd=cwd,
        capture_output=True, text=True, timeout=EXAMPLE_TIMEOUT_SECONDS, check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"{script.name} exited with {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture
def sweeplab_dir(tmp_path: Path) -> Path:
    return tmp_path / "sweeplab"


@pytest.fixture
def store(sweeplab_dir: Path) -> Iterator[Store]:
    """The store the example wrote, opened by the test to check it."""
    from sweeplab.store import open_store

    sweeplab_dir.mkdir(parents=True, exist_ok=True)
    opened = open_store(f"sqlite:///{sweeplab_dir / 'sweeplab.db'}")
    yield opened
    opened.close()
