"""Search quality: best-so-far regret of sweeplab's bayes and random search against Optuna.

    python benchmarks/search_quality.py [--seeds 10] [--trials 100] [--problems ...]
                                        [--methods ...] [--jobs 2] [--quick] [--output PATH]

Every (problem, method, seed) is one task: a fresh optimizer proposes ``--trials`` configs one
at a time, each is evaluated and told back. Tasks run in ``--jobs`` worker processes, each held
to one BLAS/OpenMP thread (and one torch thread) so methods are timed alike and jobs do not
oversubscribe the cores.

Regret after n trials = best objective among the first n minus the known optimum (floored at
0). The digits classifier has no known optimum: its reference is the lowest validation error any
method reached in the same run, so its regret is relative to this run's methods and problems.
The report (markdown, printed and written to ``--output``) has one table per checkpoint with
the median [25th, 75th percentile] regret over seeds for each cell, each method's mean rank by
median regret across problems, and the time each method spent.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    # Run as a file: make the repository root importable so ``benchmarks.*`` resolves.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import multiprocessing
import os
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from benchmarks.methods import (
    METHOD_NAMES,
    NUMPY_RANDOM,
    OPTUNA_GP,
    OPTUNA_TPE,
    SWEEPLAB_BAYES,
    SWEEPLAB_RANDOM,
    limit_torch_threads,
    make_optimizer,
    unavailable_reason,
)
from benchmarks.problems import PROBLEMS, get_problem
from benchmarks.regret import mean_ranks, regret_after, spread
from benchmarks.report import THREAD_VARIABLES, environment_lines, markdown_table

RESULTS_DIR = Path(__file__).resolve().parent / "results"
CHECKPOINTS = (25, 50, 100)
QUICK_PROBLEMS = ("branin", "hartmann6", "mixed")
QUICK_SEEDS = 3
QUICK_TRIALS = 30
# Longest tasks first, so the pool does not end on one slow straggler.
_COST_ORDER = (OPTUNA_GP, SWEEPLAB_BAYES, OPTUNA_TPE, SWEEPLAB_RANDOM, NUMPY_RANDOM)


@dataclass(frozen=True)
class Task:
    problem: str
    method: str
    seed: int
    trials: int


@dataclass(frozen=True)
class TaskResult:
    """One optimizer run: its objective values in trial order, or the error that ended it."""

    task: Task
    values: tuple[float, ...]
    optimizer_seconds: float
    objective_seconds: float
    error: str | None = None


def run_task(task: Task) -> TaskResult:
    """Run one optimizer on one problem for ``task.trials`` trials."""
    problem = get_problem(task.problem)
    values: list[float] = []
    optimizer_seconds = 0.0
    objective_seconds = 0.0
    try:
        if task.method == OPTUNA_GP:
            limit_torch_threads()
        started = time.perf_counter()
        optimizer = make_optimizer(task.method, problem, task.seed)
        optimizer_seconds += time.perf_counter() - started
        for _ in range(task.trials):
            started = time.perf_counter()
            config = optimizer.ask()
            asked = time.perf_counter()
            value = problem.evaluate(config)
            evaluated = time.perf_counter()
            optimizer.tell(config, value)
            optimizer_seconds += (asked - started) + (time.perf_counter() - evaluated)
            objective_seconds += evaluated - asked
            values.append(value)
    except Exception as error:
        # One broken method must not sink the whole run: report it with where it broke.
        where = traceback.extract_tb(error.__traceback__)[-1]
        message = (
            f"after {len(values)} trials: {type(error).__name__}: {error} "
            f"({Path(where.filename).name}:{where.lineno})"
        )
        return TaskResult(task, tuple(values), optimizer_seconds, objective_seconds, message)
    return TaskResult(task, tuple(values), optimizer_seconds, objective_seconds)


def _limit_worker_threads() -> None:
    """Pool initializer: one BLAS/OpenMP thread for everything this worker runs."""
    from threadpoolctl import threadpool_limits

    # Without a ``with`` the limit stays in force for the life of the process.
    threadpool_limits(limits=1)


def run_tasks(tasks: Sequence[Task], jobs: int) -> list[TaskResult]:
    """Run ``tasks`` in ``jobs`` spawned worker processes, printing progress to stderr."""
    # The environment is read when a worker first imports numpy, so set it before spawning;
    # threadpoolctl in the initializer then covers libraries that ignore these variables.
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    ordered = sorted(tasks, key=lambda t: _COST_ORDER.index(t.method))
    results: list[TaskResult] = []
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes=jobs, initializer=_limit_worker_threads) as pool:
        for done, result in enumerate(pool.imap_unordered(run_task, ordered), start=1):
            results.append(result)
            seconds = result.optimizer_seconds + result.objective_seconds
            status = f"FAILED {result.error}" if result.error else f"{seconds:.2f} s"
            task = result.task
            print(
                f"[{done}/{len(ordered)}] {task.problem} {task.method} seed {task.seed}: {status}",
                file=sys.stderr,
                flush=True,
            )
    return results


def checkpoints_for(trials: int) -> list[int]:
    """The standard checkpoints below ``trials``, then ``trials`` itself."""
    return [c for c in CHECKPOINTS if c < trials] + [trials]


def _reference(problem_name: str, results: Sequence[TaskResult]) -> float | None:
    """The known optimum, or else the best value any method reached on the problem."""
    optimum = get_problem(problem_name).optimum
    if optimum is not None:
        return optimum
    seen = [min(r.values) for r in results if r.task.problem == problem_name and r.values]
    return min(seen) if seen else None


def render_report(
    results: Sequence[TaskResult],
    *,
    problems: Sequence[str],
    methods: Sequence[str],
    unavailable: dict[str, str],
    args: argparse.Namespace,
    wall_seconds: float,
    worker_environment: list[str],
) -> str:
    """The markdown report of one run."""
    complete = [r for r in results if r.error is None]
    lines = [
        "# Search quality: best-so-far regret",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {args.seeds} seeds, {args.trials} trials, "
        f"{args.jobs} worker process(es), wall time {wall_seconds:.0f} s. "
        f"Command: `python benchmarks/search_quality.py {' '.join(sys.argv[1:])}`".rstrip(),
        "",
        "Regret = best objective so far minus the known optimum (floored at 0). "
        "Cells: median [25th, 75th percentile] over seeds; lower is better. "
        "Mean rank: methods ranked by median regret within each problem (1 = best, ties share), "
        "averaged over the problems where the method has results. (n=k): only k seeds finished.",
        "",
        "Problems:",
        "",
    ]
    for name in problems:
        problem = get_problem(name)
        reference = _reference(name, complete)
        if problem.optimum is None:
            note = (
                f"reference = best error any method reached in this run ({reference:.4g})"
                if reference is not None
                else "no result"
            )
        else:
            note = f"optimum {problem.optimum:g}"
        lines.append(f"- **{name}**: {problem.description}; {note}")
    lines.append("")
    for checkpoint in checkpoints_for(args.trials):
        lines.extend(_checkpoint_table(complete, problems, methods, checkpoint, args.seeds))
    lines.extend(_time_table(results, methods))
    if unavailable:
        lines.extend(["", "Methods not run:", ""])
        lines.extend(f"- {method}: {reason}" for method, reason in unavailable.items())
    failed = [r for r in results if r.error is not None]
    if failed:
        lines.extend(["", f"Failed tasks ({len(failed)}, left out of the tables):", ""])
        lines.extend(
            f"- {r.task.problem} / {r.task.method} / seed {r.task.seed}: {r.error}" for r in failed
        )
    lines.extend(["", "Environment (worker process):", "", *worker_environment, ""])
    return "\n".join(lines)


def _checkpoint_table(
    results: Sequence[TaskResult],
    problems: Sequence[str],
    methods: Sequence[str],
    checkpoint: int,
    seeds: int,
) -> list[str]:
    """One checkpoint's table; a cell missing seeds (failed tasks) says how many it has, and a
    mean rank over fewer than all problems says over how many."""
    medians: dict[str, dict[str, float]] = {}
    rows: list[list[str]] = []
    for problem in problems:
        reference = _reference(problem, results)
        row = [problem]
        for method in methods:
            regrets = (
                []
                if reference is None
                else [
                    regret_after(r.values, checkpoint, reference)
                    for r in results
                    if r.task.problem == problem and r.task.method == method
                ]
            )
            if regrets:
                cell = spread(regrets)
                medians.setdefault(problem, {})[method] = cell.median
                row.append(cell.format() + (f" (n={cell.count})" if cell.count < seeds else ""))
            else:
                row.append("n/a")
        rows.append(row)
    ranks = mean_ranks(medians)
    rank_cells = []
    for method in methods:
        ranked_on = sum(method in by_method for by_method in medians.values())
        if method not in ranks:
            rank_cells.append("n/a")
        elif ranked_on < len(problems):
            rank_cells.append(f"**{ranks[method]:.2f}** ({ranked_on} of {len(problems)})")
        else:
            rank_cells.append(f"**{ranks[method]:.2f}**")
    rows.append(["**mean rank**", *rank_cells])
    return [
        f"## After {checkpoint} trials",
        "",
        markdown_table(["problem", *methods], rows),
        "",
    ]


def _time_table(results: Sequence[TaskResult], methods: Sequence[str]) -> list[str]:
    rows = []
    for method in methods:
        mine = [r for r in results if r.task.method == method]
        optimizer = sum(r.optimizer_seconds for r in mine)
        objective = sum(r.objective_seconds for r in mine)
        trials = sum(len(r.values) for r in mine)
        per_trial = f"{1000.0 * optimizer / trials:.2f}" if trials else "n/a"
        rows.append(
            [
                method,
                f"{optimizer + objective:.2f}",
                f"{optimizer:.2f}",
                per_trial,
                f"{objective:.2f}",
                str(len(mine)),
            ]
        )
    header = [
        "method",
        "total s",
        "optimizer s",
        "optimizer ms/trial",
        "objective s",
        "tasks",
    ]
    return [
        "## Time per method",
        "",
        "Summed over tasks (CPU-bound, one thread each); optimizer = ask + tell.",
        "",
        markdown_table(header, rows),
    ]


def _worker_environment() -> list[str]:
    """What the workers run with: one thread everywhere, shown by threadpoolctl."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return environment_lines()


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--seeds", type=int, default=None, help="seeds per cell (default 10)")
    parser.add_argument("--trials", type=int, default=None, help="trials per task (default 100)")
    parser.add_argument("--problems", nargs="+", choices=list(PROBLEMS), default=None)
    parser.add_argument("--methods", nargs="+", choices=list(METHOD_NAMES), default=None)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: {QUICK_SEEDS} seeds, {QUICK_TRIALS} trials, {', '.join(QUICK_PROBLEMS)}",
    )
    parser.add_argument("--output", type=Path, default=None, help="markdown file to write")
    args = parser.parse_args(argv)
    quick = bool(args.quick)
    if args.seeds is None:
        args.seeds = QUICK_SEEDS if quick else 10
    if args.trials is None:
        args.trials = QUICK_TRIALS if quick else 100
    if args.problems is None:
        args.problems = list(QUICK_PROBLEMS if quick else PROBLEMS)
    if args.methods is None:
        args.methods = list(METHOD_NAMES)
    if args.output is None:
        name = "search_quality_quick.md" if quick else "search_quality.md"
        args.output = RESULTS_DIR / name
    for option in ("seeds", "trials", "jobs"):
        if getattr(args, option) < 1:
            parser.error(f"--{option} must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    unavailable = {
        method: reason
        for method in args.methods
        if (reason := unavailable_reason(method)) is not None
    }
    for method, reason in unavailable.items():
        print(f"{method}: unavailable, skipped: {reason}", file=sys.stderr)
    methods = [m for m in args.methods if m not in unavailable]
    tasks = [
        Task(problem, method, seed, args.trials)
        for problem in args.problems
        for method in methods
        for seed in range(args.seeds)
    ]
    started = time.perf_counter()
    results = run_tasks(tasks, args.jobs) if tasks else []
    wall_seconds = time.perf_counter() - started
    report = render_report(
        results,
        problems=args.problems,
        methods=methods,
        unavailable=unavailable,
        args=args,
        wall_seconds=wall_seconds,
        worker_environment=_worker_environment(),
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report)
    print(report)
    print(f"written to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
