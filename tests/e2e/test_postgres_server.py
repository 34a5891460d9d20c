"""End to end on PostgreSQL: ``sweeplab server --store postgresql+psycopg://...`` and 8 agent
processes on a 40-point grid with hyperband (the scenario of ``test_server_agents.py``: every
point runs exactly once, hyperband's stops carry reasons, a ``kill -9``-ed agent's run is
reaped as crashed while the sweep goes on)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.test_server_agents import run_sweep_through_server

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.name != "posix", reason="kill -9 is POSIX"),
]


def test_agents_share_a_sweep_through_a_server_on_postgres(
    postgres_url: str, tmp_path: Path
) -> None:
    run_sweep_through_server(postgres_url, tmp_path)
