"""Serving the app: uvicorn's server told as soon as a stop signal arrives, and the
interpreter tuned for a server process.

On SIGINT/SIGTERM uvicorn stops accepting, then waits (up to its graceful timeout) for open
connections to finish before the app's lifespan ends. A dashboard's live-update streams never
finish by themselves, so without a word they would hold every shutdown to the timeout.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from types import FrameType

import uvicorn


class ShutdownAwareServer(uvicorn.Server):
    """``uvicorn.Server`` that calls ``on_exit`` (e.g. ``ServerState.begin_shutdown``) when a
    stop signal arrives, before uvicorn waits for connections."""

    def __init__(self, config: uvicorn.Config, on_exit: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_exit = on_exit

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self._on_exit()
        super().handle_exit(sig, frame)


# Request threads mostly wait on the database; each wake-up must win the GIL back from
# whichever thread computes, and Python hands it over every 5 ms by default.
SWITCH_INTERVAL_SECONDS = 0.0005
# Container allocations (net of frees) between young-generation collections; Python's 700
# made the server collect a dozen times a second under load.
GC_YOUNG_THRESHOLD = 20_000


def tune_interpreter_for_serving() -> None:
    """Tune this process for serving many small requests; call once, after the app is built.

    Measured with ``benchmarks/server_load.py`` (SQLite, 100 agents): collections paused every
    thread for up to 166 ms (oldest generation, walking the startup objects each time) and 56
    ms (youngest), and set the p99 of claims. Freezing what exists at startup takes it out of
    every later collection; a higher young threshold collects rarely (objects here die by
    reference counting, not in cycles), which took the 25 s run from 537 collections to 2.
    """
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, oldest)
