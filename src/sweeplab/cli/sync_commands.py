"""``sweeplab sync [PATHS]`` (upload run logs) and ``sweeplab offline|online`` (default mode)."""

from __future__ import annotations

import argparse
from pathlib import Path

from sweeplab.cli.common import (
    EXIT_FAILURE,
    EXIT_OK,
    add_store_option,
    error_console,
    open_cli_store,
    say,
    settings,
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sync = commands.add_parser(
        "sync",
        help="upload offline runs to the store (safe to repeat: twice is the same as once)",
        description="Replay run logs into the store. PATHS are run directories "
        "(offline-run-*), their log files, or directories holding offline-run-* directories; "
        "default: the sweeplab dir (SWEEPLAB_DIR, ./sweeplab).",
    )
    sync.add_argument("paths", nargs="*", metavar="PATH", help="run directories or their parents")
    sync.add_argument(
        "--include-synced", action="store_true", help="replay runs already synced too"
    )
    add_store_option(sync)
    sync.set_defaults(handler=_sync)
    for mode, effect in (
        ("offline", "runs write only their local log; sweeplab sync uploads them later"),
        ("online", "runs write to the store as they go (the default)"),
    ):
        parser = commands.add_parser(mode, help=f"make {mode} the default mode: {effect}")
        parser.set_defaults(handler=_set_mode, mode=mode, effect=effect)


def _sync(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from sweeplab.sdk.sync import find_run_dirs, sync_paths

    paths = [Path(path) for path in args.paths] or [settings().sweeplab_dir]
    run_dirs = find_run_dirs(paths)
    if not run_dirs:
        say(f"nothing to sync: no run logs under {', '.join(str(p) for p in paths)}")
        return EXIT_OK
    store = open_cli_store(args)
    with Progress(
        TextColumn("[bold]syncing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=error_console(),
    ) as progress:
        task = progress.add_task("", total=len(run_dirs))

        def advance(done: int, total: int, run_dir: Path) -> None:
            progress.update(task, completed=done, description=run_dir.name)

        report = sync_paths(run_dirs, store, advance, include_synced=args.include_synced)
    for line in report.lines():
        say(line)
    say(f"synced {len(report.synced)} of {len(report.runs)} runs, {report.new_rows} new rows")
    if not report.ok:
        say("error: some runs failed to sync (see above); fix them and run sweeplab sync again")
        return EXIT_FAILURE
    return EXIT_OK


def _set_mode(args: argparse.Namespace) -> int:
    from sweeplab.credentials import env_value
    from sweeplab.sdk.settings import save_mode

    path = save_mode(args.mode, settings().sweeplab_dir)
    say(f"{args.mode} mode is now the default: {args.effect} (saved in {path})")
    override = env_value("MODE")
    if override is not None and override.lower() != args.mode:
        say(f"warning: SWEEPLAB_MODE={override} is set and wins over this setting; unset it")
    return EXIT_OK
