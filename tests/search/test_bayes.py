"""sweeplab's Bayesian optimizer, through ``next_suggestion(config, history, rng)``."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pytest

from sweeplab.domain.records import RunRecord, Suggestion
from sweeplab.domain.states import RunState
from sweeplab.errors import SearchError
from sweeplab.search.base import Exhausted, SearchResult
from sweeplab.search.bayes import _first_free_row, next_suggestion
from sweeplab.search.bayes import model as bayes_model
from sweeplab.search.bayes.gp import ModelFitError
from sweeplab.search.bayes.space import build_space
from sweeplab.sweep_config.params import (
    Beta,
    Categorical,
    Constant,
    IntUniform,
    InvLogUniform,
    LogNormal,
    LogUniformValues,
    Nested,
    Normal,
    ParamSpec,
    QLogUniformValues,
    QNormal,
    QUniform,
    Uniform,
)
from sweeplab.sweep_config.sweep import (
    Goal,
    Impute,
    ImputeWhileRunning,
    Method,
    MetricSpec,
    SweepConfig,
)


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread() -> Iterator[None]:
    """bayes works on matrices of at most 300 x 300: extra BLAS threads only add overhead, and
    on a busy machine (tests in parallel) spinning OpenBLAS threads slow it several times."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # threadpoolctl comes with scikit-learn; without it, no limit
        yield
        return
    with threadpool_limits(limits=1):
        yield


LOSS = "loss"


def sweep(parameters: Mapping[str, ParamSpec], metric: MetricSpec | None = None) -> SweepConfig:
    return SweepConfig(
        method=Method.BAYES, parameters=dict(parameters), metric=metric or MetricSpec(LOSS)
    )


def run(
    index: int,
    config: Mapping[str, Any],
    value: float | None = None,
    state: RunState = RunState.FINISHED,
    history: Sequence[float] = (),
) -> RunRecord:
    summary = {} if value is None else {LOSS: value}
    return RunRecord(
        f"r{index}", state, dict(config), history={LOSS: tuple(history)}, summary=summary
    )


def suggestion(result: SearchResult) -> Suggestion:
    assert isinstance(result, Suggestion), result
    return result


def ask(config: SweepConfig, history: Sequence[RunRecord], seed: int = 0) -> Suggestion:
    return suggestion(next_suggestion(config, history, np.random.default_rng(seed)))


def optimize(
    config: SweepConfig, objective: Callable[[Mapping[str, Any]], float], trials: int, seed: int
) -> list[RunRecord]:
    history: list[RunRecord] = []
    for index in range(trials):
        proposed = ask(config, history, seed=seed * 1000 + index)
        history.append(run(index, proposed.config, objective(proposed.config)))
    return history


def random_history(
    config: SweepConfig, count: int, objective: Callable[[Mapping[str, Any]], float], seed: int = 0
) -> list[RunRecord]:
    space = build_space(config.flat_parameters())
    rows = space.sample(count, np.random.default_rng(seed))
    configs = [space.decode(row) for row in rows]
    return [run(i, c, objective(c)) for i, c in enumerate(configs)]


XY = {"x": Uniform(0.0, 1.0), "y": Uniform(0.0, 1.0)}


def bowl(config: Mapping[str, Any]) -> float:
    return float((config["x"] - 0.3) ** 2 + (config["y"] - 0.7) ** 2)


# --- errors and determinism --------------------------------------------------------------------


def test_bayes_without_a_metric_is_an_error() -> None:
    config = SweepConfig(method=Method.BAYES, parameters=XY, metric=None)
    with pytest.raises(SearchError, match="needs a metric"):
        next_suggestion(config, [], np.random.default_rng(0))


@pytest.mark.parametrize("count", [0, 3, 15])
def test_same_seed_same_suggestion(count: int) -> None:
    config = sweep(XY)
    history = random_history(config, count, bowl)
    first, second = ask(config, history, seed=7), ask(config, history, seed=7)
    assert first == second
    assert ask(config, history, seed=8).config != first.config


def test_inputs_are_not_mutated() -> None:
    config = sweep(XY)
    history = random_history(config, 12, bowl)
    before = copy.deepcopy(history)
    ask(config, history)
    assert history == before


