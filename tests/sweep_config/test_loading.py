"""Every rule of the config loader: what it accepts, and the exact words of each violation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sweeplab.errors import ConfigError
from sweeplab.sweep_config import (
    Categorical,
    Constant,
    Goal,
    HyperbandSpec,
    Impute,
    ImputeWhileRunning,
    IntUniform,
    LogUniformValues,
    Method,
    Nested,
    QUniform,
    Uniform,
    load_sweep_config,
)


def _violations(config: Any) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_sweep_config(config)
    return [str(violation) for violation in caught.value.violations]


def _with_params(**parameters: Any) -> dict[str, Any]:
    return {"method": "random", "parameters": parameters}


# --- what is accepted -------------------------------------------------------------------------


def test_full_config_round_trip() -> None:
    config = load_sweep_config(
        {
            "method": "bayes",
            "metric": {"name": "val/loss", "goal": "minimize", "target": 0.1, "impute": "best"},
            "parameters": {
                "lr": {"distribution": "log_uniform_values", "min": 1e-5, "max": 0.1},
                "bs": {"values": [16, 32]},
                "epochs": {"value": 3},
                "width": {"min": 8, "max": 64},
                "dropout": {"min": 0.0, "max": 0.5},
                "opt": {"parameters": {"name": {"values": ["adam", "sgd"]}}},
            },
            "early_terminate": {"type": "hyperband", "min_iter": 3, "eta": 2},
            "run_cap": 20,
            "seed": 7,
            "program": "train.py",
            "command": ["${env}", "${interpreter}", "${program}", "${args}"],
            "name": "my sweep",
            "description": "d",
            "project": "p",
            "entity": "e",
            "controller": {"type": "local"},
        }
    )
    assert config.method is Method.BAYES
    assert config.metric is not None
    assert (config.metric.name, config.metric.goal, config.metric.target) == (
        "val/loss",
        Goal.MINIMIZE,
        0.1,
    )
    assert config.metric.impute is Impute.BEST
    assert config.parameters["lr"] == LogUniformValues(min=1e-5, max=0.1)
    assert config.parameters["bs"] == Categorical(values=(16, 32))
    assert config.parameters["epochs"] == Constant(value=3)
    assert config.parameters["width"] == IntUniform(min=8, max=64)
    assert config.parameters["dropout"] == Uniform(min=0.0, max=0.5)
    assert config.parameters["opt"] == Nested({"name": Categorical(values=("adam", "sgd"))})
    assert config.early_terminate == HyperbandSpec(min_iter=3, eta=2)
    assert (config.run_cap, config.seed, config.program) == (20, 7, "train.py")
    assert config.command == ("${env}", "${interpreter}", "${program}", "${args}")
    assert config.extras == {"controller": {"type": "local"}}
    assert [".".join(path) for path, _ in config.flat_parameters()] == [
        "bs",
        "dropout",
        "epochs",
        "lr",
        "opt.name",
        "width",
    ]


def test_defaults() -> None:
    config = load_sweep_config(
        {"method": "random", "metric": {"name": "m"}, "parameters": {"a": {"value": 1}}}
    )
    assert config.metric is not None
    assert config.metric.goal is Goal.MINIMIZE
    assert config.metric.impute is Impute.WORST
    assert config.metric.impute_while_running is ImputeWhileRunning.FALSE
    assert (config.run_cap, config.seed, config.early_terminate) == (None, None, None)


def test_yaml_text_source() -> None:
    config = load_sweep_config("method: grid\nparameters:\n  a: {values: [1, 2]}\n")
    assert config.method is Method.GRID


def test_impute_while_running_false_boolean_means_the_string() -> None:
    config = load_sweep_config(
        {
            "method": "bayes",
            "metric": {"name": "m", "impute_while_running": False},
            "parameters": {"a": {"min": 0.0, "max": 1.0}},
        }
    )
    assert config.metric is not None
    assert config.metric.impute_while_running is ImputeWhileRunning.FALSE


def test_weighted_categorical_spelled_like_wandb() -> None:
    config = load_sweep_config(
        _with_params(
            a={
                "distribution": "categorical_w_probabilities",
                "values": [1, 2],
                "probabilities": [0.25, 0.75],
            }
        )
    )
    assert config.parameters["a"] == Categorical(values=(1, 2), probabilities=(0.25, 0.75))


def test_int_uniform_accepts_whole_floats_as_json_schema_does() -> None:
    config = load_sweep_config(
        _with_params(a={"distribution": "int_uniform", "min": 1.0, "max": 4})
    )
    assert config.parameters["a"] == IntUniform(min=1, max=4)
    assert type(config.parameters["a"].min) is int


def test_quantized_default_q_is_the_integer_1() -> None:
    # W&B defaults q to 1.0 and so hands out batch sizes like 37.0; an int q gives ints.
    config = load_sweep_config(_with_params(a={"distribution": "q_uniform", "min": 0, "max": 10}))
    assert config.parameters["a"] == QUniform(min=0, max=10, q=1)
    assert type(config.parameters["a"].q) is int


def test_hyperband_max_iter_with_float_s() -> None:
    config = load_sweep_config(
        {
            "method": "random",
            "metric": {"name": "m"},
            "parameters": {"a": {"value": 1}},
            "early_terminate": {"type": "hyperband", "max_iter": 27.0, "s": 2.5, "strict": True},
        }
    )
    assert config.early_terminate == HyperbandSpec(max_iter=27, s=2.5, strict=True)


def test_grid_accepts_discrete_kinds() -> None:
    config = load_sweep_config(
        {
            "method": "grid",
            "parameters": {
                "a": {"values": [1, 2]},
                "b": {"value": 3},
                "c": {"min": 1, "max": 3},
                "d": {"distribution": "q_uniform", "min": 0, "max": 1, "q": 0.5},
            },
        }
    )
    assert len(config.parameters) == 4


# --- violations -------------------------------------------------------------------------------


def test_every_violation_is_reported_at_once() -> None:
    problems = _violations(
        {
            "method": "bayes",
            "metric": {"name": "loss", "goal": "min"},
            "parameters": {
                "lr": {"distribution": "log_uniform_values", "min": 0, "max": 0.1},
                "bs": {"values": [1, 2], "probabilities": [0.5, 0.6]},
                "wd": {"min": 0.1, "max": 0.01},
            },
            "early_terminate": {"type": "hyperband", "min_iter": 3, "eta": 1},
            "paramters": {},
        }
    )
    assert problems == [
        "paramters: unknown key (did you mean 'parameters'?)",
        "parameters.lr: log_uniform_values needs min > 0 (got min=0)",
        "parameters.bs: probabilities must sum to 1 (got sum=1.1)",
        "parameters.wd: uniform needs min < max (got min=0.1, max=0.01)",
        "metric.goal: must be 'minimize' or 'maximize' (got 'min')",
        "early_terminate.eta: must be a number > 1 (got 1)",
    ]


def test_error_message_lists_every_problem() -> None:
    with pytest.raises(ConfigError) as caught:
        load_sweep_config({"parameters": {"a": {"value": 1}}, "run_cap": 0})
    assert str(caught.value) == (
        "invalid sweep config (2 problems):\n"
        "  - method: is required: grid, random or bayes\n"
        "  - run_cap: must be an integer >= 1 (got 0)"
    )


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ([1, 2], "a sweep config must be a mapping of keys to values (got a list)"),
        ({"method": "random"}, "parameters: is required: say which hyperparameters to search"),
        (
            {"method": "optuna", "parameters": {"a": {"value": 1}}},
            "method: must be 'grid' or 'random' or 'bayes' (got 'optuna')",
        ),
        (
            {"method": "random", "parameters": {"a": {"value": 1}}, "metrics": []},
            "metrics: multi-objective 'metrics' is not supported; give a single 'metric'",
        ),
        (
            {"method": "random", "parameters": {"a": {"value": 1}}, "run_cap": 2.5},
            "run_cap: must be an integer >= 1 (got 2.5)",
        ),
        (
            {"method": "random", "parameters": {"a": {"value": 1}}, "seed": -1},
            "seed: must be an integer >= 0 (got -1)",
        ),
        (
            {"method": "random", "parameters": {"a": {"value": 1}}, "command": "python train.py"},
            "command: must be a list of strings such as [${env}, ${interpreter}, ${program}, ${args}]",
        ),
        (
            {"method": "random", "parameters": {"a": {"value": 1}}, "program": 3},
            "program: must be a string (got int)",
        ),
        (
            {"method": "bayes", "parameters": {"a": {"min": 0.0, "max": 1.0}}},
            "metric: bayes search needs a metric to optimize: add metric: {name, goal}",
        ),
        (
            {
                "method": "random",
                "parameters": {"a": {"value": 1}},
                "early_terminate": {"type": "hyperband", "min_iter": 1},
            },
            "metric: early_terminate needs a metric to judge runs by: add metric",
        ),
        (
            {
                "method": "grid",
                "parameters": {"opt": {"parameters": {"lr": {"min": 0.1, "max": 1.0}}}},
            },
            "parameters.opt.parameters.lr: grid search needs discrete parameters, but this one is "
            "uniform; list the points with values: [...], or use int_uniform or q_uniform",
        ),
    ],
)
def test_top_level_violations(config: Any, expected: str) -> None:
    assert expected in _violations(config)


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        ("loss", "metric: must be a mapping with 'name' and 'goal' (got the string 'loss')"),
        ({"goal": "maximize"}, "metric.name: must be the name of a logged metric (got None)"),
        ({"name": "m", "target": "high"}, "metric.target: must be a number (got 'high')"),
        (
            {"name": "m", "impute": "mean"},
            "metric.impute: must be 'worst' or 'best' or 'latest' (got 'mean')",
        ),
        (
            {"name": "m", "goal_": "maximize"},
            "metric.goal_: unknown key (did you mean 'goal'?); allowed keys: name, goal, target, "
            "impute, impute_while_running",
        ),
    ],
)
def test_metric_violations(metric: Any, expected: str) -> None:
    config = {"method": "random", "parameters": {"a": {"value": 1}}, "metric": metric}
    assert expected in _violations(config)


@pytest.mark.parametrize(
    "early_terminate",
    [
        {"type": "hyperband", "max_iter": 2, "s": 1, "eta": 3},
        {"type": "hyperband", "max_iter": 27, "s": 0.5},
    ],
)
def test_hyperband_without_any_band_is_refused_at_load_time(early_terminate: Any) -> None:
    config = {
        "method": "random",
        "metric": {"name": "m"},
        "parameters": {"a": {"value": 1}},
        "early_terminate": early_terminate,
    }
    (problem,) = _violations(config)
    assert problem.startswith(f"early_terminate: max_iter={early_terminate['max_iter']}")
    assert problem.endswith(
        "gives no band (bands are max_iter/eta^k for k = 1..s, each at least 1): raise max_iter or s, or lower eta"
    )


@pytest.mark.parametrize(
    ("early_terminate", "expected"),
    [
        (
            "hyperband",
            "early_terminate: must be a mapping such as {type: hyperband, min_iter: 3} "
            "(got the string 'hyperband')",
        ),
        (
            {"type": "median", "min_iter": 2},
            "early_terminate.type: must be 'hyperband' (got 'median')",
        ),
        ({"type": "hyperband"}, "early_terminate: hyperband needs min_iter, or max_iter with s"),
        (
            {"type": "hyperband", "min_iter": 1, "max_iter": 9, "s": 2},
            "early_terminate: give either min_iter, or max_iter with s, not both",
        ),
        (
            {"type": "hyperband", "max_iter": 9},
            "early_terminate: max_iter and s go together: add s",
        ),
        (
            {"type": "hyperband", "s": 2},
            "early_terminate: max_iter and s go together: add max_iter",
        ),
        (
            {"type": "hyperband", "min_iter": 0},
            "early_terminate.min_iter: must be an integer >= 1 (got 0)",
        ),
        (
            {"type": "hyperband", "max_iter": 9, "s": 0},
            "early_terminate.s: must be a number > 0 (got 0)",
        ),
        (
            {"type": "hyperband", "min_iter": 2, "strict": "yes"},
            "early_terminate.strict: must be true or false (got 'yes')",
        ),
        (
            {"type": "hyperband", "min_iter": 2, "etta": 3},
            "early_terminate.etta: unknown key (did you mean 'eta'?); allowed keys: type, min_iter, "
            "max_iter, s, eta, strict",
        ),
    ],
)
def test_hyperband_violations(early_terminate: Any, expected: str) -> None:
    config = {
        "method": "random",
        "metric": {"name": "m"},
        "parameters": {"a": {"value": 1}},
        "early_terminate": early_terminate,
    }
    assert expected in _violations(config)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            0.1,
            "parameters.p: must be a mapping such as {values: [...]} or {value: ...} "
            "(got float); for a constant write `value: 0.1`",
        ),
        (
            {},
            "parameters.p: cannot tell the distribution (got nothing); give `values: [...]`, "
            "`value: ...`, `min` and `max`, nested `parameters`, or a `distribution` with its "
            "arguments",
        ),
        (
            {"mu": 0, "sigma": 1},
            "parameters.p: cannot tell the distribution (got mu, sigma); give "
            "`values: [...]`, `value: ...`, `min` and `max`, nested "
            "`parameters`, or a `distribution` with its arguments",
        ),
        (
            {"distribution": "uniformm", "min": 0, "max": 1},
            "parameters.p.distribution: unknown distribution 'uniformm' (did you mean 'uniform'?); "
            "choose one of constant, categorical, int_uniform, uniform, q_uniform, log_uniform, "
            "log_uniform_values, q_log_uniform, q_log_uniform_values, inv_log_uniform, "
            "inv_log_uniform_values, normal, q_normal, log_normal, q_log_normal, beta, q_beta",
        ),
        (
            {"distribution": "normal", "mu": 0, "sigma": 1, "min": 0},
            "parameters.p.min: unknown key for normal; allowed keys: distribution, mu, sigma",
        ),
        ({"distribution": "uniform", "min": 0}, "parameters.p: uniform needs 'max'"),
        (
            {"min": "1e-5", "max": 0.1, "distribution": "log_uniform_values"},
            "parameters.p.min: must be a number, got the string '1e-5' (write it without quotes)",
        ),
        ({"min": "low", "max": 0.1}, "parameters.p.min: must be a number, got the string 'low'"),
        ({"values": "adam"}, "parameters.p.values: must be a list (got the string 'adam')"),
        ({"values": []}, "parameters.p: values must list at least one value"),
        (
            {"values": [1, 2], "probabilities": [1.0]},
            "parameters.p: probabilities must have one entry per value (got 1 probabilities for 2 "
            "values)",
        ),
        (
            {"values": [1, 2], "probabilities": [-0.5, 1.5]},
            "parameters.p: probabilities must be numbers >= 0 (got -0.5)",
        ),
        (
            {"distribution": "int_uniform", "min": 1.5, "max": 4},
            "parameters.p: int_uniform needs integer min (got 1.5)",
        ),
        (
            {"distribution": "int_uniform", "min": 4, "max": 4},
            "parameters.p: int_uniform needs min < max (got min=4, max=4)",
        ),
        ({"min": 1, "max": float("nan")}, "parameters.p: max must be a finite number (got nan)"),
        (
            {"distribution": "q_uniform", "min": 0, "max": 1, "q": 0},
            "parameters.p: q must be a number > 0 (got q=0)",
        ),
        (
            {"distribution": "q_uniform", "min": 0.1, "max": 0.2, "q": 1},
            "parameters.p: q_uniform has no multiple of q=1 between 0.1 and 0.2; use a smaller q",
        ),
        (
            {"distribution": "q_log_uniform_values", "min": 0.1, "max": 0.2, "q": 0.5},
            "parameters.p: q_log_uniform_values has no multiple of q=0.5 between 0.1 and 0.2; use a smaller q",
        ),
        (
            {"distribution": "q_log_uniform", "min": 0, "max": 0.5, "q": 2},
            "parameters.p: q_log_uniform has no multiple of q=2 between 1 and 1.64872; use a smaller q",
        ),
        (
            {"distribution": "log_uniform", "min": 0, "max": 1000},
            "parameters.p: log_uniform takes base-e exponents and exp(1000) overflows; did you mean "
            "log_uniform_values?",
        ),
        (
            {"distribution": "inv_log_uniform_values", "min": -1, "max": 1},
            "parameters.p: inv_log_uniform_values needs min > 0 (got min=-1)",
        ),
        (
            {"distribution": "normal", "sigma": 0},
            "parameters.p: normal needs sigma > 0 (got sigma=0)",
        ),
        ({"distribution": "beta", "a": 0}, "parameters.p: beta needs a > 0 (got a=0)"),
        ({"distribution": "q_beta", "q": -1}, "parameters.p: q must be a number > 0 (got q=-1)"),
        (
            {"parameters": {"x": {"value": 1}}, "values": [1]},
            "parameters.p: a parameter with nested 'parameters' takes no other keys (got values)",
        ),
        ({"parameters": {}}, "parameters.p.parameters: must define at least one parameter"),
        (
            {"parameters": [1]},
            "parameters.p.parameters: must be a mapping of parameter names to specs (got a list)",
        ),
        (
            {"parameters": {"x": {"min": 2, "max": 1}}},
            "parameters.p.parameters.x: int_uniform needs min < max (got min=2, max=1)",
        ),
    ],
)
def test_parameter_violations(spec: Any, expected: str) -> None:
    assert expected in _violations(_with_params(p=spec))


def test_parameter_name_rules() -> None:
    assert _violations({"method": "random", "parameters": {"9lives": {"value": 1}}}) == [
        "parameters.9lives: parameter name '9lives' must start with a letter or '_' and contain "
        "only letters, digits, '_', '.' and '-'"
    ]


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError, match=r"sweep config file not found: .*nope\.yaml"):
        load_sweep_config(missing)
    with pytest.raises(ConfigError, match="sweep config file not found"):
        load_sweep_config(str(missing))


def test_yaml_text_that_is_not_a_mapping() -> None:
    assert _violations("just words") == [
        "a sweep config must be a mapping of keys to values (got the string 'just words')"
    ]
