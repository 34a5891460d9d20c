"""Path and query parameters shared by the routers, each bounded like the request bodies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from sweeplab.wire import limits

SweepIdPath = Annotated[
    str, Path(min_length=1, max_length=limits.MAX_ID_CHARS, pattern=limits.ID_PATTERN)
]
RunIdPath = Annotated[
    str, Path(min_length=1, max_length=limits.MAX_ID_CHARS, pattern=limits.ID_PATTERN)
]
KeyIdPath = Annotated[
    str, Path(min_length=1, max_length=limits.MAX_ID_CHARS, pattern=limits.ID_PATTERN)
]