def test_phases_initial_design_then_model() -> None:
    config = sweep(XY)
    first = ask(config, [])
    assert first.info["phase"] == "initial"
    size = first.info["initial_design_size"]
    assert 5 <= size <= 10
    assert ask(config, random_history(config, size - 1, bowl)).info["phase"] == "initial"
    later = ask(config, random_history(config, size, bowl))
    assert later.info["phase"] == "model"
    assert later.info["observations"] == size
    for key in (
        "log_expected_improvement",
        "predicted_value",
        "predicted_value_interval",
        "lengthscales",
        "noise_share",
    ):
        assert key in later.info


def test_initial_design_spreads_out() -> None:
    config = sweep(XY)
    history: list[RunRecord] = []
    for index in range(6):
        history.append(run(index, ask(config, history, seed=index).config, 1.0))
    points = np.array([[r.config["x"], r.config["y"]] for r in history])
    gaps = np.linalg.norm(points[:, None] - points[None], axis=2) + np.eye(6)
    assert gaps.min() > 0.1


# --- values inside their specs ------------------------------------------------------------------

ALL_KINDS: dict[str, ParamSpec] = {
    "uniform": Uniform(-1.0, 1.0),
    "int": IntUniform(2, 9),
    "q": QUniform(0.0, 1.0, q=0.25),
    "log": LogUniformValues(1e-5, 1e-1),
    "qlog": QLogUniformValues(8.0, 512.0, q=8),
    "inv": InvLogUniform(1.0, 3.0),
    "normal": Normal(0.0, 1.0),
    "qnormal": QNormal(10.0, 3.0, q=2.0),
    "lognormal": LogNormal(0.0, 0.5),
    "beta": Beta(2.0, 2.0),
    "cat": Categorical(("a", "b", "c"), probabilities=(0.5, 0.5, 0.0)),
    "const": Constant({"keep": True}),
}


def kinds_objective(config: Mapping[str, Any]) -> float:
    return float(
        config["uniform"] ** 2
        + (config["int"] - 4) ** 2
        + math.log(config["log"]) ** 2 / 10
        + (config["cat"] == "b")
        + config["normal"] ** 2
    )


def check_in_spec(config: Mapping[str, Any]) -> None:
    assert -1.0 <= config["uniform"] <= 1.0
    assert type(config["int"]) is int and 2 <= config["int"] <= 9
    assert config["q"] in (0.0, 0.25, 0.5, 0.75, 1.0)
    assert 1e-5 <= config["log"] <= 1e-1
    assert type(config["qlog"]) is int and config["qlog"] % 8 == 0 and 8 <= config["qlog"] <= 512
    assert math.exp(-3.0) <= config["inv"] <= math.exp(-1.0)
    assert isinstance(config["normal"], float) and abs(config["normal"]) < 3.1
    assert config["qnormal"] % 2.0 == 0.0
    assert config["lognormal"] > 0
    assert 0.0 <= config["beta"] <= 1.0
    assert config["cat"] in ("a", "b")  # "c" has probability 0
    assert config["const"] == {"keep": True}


def test_every_distribution_kind_stays_in_spec_in_both_phases() -> None:
    config = sweep(ALL_KINDS)
    history = random_history(config, 14, kinds_objective)
    for config_values in [r.config for r in history]:
        check_in_spec(config_values)
    for seed in range(4):
        proposed = ask(config, history, seed=seed)
        assert proposed.info["phase"] == "model"
        check_in_spec(proposed.config)


def test_categorical_with_probabilities_is_modelled() -> None:
    config = sweep(
        {
            "x": Uniform(0.0, 1.0),
            "opt": Categorical(("sgd", "adam", "rmsprop"), probabilities=(0.2, 0.5, 0.3)),
        }
    )

    def objective(c: Mapping[str, Any]) -> float:
        return float((c["x"] - 0.5) ** 2 + (0.0 if c["opt"] == "rmsprop" else 1.0))

    history = optimize(config, objective, 20, seed=0)
    assert history[-1].config["opt"] in ("sgd", "adam", "rmsprop")
    late = [r.config["opt"] for r in history[10:]]
    assert late.count("rmsprop") >= 5


