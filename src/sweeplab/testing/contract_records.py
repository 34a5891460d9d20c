"""Store contract: sweeps, runs, updates and snapshots."""

from __future__ import annotations

import math
from typing import Any

import pytest

from sweeplab.domain import RunState, SweepState
from sweeplab.errors import (
    ConflictError,
    NotFoundError,
    RunFinishedError,
    StateTransitionError,
)
from sweeplab.store.base import NewRun, RunChanges, Store

SWEEP_CONFIG = {"method": "grid", "parameters": {"x": {"values": [1, 2, 3]}}}


class SweepContract:
    def test_create_and_get_sweep(self, store: Store) -> None:
        created = store.create_sweep("proj", SWEEP_CONFIG, seed=7)
        assert created.state is SweepState.RUNNING
        assert created.project == "proj"
        assert created.seed == 7
        assert created.engine_version
        assert created.created_at > 0
        assert store.get_sweep(created.sweep_id) == created

    def test_caller_chosen_sweep_id_and_conflict(self, store: Store) -> None:
        store.create_sweep("proj", SWEEP_CONFIG, seed=1, sweep_id="mine")
        assert store.get_sweep("mine").sweep_id == "mine"
        with pytest.raises(ConflictError, match="mine"):
            store.create_sweep("proj", SWEEP_CONFIG, seed=1, sweep_id="mine")

    def test_list_sweeps_newest_first_and_by_project(self, store: Store) -> None:
        first = store.create_sweep("a", SWEEP_CONFIG, seed=1)
        second = store.create_sweep("b", SWEEP_CONFIG, seed=2)
        third = store.create_sweep("a", SWEEP_CONFIG, seed=3)
        ids = [sweep.sweep_id for sweep in store.list_sweeps()]
        assert ids == [third.sweep_id, second.sweep_id, first.sweep_id]
        assert [s.sweep_id for s in store.list_sweeps("a")] == [third.sweep_id, first.sweep_id]
        assert store.list_sweeps("none") == []

    def test_sweep_state_transitions(self, store: Store) -> None:
        sweep = store.create_sweep("proj", SWEEP_CONFIG, seed=1)
        paused = store.set_sweep_state(sweep.sweep_id, SweepState.PAUSED, "by user")
        assert paused.state is SweepState.PAUSED
        assert paused.state_reason == "by user"
        assert store.set_sweep_state(sweep.sweep_id, SweepState.PAUSED).state is SweepState.PAUSED
        store.set_sweep_state(sweep.sweep_id, SweepState.RUNNING)
        store.set_sweep_state(sweep.sweep_id, SweepState.FINISHED, "grid exhausted")
        with pytest.raises(StateTransitionError, match="'finished' to 'running'"):
            store.set_sweep_state(sweep.sweep_id, SweepState.RUNNING)
        assert store.get_sweep(sweep.sweep_id).state is SweepState.FINISHED
        assert store.get_sweep(sweep.sweep_id).state_reason == "grid exhausted"

    def test_unknown_sweep_raises_not_found(self, store: Store) -> None:
        with pytest.raises(NotFoundError, match="nosuch"):
            store.get_sweep("nosuch")
        with pytest.raises(NotFoundError, match="nosuch"):
            store.set_sweep_state("nosuch", SweepState.PAUSED)
        with pytest.raises(NotFoundError, match="nosuch"):
            store.metric_histories("nosuch", "loss")
        with pytest.raises(NotFoundError, match="nosuch"):
            store.create_run(NewRun(project="proj", sweep_id="nosuch"))


