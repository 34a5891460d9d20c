"""Refuse request bodies over ``max_body_bytes`` with 413, before any handler parses them.

A declared ``Content-Length`` over the limit is refused at once; a body without one (chunked)
is read up to the limit and refused as soon as it passes it. Bodies under the limit are
buffered and handed on unchanged (FastAPI reads whole bodies anyway). Requests without a body
(GET, server-sent events) pass straight through.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sweeplab.errors import PayloadTooLargeError
from sweeplab.wire.errors import error_body, status_for


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is None and b"transfer-encoding" not in headers:
            await self.app(scope, receive, send)
            return
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._refuse(scope, send, f"{int(declared)} bytes")
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away; let the app see that
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await self._refuse(scope, send, f"over {self.max_body_bytes} bytes")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send, size: str) -> None:
        error = PayloadTooLargeError(
            f"the request body to {scope.get('method')} {scope.get('path')} is too large "
            f"({size}; this server accepts at most "
            f"{self.max_body_bytes}): send smaller batches, or raise the server's "
            "--max-body-mb"
        )
        content = json.dumps(error_body(error)).encode("utf-8")
        await send(
            {
                "type": "http.response.start",
                "status": status_for(error.code),
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(content)).encode("ascii")),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": content})
