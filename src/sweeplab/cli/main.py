"""``sweeplab`` command line: the composition root that turns arguments into calls.

One module per command group registers its subcommands (``register``) and handles them:

| module | commands |
| --- | --- |
| ``config_commands`` | ``validate``, ``schema`` |
| ``sweep_commands`` | ``sweep``, ``sweeps`` |
| ``agent_command`` | ``agent`` |
| ``run_commands`` | ``runs``, ``export`` |
| ``sync_commands`` | ``sync``, ``offline``, ``online`` |
| ``db_commands`` | ``db upgrade`` |
| ``server_commands`` | ``server`` (and ``create-key``, ``list-keys``, ``revoke-key``), ``login`` |

Exit codes: 0 ok, 1 failure (with a message saying what to do), 2 usage, 130 interrupted.
See ``docs/cli.md``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from sweeplab import __version__
from sweeplab.cli import (
    agent_command,
    config_commands,
    db_commands,
    run_commands,
    server_commands,
    sweep_commands,
    sync_commands,
)
from sweeplab.cli.common import EXIT_FAILURE, EXIT_INTERRUPTED, close_cli_stores, say


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sweeplab", description="Self-hostable hyperparameter sweeps (W&B-compatible)."
    )
    parser.add_argument("--version", action="version", version=f"sweeplab {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sweep_commands.register(commands)
    agent_command.register(commands)
    run_commands.register(commands)
    sync_commands.register(commands)
    db_commands.register(commands)
    server_commands.register(commands)
    config_commands.register(commands)
    demo = commands.add_parser("demo", help="run a short demo sweep")
    demo.set_defaults(handler=_demo)
    return parser


def _demo(args: argparse.Namespace) -> int:
    from sweeplab.demo import main as demo_main

    return demo_main()


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns its exit code (argparse exits 2 itself on usage errors)."""
    from sweeplab.errors import SweeplabError

    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except SweeplabError as error:
        say(f"error: {error}")
        return EXIT_FAILURE
    except KeyboardInterrupt:
        say("interrupted")
        return EXIT_INTERRUPTED
    finally:
        close_cli_stores()
    return code


if __name__ == "__main__":
    raise SystemExit(main())