class RunContract:
    def test_create_and_get_run(self, store: Store) -> None:
        new = NewRun(
            project="proj",
            config={"lr": 0.1, "layers": [1, 2], "nested": {"a": True}},
            name="bright-sun-1",
            group="g",
            job_type="train",
            tags=("a", "b"),
            notes="first",
        )
        run = store.create_run(new, now=100.0)
        assert run.run_id
        assert run.state is RunState.RUNNING
        assert dict(run.config) == {"lr": 0.1, "layers": [1, 2], "nested": {"a": True}}
        assert (run.name, run.group, run.job_type, run.tags, run.notes) == (
            "bright-sun-1",
            "g",
            "train",
            ("a", "b"),
            "first",
        )
        assert run.created_at == run.updated_at == 100.0
        assert run.lease_expires_at is None
        assert store.get_run(run.run_id) == run

    def test_create_run_with_id_resumes_in_same_project(self, store: Store) -> None:
        first = store.create_run(NewRun(project="proj", run_id="r1", config={"a": 1}))
        again = store.create_run(NewRun(project="proj", run_id="r1", config={"a": 2}))
        assert again == first
        with pytest.raises(ConflictError, match="r1"):
            store.create_run(NewRun(project="other", run_id="r1"))

    def test_create_run_in_sweep(self, store: Store) -> None:
        sweep = store.create_sweep("proj", SWEEP_CONFIG, seed=1)
        run = store.create_run(NewRun(project="proj", sweep_id=sweep.sweep_id))
        assert run.sweep_id == sweep.sweep_id
        assert [r.run_id for r in store.sweep_runs(sweep.sweep_id)] == [run.run_id]

    def test_update_merges_config_and_summary(self, store: Store) -> None:
        run = store.create_run(NewRun(project="proj", config={"a": 1, "b": 2}), now=1.0)
        store.update_run(run.run_id, RunChanges(summary={"loss": 0.5, "acc": 0.1}), now=2.0)
        updated = store.update_run(
            run.run_id,
            RunChanges(config={"b": 3, "c": 4}, summary={"loss": 0.25}, name="n", tags=("t",)),
            now=3.0,
        )
        assert dict(updated.config) == {"a": 1, "b": 3, "c": 4}
        assert dict(updated.summary) == {"loss": 0.25, "acc": 0.1}
        assert (updated.name, updated.tags, updated.updated_at) == ("n", ("t",), 3.0)
        assert store.get_run(run.run_id) == updated

    def test_update_keeps_nan_and_infinity_in_summary(self, store: Store) -> None:
        run = store.create_run(NewRun(project="proj"))
        store.update_run(
            run.run_id, RunChanges(summary={"nan": math.nan, "inf": math.inf, "ninf": -math.inf})
        )
        summary = store.get_run(run.run_id).summary
        assert math.isnan(summary["nan"])
        assert summary["inf"] == math.inf
        assert summary["ninf"] == -math.inf

    def test_finish_records_outcome(self, store: Store) -> None:
        run = store.create_run(NewRun(project="proj"))
        done = store.finish_run(run.run_id, RunState.FAILED, exit_code=3, reason="boom", now=9.0)
        assert (done.state, done.exit_code, done.end_reason) == (RunState.FAILED, 3, "boom")
        assert done.updated_at == 9.0

    def test_illegal_run_transition(self, store: Store) -> None:
        run = store.create_run(NewRun(project="proj"))
        store.finish_run(run.run_id, RunState.FINISHED)
        with pytest.raises(StateTransitionError, match="'finished' to 'running'"):
            store.update_run(run.run_id, RunChanges(state=RunState.RUNNING))
        with pytest.raises(StateTransitionError, match="'finished' to 'failed'"):
            store.finish_run(run.run_id, RunState.FAILED)

    def test_final_run_is_immutable_but_repeats_are_no_ops(self, store: Store) -> None:
        run = store.create_run(NewRun(project="proj", config={"a": 1}))
        store.update_run(run.run_id, RunChanges(summary={"loss": math.nan}))
        done = store.finish_run(run.run_id, RunState.FINISHED, exit_code=0, now=5.0)
        with pytest.raises(RunFinishedError, match="config"):
            store.update_run(run.run_id, RunChanges(config={"a": 2}))
        with pytest.raises(RunFinishedError, match="summary"):
            store.update_run(run.run_id, RunChanges(summary={"loss": 1.0}))
        with pytest.raises(RunFinishedError, match="stop_requested"):
            store.update_run(run.run_id, RunChanges(stop_requested="late"))
        # A retried finish, or a second sync of the same values, changes nothing.
        again = store.finish_run(run.run_id, RunState.FINISHED, exit_code=0, now=6.0)
        same = store.update_run(run.run_id, RunChanges(config={"a": 1}, summary={"loss": math.nan}))
        # repr, not ==: NaN never equals itself.
        assert repr(again) == repr(done)
        assert repr(same) == repr(done)
        assert repr(store.get_run(run.run_id)) == repr(done)

    def test_final_run_keeps_name_tags_notes_editable(self, store: Store) -> None:
        run = store.create_run(NewRun(project="proj"))
        store.finish_run(run.run_id, RunState.STOPPED)
        edited = store.update_run(run.run_id, RunChanges(name="x", tags=("t",), notes="n"))
        assert (edited.name, edited.tags, edited.notes) == ("x", ("t",), "n")
        assert edited.state is RunState.STOPPED

    def test_crashed_run_may_still_finish(self, store: Store) -> None:
        run = store.create_run(NewRun(project="proj"))
        store.finish_run(run.run_id, RunState.CRASHED, reason="lease expired")
        store.update_run(run.run_id, RunChanges(summary={"loss": 0.5}))
        done = store.finish_run(run.run_id, RunState.FINISHED, exit_code=0)
        assert done.state is RunState.FINISHED
        assert done.summary == {"loss": 0.5}

    def test_unknown_run_raises_not_found(self, store: Store) -> None:
        with pytest.raises(NotFoundError, match="nosuch"):
            store.get_run("nosuch")
        with pytest.raises(NotFoundError, match="nosuch"):
            store.update_run("nosuch", RunChanges(name="x"))
        with pytest.raises(NotFoundError, match="nosuch"):
            store.log_metrics("nosuch", [])
        with pytest.raises(NotFoundError, match="nosuch"):
            store.read_metrics("nosuch")
        with pytest.raises(NotFoundError, match="nosuch"):
            store.heartbeat("nosuch", lease_seconds=10.0)


