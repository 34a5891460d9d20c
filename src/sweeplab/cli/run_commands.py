"""``sweeplab runs`` (a table) and ``sweeplab export RUN`` (a run's history as CSV/Parquet)."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sweeplab.cli.common import (
    EXIT_FAILURE,
    EXIT_OK,
    add_store_option,
    format_time,
    open_cli_store,
    output_console,
    say,
)

DEFAULT_RUN_LIMIT = 100
# Longest config/summary text shown in a table cell.
_CELL_CHARS = 60


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from sweeplab.domain import RunState

    runs = commands.add_parser("runs", help="list runs in a table, newest first")
    runs.add_argument("--project", "-p", help="only this project's runs")
    runs.add_argument("--sweep", "-s", metavar="ID", help="only this sweep's runs")
    runs.add_argument(
        "--state", choices=[state.value for state in RunState], help="only runs in this state"
    )
    runs.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_RUN_LIMIT,
        help=f"show at most N runs (default {DEFAULT_RUN_LIMIT}; 0 for all)",
    )
    add_store_option(runs)
    runs.set_defaults(handler=_runs)

    export = commands.add_parser(
        "export",
        help="write a run's history (one row per step, one column per metric) as CSV or Parquet",
    )
    export.add_argument("run_id", metavar="RUN", help="run id")
    export.add_argument(
        "--format",
        "-f",
        choices=("csv", "parquet"),
        help="output format (default: from the -o file's suffix, else csv)",
    )
    export.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout, CSV)")
    add_store_option(export)
    export.set_defaults(handler=_export, parser=export)


def _runs(args: argparse.Namespace) -> int:
    from rich.table import Table

    from sweeplab.domain import RunState
    from sweeplab.store.base import RunQuery

    states = (RunState(args.state),) if args.state else ()
    store = open_cli_store(args)
    query = RunQuery(project=args.project, sweep_id=args.sweep, states=states, order="-created_at")
    runs = store.list_runs(query)
    if not runs:
        say("no runs match: check --project/--sweep/--state, or start one with sweeplab.init()")
        return EXIT_OK
    shown = runs if args.limit <= 0 else runs[: args.limit]
    table = Table(title=f"runs ({len(shown)} of {len(runs)})")
    for column in ("id", "name", "project", "sweep", "state", "created", "config", "summary"):
        table.add_column(column, overflow="fold")
    for run in shown:
        table.add_row(
            run.run_id,
            run.name,
            run.project,
            run.sweep_id or "",
            run.state.value,
            format_time(run.created_at),
            _short(run.config),
            _short(run.summary),
        )
    output_console().print(table)
    if len(shown) < len(runs):
        say(f"showing the newest {len(shown)} of {len(runs)} runs; --limit 0 shows all")
    return EXIT_OK


def _short(values: Mapping[str, Any]) -> str:
    text = ", ".join(f"{key}={_value_text(value)}" for key, value in values.items())
    return text if len(text) <= _CELL_CHARS else text[: _CELL_CHARS - 1] + "…"


def _value_text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def history_table(
    history: Mapping[str, Sequence[tuple[int, float]]],
) -> tuple[list[str], list[list[Any]]]:
    """A run's metrics as a wide table: ``step`` then one column per key (sorted); a step
    without a value for a key leaves that cell ``None``."""
    keys = sorted(history)
    by_step: dict[int, dict[str, float]] = {}
    for key in keys:
        for step, value in history[key]:
            by_step.setdefault(step, {})[key] = value
    rows = [[step, *(by_step[step].get(key) for key in keys)] for step in sorted(by_step)]
    return ["step", *keys], rows


def _export(args: argparse.Namespace) -> int:
    parser: argparse.ArgumentParser = args.parser
    output = Path(args.output) if args.output else None
    export_format = args.format or ("parquet" if output and output.suffix == ".parquet" else "csv")
    if export_format == "parquet" and output is None:
        parser.error("parquet is binary: give a file with -o FILE.parquet")
    store = open_cli_store(args)
    store.get_run(args.run_id)  # a clear NotFoundError for a wrong id
    header, rows = history_table(store.read_metrics(args.run_id))
    if export_format == "parquet":
        assert output is not None
        return _write_parquet(output, header, rows)
    if output is None:
        _write_csv(sys.stdout, header, rows)
    else:
        with output.open("w", newline="", encoding="utf-8") as handle:
            _write_csv(handle, header, rows)
        say(f"wrote {len(rows)} steps × {len(header) - 1} metrics of run {args.run_id} to {output}")
    return EXIT_OK


def _write_csv(handle: Any, header: list[str], rows: list[list[Any]]) -> None:
    writer = csv.writer(handle)
    writer.writerow(header)
    writer.writerows(["" if cell is None else cell for cell in row] for row in rows)


def _write_parquet(output: Path, header: list[str], rows: list[list[Any]]) -> int:
    columns = {name: [row[index] for row in rows] for index, name in enumerate(header)}
    try:
        _parquet_writer()(output, columns)
    except ImportError as error:
        say(
            f"error: Parquet export needs pyarrow (or pandas with fastparquet): {error}; "
            "pip install pyarrow, or export CSV with --format csv"
        )
        return EXIT_FAILURE
    say(f"wrote {len(rows)} steps × {len(header) - 1} metrics to {output}")
    return EXIT_OK


def _parquet_writer() -> Any:
    """A function writing ``{column: values}`` to a Parquet file: pyarrow's, else pandas'.

    Raises ImportError when neither can write Parquet here.
    """
    try:
        import pyarrow as pa  # type: ignore[import-not-found, unused-ignore]
        import pyarrow.parquet as pq  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        import pandas as pd  # type: ignore[import-untyped, import-not-found, unused-ignore]

        def write_with_pandas(output: Path, columns: dict[str, list[Any]]) -> None:
            pd.DataFrame(columns).to_parquet(output)  # ImportError without an engine

        return write_with_pandas

    def write_with_pyarrow(output: Path, columns: dict[str, list[Any]]) -> None:
        pq.write_table(pa.table(columns), str(output))

    return write_with_pyarrow
