"""The W&B TensorFlow sweeps tutorial, on sweeplab.

The tutorial's flow, step for step: a Keras MLP, a custom ``tf.GradientTape`` training loop,
``wandb.log`` once per epoch, a random sweep over batch size and learning rate with hyperband
early termination (``min_iter``), and ``wandb.agent`` running it. Only two things differ from the
tutorial: ``import sweeplab as wandb`` (the one line a W&B user changes), and scikit-learn's
bundled 8x8 digits in place of MNIST (nothing is downloaded; the learning rates suit them).

    python examples/tensorflow_sweep.py --count 10 --epochs 10

Runs land in ``./sweeplab/`` (``SWEEPLAB_DIR``); ``sweeplab runs --sweep ID`` lists them.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter

import numpy as np
import tensorflow as tf
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from tensorflow import keras

import sweeplab as wandb  # was: import wandb

# 🐝 Step 0: data. Digits are 8x8 images with values 0..16, ten classes, like a tiny MNIST.
digits = load_digits()
x_train, x_test, y_train, y_test = train_test_split(
    digits.data / 16.0, digits.target, test_size=0.25, random_state=0
)
x_train, x_test = x_train.astype("float32"), x_test.astype("float32")


# 🧠 The model and one training/validation step, as in the tutorial.
def Model() -> keras.Model:  # noqa: N802 - the tutorial's name
    inputs = keras.Input(shape=(64,), name="digits")
    x1 = keras.layers.Dense(64, activation="relu")(inputs)
    x2 = keras.layers.Dense(64, activation="relu")(x1)
    outputs = keras.layers.Dense(10, name="predictions")(x2)
    return keras.Model(inputs=inputs, outputs=outputs)


def train_step(x, y, model, optimizer, loss_fn, train_acc_metric):
    with tf.GradientTape() as tape:
        logits = model(x, training=True)
        loss_value = loss_fn(y, logits)
    grads = tape.gradient(loss_value, model.trainable_weights)
    optimizer.apply_gradients(zip(grads, model.trainable_weights, strict=True))
    train_acc_metric.update_state(y, logits)
    return loss_value


def test_step(x, y, model, loss_fn, val_acc_metric):
    val_logits = model(x, training=False)
    loss_value = loss_fn(y, val_logits)
    val_acc_metric.update_state(y, val_logits)
    return loss_value


# 🔁 Step 3: the training loop, logging with wandb.log once per epoch.
def train(train_dataset, val_dataset, model, optimizer, loss_fn,
          train_acc_metric, val_acc_metric, epochs=10):
    for epoch in range(epochs):
        train_loss = [float(train_step(x, y, model, optimizer, loss_fn, train_acc_metric))
                      for x, y in train_dataset]
        val_loss = [float(test_step(x, y, model, loss_fn, val_acc_metric))
                    for x, y in val_dataset]
        train_acc = train_acc_metric.result()
        val_acc = val_acc_metric.result()
        train_acc_metric.reset_state()  # Keras 3's name (the tutorial's Keras 2: reset_states)
        val_acc_metric.reset_state()
        # In a sweep, this raises sweeplab.RunStopped once hyperband stops the run; the agent
        # catches it and moves on.
        wandb.log({"epochs": epoch,
                   "loss": np.mean(train_loss),
                   "acc": float(train_acc),
                   "val_loss": np.mean(val_loss),
                   "val_acc": float(val_acc)})


# 🧹 Step 4: the sweep: random search, hyperband stops runs that fall behind.
sweep_config = {
    "method": "random",
    "metric": {"name": "val_loss", "goal": "minimize"},
    "early_terminate": {"type": "hyperband", "min_iter": 3},
    "parameters": {
        "batch_size": {"values": [32, 64, 128, 256]},
        "learning_rate": {"values": [0.5, 0.2, 0.1, 0.05, 0.01]},
    },
}
EPOCHS = 10


# 🌯 Step 5: wrap the training loop; wandb.init() joins the run the agent claimed.
def sweep_train() -> None:
    config_defaults = {"batch_size": 64, "learning_rate": 0.1}
    wandb.init(config=config_defaults)  # the sweep overrides these
    wandb.config.epochs = EPOCHS
    wandb.config.architecture_name = "MLP"
    wandb.config.dataset_name = "digits"

    train_dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train))
    train_dataset = (train_dataset.shuffle(buffer_size=1024, seed=0)
                                  .batch(wandb.config.batch_size)
                                  .prefetch(buffer_size=tf.data.AUTOTUNE))
    val_dataset = tf.data.Dataset.from_tensor_slices((x_test, y_test))
    val_dataset = val_dataset.batch(wandb.config.batch_size).prefetch(tf.data.AUTOTUNE)

    model = Model()
    optimizer = keras.optimizers.SGD(learning_rate=wandb.config.learning_rate)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    train(train_dataset, val_dataset, model, optimizer, loss_fn,
          keras.metrics.SparseCategoricalAccuracy(), keras.metrics.SparseCategoricalAccuracy(),
          epochs=wandb.config.epochs)


# 🚀 Step 6: create the sweep and run an agent.
def main() -> None:
    global EPOCHS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10, help="runs for this agent")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="epochs per run")
    parser.add_argument("--project", default="sweeps-tensorflow")
    args = parser.parse_args()
    EPOCHS = args.epochs
    sweep_id = wandb.sweep(sweep_config, project=args.project)
    wandb.agent(sweep_id, function=sweep_train, count=args.count)
    best = wandb.Api().sweep(f"{args.project}/{sweep_id}").best_run()
    if best is not None:
        print(f"best run {best.id}: val_loss={best.summary['val_loss']:.4f} "
              f"val_acc={best.summary['val_acc']:.3f} config={best.config}")
    print(sweep_id)


if __name__ == "__main__":
    main()
