"""uvicorn's server, told as soon as a stop signal arrives.

On SIGINT/SIGTERM uvicorn stops accepting, then waits (up to its graceful timeout) for open
connections to finish before the app's lifespan ends. A dashboard's live-update streams never
finish by themselves, so without a word they would hold every shutdown to the timeout.
"""

from __future__ import annotations

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
