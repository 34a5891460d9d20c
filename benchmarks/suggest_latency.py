"""Suggest latency: milliseconds for one suggestion given N finished runs, one thread.

    python benchmarks/suggest_latency.py [--sizes 10 100 500 1000 2000] [--problem hartmann6]
                                         [--budget-seconds 4] [--output PATH] [--quick]

For each N the history is N configs drawn uniformly (numpy, seed 0) from the problem's space with
their objective values (Hartmann6 by default: 6 continuous parameters). Each method then makes
one suggestion from that history, repeatedly:

- ``sweeplab-bayes``: ``sweeplab.search.suggest(config, history, seed)`` with N finished
  ``RunRecord`` objects (a pure function: no state carries over between calls);
- ``optuna-tpe`` / ``optuna-gp``: ``study.ask(distributions)`` on a study holding the same N
  completed trials (``study.add_trials`` of ``create_trial``), with a fresh sampler for each
  call, so Optuna's GP gets no kernel warm start from an earlier call on the same data (sweeplab
  has none either). Each asked trial is told FAIL, which both samplers ignore.

Everything runs in this one process with BLAS, OpenMP and torch held to one thread. A cell
repeats its call until it has spent ``--budget-seconds`` and made at least 3 calls, stopping at
30 calls; a call slower than ``4 × budget`` is timed once (Optuna's GP at N=2000). The report
gives median and 90th-percentile milliseconds per cell and ratios against Optuna TPE measured
in the same run.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    # Run as a file: make the repository root importable so ``benchmarks.*`` resolves.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from benchmarks.methods import (
    METRIC_NAME,
    OPTUNA_GP,
    OPTUNA_TPE,
    SWEEPLAB_BAYES,
    draw_uniform,
    limit_torch_threads,
    optuna_distributions,
    sweep_config,
    unavailable_reason,
)
from benchmarks.problems import PROBLEMS, Problem, get_problem
from benchmarks.report import environment_lines, markdown_table
from sweeplab.domain.records import RunRecord
from sweeplab.domain.states import RunState
from sweeplab.sweep_config.sweep import Method

RESULTS_DIR = Path(__file__).resolve().parent / "results"
DEFAULT_SIZES = (10, 100, 500, 1000, 2000)
QUICK_SIZES = (10, 100, 500)
METHODS = (SWEEPLAB_BAYES, OPTUNA_TPE, OPTUNA_GP)
BASELINE = OPTUNA_TPE
MIN_CALLS = 3
MAX_CALLS = 30
# A call this many budgets long is timed once: repeating it would not change the picture.
SINGLE_CALL_FACTOR = 4.0


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds of repeated calls in one cell."""

    seconds: tuple[float, ...]

    @property
    def median_ms(self) -> float:
        return 1000.0 * float(np.median(self.seconds))

    @property
    def p90_ms(self) -> float:
        return 1000.0 * float(np.percentile(self.seconds, 90))


def time_calls(call: Callable[[int], object], budget_seconds: float) -> Timing:
    """Time ``call(repetition)`` until the budget and call-count rules above say stop."""
    seconds: list[float] = []
    spent = 0.0
    while len(seconds) < MAX_CALLS:
        started = time.perf_counter()
        call(len(seconds))
        elapsed = time.perf_counter() - started
        seconds.append(elapsed)
        spent += elapsed
        enough_calls = len(seconds) >= MIN_CALLS
        if spent >= budget_seconds and (
            enough_calls or elapsed >= SINGLE_CALL_FACTOR * budget_seconds
        ):
            break
    return Timing(tuple(seconds))


def random_history(problem: Problem, size: int) -> list[tuple[dict[str, Any], float]]:
    """``size`` configs drawn uniformly (seed 0) with their objective values."""
    rng = np.random.default_rng(0)
    configs = [draw_uniform(problem, rng) for _ in range(size)]
    return [(config, problem.evaluate(config)) for config in configs]


def sweeplab_caller(
    problem: Problem, history: Sequence[tuple[Mapping[str, Any], float]]
) -> Callable[[int], object]:
    """A call making one sweeplab bayes suggestion from ``history`` (seed = repetition)."""
    from sweeplab.search import suggest

    config = sweep_config(problem, Method.BAYES)
    records = [
        RunRecord(
            run_id=f"run-{index}",
            state=RunState.FINISHED,
            config=dict(values),
            summary={METRIC_NAME: value},
        )
        for index, (values, value) in enumerate(history)
    ]

    def call(repetition: int) -> object:
        return suggest(config, records, repetition)

    return call


def optuna_caller(
    problem: Problem, history: Sequence[tuple[Mapping[str, Any], float]], method: str
) -> Callable[[int], object]:
    """A call making one Optuna ask from a study holding ``history`` (fresh sampler per call)."""
    import optuna
    from optuna.samplers import GPSampler, TPESampler
    from optuna.trial import TrialState, create_trial

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    distributions = optuna_distributions(problem)
    sampler_class = GPSampler if method == OPTUNA_GP else TPESampler
    study = optuna.create_study(direction="minimize")
    study.add_trials(
        [
            create_trial(params=dict(values), distributions=distributions, value=value)
            for values, value in history
        ]
    )

    def call(repetition: int) -> object:
        # The sampler is built outside the timed part of a real sweep too; it is cheap.
        study.sampler = sampler_class(seed=repetition)
        trial = study.ask(distributions)
        study.tell(trial, state=TrialState.FAIL)
        return trial.params

    return call


