"""Signal handling for the CLI agent: pass SIGINT/SIGTERM on to the run, then wind down.

The first SIGINT or SIGTERM the agent receives goes on to the running child (which may save and
exit cleanly) and tells the loop to start no further run. A second one kills the child. Handlers
are installed only on the main thread (Python allows no other) and restored on exit.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Protocol

FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class SignalTarget(Protocol):
    """What receives the agent's signals (a :class:`SubprocessLauncher`)."""

    def forward_signal(self, signum: int) -> bool: ...

    def kill_current(self) -> None: ...


@contextmanager
def forwarding_signals(
    target: SignalTarget,
    request_shutdown: Callable[[str], None],
    say: Callable[[str], None],
) -> Iterator[None]:
    """Within the block, SIGINT/SIGTERM go to ``target`` (see the module docstring)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def handle(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        name = signal.Signals(signum).name
        if len(received) == 1:
            request_shutdown(f"received {name}")
            if target.forward_signal(signum):
                say(
                    f"received {name}: passed it on to the running run and will start no new "
                    "one; send it again to kill the run"
                )
        else:
            say(f"received {name} again: killing the running run")
            target.kill_current()

    previous = {signum: signal.signal(signum, handle) for signum in FORWARDED_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
