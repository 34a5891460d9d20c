from __future__ import annotations

import pytest

from sweeplab.engine import Controller
from sweeplab.store.memory import MemoryStore


class FakeClock:
    """A clock tests move by hand (Unix seconds)."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def controller(clock: FakeClock) -> Controller:
    return Controller(MemoryStore(), clock=clock)