def make_caller(
    method: str, problem: Problem, history: Sequence[tuple[Mapping[str, Any], float]]
) -> Callable[[int], object]:
    if method == SWEEPLAB_BAYES:
        return sweeplab_caller(problem, history)
    return optuna_caller(problem, history, method)


def _cell(timing: Timing | None) -> str:
    if timing is None:
        return "n/a"
    return f"{timing.median_ms:.1f} ({timing.p90_ms:.1f}, {len(timing.seconds)})"


def _ratio(numerator: Timing | None, denominator: Timing | None) -> str:
    if numerator is None or denominator is None:
        return "n/a"
    return f"{numerator.median_ms / denominator.median_ms:.2f}"


def render_report(
    timings: Mapping[tuple[str, int], Timing],
    *,
    sizes: Sequence[int],
    methods: Sequence[str],
    unavailable: Mapping[str, str],
    problem: Problem,
    budget_seconds: float,
    wall_seconds: float,
    environment: Sequence[str],
) -> str:
    """The markdown report: one row per N, a column per method, ratios to the baseline."""
    others = [m for m in methods if m != BASELINE]
    header = ["N", *methods, *(f"{m} / {BASELINE}" for m in others)]
    rows = [
        [
            str(size),
            *(_cell(timings.get((m, size))) for m in methods),
            *(_ratio(timings.get((m, size)), timings.get((BASELINE, size))) for m in others),
        ]
        for size in sizes
    ]
    lines = [
        "# Suggest latency",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, wall time {wall_seconds:.0f} s. Command: "
        f"`python benchmarks/suggest_latency.py {' '.join(sys.argv[1:])}`".rstrip(),
        "",
        f"One suggestion given N finished runs of **{problem.name}** ({problem.description}), "
        "history drawn uniformly with numpy seed 0. Cells: median ms (p90 ms, calls); "
        f"cells repeat for about {budget_seconds:g} s (3 to {MAX_CALLS} calls, a single call "
        f"when one takes over {SINGLE_CALL_FACTOR * budget_seconds:g} s). Ratios are medians "
        f"divided by {BASELINE}'s in the same process. Optuna gets a fresh sampler per call "
        "(no GP warm start). BLAS, OpenMP and torch: one thread.",
        "",
        markdown_table(header, rows),
    ]
    if unavailable:
        lines.extend(["", "Methods not run:", ""])
        lines.extend(f"- {method}: {reason}" for method, reason in unavailable.items())
    lines.extend(["", "Environment:", "", *environment, ""])
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", nargs="+", type=int, default=None, help="history sizes N")
    parser.add_argument("--problem", choices=list(PROBLEMS), default="hartmann6")
    parser.add_argument("--methods", nargs="+", choices=list(METHODS), default=list(METHODS))
    parser.add_argument(
        "--budget-seconds", type=float, default=None, help="time per cell (default 4, quick 1)"
    )
    parser.add_argument("--quick", action="store_true", help="N = 10, 100, 500; 1 s per cell")
    parser.add_argument("--output", type=Path, default=None, help="markdown file to write")
    args = parser.parse_args(argv)
    if args.sizes is None:
        args.sizes = list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    if args.budget_seconds is None:
        args.budget_seconds = 1.0 if args.quick else 4.0
    if args.output is None:
        name = "suggest_latency_quick.md" if args.quick else "suggest_latency.md"
        args.output = RESULTS_DIR / name
    if min(args.sizes) < 1 or args.budget_seconds <= 0:
        parser.error("--sizes must be at least 1 and --budget-seconds positive")
    if BASELINE not in args.methods:
        parser.error(f"--methods must include the baseline {BASELINE}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    from threadpoolctl import threadpool_limits

    args = parse_args(argv)
    problem = get_problem(args.problem)
    unavailable = {
        method: reason
        for method in args.methods
        if (reason := unavailable_reason(method)) is not None
    }
    for method, reason in unavailable.items():
        print(f"{method}: unavailable, skipped: {reason}", file=sys.stderr)
    methods = [m for m in args.methods if m not in unavailable]
    started = time.perf_counter()
    timings: dict[tuple[str, int], Timing] = {}
    with threadpool_limits(limits=1):
        if OPTUNA_GP in methods:
            limit_torch_threads()
        # One untimed call per method first, so imports and first-call set-up are not timed.
        warm_history = random_history(problem, min(args.sizes))
        for method in methods:
            make_caller(method, problem, warm_history)(0)
        for size in args.sizes:
            history = random_history(problem, size)
            for method in methods:
                timing = time_calls(make_caller(method, problem, history), args.budget_seconds)
                timings[(method, size)] = timing
                print(f"N={size} {method}: {_cell(timing)}", file=sys.stderr, flush=True)
        environment = environment_lines()
    report = render_report(
        timings,
        sizes=args.sizes,
        methods=[m for m in args.methods if m not in unavailable],
        unavailable=unavailable,
        problem=problem,
        budget_seconds=args.budget_seconds,
        wall_seconds=time.perf_counter() - started,
        environment=environment,
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report)
    print(report)
    print(f"written to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
