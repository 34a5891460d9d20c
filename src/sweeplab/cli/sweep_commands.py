"""``sweeplab sweep`` (create, or pause/resume/stop/cancel) and ``sweeplab sweeps`` (a table)."""

from __future__ import annotations

import argparse
from collections import Counter

from sweeplab.cli.common import (
    EXIT_FAILURE,
    EXIT_OK,
    add_store_option,
    format_time,
    open_cli_store,
    output_console,
    say,
    settings,
)

_ACTIONS = ("stop", "cancel", "pause", "resume")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sweep = commands.add_parser(
        "sweep",
        help="create a sweep from a YAML config, or pause/resume/stop/cancel one",
        description="Create a sweep: sweeplab sweep config.yaml [--project P] (prints its id on "
        "stdout). Change one: sweeplab sweep --pause|--resume|--stop|--cancel ID. --stop lets "
        "running runs finish; --cancel also asks them to stop.",
    )
    sweep.add_argument(
        "target", nargs="?", metavar="CONFIG_OR_ID", help="a sweep config file, or a sweep id"
    )
    sweep.add_argument("--project", "-p", help="project of the sweep's runs")
    sweep.add_argument("--entity", "-e", help="accepted for W&B compatibility; ignored")
    actions = sweep.add_mutually_exclusive_group()
    for action in _ACTIONS:
        actions.add_argument(f"--{action}", action="store_true", help=f"{action} the sweep ID")
    add_store_option(sweep)
    sweep.set_defaults(handler=_sweep, parser=sweep)

    sweeps = commands.add_parser("sweeps", help="list sweeps in a table")
    sweeps.add_argument("--project", "-p", help="only this project's sweeps")
    add_store_option(sweeps)
    sweeps.set_defaults(handler=_sweeps)


def _sweep(args: argparse.Namespace) -> int:
    parser: argparse.ArgumentParser = args.parser
    action = next((name for name in _ACTIONS if getattr(args, name)), None)
    if args.target is None:
        if action is None:
            parser.error("give a sweep config file to create a sweep, or --pause/--resume/"
                         "--stop/--cancel with a sweep id")
        parser.error(f"--{action} needs the sweep id: sweeplab sweep --{action} ID")
    if action is not None:
        return _change_state(args, action)
    from sweeplab.sdk.sweeps import create_sweep_in

    record = create_sweep_in(open_cli_store(args), args.target, args.project, settings().project)
    print(record.sweep_id)
    return EXIT_OK


def _change_state(args: argparse.Namespace, action: str) -> int:
    from sweeplab.domain import RunState
    from sweeplab.engine import Controller
    from sweeplab.errors import StateTransitionError
    from sweeplab.sdk.sweeps import parse_sweep_path

    sweep_id, _ = parse_sweep_path(args.target)
    controller = Controller(open_cli_store(args))
    before = controller.store.get_sweep(sweep_id)
    try:
        after = getattr(controller, action)(sweep_id)
    except StateTransitionError:
        why = f" ({before.state_reason})" if before.state_reason else ""
        say(
            f"error: cannot {action} sweep {sweep_id}: it is {before.state.value}{why}, and a "
            f"{before.state.value} sweep cannot become {_TARGET_STATE[action]}"
        )
        return EXIT_FAILURE
    if after.state is before.state:
        say(f"sweep {sweep_id} is already {after.state.value}")
        return EXIT_OK
    running = sum(
        run.state is RunState.RUNNING for run in controller.store.sweep_runs(sweep_id)
    )
    say(f"sweep {sweep_id}: {before.state.value} → {after.state.value}")
    consequence = {
        "pause": f"no new runs start until sweeplab sweep --resume {sweep_id}; "
        f"{running} running run(s) go on",
        "resume": "agents pick up new runs again",
        "stop": f"no new runs start; {running} running run(s) finish on their own",
        "cancel": f"no new runs start; {running} running run(s) were asked to stop",
    }[action]
    say(consequence)
    return EXIT_OK


_TARGET_STATE = {"stop": "stopped", "cancel": "canceled", "pause": "paused", "resume": "running"}


def _sweeps(args: argparse.Namespace) -> int:
    from rich.table import Table

    store = open_cli_store(args)
    sweeps = store.list_sweeps(args.project)
    if not sweeps:
        where = f" in project {args.project!r}" if args.project else ""
        say(f"no sweeps{where} yet: create one with sweeplab sweep config.yaml")
        return EXIT_OK
    table = Table(title="sweeps")
    for column in ("id", "name", "project", "state", "method", "runs", "created", "why"):
        table.add_column(column, overflow="fold")
    for sweep in sweeps:
        counts = Counter(run.state.value for run in store.sweep_runs(sweep.sweep_id))
        runs = ", ".join(f"{count} {state}" for state, count in sorted(counts.items())) or "0"
        table.add_row(
            sweep.sweep_id,
            sweep.name,
            sweep.project,
            sweep.state.value,
            str(sweep.config.get("method", "")),
            runs,
            format_time(sweep.created_at),
            sweep.state_reason,
        )
    output_console().print(table)
    return EXIT_OK
