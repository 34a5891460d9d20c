"""``sweeplab`` command line.

Subcommands so far: ``validate`` (check sweep configs), ``schema`` (print the config's JSON
Schema) and ``demo`` (the engine demo). The SDK issue adds sweep/agent/sync and friends.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from sweeplab import __version__


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sweeplab", description="Self-hostable hyperparameter sweeps (W&B-compatible)."
    )
    parser.add_argument("--version", action="version", version=f"sweeplab {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    validate = commands.add_parser("validate", help="check sweep config files and list problems")
    validate.add_argument("paths", nargs="+", metavar="CONFIG", help="YAML sweep config files")
    commands.add_parser("schema", help="print the JSON Schema of a sweep config")
    commands.add_parser("demo", help="run a short demo sweep of the engine")
    return parser


def _validate(paths: Sequence[str]) -> int:
    from sweeplab.config import load_sweep_config
    from sweeplab.errors import ConfigError

    failures = 0
    for path in paths:
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
    return 1 if failures else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    if args.command == "validate":
        return _validate(args.paths)
    if args.command == "schema":
        from sweeplab.config.json_schema import sweep_config_json_schema

        print(json.dumps(sweep_config_json_schema(), indent=2))
        return 0
    from sweeplab.demo import main as demo_main

    return demo_main()


if __name__ == "__main__":
    raise SystemExit(main())
