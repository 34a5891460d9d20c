from __future__ import annotations

import pytest

from sweeplab.errors import ConfigError
from sweeplab.sweep_config.yaml_loader import parse_yaml


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1e-5", 1e-5),
        ("-2E+3", -2000.0),
        ("1.5", 1.5),
        ("1.e3", 1000.0),
        (".5", 0.5),
        ("10", 10),
        ("1_000", 1000),
        ("'1e-5'", "1e-5"),
        (".inf", float("inf")),
    ],
)
def test_numbers_follow_yaml_1_2(text: str, expected: object) -> None:
    value = parse_yaml(f"x: {text}")["x"]
    assert value == expected
    assert type(value) is type(expected)


def test_booleans_stay_yaml_1_1_like_wandb() -> None:
    assert parse_yaml("a: yes\nb: off\nc: true") == {"a": True, "b": False, "c": True}


def test_loader_change_does_not_leak_into_pyyaml() -> None:
    import yaml

    assert yaml.safe_load("x: 1e-5") == {"x": "1e-5"}


def test_duplicate_keys_are_refused_with_both_lines() -> None:
    with pytest.raises(
        ConfigError, match=r"duplicate key 'lr' \(first on line 2, again on line 4\)"
    ):
        parse_yaml("parameters:\n  lr: {value: 1}\n  bs: {value: 2}\n  lr: {value: 3}\n")


def test_syntax_error_names_line_and_column() -> None:
    with pytest.raises(ConfigError, match=r"cannot parse YAML \(sweep.yaml, line 1, column 9\)"):
        parse_yaml("a: [1, 2", origin="sweep.yaml")


def test_unprintable_character_error_is_wrapped() -> None:
    # PyYAML's ReaderError carries no line mark, unlike parser errors.
    with pytest.raises(ConfigError, match=r"cannot parse YAML \(<yaml>\): unacceptable character"):
        parse_yaml("a: \x07")
