"""``sweeplab agent ID [--count N]``: run a sweep's runs as subprocesses, with a progress bar."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from sweeplab.cli.common import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    add_store_option,
    error_console,
    open_cli_store,
    settings,
)

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from sweeplab.agents import AgentResult
    from sweeplab.domain import RunRecord, SweepRecord


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    agent = commands.add_parser(
        "agent",
        help="run a sweep's runs, one subprocess per run, until the sweep is done",
        description="Claim runs of sweep ID one at a time and run each with the sweep's command "
        "(default: ${env} ${interpreter} ${program} ${args}). Several agents may share a sweep. "
        "Ctrl-C passes the signal to the run and stops after it; press it again to kill the run.",
    )
    agent.add_argument(
        "sweep_id", metavar="ID", help="sweep id (ID, project/ID or entity/project/ID)"
    )
    agent.add_argument("--count", type=_positive_int, help="run at most N runs, then exit")
    agent.add_argument("--project", "-p", help="accepted for W&B compatibility; ignored")
    agent.add_argument("--entity", "-e", help="accepted for W&B compatibility; ignored")
    add_store_option(agent)
    agent.set_defaults(handler=_agent)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _agent(args: argparse.Namespace) -> int:
    import os

    from sweeplab.agents import (
        AgentExit,
        AgentLoop,
        AgentSettings,
        SubprocessLauncher,
        check_command,
        forwarding_signals,
    )
    from sweeplab.engine import Controller
    from sweeplab.sdk.sweeps import parse_sweep_path

    sweep_id, _ = parse_sweep_path(args.sweep_id)
    agent_settings = AgentSettings.from_env()
    controller = Controller(open_cli_store(args))
    sweep = controller.store.get_sweep(sweep_id)
    config = controller.sweep_config(sweep)
    reporter = RichReporter(error_console(), args.count)
    for warning in check_command(config.command, config.program, os.environ):
        reporter.warning(warning)
    environ = dict(os.environ)
    if args.store:
        # The child's init() must join the run in the same store the agent uses.
        environ["SWEEPLAB_STORE_URL"] = args.store
    launcher = SubprocessLauncher(
        work_dir=settings().sweeplab_dir,
        kill_grace_seconds=agent_settings.kill_grace_seconds,
        environ=environ,
    )
    loop = AgentLoop(
        controller,
        sweep_id,
        launcher,
        settings=agent_settings,
        count=args.count,
        reporter=reporter,
    )
    with reporter, forwarding_signals(launcher, loop.request_shutdown, reporter.message):
        result = loop.run()
    if result.exit is AgentExit.INTERRUPTED:
        return EXIT_INTERRUPTED
    return EXIT_FAILURE if result.exit.is_failure else EXIT_OK


class RichReporter:
    """Agent events as lines above a progress bar of runs done (out of ``--count``)."""

    def __init__(self, console: Console, count: int | None) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.console = console
        self.progress: Progress = Progress(
            TextColumn("[bold]runs"),
            BarColumn(),
            MofNCompleteColumn() if count is not None else TextColumn("{task.completed} done"),
            TextColumn("{task.description}"),
            console=console,
            transient=False,
        )
        self.task: TaskID = self.progress.add_task("", total=count)

    def __enter__(self) -> RichReporter:
        self.progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.progress.stop()

    def _line(self, text: str, style: str = "") -> None:
        self.progress.console.print(
            f"sweeplab: {text}", style=style or None, markup=False, highlight=False, soft_wrap=True
        )

    def agent_started(self, sweep: SweepRecord, count: int | None) -> None:
        budget = "" if count is None else f" for up to {count} runs"
        self._line(f"agent starting on sweep {sweep.sweep_id} ({sweep.name}){budget}")

    def run_started(self, run: RunRecord, number: int) -> None:
        from sweeplab.agents.reporting import describe_config

        self.progress.update(self.task, description=f"running {run.run_id}")
        self._line(f"run {number}: {run.run_id} with {describe_config(run.config)}")

    def run_ended(self, run: RunRecord, number: int) -> None:
        from sweeplab.agents.reporting import describe_end
        from sweeplab.domain import RunState

        style = {RunState.FINISHED: "green", RunState.STOPPED: "yellow"}.get(run.state, "red")
        self.progress.update(self.task, advance=1, description="")
        self._line(describe_end(run), style)

    def message(self, text: str) -> None:
        self._line(text)

    def warning(self, text: str) -> None:
        self._line(f"warning: {text}", "yellow")

    def agent_finished(self, result: AgentResult) -> None:
        self._line(result.message, "red" if result.exit.is_failure else "bold")
