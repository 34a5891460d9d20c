from __future__ import annotations

import pytest

from sweeplab.agents.settings import AgentSettings
from sweeplab.errors import UsageError


def test_defaults() -> None:
    settings = AgentSettings.from_env({})
    assert settings == AgentSettings()
    assert settings.lease_seconds == 60 and settings.heartbeat_seconds == 5
    assert settings.kill_grace_seconds == 30 and settings.max_consecutive_failures == 5


def test_from_env() -> None:
    settings = AgentSettings.from_env(
        {
            "SWEEPLAB_LEASE_SECONDS": "3",
            "WANDB_AGENT_KILL_DELAY": "2",
            "SWEEPLAB_AGENT_MAX_CONSECUTIVE_FAILURES": "2",
            "SWEEPLAB_AGENT_PAUSED_POLL_SECONDS": "0.5",
        }
    )
    assert settings.lease_seconds == 3
    assert settings.heartbeat_seconds == 1  # lease / 3 when shorter than the default
    assert settings.kill_grace_seconds == 2
    assert settings.max_consecutive_failures == 2
    assert settings.paused_poll_seconds == 0.5


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"SWEEPLAB_LEASE_SECONDS": "soon"}, "SWEEPLAB_LEASE_SECONDS must be a number"),
        ({"SWEEPLAB_LEASE_SECONDS": "-1"}, "lease_seconds must be a positive number"),
        ({"SWEEPLAB_AGENT_MAX_CONSECUTIVE_FAILURES": "2.5"}, "must be a whole number"),
        ({"SWEEPLAB_AGENT_MAX_CONSECUTIVE_FAILURES": "0"}, "at least 1"),
        ({"SWEEPLAB_AGENT_KILL_GRACE_SECONDS": "-2"}, "kill_grace_seconds must be 0 or more"),
        (
            {"SWEEPLAB_LEASE_SECONDS": "10", "SWEEPLAB_HEARTBEAT_SECONDS": "10"},
            "must be shorter than the lease",
        ),
    ],
)
def test_bad_values_say_what_to_fix(environ: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        AgentSettings.from_env(environ)
