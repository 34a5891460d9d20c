"""A training script for the command-line sweep: argparse options in, one run out.

``sweeplab agent`` starts it once per run as ``python train.py --learning_rate=0.01 ...``
(the sweep's ``command`` default). ``sweeplab.init(config=args)`` joins the run the agent
claimed, so the parsed options and the sweep's values agree, and ``log`` reports each epoch;
if hyperband stops the run, the agent ends the process (SIGTERM) or ``log`` raises
``sweeplab.RunStopped``.

Run it alone too: ``python train.py --learning_rate 0.05`` makes a plain run.
"""

from __future__ import annotations

import argparse
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

import sweeplab


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Train an MLP on the digits dataset.")
    parser.add_argument("--learning_rate", type=float, default=0.01)
    parser.add_argument("--hidden_units", type=int, default=64)
    parser.add_argument("--alpha", type=float, default=1e-4, help="L2 penalty")
    parser.add_argument("--epochs", type=int, default=10)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    run = sweeplab.init(project="cli-sweep", config=args)
    digits = load_digits()
    x_train, x_val, y_train, y_val = train_test_split(
        digits.data / 16.0, digits.target, test_size=0.25, random_state=0
    )
    classes = sorted(set(y_train.tolist()))
    model = MLPClassifier(
        hidden_layer_sizes=(run.config.hidden_units,), solver="sgd", alpha=run.config.alpha,
        learning_rate_init=run.config.learning_rate, random_state=0,
    )
    for epoch in range(run.config.epochs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.partial_fit(x_train, y_train, classes=classes)
        probabilities = model.predict_proba(x_val)
        run.log({
            "epoch": epoch,
            "train_loss": float(model.loss_),
            "val_loss": float(log_loss(y_val, probabilities, labels=classes)),
            "val_acc": float(accuracy_score(y_val, model.predict(x_val))),
        })
    run.finish()


if __name__ == "__main__":
    main()
