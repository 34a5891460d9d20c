"""A grid sweep over a scikit-learn SVM: the notebook workflow, no server, no framework.

Six grid points (``C`` × ``gamma``); the agent runs until the grid is exhausted, so no
``count`` is needed. Each run logs its cross-validated accuracy once, plus the held-out
accuracy, and the best run is read back with the public API.

    python examples/sklearn_sweep.py
"""

from __future__ import annotations

import argparse

from sklearn.datasets import load_digits
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.svm import SVC

import sweeplab as wandb

PROJECT = "sklearn-svm"

sweep_config = {
    "method": "grid",
    "metric": {"name": "cv_accuracy", "goal": "maximize"},
    "parameters": {
        "C": {"values": [0.1, 1.0, 10.0]},
        "gamma": {"values": [0.001, 0.01]},
        "kernel": {"value": "rbf"},
    },
}

digits = load_digits()
x_train, x_test, y_train, y_test = train_test_split(
    digits.data, digits.target, test_size=0.25, random_state=0
)


def train() -> None:
    wandb.init()  # the sweep's values are the whole config
    config = wandb.config
    model = SVC(C=config.C, gamma=config.gamma, kernel=config.kernel)
    scores = cross_val_score(model, x_train, y_train, cv=3)
    model.fit(x_train, y_train)
    wandb.log({"cv_accuracy": scores.mean(), "cv_accuracy_std": scores.std(),
               "test_accuracy": model.score(x_test, y_test)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    sweep_id = wandb.sweep(sweep_config, project=PROJECT)
    wandb.agent(sweep_id, function=train)  # until the grid is exhausted
    sweep = wandb.Api().sweep(f"{PROJECT}/{sweep_id}")
    for run in sorted(sweep.runs, key=lambda run: run.created_at):
        print(f"C={run.config['C']:<5} gamma={run.config['gamma']:<6} "
              f"cv_accuracy={run.summary['cv_accuracy']:.4f}")
    best = sweep.best_run()
    if best is not None:
        print(f"best run {best.id}: C={best.config['C']} gamma={best.config['gamma']} "
              f"cv_accuracy={best.summary['cv_accuracy']:.4f} "
              f"test_accuracy={best.summary['test_accuracy']:.4f}")
    print(sweep_id)


if __name__ == "__main__":
    main()
