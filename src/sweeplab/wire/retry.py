"""When and how long the API client waits before trying a request again.

Retried: connection failures, 429 (too many requests) and 5xx (the server or its database
failing, or a proxy in front of a restarting server). Never retried: any other 4xx — the same
request would be refused the same way. The wait is exponential backoff with full jitter
(a random wait between 0 and ``base * 2**attempt``, capped), so a fleet of agents that lost
the server at the same moment does not come back in lock-step; a ``Retry-After`` header is
honoured as the least wait.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


def is_retryable_status(status: int) -> bool:
    """Whether a response with ``status`` is worth sending again."""
    return status == 429 or status >= 500


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` tries in all (1 = no retry), waits from ``base_seconds`` to ``max_seconds``."""

    attempts: int = 6
    base_seconds: float = 0.25
    max_seconds: float = 8.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.base_seconds < 0 or self.max_seconds < self.base_seconds:
            raise ValueError(
                f"RetryPolicy needs attempts >= 1 and 0 <= base_seconds <= max_seconds, got "
                f"attempts={self.attempts}, base_seconds={self.base_seconds}, "
                f"max_seconds={self.max_seconds}"
            )

    def delay_seconds(
        self, attempt: int, rng: random.Random, retry_after_seconds: float | None = None
    ) -> float:
        """The wait before retry number ``attempt`` (0 for the first retry)."""
        ceiling = min(self.max_seconds, self.base_seconds * 2**attempt)
        delay = rng.uniform(0.0, ceiling)
        if retry_after_seconds is not None:
            delay = max(delay, min(retry_after_seconds, self.max_seconds))
        return delay


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header in its delay-seconds form (dates are ignored)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
