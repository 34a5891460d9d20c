"""Sweep agents: the ask → launch → heartbeat → tell loop, and its launchers.

- :class:`AgentLoop` claims runs one by one and records how each ended.
- :class:`FunctionLauncher` calls a Python function in this process (``sweeplab.agent()``).
- :class:`SubprocessLauncher` runs the sweep's ``command`` per run (``sweeplab agent``).

See ``docs/agents.md`` for leases, stopping, failures and command macros.
"""

from sweeplab.agents.function_launcher import FunctionLauncher
from sweeplab.agents.launch import Launcher, RunAssignment, RunOutcome, StopFlag
from sweeplab.agents.loop import AgentLoop
from sweeplab.agents.macros import DEFAULT_COMMAND, CommandInputs, check_command, expand_command
from sweeplab.agents.reporting import AgentReporter, PrintReporter
from sweeplab.agents.result import AgentExit, AgentResult
from sweeplab.agents.settings import AgentSettings
from sweeplab.agents.signals import forwarding_signals
from sweeplab.agents.subprocess_launcher import SubprocessLauncher, sweep_param_path
from sweeplab.sdk.tracked_run import describe_error

__all__ = [
    "DEFAULT_COMMAND",
    "AgentExit",
    "AgentLoop",
    "AgentReporter",
    "AgentResult",
    "AgentSettings",
    "CommandInputs",
    "FunctionLauncher",
    "Launcher",
    "PrintReporter",
    "RunAssignment",
    "RunOutcome",
    "StopFlag",
    "SubprocessLauncher",
    "check_command",
    "describe_error",
    "expand_command",
    "forwarding_signals",
    "sweep_param_path",
]