def test_falsy_categorical_values_are_encoded_correctly() -> None:
    values = (0, False, "", None)
    config = sweep({"v": Categorical(values), "x": Uniform(0.0, 1.0)})

    # Only False is good; 0 (== False in Python) and the other falsy values are bad.
    def objective(c: Mapping[str, Any]) -> float:
        return float((0.0 if c["v"] is False else 1.0) + (c["x"] - 0.5) ** 2)

    history = optimize(config, objective, 16, seed=1)
    proposed = ask(config, history)
    assert proposed.info["observations"] == 16
    assert proposed.info["ignored_unencodable"] == 0
    assert proposed.config["v"] is False
    assert any(r.config["v"] is False for r in history)
    assert any(r.config["v"] == 0 and r.config["v"] is not False for r in history)


def test_nested_parameters_come_back_nested() -> None:
    config = sweep(
        {
            "optimizer": Nested({"lr": LogUniformValues(1e-4, 1e-1), "kind": Constant("adam")}),
            "depth": IntUniform(1, 5),
        }
    )

    def objective(c: Mapping[str, Any]) -> float:
        return float((math.log10(c["optimizer"]["lr"]) + 2.5) ** 2 + c["depth"])

    history = optimize(config, objective, 12, seed=2)
    proposed = ask(config, history)
    assert proposed.info["phase"] == "model"
    assert proposed.config["optimizer"]["kind"] == "adam"
    assert 1e-4 <= proposed.config["optimizer"]["lr"] <= 1e-1
    assert set(proposed.config) == {"optimizer", "depth"}


# --- discrete spaces -----------------------------------------------------------------------------


def test_all_discrete_space_never_repeats_and_then_is_exhausted() -> None:
    config = sweep({"a": IntUniform(1, 3), "b": Categorical((True, False)), "c": Constant(1)})
    history: list[RunRecord] = []
    for index in range(6):
        proposed = ask(config, history, seed=index)
        history.append(run(index, proposed.config, float(proposed.config["a"])))
    assert len({(r.config["a"], r.config["b"]) for r in history}) == 6
    result = next_suggestion(config, history, np.random.default_rng(0))
    assert isinstance(result, Exhausted)
    assert "6" in result.reason


def test_failed_and_pending_runs_occupy_their_discrete_point() -> None:
    config = sweep({"a": IntUniform(1, 4)})
    history = [
        run(0, {"a": 1}, 1.0),
        run(1, {"a": 2}, state=RunState.FAILED),
        run(2, {"a": 3}, state=RunState.PENDING),
    ]
    assert ask(config, history).config == {"a": 4}
    history.append(run(3, {"a": 4}, state=RunState.RUNNING))
    assert isinstance(next_suggestion(config, history, np.random.default_rng(0)), Exhausted)


def test_model_phase_in_a_discrete_space_skips_finished_points() -> None:
    config = sweep({"a": IntUniform(0, 30), "b": Categorical(("x", "y"))})

    def objective(c: Mapping[str, Any]) -> float:
        return float((c["a"] - 12) ** 2 + (c["b"] == "y"))

    history = optimize(config, objective, 25, seed=3)
    points = [(r.config["a"], r.config["b"]) for r in history]
    assert len(set(points)) == len(points)
    assert (12, "x") in points


def test_only_constants_give_one_run() -> None:
    config = sweep({"a": Constant(1), "b": Categorical(("only",))})
    first = ask(config, [])
    assert first.config == {"a": 1, "b": "only"}
    assert isinstance(
        next_suggestion(config, [run(0, first.config, 1.0)], np.random.default_rng(0)), Exhausted
    )


def test_scan_for_a_free_point_fails_loudly_when_there_is_none() -> None:
    space = build_space([(("a",), IntUniform(1, 2))])
    with pytest.raises(SearchError, match="no free point"):
        _first_free_row(space, {(1,), (2,)}, np.random.default_rng(0))
    assert _first_free_row(space, {(1,)}, np.random.default_rng(0)).tolist() == [1.0]


# --- pending, failed, stopped and running runs ------------------------------------------------


