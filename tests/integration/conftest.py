"""Shared set-up for the framework integration tests.

Each test runs in ``tmp_path`` with the SDK's variables unset (as in ``tests/sdk``), writes to
a :class:`MemoryStore`, and leaves no run open. Frameworks are imported through
:func:`framework`: a missing one skips the module locally and fails it under ``CI=true``, where
``make test`` installs every framework.
"""

from __future__ import annotations

import importlib
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest

from sweeplab.sdk.context import SweepRunContext, activate_sweep_run
from sweeplab.sdk.tracked_run import Run
from sweeplab.store.base import NewRun, RunChanges, Store

# The SDK tests' isolation: tmp_path, no SDK variables, no run left open, a MemoryStore.
from tests.sdk.conftest import clean_environment, settings, store  # noqa: F401 - fixtures

# TensorFlow's C++ start-up chatter (oneDNN, CPU features) is noise in test output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


# Test modules that import a framework at import time (TensorFlow alone takes seconds).
FRAMEWORK_MODULES = frozenset(
    {"test_keras.py", "test_keras_hyperband.py", "test_lightning.py", "test_huggingface.py"}
)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Under ``-m "not integration"`` (alone or joined by ``and``), do not even import the
    framework test modules: their tests would be deselected anyway."""
    expression = config.getoption("markexpr") or ""
    deselected = " or " not in expression and re.search(r"\bnot\s+integration\b", expression)
    if collection_path.name in FRAMEWORK_MODULES and deselected:
        return True
    return None


def framework(module_name: str) -> ModuleType:
    """Import a framework; skip the calling test module without it, except in CI."""
    try:
        return importlib.import_module(module_name)
    except ImportError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(
                f"{module_name} is not installed, but CI must run the integration tests "
                f"(make test installs it): {error}",
                pytrace=False,
            )
        pytest.skip(f"{module_name} is not installed ({error})", allow_module_level=True)


SWEEP_CONFIG = {"method": "random", "parameters": {"lr": {"values": [0.1, 0.2]}}}


@contextmanager
def sweep_run(sweep_store: Store, params: dict[str, object]) -> Iterator[str]:
    """A run claimed from a sweep, joined by ``init()`` inside the block (as an agent does),
    heartbeating fast so that a stop request reaches it at once. Yields the run id."""
    sweep = sweep_store.create_sweep("sp", SWEEP_CONFIG, seed=1)
    record = sweep_store.create_run(NewRun(project="sp", config=params, sweep_id=sweep.sweep_id))
    sweep_store.heartbeat(record.run_id, lease_seconds=60)
    context = SweepRunContext(
        record.run_id, sweep.sweep_id, "sp", params, store=sweep_store,
        heartbeat_seconds=0.01, lease_seconds=30,
    )
    with activate_sweep_run(context):
        yield record.run_id


def request_stop(run_store: Store, run: Run, reason: str = "hyperband: test stop") -> None:
    """Ask ``run`` to stop through the store, as hyperband does, and wait until its heartbeat
    has seen the request (so the run's next ``log()`` raises ``RunStopped``)."""
    run_store.update_run(run.id, RunChanges(stop_requested=reason))
    deadline = time.monotonic() + 10
    while run._stop_reason is None:
        if time.monotonic() > deadline:
            raise AssertionError("the run's heartbeat never saw the stop request")
        time.sleep(0.005)
