"""Ending runs when the interpreter ends: ``atexit``, ``sys.excepthook`` and ``sys.exit``.

- An uncaught exception reaches ``sys.excepthook`` before ``atexit`` handlers run: the hook
  marks every open run ``failed`` with the error text, then calls the previous hook (which
  prints the traceback as usual).
- ``sys.exit(code)`` is wrapped to remember ``code``, so the ``atexit`` handler can mark runs
  ``failed`` for a non-zero exit.
- The ``atexit`` handler finishes every run still open: the run log is drained and fsynced,
  and the store updated, before the process goes.

Installed once, by the first ``init()``; the writer threads are daemons, so they are still
alive when ``atexit`` handlers run (Python joins non-daemon threads *before* ``atexit``).
"""

from __future__ import annotations

import atexit
import sys
import threading
from types import TracebackType
from typing import Any, NoReturn

from sweeplab.sdk import session

_lock = threading.Lock()
# Mutable module state in one place (no `global` statements): installed?, sys.exit's status.
_state: dict[str, Any] = {"installed": False, "exit_code": None}


def install() -> None:
    with _lock:
        if _state["installed"]:
            return
        _state["installed"] = True
    atexit.register(_at_exit)
    previous_hook = sys.excepthook

    def excepthook(
        kind: type[BaseException], error: BaseException, traceback: TracebackType | None
    ) -> None:
        try:
            session.finish_all(error=error)
        finally:
            previous_hook(kind, error, traceback)

    sys.excepthook = excepthook
    original_exit = sys.exit

    def exit(status: Any = None) -> NoReturn:
        _state["exit_code"] = status
        original_exit(status)

    sys.exit = exit


def _at_exit() -> None:
    code = _state["exit_code"]
    if code is None or isinstance(code, int):
        session.finish_all(exit_code=code)
    else:  # sys.exit("message") exits with status 1
        session.finish_all(error=SystemExit(code))
