"""A Bayesian sweep over a Keras ``model.fit`` with the legacy ``WandbCallback``.

W&B code written as ``from wandb.keras import WandbCallback`` keeps working: only the imports
change (``import sweeplab as wandb``, ``from sweeplab.keras import WandbCallback``). The
callback logs each epoch's metrics, keeps ``best_val_loss``/``best_epoch`` in the summary and
saves the best model in the run's directory; when hyperband stops a run, ``fit()`` simply
returns early.

The sweep searches three parameters with ``bayes``: the learning rate (log-uniform), the width
of the hidden layer and the dropout rate, on scikit-learn's bundled digits.

    python examples/keras_fit_sweep.py --count 12 --epochs 8
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from tensorflow import keras

import sweeplab as wandb  # was: import wandb
from sweeplab.keras import WandbCallback  # was: from wandb.keras import WandbCallback

PROJECT = "keras-fit-bayes"
EPOCHS = 8

sweep_config = {
    "method": "bayes",
    "metric": {"name": "val_loss", "goal": "minimize"},
    "early_terminate": {"type": "hyperband", "min_iter": 3},
    "parameters": {
        "learning_rate": {"distribution": "log_uniform_values", "min": 1e-3, "max": 0.3},
        "hidden_units": {"values": [16, 32, 64, 128]},
        "dropout": {"min": 0.0, "max": 0.5},
    },
}

digits = load_digits()
x_train, x_val, y_train, y_val = train_test_split(
    (digits.data / 16.0).astype("float32"), digits.target, test_size=0.25, random_state=0
)


def train() -> None:
    wandb.init(config={"learning_rate": 0.01, "hidden_units": 64, "dropout": 0.1,
                       "epochs": EPOCHS, "batch_size": 64})
    config = wandb.config
    model = keras.Sequential([
        keras.Input(shape=(64,)),
        keras.layers.Dense(config.hidden_units, activation="relu"),
        keras.layers.Dropout(config.dropout),
        keras.layers.Dense(10),
    ])
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=config.learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=config.epochs,
              batch_size=config.batch_size, verbose=0, callbacks=[WandbCallback()])


def main() -> None:
    global EPOCHS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=12, help="runs for this agent")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="epochs per run")
    args = parser.parse_args()
    EPOCHS = args.epochs
    sweep_id = wandb.sweep(sweep_config, project=PROJECT)
    wandb.agent(sweep_id, function=train, count=args.count)
    best = wandb.Api().sweep(f"{PROJECT}/{sweep_id}").best_run()
    if best is not None:
        print(f"best run {best.id}: best_val_loss={best.summary['best_val_loss']:.4f} "
              f"(epoch {best.summary['best_epoch']}) with {best.config}")
    print(sweep_id)


if __name__ == "__main__":
    main()