class SnapshotContract:
    def test_records_do_not_change_after_later_writes(self, store: Store) -> None:
        sweep = store.create_sweep("proj", SWEEP_CONFIG, seed=1)
        run = store.create_run(NewRun(project="proj", config={"a": 1}))
        read = store.get_run(run.run_id)
        store.update_run(run.run_id, RunChanges(config={"a": 2}, summary={"s": 1}))
        store.set_sweep_state(sweep.sweep_id, SweepState.PAUSED)
        assert read.config == {"a": 1}
        assert read.summary == {}
        assert sweep.state is SweepState.RUNNING

    def test_mutating_inputs_or_results_does_not_change_the_store(self, store: Store) -> None:
        config: dict[str, Any] = {"a": [1, 2], "b": {"c": 1}}
        run = store.create_run(NewRun(project="proj", config=config))
        config["a"].append(3)
        config["b"]["c"] = 9
        read = store.get_run(run.run_id)
        read.config["a"].append(4)
        read.config["b"]["c"] = 8
        run.config["a"].append(5)
        assert store.get_run(run.run_id).config == {"a": [1, 2], "b": {"c": 1}}
        sweep_config: dict[str, Any] = {"parameters": {"x": {"values": [1]}}}
        sweep = store.create_sweep("proj", sweep_config, seed=1)
        sweep_config["parameters"]["x"]["values"].append(2)
        store.get_sweep(sweep.sweep_id).config["parameters"]["x"]["values"].append(3)
        assert store.get_sweep(sweep.sweep_id).config == {"parameters": {"x": {"values": [1]}}}
