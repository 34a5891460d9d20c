"""``sweeplab db upgrade [--store URL]``: bring a database's schema to this version."""

from __future__ import annotations

import argparse

from sweeplab.cli.common import EXIT_FAILURE, EXIT_OK, add_store_option, say, store_url


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = commands.add_parser("db", help="database maintenance (schema upgrades)")
    actions = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = actions.add_parser(
        "upgrade",
        help="upgrade the store's database schema to this sweeplab version (back it up first)",
    )
    add_store_option(upgrade)
    upgrade.set_defaults(handler=_upgrade)


def _upgrade(args: argparse.Namespace) -> int:
    from sweeplab.store.urls import url_scheme

    url = store_url(args)
    scheme = url_scheme(url)
    if scheme == "memory":
        say("the memory store has no schema to upgrade")
        return EXIT_OK
    if not (scheme.startswith("sqlite") or scheme.startswith("postgresql")):
        say(
            f"error: {url} is not a database; run sweeplab db upgrade on the server's host with "
            "--store set to its database URL"
        )
        return EXIT_FAILURE
    if scheme.startswith("sqlite"):
        _make_sqlite_dir(url)
    from sweeplab.store.sql.schema import upgrade_schema

    before, after = upgrade_schema(url)
    if before == after:
        say(f"{url} is already at schema {after}; nothing to do")
    else:
        say(f"upgraded {url} from schema {before or 'empty'} to {after}")
    return EXIT_OK


def _make_sqlite_dir(url: str) -> None:
    from pathlib import Path

    path = url.partition(":///")[2]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
