"""The main job: the seed tutorial's sweep, on the embedded store.

``python -m sweeplab.demo`` (``make demo``) runs the W&B TensorFlow sweeps tutorial's flow with
only the import changed — ``import sweeplab as wandb`` — and scikit-learn's bundled digits in
place of downloaded MNIST: a small MLP trained epoch by epoch with ``wandb.log`` each epoch, a
10-run random sweep over batch size and learning rate with hyperband, then a table of the runs,
the best run, and how to look at them.
"""

from __future__ import annotations

import argparse
import os
import warnings
from collections.abc import Sequence
from functools import cache
from typing import Any

import sweeplab as wandb

PROJECT = "sweeps-demo"
RUN_COUNT = 10

# The tutorial's sweep; its learning rates are for Adam-free SGD on 28x28 MNIST, these suit an
# SGD MLP on 8x8 digits. hyperband's min_iter is lowered to fit 12 epochs.
SWEEP_CONFIG: dict[str, Any] = {
    "method": "random",
    "metric": {"name": "val_loss", "goal": "minimize"},
    "early_terminate": {"type": "hyperband", "min_iter": 3, "eta": 2},
    "parameters": {
        "batch_size": {"values": [32, 64, 128, 256]},
        "learning_rate": {"values": [0.2, 0.1, 0.05, 0.01, 0.001]},
    },
}


@cache
def _digits() -> tuple[Any, Any, Any, Any]:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x_train, x_val, y_train, y_val = train_test_split(
        digits.data / 16.0, digits.target, test_size=0.25, random_state=0
    )
    return x_train, x_val, y_train, y_val


def sweep_train() -> None:
    """The tutorial's ``sweep_train``, with scikit-learn in place of TensorFlow."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import accuracy_score, log_loss
    from sklearn.neural_network import MLPClassifier

    config_defaults = {"batch_size": 64, "learning_rate": 0.01}
    wandb.init(config=config_defaults)  # the sweep overrides these
    wandb.config.epochs = 12
    wandb.config.architecture_name = "MLP"
    wandb.config.dataset_name = "digits"

    x_train, x_val, y_train, y_val = _digits()
    classes = sorted(set(y_train.tolist()))
    model = MLPClassifier(
        hidden_layer_sizes=(128,),
        solver="sgd",
        batch_size=wandb.config.batch_size,
        learning_rate_init=wandb.config.learning_rate,
        random_state=0,
    )
    for epoch in range(wandb.config.epochs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.partial_fit(x_train, y_train, classes=classes)
        val_probabilities = model.predict_proba(x_val)
        wandb.log(
            {
                "epochs": epoch,
                "train_loss": float(model.loss_),
                "val_loss": float(log_loss(y_val, val_probabilities, labels=classes)),
                "val_acc": float(accuracy_score(y_val, model.predict(x_val))),
            }
        )


def _print_report(sweep_id: str) -> None:
    from rich.console import Console
    from rich.table import Table

    sweep = wandb.Api().sweep(f"{PROJECT}/{sweep_id}")
    table = Table(title=f"sweep {sweep_id} ({PROJECT})")
    for column in ("run", "state", "batch_size", "learning_rate", "epochs", "val_loss", "val_acc"):
        table.add_column(column, justify="left" if column in ("run", "state") else "right")
    for run in sorted(sweep.runs, key=lambda run: run.created_at):
        history = run.history(keys=["val_loss"])
        table.add_row(
            run.id,
            run.state,
            str(run.config.get("batch_size")),
            str(run.config.get("learning_rate")),
            str(len(history)),
            f"{run.summary.get('val_loss', float('nan')):.4f}",
            f"{run.summary.get('val_acc', float('nan')):.3f}",
        )
    console = Console()
    console.print(table)
    best = sweep.best_run()
    if best is not None:
        console.print(
            f"best run: {best.id}  val_loss={best.summary['val_loss']:.4f}  "
            f"val_acc={best.summary['val_acc']:.3f}  batch_size={best.config['batch_size']}  "
            f"learning_rate={best.config['learning_rate']}"
        )
    console.print(
        f"see every run: sweeplab runs --sweep {sweep_id}\n"
        f"dashboard: run `sweeplab server`, then open http://127.0.0.1:8080/sweeps/{sweep_id}",
        soft_wrap=True,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=RUN_COUNT, help="runs to make (default 10)")
    args = parser.parse_args(argv)
    # A demo run trains for well under a second, so ship metrics and judge runs (hyperband)
    # many times a second rather than every few seconds as suits real training.
    os.environ.setdefault("SWEEPLAB_FLUSH_SECONDS", "0.05")
    os.environ.setdefault("SWEEPLAB_SHIP_SECONDS", "0.05")
    os.environ.setdefault("SWEEPLAB_HEARTBEAT_SECONDS", "0.05")
    sweep_id = wandb.sweep(SWEEP_CONFIG, project=PROJECT)
    wandb.agent(sweep_id, function=sweep_train, count=args.count)
    _print_report(sweep_id)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
