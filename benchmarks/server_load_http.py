"""A minimal keep-alive HTTP/1.1 JSON client on asyncio streams, for the load generator.

Why not httpx: the simulated agents share the machine's 2 cores with the server they load.
httpx's async client spent 3-6 ms of CPU per request here (100 agents: 7 s of client CPU in a
15 s level, more than the server used), so the benchmark measured its own client. This client
spends tens of microseconds: one connection per agent, ``Content-Length`` bodies (what
uvicorn sends for JSON), chunked bodies understood, no redirects, no TLS, loopback only.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit


class HttpClient:
    """One keep-alive connection to ``base_url`` (``http://127.0.0.1:PORT``), reopened after
    an error; requests on it take turns."""

    def __init__(self, base_url: str, timeout_seconds: float) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname is None or parts.port is None:
            raise ValueError(f"HttpClient needs http://host:port, got {base_url!r}")
        self.host, self.port = parts.hostname, parts.port
        self.timeout_seconds = timeout_seconds
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._turn = asyncio.Lock()

    async def request(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int, bytes]:
        """``(status, body bytes)``; transport errors and timeouts raise."""
        async with self._turn:
            try:
                return await asyncio.wait_for(
                    self._exchange(method, path, body), self.timeout_seconds
                )
            except BaseException:
                self.close()  # the connection's state is unknown: start afresh next time
                raise

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None

    async def _exchange(
        self, method: str, path: str, body: dict[str, Any] | None
    ) -> tuple[int, bytes]:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._streams
        content = b"" if body is None else json.dumps(body).encode()
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Accept: application/json\r\nContent-Length: {len(content)}\r\n"
        )
        if body is not None:
            head += "Content-Type: application/json\r\n"
        writer.write(head.encode("ascii") + b"\r\n" + content)
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionResetError("the server closed the connection")
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            payload = await _read_chunked(reader)
        else:
            payload = await reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, payload


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    while True:
        size = int((await reader.readline()).split(b";")[0], 16)
        if size == 0:
            await reader.readline()  # the blank line after the last chunk (no trailers)
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readline()
