"""How an agent paces itself: leases, heartbeats, kill grace, failure limit, paused waits.

Every value can be set from the environment (handy for tests and clusters); the ``WANDB_``
spelling of W&B's own agent variables is honoured when the ``SWEEPLAB_`` one is unset.

- ``SWEEPLAB_LEASE_SECONDS`` (60): a run whose agent has not heartbeaten for this long is
  reaped as crashed.
- ``SWEEPLAB_HEARTBEAT_SECONDS`` (min(5, lease/3)): how often the agent heartbeats, judges
  early termination and reaps.
- ``SWEEPLAB_AGENT_KILL_GRACE_SECONDS`` or ``WANDB_AGENT_KILL_DELAY`` (30): SIGTERM → SIGKILL
  delay for a stopped subprocess.
- ``SWEEPLAB_AGENT_MAX_CONSECUTIVE_FAILURES`` (5): the agent exits after this many failed runs
  in a row.
- ``SWEEPLAB_AGENT_PAUSED_POLL_SECONDS`` (30): the longest wait between looks at a paused sweep.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

from sweeplab.errors import UsageError

DEFAULT_LEASE_SECONDS = 60.0
DEFAULT_HEARTBEAT_SECONDS = 5.0
DEFAULT_KILL_GRACE_SECONDS = 30.0
DEFAULT_MAX_CONSECUTIVE_FAILURES = 5
DEFAULT_PAUSED_POLL_SECONDS = 30.0
# The first look at a paused sweep comes after this long; each later wait doubles.
FIRST_PAUSED_POLL_SECONDS = 1.0


@dataclass(frozen=True)
class AgentSettings:
    """An agent's timing and limits (see the module docstring for each field)."""

    lease_seconds: float = DEFAULT_LEASE_SECONDS
    heartbeat_seconds: float = DEFAULT_HEARTBEAT_SECONDS
    kill_grace_seconds: float = DEFAULT_KILL_GRACE_SECONDS
    max_consecutive_failures: int = DEFAULT_MAX_CONSECUTIVE_FAILURES
    paused_poll_seconds: float = DEFAULT_PAUSED_POLL_SECONDS

    def __post_init__(self) -> None:
        for name in ("lease_seconds", "heartbeat_seconds", "paused_poll_seconds"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise UsageError(f"agent setting {name} must be a positive number, got {value!r}")
        if not (math.isfinite(self.kill_grace_seconds) and self.kill_grace_seconds >= 0):
            raise UsageError(
                "agent setting kill_grace_seconds must be 0 or more, got "
                f"{self.kill_grace_seconds!r}"
            )
        if self.max_consecutive_failures < 1:
            raise UsageError(
                "agent setting max_consecutive_failures must be at least 1, got "
                f"{self.max_consecutive_failures!r}"
            )
        if self.heartbeat_seconds >= self.lease_seconds:
            raise UsageError(
                f"the heartbeat interval ({self.heartbeat_seconds:g} s) must be shorter than the "
                f"lease ({self.lease_seconds:g} s), or runs would be reaped while alive: lower "
                "SWEEPLAB_HEARTBEAT_SECONDS or raise SWEEPLAB_LEASE_SECONDS"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AgentSettings:
        """Settings from environment variables, defaults for the rest."""
        env = os.environ if environ is None else environ
        lease = _number(env, ("SWEEPLAB_LEASE_SECONDS",), DEFAULT_LEASE_SECONDS)
        heartbeat = _number(
            env, ("SWEEPLAB_HEARTBEAT_SECONDS",), min(DEFAULT_HEARTBEAT_SECONDS, lease / 3)
        )
        grace = _number(
            env,
            ("SWEEPLAB_AGENT_KILL_GRACE_SECONDS", "WANDB_AGENT_KILL_DELAY"),
            DEFAULT_KILL_GRACE_SECONDS,
        )
        failures = _number(
            env,
            ("SWEEPLAB_AGENT_MAX_CONSECUTIVE_FAILURES",),
            DEFAULT_MAX_CONSECUTIVE_FAILURES,
        )
        if not float(failures).is_integer():
            raise UsageError(
                f"SWEEPLAB_AGENT_MAX_CONSECUTIVE_FAILURES must be a whole number, got {failures!r}"
            )
        paused = _number(
            env, ("SWEEPLAB_AGENT_PAUSED_POLL_SECONDS",), DEFAULT_PAUSED_POLL_SECONDS
        )
        return cls(
            lease_seconds=lease,
            heartbeat_seconds=heartbeat,
            kill_grace_seconds=grace,
            max_consecutive_failures=int(failures),
            paused_poll_seconds=paused,
        )


def _number(env: Mapping[str, str], names: tuple[str, ...], default: float) -> float:
    for name in names:
        text = env.get(name, "").strip()
        if not text:
            continue
        try:
            return float(text)
        except ValueError:
            message = f"{name} must be a number of seconds or a count, got {text!r}"
            raise UsageError(message) from None
    return default