def test_pending_runs_make_parallel_agents_diverge() -> None:
    config = sweep(XY)
    history = random_history(config, 12, bowl)
    first = ask(config, history)
    in_flight = [*history, run(99, first.config, state=RunState.PENDING)]
    second = ask(config, in_flight)
    assert second.info["pending"] == 1
    assert second.info["fantasized_pending"] == 1
    gap = math.dist(
        (first.config["x"], first.config["y"]), (second.config["x"], second.config["y"])
    )
    assert gap > 0.01


def test_running_runs_are_pending_unless_imputed() -> None:
    history = [run(i, {"x": x}, (x - 0.5) ** 2) for i, x in enumerate(np.linspace(0, 1, 8))]
    running = run(50, {"x": 0.41}, state=RunState.RUNNING, history=(0.9, 0.2))
    params = {"x": Uniform(0.0, 1.0)}
    as_pending = ask(sweep(params), [*history, running])
    assert as_pending.info["pending"] == 1 and as_pending.info["observations"] == 8
    imputed = ask(
        sweep(params, MetricSpec(LOSS, impute_while_running=ImputeWhileRunning.LATEST)),
        [*history, running],
    )
    assert imputed.info["pending"] == 0 and imputed.info["imputed"] == 1


@pytest.mark.parametrize(
    ("impute", "expected"),
    [(Impute.WORST, 9.0), (Impute.BEST, 0.5), (Impute.LATEST, 0.7)],
)
def test_failed_runs_are_imputed(impute: Impute, expected: float) -> None:
    from sweeplab.search.bayes.observations import gather

    metric = MetricSpec(LOSS, impute=impute)
    space = build_space([(("x",), Uniform(0.0, 1.0))])
    history = [
        run(0, {"x": 0.1}, 1.0, history=(9.0, 1.0)),
        run(1, {"x": 0.2}, state=RunState.FAILED, history=(2.0, 0.5, 0.7, math.nan)),
        run(2, {"x": 0.3}, state=RunState.CRASHED),  # nothing logged: falls back to worst
        run(3, {"x": 0.4}, math.inf),  # finished with a non-finite metric: a failure
    ]
    observations = gather(space, metric, history)
    assert observations.losses.tolist() == [1.0, expected, 9.0, 9.0]
    assert observations.imputed == 3


def test_imputation_follows_the_goal() -> None:
    from sweeplab.search.bayes.observations import gather

    space = build_space([(("x",), Uniform(0.0, 1.0))])
    history = [
        run(0, {"x": 0.1}, 3.0),
        run(1, {"x": 0.2}, 5.0),
        run(2, {"x": 0.3}, state=RunState.FAILED),
    ]
    worst_of_max = gather(space, MetricSpec(LOSS, goal=Goal.MAXIMIZE), history)
    assert worst_of_max.losses.tolist() == [-3.0, -5.0, -3.0]


def test_stopped_runs_with_values_are_observations() -> None:
    from sweeplab.search.bayes.observations import gather

    space = build_space([(("x",), Uniform(0.0, 1.0))])
    history = [
        run(0, {"x": 0.1}, 1.0),
        run(1, {"x": 0.2}, 4.0, state=RunState.STOPPED, history=(6.0, 4.0)),
        run(2, {"x": 0.3}, state=RunState.STOPPED, history=(7.0, math.nan)),
        run(3, {"x": 0.4}, state=RunState.STOPPED),
    ]
    observations = gather(space, MetricSpec(LOSS), history)
    assert observations.losses.tolist() == [1.0, 4.0, 7.0, 7.0]
    assert observations.imputed == 1


def test_failed_runs_steer_the_model_away() -> None:
    config = sweep({"x": Uniform(0.0, 1.0)})
    history = [run(i, {"x": x}, 1.0 - x) for i, x in enumerate((0.1, 0.3, 0.5, 0.6, 0.7))]
    # Loss falls towards x = 1: without failures the model heads there.
    assert ask(config, history).config["x"] > 0.85
    failed = [run(10 + i, {"x": x}, state=RunState.FAILED) for i, x in enumerate((0.9, 0.95, 1.0))]
    proposed = ask(config, history + failed)
    assert proposed.info["imputed"] == 3
    assert proposed.config["x"] < 0.88


