"""Warnings that point at the user's line, however deep in the SDK they are raised."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

_SDK_DIR = str(Path(__file__).resolve().parent)


def warn_user(message: str) -> None:
    """``warnings.warn(message)`` attributed to the first frame outside ``sweeplab.sdk``."""
    level = 2
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_SDK_DIR):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    warnings.warn(message, UserWarning, stacklevel=level)
