"""W&B-style paths: ``project``, ``project/id``, ``entity/project/id`` (entity ignored)."""

from __future__ import annotations

from dataclasses import dataclass

from sweeplab.errors import UsageError


@dataclass(frozen=True)
class ObjectPath:
    project: str | None
    object_id: str


def parse_object_path(path: str, kind: str, default_project: str | None) -> ObjectPath:
    """A run's or sweep's path: ``id``, ``project/id``, ``entity/project/id``, or W&B's URL
    form ``entity/project/runs/id`` (``kind`` is ``"runs"`` or ``"sweeps"``)."""
    parts = [part for part in path.strip("/").split("/") if part]
    if len(parts) >= 2 and parts[-2] == kind:
        del parts[-2]
    if len(parts) == 1:
        return ObjectPath(default_project, parts[0])
    if len(parts) in (2, 3):
        return ObjectPath(parts[-2], parts[-1])
    singular = kind.removesuffix("s")
    raise UsageError(
        f"cannot read {singular} path {path!r}: use '<{singular}_id>', "
        f"'<project>/<{singular}_id>' or '<entity>/<project>/<{singular}_id>'"
    )


def parse_project_path(path: str | None, default_project: str | None) -> str | None:
    """A project's path: ``project`` or ``entity/project``; ``None`` means every project."""
    if path is None:
        return default_project
    parts = [part for part in path.strip("/").split("/") if part]
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        return parts[1]
    raise UsageError(f"cannot read project path {path!r}: use '<project>' or '<entity>/<project>'")
