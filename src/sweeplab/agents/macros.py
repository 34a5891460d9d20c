"""W&B's sweep ``command`` macros, expanded the way W&B's agent expands them.

A sweep's ``command`` is a list of strings (default ``[${env}, ${interpreter}, ${program},
${args}]``). Expansion, per element:

1. ``${envvar:NAME}`` anywhere inside the element is replaced by the agent's environment
   variable ``NAME``. W&B silently passes the text ``NAME`` when the variable is unset;
   sweeplab refuses the command instead (:func:`check_command` says which variable is missing).
2. An element that is exactly ``${macro}`` is replaced by zero or more arguments:

   - ``${env}``: ``/usr/bin/env`` (nothing on Windows)
   - ``${interpreter}``: the agent's own Python, ``sys.executable`` (W&B uses ``python``)
   - ``${program}``: the sweep's ``program``
   - ``${args}``: ``--name=value`` per parameter
   - ``${args_no_equals}``: ``--name value`` (two arguments per parameter)
   - ``${args_no_hyphens}``: ``name=value``
   - ``${args_no_boolean_flags}``: ``--name`` for a true boolean, nothing for a false one,
     ``--name=value`` for everything else
   - ``${args_json}``: one argument, the parameters as a JSON object
   - ``${args_json_file}``: the path of a file holding that JSON object

   An unknown ``${macro}`` is dropped with a warning, as W&B drops it. A macro inside a longer
   element (``--cfg=${args_json_file}``) is left as written, as in W&B.
3. Anything else passes through unchanged.

Parameters are the run's config in its order, one per top-level key: a nested parameter is one
argument whose value is the nested dict written as Python writes it (``--opt={'lr': 0.1}``),
exactly as W&B's agent writes it. Programs with nested parameters should read ``${args_json}``
or the parameter file instead. Values are formatted with ``str()``, as W&B does: ``True``,
``0.001``, ``1e-05``.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sweeplab.errors import UsageError

DEFAULT_COMMAND: tuple[str, ...] = ("${env}", "${interpreter}", "${program}", "${args}")

_ENVVAR = re.compile(r"\$\{envvar:([A-Za-z_][A-Za-z0-9_]*)\}")
_PARAM_MACROS = (
    "args",
    "args_no_equals",
    "args_no_hyphens",
    "args_no_boolean_flags",
    "args_json",
)
KNOWN_MACROS = ("env", "interpreter", "program", *_PARAM_MACROS, "args_json_file")


@dataclass(frozen=True)
class CommandInputs:
    """What a command is built from, for one run."""

    params: Mapping[str, Any]
    program: str | None = None
    interpreter: str = field(default_factory=lambda: sys.executable)
    args_json_file: str = ""
    environ: Mapping[str, str] = field(default_factory=dict)
    windows: bool = sys.platform == "win32"


def check_command(
    command: Sequence[str] | None, program: str | None, environ: Mapping[str, str]
) -> list[str]:
    """Refuse a command that cannot be built on this agent; returns warnings to show.

    Raises :class:`~sweeplab.errors.UsageError` for ``${program}`` without a ``program`` in the
    sweep config, or ``${envvar:NAME}`` with ``NAME`` unset.
    """
    parts = list(DEFAULT_COMMAND if command is None else command)
    warnings: list[str] = []
    for position, part in enumerate(parts):
        for match in _ENVVAR.finditer(part):
            if match.group(1) not in environ:
                raise UsageError(
                    f"the sweep's command[{position}] is {part!r}, which needs the environment "
                    f"variable {match.group(1)}, but it is not set in the agent's environment: "
                    f"export {match.group(1)}=... before starting the agent"
                )
        name = _whole_macro(_ENVVAR.sub(lambda match: environ[match.group(1)], part))
        if name == "program" and not program:
            raise UsageError(
                "the sweep's command uses ${program} but its config has no 'program': add "
                "program: train.py (the script to run) to the sweep config, or give a command "
                "without ${program}"
            )
        if name is not None and name not in KNOWN_MACROS:
            warnings.append(
                f"command[{position}] {part!r} is not a known macro and is dropped (as W&B "
                f"does); known macros: {', '.join('${' + m + '}' for m in KNOWN_MACROS)}"
            )
    return warnings


def uses_macro(command: Sequence[str] | None, name: str) -> bool:
    """Whether the command has an element that is exactly ``${name}``."""
    return any(_whole_macro(part) == name for part in (command or DEFAULT_COMMAND))


def expand_command(command: Sequence[str] | None, inputs: CommandInputs) -> list[str]:
    """The argument list for one run (see the module docstring for the rules)."""
    values = macro_values(inputs)
    argv: list[str] = []
    for part in DEFAULT_COMMAND if command is None else command:
        text = _ENVVAR.sub(lambda match: inputs.environ.get(match.group(1), ""), str(part))
        name = _whole_macro(text)
        if name is None:
            argv.append(text)
        else:
            argv.extend(values.get(name, []))
    return argv


def macro_values(inputs: CommandInputs) -> dict[str, list[str]]:
    """What each whole-element macro expands to."""
    params = dict(inputs.params)
    args: list[str] = []
    no_equals: list[str] = []
    no_hyphens: list[str] = []
    no_boolean_flags: list[str] = []
    for name, value in params.items():
        text = str(value)
        args.append(f"--{name}={text}")
        no_equals += [f"--{name}", text]
        no_hyphens.append(f"{name}={text}")
        if isinstance(value, bool):
            if value:
                no_boolean_flags.append(f"--{name}")
        else:
            no_boolean_flags.append(f"--{name}={text}")
    return {
        "env": [] if inputs.windows else ["/usr/bin/env"],
        "interpreter": [inputs.interpreter],
        "program": [inputs.program] if inputs.program else [],
        "args": args,
        "args_no_equals": no_equals,
        "args_no_hyphens": no_hyphens,
        "args_no_boolean_flags": no_boolean_flags,
        "args_json": [json.dumps(params)],
        "args_json_file": [inputs.args_json_file] if inputs.args_json_file else [],
    }


def _whole_macro(part: str) -> str | None:
    if part.startswith("${") and part.endswith("}"):
        return part[2:-1]
    return None
