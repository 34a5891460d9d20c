"""Four ``sweeplab agent`` processes on one SQLite store share a 30-point grid exactly."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from sweeplab.domain import RunState, SweepState
from sweeplab.store.base import Store
from tests.e2e.conftest import clean_environ, run_cli, start_cli

AGENTS = 4


def test_four_agents_run_thirty_points_once_each(tmp_path: Path, sweeplab_dir: Path,
                                                 store: Store) -> None:
    # 5 × 6 = 30 points; each run is a bare interpreter that exits at once.
    config = {
        "method": "grid",
        "parameters": {"a": {"values": [1, 2, 3, 4, 5]}, "b": {"values": list(range(6))}},
        "command": [sys.executable, "-c", "pass", "${args}"],
    }
    (tmp_path / "sweep.yaml").write_text(json.dumps(config))  # JSON is YAML
    env = clean_environ(sweeplab_dir, SWEEPLAB_LEASE_SECONDS="30")
    created = run_cli(["sweep", "sweep.yaml", "--project", "grid"], env, tmp_path)
    assert created.returncode == 0, created.stderr
    sweep_id = created.stdout.strip()

    agents = [start_cli(["agent", sweep_id], env, tmp_path) for _ in range(AGENTS)]
    outputs = [agent.communicate(timeout=120) for agent in agents]
    for agent, (_, err) in zip(agents, outputs, strict=True):
        assert agent.returncode == 0, err
        assert "grid exhausted: all 30 points have a run" in err

    runs = store.sweep_runs(sweep_id)
    assert len(runs) == 30
    points = {(run.config["a"], run.config["b"]) for run in runs}
    assert len(points) == 30
    assert {run.point_key for run in runs} == {str(index) for index in range(30)}
    assert {run.state for run in runs} == {RunState.FINISHED}
    assert store.get_sweep(sweep_id).state is SweepState.FINISHED
    # Every agent got work: the claims really were shared (not one agent doing all 30).
    counts = [len(re.findall(r"^sweeplab: run \w+ finished$", err, re.MULTILINE)) for _, err in outputs]
    assert sum(counts) == 30 and sum(1 for count in counts if count) >= 2
