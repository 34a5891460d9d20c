"""Hugging Face transformers: SweeplabCallback with a real Trainer on a tiny BERT built from a
config (nothing is downloaded)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import sweeplab
from sweeplab.domain import RunState
from sweeplab.sdk.settings import Settings
from sweeplab.store.memory import MemoryStore
from tests.integration.conftest import framework, request_stop, sweep_run

torch: Any = framework("torch")
transformers: Any = framework("transformers")

from sweeplab.integration.huggingface import (  # noqa: E402 - after the framework check
    STEP_KEY,
    SweeplabCallback,
    WandbCallback,
    rewrite_logs,
)

pytestmark = pytest.mark.integration

MAX_STEPS = 6


class TinyDataset(torch.utils.data.Dataset):  # type: ignore[misc]
    """Random token sequences labelled by their first token's parity."""

    def __init__(self, size: int = 16) -> None:
        generator = torch.Generator().manual_seed(0)
        self.input_ids = torch.randint(1, 32, (size, 8), generator=generator)

    def __len__(self) -> int:
        return len(self.input_ids)

    def __getitem__(self, index: int) -> dict[str, Any]:
        ids = self.input_ids[index]
        return {"input_ids": ids, "attention_mask": torch.ones_like(ids),
                "labels": int(ids[0]) % 2}


def _model() -> Any:
    torch.manual_seed(0)
    config = transformers.BertConfig(
        vocab_size=32, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=16, max_position_embeddings=16, num_labels=2,
    )
    return transformers.BertForSequenceClassification(config)


def _trainer(tmp_path: Path, callback: Any, **arguments: Any) -> Any:
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "out"), max_steps=MAX_STEPS, logging_steps=1,
        eval_strategy="steps", eval_steps=3, per_device_train_batch_size=4,
        per_device_eval_batch_size=8, learning_rate=1e-3, report_to="none", use_cpu=True,
        save_strategy="no", disable_tqdm=True, **arguments,
    )
    return transformers.Trainer(
        model=_model(), args=args, train_dataset=TinyDataset(), eval_dataset=TinyDataset(8),
        callbacks=[callback],
    )


def test_wandb_callback_is_the_same_class() -> None:
    assert WandbCallback is SweeplabCallback
    assert issubclass(SweeplabCallback, transformers.TrainerCallback)


def test_rewrite_logs_uses_the_transformers_layout() -> None:
    assert rewrite_logs({"loss": 1.0, "eval_loss": 2.0, "test_acc": 3.0, "epoch": 0.5}) == {
        "train/loss": 1.0, "eval/loss": 2.0, "test/acc": 3.0, "train/epoch": 0.5,
    }


def test_training_logs_config_metrics_and_totals(
    tmp_path: Path, store: MemoryStore, settings: Settings
) -> None:
    run = sweeplab.init(project="hf", settings=settings)
    callback = SweeplabCallback()
    assert callback.run is None and callback.run_stopped is None
    _trainer(tmp_path, callback).train()
    assert callback.run is run
    # Config: TrainingArguments, the model's config and its size.
    assert run.config["learning_rate"] == 1e-3 and run.config["max_steps"] == MAX_STEPS
    assert run.config["hidden_size"] == 8 and run.config["model_type"] == "bert"
    assert run.config["model/num_parameters"] > 0
    # Totals go to the summary only.
    assert run.summary["train_runtime"] > 0 and "train_loss" in run.summary
    run.finish()
    logged = {key: [value for _, value in points]
              for key, points in store.read_metrics(run.id).items()}
    assert len(logged["train/loss"]) == MAX_STEPS
    assert len(logged["eval/loss"]) == MAX_STEPS // 3
    assert "train_runtime" not in logged and "train/train_runtime" not in logged
    assert logged[STEP_KEY][:MAX_STEPS] == sorted(logged[STEP_KEY][:MAX_STEPS])
    assert max(logged[STEP_KEY]) == MAX_STEPS


def test_the_callback_starts_a_run_named_after_the_arguments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    callback = SweeplabCallback()
    _trainer(tmp_path, callback, run_name="tiny-bert").train()
    assert callback.run is not None
    assert callback.run.project == "huggingface" and callback.run.name == "tiny-bert"
    callback.run.finish()
    monkeypatch.setenv("WANDB_PROJECT", "from-env")
    second = SweeplabCallback()
    _trainer(tmp_path, second).train()
    assert second.run is not None and second.run.project == "from-env"
    assert second.run.name == second.run.id  # run_name defaults to output_dir: not a name


def test_a_stopped_run_ends_training_at_the_next_step(tmp_path: Path, store: MemoryStore) -> None:
    class StopAtSecondStep(transformers.TrainerCallback):  # type: ignore[misc]
        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if state.global_step == 2:
                request_stop(store, run)

    with sweep_run(store, {"lr": 0.1}) as run_id:
        run = sweeplab.init(settings=Settings(flush_seconds=0.01))
        callback = SweeplabCallback()
        trainer = _trainer(tmp_path, callback)
        trainer.add_callback(StopAtSecondStep())
        trainer.train()  # returns normally
        assert callback.run_stopped is not None
        assert trainer.state.global_step == 2
    stored = store.get_run(run_id)
    assert stored.state is RunState.STOPPED and stored.end_reason == "hyperband: test stop"
