"""``sweeplab server``, ``sweeplab server create-key|list-keys|revoke-key``, ``sweeplab login``.

``sweeplab server`` serves a database store (default: the embedded SQLite store in
``SWEEPLAB_DIR``, so it shows what a notebook sweep just wrote) over HTTP with uvicorn. On a
loopback address with no API key it runs open; on any other address it refuses to start
until a key exists, so a store is never exposed to a network without authentication.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from typing import TYPE_CHECKING

from sweeplab.cli.common import EXIT_OK, say

if TYPE_CHECKING:
    from sweeplab.server.settings import ServerSettings
    from sweeplab.store.base import Store

# Open live-update connections (server-sent events) get this long to close on shutdown.
GRACEFUL_SHUTDOWN_SECONDS = 3


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    server = commands.add_parser(
        "server",
        help="serve the store over HTTP: the API for remote agents and SDKs, and the dashboard",
        description="Serve a store (default: the embedded SQLite store in SWEEPLAB_DIR) with the "
        "sweeplab API and dashboard. Without API keys it only listens on loopback; create one "
        "with `sweeplab server create-key` to serve a network.",
    )
    _add_database_option(server)
    server.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    server.add_argument(
        "--port", type=_port, default=8080, help="port to listen on (8080; 0 picks a free one)"
    )
    server.add_argument(
        "--max-body-mb", type=_positive_float, default=8.0, help="largest request body (8 MB)"
    )
    server.add_argument(
        "--reap-seconds",
        type=_positive_float,
        default=5.0,
        help="how often runs whose agent stopped heartbeating are marked crashed (5 s)",
    )
    server.add_argument(
        "--root-path",
        default="",
        help="the sub-path a reverse proxy serves sweeplab under (e.g. /sweeplab)",
    )
    server.set_defaults(handler=_serve)
    actions = server.add_subparsers(dest="server_command", metavar="ACTION")

    create = actions.add_parser("create-key", help="create an API key and print it (once)")
    create.add_argument("--read-only", action="store_true", help="a key that can only read")
    create.add_argument("--name", default="", help="a label to recognise the key by")
    _add_database_option(create)
    create.set_defaults(handler=_create_key)

    listing = actions.add_parser("list-keys", help="list API keys (ids and labels, no secrets)")
    _add_database_option(listing)
    listing.set_defaults(handler=_list_keys)

    revoke = actions.add_parser("revoke-key", help="delete an API key")
    revoke.add_argument("key_id", metavar="ID", help="the key's id (see list-keys)")
    _add_database_option(revoke)
    revoke.set_defaults(handler=_revoke_key)

    login = commands.add_parser(
        "login",
        help="save an API key for a sweeplab server",
        description="Check KEY against the server at URL and save it in the credentials file "
        "(mode 0600), so SDKs and agents with SWEEPLAB_BASE_URL=URL use it.",
    )
    login.add_argument("url", metavar="URL", help="the server, e.g. http://host:8080")
    login.add_argument(
        "--key", help="the API key (default: SWEEPLAB_API_KEY, else asked for on the terminal)"
    )
    login.set_defaults(handler=_login)


def _add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        metavar="URL",
        help="database URL (sqlite:///path.db, postgresql+psycopg://...); default: "
        "SWEEPLAB_STORE_URL, else the embedded store in SWEEPLAB_DIR (./sweeplab)",
    )


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 0-65535, got {text!r}")
    return int(text)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


# --- the store a server serves -----------------------------------------------------------------


def database_url(args: argparse.Namespace) -> str:
    """``--store``, else ``SWEEPLAB_STORE_URL``, else the embedded SQLite store."""
    from sweeplab.errors import UsageError
    from sweeplab.store.urls import default_store_url, url_scheme

    url: str = args.store or os.environ.get("SWEEPLAB_STORE_URL") or default_store_url()
    if url_scheme(url) in ("http", "https"):
        raise UsageError(
            f"{url} is a sweeplab server, not a database: a server serves a database store; "
            "pass --store sqlite:///path.db or --store postgresql+psycopg://..."
        )
    return url


def shown_database_url(args: argparse.Namespace) -> str:
    """The store URL for messages: a database password is shown as ``***``."""
    from sweeplab.store.sql.schema import shown_url

    return shown_url(database_url(args))


def _open_database(args: argparse.Namespace) -> Store:
    from sweeplab.store import open_store

    return open_store(database_url(args))


# --- sweeplab server ---------------------------------------------------------------------------


def server_settings(args: argparse.Namespace, store: Store) -> ServerSettings:
    """The settings for ``args``; refuses a non-loopback address while the store has no key."""
    from sweeplab.errors import UsageError
    from sweeplab.server.settings import ServerSettings, is_loopback_host

    has_keys = store.has_api_keys()
    if not is_loopback_host(args.host) and not has_keys:
        raise UsageError(
            f"refusing to listen on {args.host} without authentication: anyone who can reach "
            "it could read and change every run. Create an API key first with `sweeplab "
            f"server create-key --store {shown_database_url(args)}`, or listen on 127.0.0.1"
        )
    return ServerSettings(
        host=args.host,
        port=args.port,
        # Off loopback, keys stay required even if every key is later revoked.
        require_auth=True if not is_loopback_host(args.host) else None,
        max_body_bytes=int(args.max_body_mb * 1024 * 1024),
        reap_interval_seconds=args.reap_seconds,
        root_path=args.root_path.rstrip("/"),
    )


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from sweeplab.server.app import create_app
    from sweeplab.server.serving import ShutdownAwareServer, tune_interpreter_for_serving

    store = _open_database(args)
    try:
        settings = server_settings(args, store)
        listener = _listen(settings.host, settings.port)
        port = listener.getsockname()[1]
        app = create_app(store, settings)
        config = uvicorn.Config(
            app,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
            log_level="warning",
            proxy_headers=True,
        )
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        auth = (
            "API keys required"
            if settings.require_auth or store.has_api_keys()
            else "open (no API keys yet; loopback only)"
        )
        print(f"sweeplab server on http://{host}:{port}{settings.root_path}", flush=True)
        say(f"store {shown_database_url(args)}; {auth}; Ctrl-C stops")
        tune_interpreter_for_serving()
        ShutdownAwareServer(config, on_exit=app.state.sweeplab.begin_shutdown).run(
            sockets=[listener]
        )
    finally:
        store.close()
    return EXIT_OK


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: a free one, shown in the printed URL)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio turns Nagle's algorithm off only on sockets whose proto
    # says TCP, and with it on every keep-alive response waited ~40 ms for a delayed ACK.
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        from sweeplab.errors import UsageError

        raise UsageError(
            f"cannot listen on {host}:{port} ({error.strerror}); pick another --port or --host"
        ) from error
    listener.listen(2048)
    return listener


# --- keys ----------------------------------------------------------------------------------------


def _create_key(args: argparse.Namespace) -> int:
    from sweeplab.server.api_keys import issue_api_key

    store = _open_database(args)
    try:
        api_key, record = issue_api_key(store, read_only=args.read_only, name=args.name)
    finally:
        store.close()
    kind = "read-only" if record.read_only else "read-write"
    print(api_key, flush=True)
    say(
        f"created {kind} API key {record.key_id}; it is shown only this once, so keep it now. "
        "Clients use it with `sweeplab login URL` or SWEEPLAB_API_KEY."
    )
    return EXIT_OK


def _list_keys(args: argparse.Namespace) -> int:
    from sweeplab.cli.common import format_time

    store = _open_database(args)
    try:
        keys = store.list_api_keys()
    finally:
        store.close()
    if not keys:
        say("no API keys: the server runs open on loopback (create one with create-key)")
    for key in keys:
        kind = "read-only" if key.read_only else "read-write"
        print(f"{key.key_id}\t{kind}\t{format_time(key.created_at)}\t{key.name}")
    return EXIT_OK


def _revoke_key(args: argparse.Namespace) -> int:
    store = _open_database(args)
    try:
        store.delete_api_key(args.key_id)
    finally:
        store.close()
    say(f"revoked API key {args.key_id} (running servers stop accepting it within seconds)")
    return EXIT_OK


# --- sweeplab login ------------------------------------------------------------------------------


def _login(args: argparse.Namespace) -> int:
    from sweeplab.credentials import env_value, save_api_key
    from sweeplab.errors import UsageError
    from sweeplab.store.urls import url_scheme

    url = args.url.rstrip("/")
    if url_scheme(url) not in ("http", "https"):
        raise UsageError(f"login needs a server URL like http://host:8080, got {args.url!r}")
    api_key = args.key or env_value("API_KEY") or _ask_for_key(url)
    _check_key(url, api_key)
    path = save_api_key(url, api_key)
    say(f"saved the key for {url} in {path}; SWEEPLAB_BASE_URL={url} now uses it")
    return EXIT_OK


def _ask_for_key(url: str) -> str:
    from sweeplab.errors import UsageError

    if not sys.stdin.isatty():
        raise UsageError(f"no API key for {url}: pass --key KEY or set SWEEPLAB_API_KEY")
    import getpass

    key = getpass.getpass(f"API key for {url} (from `sweeplab server create-key`): ").strip()
    if not key:
        raise UsageError("no API key given; nothing saved")
    return key


def _check_key(url: str, api_key: str) -> None:
    """Ask the server for something any valid key may read; a wrong key fails here."""
    from sweeplab.store.remote import RemoteStore

    remote = RemoteStore(url, api_key)
    try:
        remote.list_projects()
    finally:
        remote.close()

