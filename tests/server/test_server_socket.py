"""The server's listening socket lets asyncio turn Nagle's algorithm off."""

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
