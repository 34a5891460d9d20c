"""The benchmark harness: space translation, optimizers, regret statistics and timing rules."""

from __future__ import annotations

import time

import numpy as np
import pytest

from benchmarks.methods import (
    NUMPY_RANDOM,
    OPTUNA_TPE,
    SWEEPLAB_BAYES,
    SWEEPLAB_RANDOM,
    _missing_module,
    draw_uniform,
    make_optimizer,
    optuna_distributions,
    sweep_config,
    sweeplab_spec,
    unavailable_reason,
)
from benchmarks.problems import get_problem
from benchmarks.regret import mean_ranks, regret_after, spread
from benchmarks.search_quality import (
    Task,
    TaskResult,
    checkpoints_for,
    parse_args,
    render_report,
    run_task,
)
from benchmarks.suggest_latency import MAX_CALLS, MIN_CALLS, time_calls
from sweeplab.sweep_config.params import Categorical, IntUniform, LogUniformValues, Uniform
from sweeplab.sweep_config.sweep import Goal, Method


def test_the_mixed_space_keeps_log_scale_integers_and_categories_for_sweeplab() -> None:
    config = sweep_config(get_problem("mixed"), Method.BAYES)
    assert config.method is Method.BAYES
    assert config.metric is not None and config.metric.goal is Goal.MINIMIZE
    assert config.parameters == {
        "lr": LogUniformValues(min=1e-5, max=1.0),
        "width": IntUniform(min=8, max=512),
        "activation": Categorical(values=("relu", "tanh", "gelu", "sigmoid")),
        "dropout": Uniform(min=0.0, max=0.5),
    }
    assert isinstance(sweeplab_spec(get_problem("branin").dimensions[0]), Uniform)


def test_the_mixed_space_keeps_log_scale_integers_and_categories_for_optuna() -> None:
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    distributions = optuna_distributions(get_problem("mixed"))
    assert distributions["lr"] == FloatDistribution(1e-5, 1.0, log=True)
    assert distributions["width"] == IntDistribution(8, 512)
    assert distributions["activation"] == CategoricalDistribution(
        ["relu", "tanh", "gelu", "sigmoid"]
    )
    assert distributions["dropout"] == FloatDistribution(0.0, 0.5)


def test_uniform_draws_stay_in_the_space_and_spread_over_the_log_scale() -> None:
    problem = get_problem("mixed")
    rng = np.random.default_rng(3)
    draws = [draw_uniform(problem, rng) for _ in range(2000)]
    for draw in draws:
        problem.evaluate(draw)  # raises if any value is outside the space
    # Log-uniform on [1e-5, 1]: about a fifth of the draws fall in each decade.
    below_1e_4 = np.mean([d["lr"] < 1e-4 for d in draws])
    assert 0.15 < below_1e_4 < 0.25
    assert {d["activation"] for d in draws} == {"relu", "tanh", "gelu", "sigmoid"}


@pytest.mark.parametrize("method", [NUMPY_RANDOM, SWEEPLAB_RANDOM, SWEEPLAB_BAYES, OPTUNA_TPE])
def test_each_optimizer_proposes_configs_inside_the_space(method: str) -> None:
    if unavailable_reason(method) is not None:
        pytest.skip(f"{method} unavailable: {unavailable_reason(method)}")
    problem = get_problem("mixed")
    optimizer = make_optimizer(method, problem, seed=1)
    for _ in range(15):  # past the initial design, into model-based suggestions
        config = optimizer.ask()
        optimizer.tell(config, problem.evaluate(config))


def test_make_optimizer_rejects_an_unknown_method() -> None:
    with pytest.raises(ValueError, match="unknown method 'hyperopt'"):
        make_optimizer("hyperopt", get_problem("branin"), seed=0)


def test_unavailable_reason_names_what_is_missing() -> None:
    assert unavailable_reason(NUMPY_RANDOM) is None
    with pytest.raises(ValueError, match="unknown method"):
        unavailable_reason("hyperopt")
    missing = _missing_module("sweeplab.search.no_such_method")
    assert missing is not None and "cannot import sweeplab.search.no_such_method" in missing
    assert _missing_module("math", "no_such_function") == "math has no no_such_function yet"
    assert _missing_module("math", "sqrt") is None


def test_regret_is_the_best_so_far_above_the_reference_floored_at_zero() -> None:
    values = [5.0, 3.0, 4.0, 1.0]
    assert regret_after(values, 1, 0.5) == 4.5
    assert regret_after(values, 3, 0.5) == 2.5
    assert regret_after(values, 4, 2.0) == 0.0


@pytest.mark.parametrize("trials", [0, 5])
def test_regret_needs_a_checkpoint_inside_the_trajectory(trials: int) -> None:
    with pytest.raises(ValueError, match="trials"):
        regret_after([1.0, 2.0], trials, 0.0)


def test_spread_gives_median_and_quartiles() -> None:
    cell = spread([1.0, 2.0, 3.0, 4.0, 5.0])
    assert (cell.median, cell.q25, cell.q75, cell.count) == (3.0, 2.0, 4.0, 5)
    assert cell.format() == "3 [2, 4]"
    with pytest.raises(ValueError, match="at least one"):
        spread([])


