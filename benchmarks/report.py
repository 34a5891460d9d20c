"""Shared pieces of the benchmark reports: markdown tables and the environment they ran in."""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from importlib import metadata

# Set on some machines here because old OpenBLAS builds misbehave on their processors; they can
# slow a current numpy, so every report says whether they were set.
OPENBLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub markdown table; the first column left-aligned, the rest right-aligned."""
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join([":---"] + ["---:"] * (len(header) - 1)) + "|",
    ]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def environment_lines() -> list[str]:
    """Markdown bullet lines: Python, library versions, BLAS libraries and their thread counts.

    Call it where the measurement runs (after any thread limit is applied), so the thread
    counts shown are the ones in force.
    """
    from threadpoolctl import threadpool_info

    libraries = ", ".join(
        f"{lib.get('internal_api')} {lib.get('version') or lib.get('prefix')} "
        f"({lib.get('architecture', '?')}, {lib.get('num_threads')} thread(s))"
        for lib in threadpool_info()
    )
    overrides = ", ".join(f"{name}={os.environ.get(name, 'unset')}" for name in OPENBLAS_OVERRIDES)
    versions = ", ".join(
        f"{name} {_version(name)}"
        for name in ("numpy", "scipy", "scikit-learn", "optuna", "torch", "greenlet")
    )
    return [
        f"- Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPU(s)",
        f"- {versions}",
        f"- BLAS/OpenMP pools (threadpoolctl): {libraries or 'none loaded'}",
        f"- {overrides}",
    ]
