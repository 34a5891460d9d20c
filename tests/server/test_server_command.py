"""`sweeplab server` itself: its listening socket and what it prints."""

from __future__ import annotations

import socket

from sweeplab.cli.server_commands import _listen


def test_listener_is_marked_tcp_so_asyncio_sets_nodelay() -> None:
    listener = _listen("127.0.0.1", 0)
    try:
        # asyncio's _set_nodelay only acts when sock.proto is IPPROTO_TCP; with proto 0 every
        # keep-alive response waited about 40 ms for the client's delayed ACK.
        assert listener.proto == socket.IPPROTO_TCP
    finally:
        listener.close()


def test_messages_hide_the_database_password() -> None:
    import argparse

    from sweeplab.cli.server_commands import shown_database_url

    args = argparse.Namespace(store="postgresql+psycopg://sweeplab:s3cret@db.example:5432/sweeps")
    shown = shown_database_url(args)
    assert "s3cret" not in shown
    assert shown == "postgresql+psycopg://sweeplab:***@db.example:5432/sweeps"