def test_runs_that_do_not_fit_the_space_are_ignored_and_counted() -> None:
    config = sweep(XY)
    history = [*random_history(config, 10, bowl), run(20, {"x": 0.5}, 0.1), run(21, {"z": 1}, 0.1)]
    proposed = ask(config, history)
    assert proposed.info["ignored_unencodable"] == 2
    assert proposed.info["observations"] == 10


def test_all_runs_failed_without_values_keeps_filling_the_space() -> None:
    config = sweep(XY)
    history = [run(i, {"x": i / 10, "y": 0.5}, state=RunState.FAILED) for i in range(8)]
    proposed = ask(config, history)
    assert proposed.info["phase"] == "initial"
    assert proposed.info["ignored_unimputable"] == 8
    assert "waiting" in proposed.info["reason"]


# --- goal, noise, fallback, convergence ----------------------------------------------------------


def test_minimize_and_maximize_go_opposite_ways() -> None:
    params = {"x": Uniform(0.0, 1.0)}
    history = [run(i, {"x": x}, (x - 0.2) ** 2) for i, x in enumerate(np.linspace(0.05, 0.95, 8))]
    low = ask(sweep(params, MetricSpec(LOSS, goal=Goal.MINIMIZE)), history)
    high = ask(sweep(params, MetricSpec(LOSS, goal=Goal.MAXIMIZE)), history)
    assert abs(low.config["x"] - 0.2) < 0.1
    assert high.config["x"] > 0.9
    assert high.info["predicted_value"] > low.info["predicted_value"]


def test_noisy_objective_is_modelled_with_noise_not_random() -> None:
    config = sweep(XY)
    rng = np.random.default_rng(4)
    history = random_history(config, 30, lambda c: bowl(c) + float(rng.normal(0.0, 0.05)))
    proposed = ask(config, history)
    assert proposed.info["phase"] == "model"
    assert proposed.info["noise_share"] > 0.02
    assert math.dist((proposed.config["x"], proposed.config["y"]), (0.3, 0.7)) < 0.3


def test_an_unfittable_model_falls_back_to_space_filling_and_says_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ModelFitError("kernel matrix is not positive definite")

    monkeypatch.setattr(bayes_model, "fit_hyperparameters", broken)
    config = sweep(XY)
    proposed = ask(config, random_history(config, 12, bowl))
    assert proposed.info["phase"] == "fallback"
    assert "not positive definite" in proposed.info["fallback_reason"]


def test_beats_random_search_on_a_quadratic() -> None:
    config = sweep(XY)
    bayes_best, random_best = [], []
    for seed in range(3):
        bayes_best.append(min(r.summary[LOSS] for r in optimize(config, bowl, 20, seed)))
        random_best.append(min(r.summary[LOSS] for r in random_history(config, 20, bowl, seed)))
    assert np.mean(bayes_best) < 0.1 * np.mean(random_best)
    assert max(bayes_best) < 1e-3


def test_no_free_candidate_falls_back_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bayes_model, "maximize_log_ei", lambda *args, **kwargs: None)
    config = sweep({"a": IntUniform(0, 50), "b": IntUniform(0, 50), "c": IntUniform(0, 50)})
    history = random_history(config, 12, lambda c: float(c["a"] + c["b"] + c["c"]))
    proposed = ask(config, history)
    assert proposed.info["phase"] == "fallback"
    assert "already been run" in proposed.info["fallback_reason"]
    taken = {(r.config["a"], r.config["b"], r.config["c"]) for r in history}
    assert (proposed.config["a"], proposed.config["b"], proposed.config["c"]) not in taken


def test_a_constant_metric_is_still_modelled_and_explores() -> None:
    config = sweep(XY)
    history = random_history(config, 10, lambda c: 1.0)
    proposed = ask(config, history)
    assert proposed.info["phase"] == "model"
    points = np.array([[r.config["x"], r.config["y"]] for r in history])
    gap = np.min(np.linalg.norm(points - [proposed.config["x"], proposed.config["y"]], axis=1))
    assert gap > 0.05  # nothing to exploit: it goes where the model knows least
