"""``sweeplab validate`` and ``sweeplab schema``: the sweep config language on its own."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sweeplab.cli.common import EXIT_FAILURE, EXIT_OK


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    validate = commands.add_parser("validate", help="check sweep config files and list problems")
    validate.add_argument("paths", nargs="+", metavar="CONFIG", help="YAML sweep config files")
    validate.set_defaults(handler=_validate)
    schema = commands.add_parser("schema", help="print the JSON Schema of a sweep config")
    schema.set_defaults(handler=_schema)


def _validate(args: argparse.Namespace) -> int:
    from sweeplab.errors import ConfigError
    from sweeplab.sweep_config import load_sweep_config

    failures = 0
    for path in args.paths:
        try:
            config = load_sweep_config(Path(path))
        except ConfigError as error:
            failures += 1
            print(f"{path}: {error}", file=sys.stderr)
            continue
        leaves = config.flat_parameters()
        print(f"{path}: ok ({config.method.value}, {len(leaves)} parameters)")
        for warning in config.warnings:
            print(f"{path}: warning: {warning}", file=sys.stderr)
    return EXIT_FAILURE if failures else EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    from sweeplab.sweep_config.json_schema import sweep_config_json_schema

    print(json.dumps(sweep_config_json_schema(), indent=2))
    return EXIT_OK
