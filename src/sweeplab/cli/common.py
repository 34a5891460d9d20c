"""What every command shares: the store to open, the console to print to, exit codes.

Exit codes: 0 success, 1 a failure (the message says what to do), 2 a usage error (argparse's
own), 130 interrupted. Messages go to stderr; machine-readable output (a sweep id, CSV) goes to
stdout.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from sweeplab.sdk.settings import Settings
    from sweeplab.store.base import Store

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def add_store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        metavar="URL",
        help="store URL (sqlite:///path.db, postgresql+psycopg://..., memory://); default: "
        "SWEEPLAB_STORE_URL, else SWEEPLAB_BASE_URL, else the embedded store in SWEEPLAB_DIR "
        "(./sweeplab)",
    )


def settings() -> Settings:
    from sweeplab.sdk.settings import Settings

    return Settings.load()


def store_url(args: argparse.Namespace) -> str:
    """The URL of the store a command works on (``--store`` first, then the SDK's settings)."""
    given: str | None = getattr(args, "store", None)
    if given:
        return given
    from sweeplab.sdk.stores import store_url as settings_store_url

    return settings_store_url(settings())


def open_cli_store(args: argparse.Namespace) -> Store:
    """Open the store named by ``--store`` or the settings (a new SQLite file is created)."""
    given: str | None = getattr(args, "store", None)
    if not given:
        from sweeplab.sdk.stores import store_for

        return store_for(settings())
    from sweeplab.store import open_store

    store = open_store(given)
    _opened.append(store)
    return store


# Stores opened from --store, closed by ``close_cli_stores`` when the command ends.
_opened: list[Store] = []


def close_cli_stores() -> None:
    """Close every store this command opened (``--store`` ones and the SDK's shared ones)."""
    while _opened:
        _opened.pop().close()
    if "sweeplab.sdk.stores" in sys.modules:
        from sweeplab.sdk.stores import close_stores

        close_stores()


def say(text: str) -> None:
    """A ``sweeplab: ...`` line on stderr."""
    print(f"sweeplab: {text}", file=sys.stderr, flush=True)


def error_console() -> Console:
    """A rich console on stderr (progress bars, messages)."""
    from rich.console import Console

    return Console(stderr=True)


def output_console() -> Console:
    """A rich console on stdout (tables), wide enough not to wrap ids when piped."""
    from rich.console import Console

    console = Console()
    if not console.is_terminal:
        console = Console(width=200)
    return console


def format_time(timestamp: float) -> str:
    """A Unix time as local ``YYYY-MM-DD HH:MM`` (empty for 0)."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp)) if timestamp else ""
