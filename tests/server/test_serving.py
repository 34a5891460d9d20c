"""The interpreter tuning ``sweeplab server`` applies before it serves."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator

import pytest

from sweeplab.server.serving import (
    GC_YOUNG_THRESHOLD,
    SWITCH_INTERVAL_SECONDS,
    tune_interpreter_for_serving,
)


@pytest.fixture
def restored_interpreter() -> Iterator[None]:
    interval, thresholds = sys.getswitchinterval(), gc.get_threshold()
    yield
    sys.setswitchinterval(interval)
    gc.set_threshold(*thresholds)
    gc.unfreeze()


@pytest.mark.usefixtures("restored_interpreter")
def test_serving_freezes_startup_objects_and_collects_rarely() -> None:
    _, middle, oldest = gc.get_threshold()
    tune_interpreter_for_serving()
    assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, middle, oldest)
    assert gc.get_freeze_count() > 0
    assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_SECONDS)
