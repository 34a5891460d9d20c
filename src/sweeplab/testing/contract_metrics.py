"""Store contract: idempotent metric rows, non-finite values, ordered reads, histories, and
``ingest`` (rows plus run changes in one call)."""

from __future__ import annotations

import math

import pytest

from sweeplab.domain import RunState
from sweeplab.errors import NotFoundError, RunFinishedError
from sweeplab.store.base import Ingested, MetricRow, NewRun, RunChanges, Store

SWEEP_CONFIG = {"method": "random", "parameters": {"x": {"values": [1]}}}


def _rows(steps: range, key: str = "loss", offset: float = 0.0) -> list[MetricRow]:
    return [
        MetricRow(step=step, key=key, value=step + offset, wall_time=1000.0 + step)
        for step in steps
    ]


class MetricContract:
    def test_log_and_read_in_step_order(self, store: Store) -> None:
        run = store.create_run(NewRun(project="p"))
        assert store.log_metrics(run.run_id, list(reversed(_rows(range(3))))) == 3
        assert store.log_metrics(run.run_id, _rows(range(3), key="acc")) == 3
        assert store.read_metrics(run.run_id) == {
            "acc": [(0, 0.0), (1, 1.0), (2, 2.0)],
            "loss": [(0, 0.0), (1, 1.0), (2, 2.0)],
        }

    def test_retried_batch_adds_nothing_and_keeps_first_values(self, store: Store) -> None:
        run = store.create_run(NewRun(project="p"))
        assert store.log_metrics(run.run_id, _rows(range(5))) == 5
        assert store.log_metrics(run.run_id, _rows(range(5), offset=100.0)) == 0
        assert store.log_metrics(run.run_id, _rows(range(3, 8), offset=100.0)) == 3
        values = [value for _, value in store.read_metrics(run.run_id)["loss"]]
        assert values == [0.0, 1.0, 2.0, 3.0, 4.0, 105.0, 106.0, 107.0]

    def test_repeats_within_one_batch_count_once(self, store: Store) -> None:
        run = store.create_run(NewRun(project="p"))
        rows = [MetricRow(0, "loss", 1.0), MetricRow(0, "loss", 2.0), MetricRow(1, "loss", 3.0)]
        assert store.log_metrics(run.run_id, rows) == 2
        assert store.read_metrics(run.run_id) == {"loss": [(0, 1.0), (1, 3.0)]}
        assert store.log_metrics(run.run_id, []) == 0

    def test_nan_and_infinities_round_trip(self, store: Store) -> None:
        run = store.create_run(NewRun(project="p"))
        rows = [
            MetricRow(0, "m", math.nan),
            MetricRow(1, "m", math.inf),
            MetricRow(2, "m", -math.inf),
            MetricRow(3, "m", -0.0),
            MetricRow(4, "m", 1e308),
        ]
        assert store.log_metrics(run.run_id, rows) == 5
        assert store.log_metrics(run.run_id, rows) == 0
        steps, values = zip(*store.read_metrics(run.run_id)["m"], strict=True)
        assert steps == (0, 1, 2, 3, 4)
        assert math.isnan(values[0])
        assert values[1:] == (math.inf, -math.inf, 0.0, 1e308)
        history = store.get_run(run.run_id, with_history=True).history["m"]
        assert math.isnan(history[0])
        assert history[1:] == (math.inf, -math.inf, 0.0, 1e308)

    def test_key_filter(self, store: Store) -> None:
        run = store.create_run(NewRun(project="p"))
        for key in ("a", "b", "c"):
            store.log_metrics(run.run_id, _rows(range(2), key=key))
        assert set(store.read_metrics(run.run_id, keys=["a", "c", "absent"])) == {"a", "c"}
        assert store.read_metrics(run.run_id, keys=[]) == {}

    def test_history_only_when_asked(self, store: Store) -> None:
        run = store.create_run(NewRun(project="p"))
        store.log_metrics(run.run_id, _rows(range(2)))
        assert store.get_run(run.run_id).history == {}
        assert store.get_run(run.run_id, with_history=True).history == {"loss": (0.0, 1.0)}

    def test_final_run_refuses_new_rows_but_accepts_held_ones(self, store: Store) -> None:
        run = store.create_run(NewRun(project="p"))
        store.log_metrics(run.run_id, _rows(range(3)))
        store.finish_run(run.run_id, RunState.FINISHED)
        assert store.log_metrics(run.run_id, _rows(range(3))) == 0
        with pytest.raises(RunFinishedError, match="1 new metric rows"):
            store.log_metrics(run.run_id, _rows(range(4)))
        assert len(store.read_metrics(run.run_id)["loss"]) == 3

    def test_crashed_run_accepts_new_rows(self, store: Store) -> None:
        run = store.create_run(NewRun(project="p"))
        store.finish_run(run.run_id, RunState.CRASHED)
        assert store.log_metrics(run.run_id, _rows(range(2))) == 2

    def test_metric_histories_cover_every_run_of_the_sweep(self, store: Store) -> None:
        sweep = store.create_sweep("p", SWEEP_CONFIG, seed=1)
        first = store.create_run(NewRun(project="p", sweep_id=sweep.sweep_id))
        second = store.create_run(NewRun(project="p", sweep_id=sweep.sweep_id))
        silent = store.create_run(NewRun(project="p", sweep_id=sweep.sweep_id))
        outsider = store.create_run(NewRun(project="p"))
        store.log_metrics(first.run_id, list(reversed(_rows(range(3)))))
        store.log_metrics(
            second.run_id, [MetricRow(5, "loss", math.nan), MetricRow(2, "loss", 7.0)]
        )
        store.log_metrics(second.run_id, _rows(range(2), key="acc"))
        store.log_metrics(outsider.run_id, _rows(range(2)))
        histories = store.metric_histories(sweep.sweep_id, "loss")
        assert set(histories) == {first.run_id, second.run_id, silent.run_id}
        assert histories[first.run_id] == (0.0, 1.0, 2.0)
        assert histories[second.run_id][0] == 7.0
        assert math.isnan(histories[second.run_id][1])
        assert histories[silent.run_id] == ()

    def test_ingest_stores_rows_then_changes_and_reports_the_run(self, store: Store) -> None:
        sweep = store.create_sweep("p", SWEEP_CONFIG, seed=1)
        run = store.create_run(NewRun(project="p", sweep_id=sweep.sweep_id))
        changes = RunChanges(config={"lr": 0.1}, summary={"loss": 2.0})
        ingested = store.ingest(run.run_id, _rows(range(3)), changes, now=2000.0)
        assert ingested == Ingested(3, RunState.RUNNING, "", sweep.sweep_id)
        again = store.ingest(run.run_id, _rows(range(4)), RunChanges(summary={"acc": 1.0}))
        assert again.new_rows == 1
        stored = store.get_run(run.run_id, with_history=True)
        assert stored.history == {"loss": (0.0, 1.0, 2.0, 3.0)}
        assert stored.config == {"lr": 0.1}
        assert stored.summary == {"loss": 2.0, "acc": 1.0}
        assert store.ingest(run.run_id, []) == Ingested(0, RunState.RUNNING, "", sweep.sweep_id)

    def test_ingest_answers_a_stop_request(self, store: Store) -> None:
        run = store.create_run(NewRun(project="p"))
        store.update_run(run.run_id, RunChanges(stop_requested="asked by a user"))
        ingested = store.ingest(run.run_id, _rows(range(1)), RunChanges(summary={"loss": 0.0}))
        assert ingested == Ingested(1, RunState.RUNNING, "asked by a user", None)

    def test_ingest_into_a_final_run_refuses_new_rows_and_changes_nothing(
        self, store: Store
    ) -> None:
        run = store.create_run(NewRun(project="p"))
        store.ingest(run.run_id, _rows(range(2)), RunChanges(summary={"loss": 1.0}))
        store.finish_run(run.run_id, RunState.FINISHED)
        with pytest.raises(RunFinishedError, match="1 new metric rows"):
            store.ingest(run.run_id, _rows(range(3)), RunChanges(summary={"loss": 9.0}))
        stored = store.get_run(run.run_id, with_history=True)
        assert stored.summary == {"loss": 1.0}
        assert stored.history == {"loss": (0.0, 1.0)}
        assert store.ingest(run.run_id, _rows(range(2))).state is RunState.FINISHED

    def test_ingest_into_a_missing_run_raises_not_found(self, store: Store) -> None:
        with pytest.raises(NotFoundError):
            store.ingest("nosuchrun", _rows(range(1)), RunChanges(summary={"loss": 1.0}))
