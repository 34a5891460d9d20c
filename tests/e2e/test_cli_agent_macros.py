"""``sweeplab agent`` builds each run's command from W&B macros; ``init()`` in it joins the run."""

from __future__ import annotations

import json
from pathlib import Path

from sweeplab.domain import RunState
from sweeplab.store.base import Store
from tests.e2e.conftest import clean_environ, run_cli

# The program checks what it was given, then joins the run through init() and logs.
PROGRAM = """
import argparse, json, os, sys
import sweeplab.sdk as wandb

parser = argparse.ArgumentParser()
parser.add_argument("--mode")
parser.add_argument("--lr", type=float)
parser.add_argument("--layers", type=int)
parser.add_argument("--batchnorm", action="store_true")
parser.add_argument("json_file")
parser.add_argument("data_dir")
args = parser.parse_args()

from_file = json.load(open(args.json_file))
assert from_file == {"lr": args.lr, "layers": args.layers, "batchnorm": args.batchnorm}, from_file

run = wandb.init(config={"lr": 123.0, "note": "from the program"})
assert run.id == os.environ["SWEEPLAB_RUN_ID"]
assert wandb.config.lr == args.lr  # the sweep's value wins over init(config=)
for step in range(3):
    wandb.log({"loss": args.lr * args.layers / (step + 1)})
wandb.summary["argv"] = " ".join(sys.argv[1:])
wandb.summary["data_dir"] = args.data_dir
"""

SWEEP = {
    "program": "train.py",
    "method": "grid",
    "parameters": {
        "lr": {"values": [0.1, 0.01]},
        "layers": {"value": 3},
        "batchnorm": {"values": [True, False]},
    },
    "command": [
        "${env}",
        "${interpreter}",
        "${program}",
        "--mode=${envvar:TRAIN_MODE}",
        "${args_no_boolean_flags}",
        "${args_json_file}",
        "${envvar:DATA_DIR}",
    ],
}


def test_cli_agent_expands_macros_and_the_child_joins(tmp_path: Path, sweeplab_dir: Path,
                                                      store: Store) -> None:
    (tmp_path / "train.py").write_text(PROGRAM)
    (tmp_path / "sweep.yaml").write_text(json.dumps(SWEEP))
    env = clean_environ(sweeplab_dir, TRAIN_MODE="fast", DATA_DIR="/data/mnist")
    created = run_cli(["sweep", "sweep.yaml", "--project", "macros"], env, tmp_path)
    assert created.returncode == 0, created.stderr
    sweep_id = created.stdout.strip()

    done = run_cli(["agent", f"someone/macros/{sweep_id}"], env, tmp_path, timeout_seconds=90)
    assert done.returncode == 0, done.stderr

    runs = store.sweep_runs(sweep_id)
    assert len(runs) == 4
    for run in runs:
        assert run.state is RunState.FINISHED, run.end_reason
        assert run.project == "macros"
        assert run.config["note"] == "from the program"
        assert run.config["layers"] == 3
        flags = " --batchnorm" if run.config["batchnorm"] else ""
        param_file = sweeplab_dir / f"sweep-{sweep_id}" / f"config-{run.run_id}.json"
        # Parameters in the sweep's order (sorted), a false boolean flag left out.
        assert run.summary["argv"] == (
            f"--mode=fast{flags} --layers=3 --lr={run.config['lr']} {param_file} /data/mnist"
        )
        assert run.summary["data_dir"] == "/data/mnist"
        losses = [value for _, value in store.read_metrics(run.run_id)["loss"]]
        assert losses == [run.config["lr"] * 3 / (step + 1) for step in range(3)]
