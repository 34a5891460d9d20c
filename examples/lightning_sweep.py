"""A random sweep over a PyTorch Lightning model, logged with ``SweeplabLogger``.

``SweeplabLogger`` takes W&B's ``WandbLogger`` arguments (and is importable as ``WandbLogger``
from ``sweeplab.integration.lightning``). Inside a sweep it logs to the run the agent claimed:
``save_hyperparameters()`` fills the run's config, every ``self.log`` lands in the history with
``trainer/global_step``. When hyperband stops a run, ``trainer.fit()`` ends with
``sweeplab.RunStopped`` and the agent records the run as stopped.

    python examples/lightning_sweep.py --count 8 --epochs 6
"""

from __future__ import annotations

import argparse

import lightning.pytorch as pl
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch.utils.data import DataLoader, TensorDataset

import sweeplab as wandb
from sweeplab.integration.lightning import SweeplabLogger

PROJECT = "lightning-digits"
EPOCHS = 6

sweep_config = {
    "method": "random",
    "metric": {"name": "val_loss", "goal": "minimize"},
    "early_terminate": {"type": "hyperband", "min_iter": 2},
    "parameters": {
        "learning_rate": {"distribution": "log_uniform_values", "min": 1e-3, "max": 0.5},
        "hidden": {"values": [32, 64, 128]},
        "batch_size": {"values": [32, 64]},
    },
}


class DigitsClassifier(pl.LightningModule):
    def __init__(self, learning_rate: float, hidden: int) -> None:
        super().__init__()
        self.save_hyperparameters()  # -> run.config through the logger
        self.net = torch.nn.Sequential(
            torch.nn.Linear(64, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10)
        )

    def training_step(self, batch, batch_index):
        x, y = batch
        loss = torch.nn.functional.cross_entropy(self.net(x), y)
        self.log("train_loss", loss, on_step=False, on_epoch=True)
        return loss

    def validation_step(self, batch, batch_index):
        x, y = batch
        logits = self.net(x)
        self.log("val_loss", torch.nn.functional.cross_entropy(logits, y))
        self.log("val_acc", (logits.argmax(dim=1) == y).float().mean())

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.learning_rate, momentum=0.9)


def loaders(batch_size: int) -> tuple[DataLoader, DataLoader]:
    digits = load_digits()
    x_train, x_val, y_train, y_val = train_test_split(
        digits.data / 16.0, digits.target, test_size=0.25, random_state=0
    )

    def tensors(x, y):
        return TensorDataset(torch.tensor(x, dtype=torch.float32), torch.tensor(y))

    return (DataLoader(tensors(x_train, y_train), batch_size=batch_size, shuffle=True),
            DataLoader(tensors(x_val, y_val), batch_size=256))


def train() -> None:
    wandb.init(config={"learning_rate": 0.05, "hidden": 64, "batch_size": 64})
    config = wandb.config
    model = DigitsClassifier(config.learning_rate, config.hidden)
    train_loader, val_loader = loaders(config.batch_size)
    trainer = pl.Trainer(
        max_epochs=EPOCHS, logger=SweeplabLogger(), accelerator="cpu",
        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
    )
    trainer.fit(model, train_loader, val_loader)


def main() -> None:
    global EPOCHS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=8, help="runs for this agent")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="epochs per run")
    args = parser.parse_args()
    EPOCHS = args.epochs
    torch.set_num_threads(1)  # small models: threads cost more than they give
    sweep_id = wandb.sweep(sweep_config, project=PROJECT)
    wandb.agent(sweep_id, function=train, count=args.count)
    best = wandb.Api().sweep(f"{PROJECT}/{sweep_id}").best_run()
    if best is not None:
        print(f"best run {best.id}: val_loss={best.summary['val_loss']:.4f} "
              f"val_acc={best.summary['val_acc']:.3f} with {best.config}")
    print(sweep_id)


if __name__ == "__main__":
    main()
