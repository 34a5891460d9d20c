"""Dashboard responses (pages and chart data), gzip-compressed when large.

Chart data is mostly numbers and pages are mostly repeated markup; both compress 3-8:1.
Compressing here (rather than relying on a middleware the app may not have) keeps the sweep
page's transfer bounded wherever the router is mounted. JSON payloads must have NaN and ±Inf
replaced by ``None`` already (JSON has neither).
"""

from __future__ import annotations

import gzip
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

# Below this, compression saves less than the header and CPU cost.
_GZIP_MIN_BYTES = 1024


def compressed_response(
    request: Request,
    body: bytes,
    media_type: str,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """``body`` as is, or gzipped if the client accepts it and it is worth it."""
    all_headers = {"Cache-Control": "no-store", "Vary": "Accept-Encoding", **(headers or {})}
    accepts_gzip = "gzip" in request.headers.get("accept-encoding", "").lower()
    if accepts_gzip and len(body) >= _GZIP_MIN_BYTES:
        body = gzip.compress(body, compresslevel=5, mtime=0)
        all_headers["Content-Encoding"] = "gzip"
    return Response(body, status_code=status_code, media_type=media_type, headers=all_headers)


def json_response(request: Request, payload: Any, status_code: int = 200) -> Response:
    """``payload`` as compact JSON, compressed when large."""
    body = json.dumps(payload, separators=(",", ":"), allow_nan=False).encode("utf-8")
    return compressed_response(request, body, "application/json", status_code)