def test_mean_ranks_average_within_problem_ranks_and_share_ties() -> None:
    ranks = mean_ranks(
        {
            "p1": {"a": 0.1, "b": 0.2, "c": 0.3},
            "p2": {"a": 0.5, "b": 0.5, "c": 0.1},
            "p3": {"a": 1.0, "b": 2.0},  # c has no result here
        }
    )
    assert ranks == pytest.approx({"a": (1 + 2.5 + 1) / 3, "b": (2 + 2.5 + 2) / 3, "c": 2.0})


def test_checkpoints_stop_at_the_trial_count() -> None:
    assert checkpoints_for(100) == [25, 50, 100]
    assert checkpoints_for(30) == [25, 30]
    assert checkpoints_for(10) == [10]


def test_a_task_records_every_value_and_its_time() -> None:
    result = run_task(Task("branin", NUMPY_RANDOM, seed=0, trials=7))
    assert result.error is None
    assert len(result.values) == 7
    assert result.optimizer_seconds >= 0.0 and result.objective_seconds > 0.0


def test_a_broken_method_ends_its_task_with_an_error_instead_of_raising() -> None:
    result = run_task(Task("branin", "hyperopt", seed=0, trials=3))
    assert result.values == ()
    assert result.error is not None and "ValueError: unknown method 'hyperopt'" in result.error


def test_quick_mode_shrinks_the_run_and_bad_counts_are_refused() -> None:
    args = parse_args(["--quick"])
    assert (args.seeds, args.trials) == (3, 30)
    assert args.problems == ["branin", "hartmann6", "mixed"]
    assert args.output.name == "search_quality_quick.md"
    defaults = parse_args([])
    assert (defaults.seeds, defaults.trials, defaults.jobs) == (10, 100, 2)
    assert len(defaults.problems) == 6
    with pytest.raises(SystemExit):
        parse_args(["--seeds", "0"])


def test_a_fast_call_is_repeated_up_to_the_call_cap() -> None:
    assert len(time_calls(lambda rep: rep, budget_seconds=60.0).seconds) == MAX_CALLS


def test_a_cell_makes_at_least_the_minimum_calls_once_the_budget_is_spent() -> None:
    timing = time_calls(lambda rep: time.sleep(0.002), budget_seconds=0.003)
    assert len(timing.seconds) == MIN_CALLS
    assert timing.median_ms >= 2.0


def test_a_call_longer_than_four_budgets_is_timed_once() -> None:
    timing = time_calls(lambda rep: time.sleep(0.01), budget_seconds=0.001)
    assert len(timing.seconds) == 1
    assert timing.p90_ms >= 10.0


def _result(problem: str, method: str, seed: int, values: list[float]) -> TaskResult:
    return TaskResult(Task(problem, method, seed, len(values)), tuple(values), 0.5, 0.25)


def test_the_report_tables_regret_ranks_and_flags_missing_seeds_and_problems() -> None:
    args = parse_args(["--seeds", "2", "--trials", "2", "--problems", "branin", "digits"])
    results = [
        # branin's optimum is 0.397887: a reaches it, b stays 1 above.
        _result("branin", "a", 0, [3.0, 0.397887]),
        _result("branin", "a", 1, [0.397887, 5.0]),
        _result("branin", "b", 0, [1.397887, 2.0]),
        _result("branin", "b", 1, [1.397887, 1.397887]),
        # digits has no known optimum: the reference is the best error seen (0.01).
        _result("digits", "a", 0, [0.05, 0.02]),
        _result("digits", "a", 1, [0.03, 0.03]),
        TaskResult(Task("digits", "b", 0, 2), (0.01,), 0.1, 0.1, error="after 1 trials: boom"),
        _result("digits", "b", 1, [0.04, 0.01]),
    ]
    report = render_report(
        results,
        problems=["branin", "digits"],
        methods=["a", "b"],
        unavailable={"c": "cannot import c"},
        args=args,
        wall_seconds=1.0,
        worker_environment=["- env"],
    )
    assert "| branin | 0 [0, 0] | 1 [1, 1] |" in report
    assert "reference = best error any method reached in this run (0.01)" in report
    # digits after 2 trials: a's regrets 0.01 and 0.02; b has one finished seed at regret 0.
    assert "| digits | 0.015 [0.0125, 0.0175] | 0 [0, 0] (n=1) |" in report
    assert "| **mean rank** | **1.50** | **1.50** |" in report
    assert "- c: cannot import c" in report
    assert "- digits / b / seed 0: after 1 trials: boom" in report


def test_a_method_without_results_on_a_problem_is_ranked_on_the_rest() -> None:
    args = parse_args(["--seeds", "1", "--trials", "1", "--problems", "branin", "levy5"])
    results = [
        _result("branin", "a", 0, [1.0]),
        _result("branin", "b", 0, [2.0]),
        _result("levy5", "a", 0, [1.0]),
    ]
    report = render_report(
        results,
        problems=["branin", "levy5"],
        methods=["a", "b"],
        unavailable={},
        args=args,
        wall_seconds=1.0,
        worker_environment=[],
    )
    assert "| levy5 | 1 [1, 1] | n/a |" in report
    assert "| **mean rank** | **1.00** | **2.00** (1 of 2) |" in report
