"""``sweeplab.Api()``: query runs and sweeps in a store, as W&B's public API does.

::

    api = sweeplab.Api()
    runs = api.runs("my-project", filters={"state": "finished", "config.lr": {"$lt": 0.1}},
                    order="-summary.accuracy")
    run = api.run("my-project/abc123")
    run.config, run.summary, run.history(keys=["loss"])
    api.sweep("my-project/sw1234").best_run()
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sweeplab.errors import NotFoundError
from sweeplab.sdk.api.filters import matches, sort_runs
from sweeplab.sdk.api.objects import ApiRun, ApiSweep
from sweeplab.sdk.api.paths import parse_object_path, parse_project_path

if TYPE_CHECKING:
    from sweeplab.store.base import Store

__all__ = ["Api", "ApiRun", "ApiSweep"]


class Api:
    """Read access to a store: the one the SDK settings name, unless ``store`` is given.

    ``overrides={"project": ...}`` sets the project used when a path names none.
    """

    def __init__(
        self,
        overrides: Mapping[str, Any] | None = None,
        timeout: float | None = None,
        *,
        store: Store | None = None,
    ) -> None:
        del timeout
        if store is None:
            from sweeplab.sdk.settings import Settings
            from sweeplab.sdk.stores import store_for

            store = store_for(Settings.load())
        self._store = store
        project = (overrides or {}).get("project")
        self.default_project: str | None = str(project) if project else None

    @property
    def store(self) -> Store:
        return self._store

    def runs(
        self,
        path: str | None = None,
        filters: Mapping[str, Any] | None = None,
        order: str = "-created_at",
        per_page: int | None = None,
    ) -> list[ApiRun]:
        """Runs of a project (``"project"`` or ``"entity/project"``; ``None``: every project)
        matching ``filters`` (see :mod:`sweeplab.sdk.api.filters`), sorted by ``order``
        (``"-created_at"`` newest first, ``"+summary.loss"``, ``"config.lr"``, ...)."""
        del per_page
        from sweeplab.store.base import RunQuery

        project = parse_project_path(path, self.default_project)
        records = self._store.list_runs(RunQuery(project=project))
        if filters:
            records = [record for record in records if matches(record, filters)]
        return [ApiRun(self._store, record) for record in sort_runs(records, order)]

    def run(self, path: str) -> ApiRun:
        """One run: ``"run_id"``, ``"project/run_id"`` or ``"entity/project/run_id"``."""
        where = parse_object_path(path, "runs", self.default_project)
        record = self._store.get_run(where.object_id)
        if where.project is not None and record.project != where.project:
            raise NotFoundError(
                f"run {where.object_id!r} is in project {record.project!r}, not {where.project!r}"
            )
        return ApiRun(self._store, record)

    def sweep(self, path: str) -> ApiSweep:
        """One sweep: ``"sweep_id"``, ``"project/sweep_id"`` or ``"entity/project/sweep_id"``."""
        where = parse_object_path(path, "sweeps", self.default_project)
        record = self._store.get_sweep(where.object_id)
        if where.project is not None and record.project != where.project:
            raise NotFoundError(
                f"sweep {where.object_id!r} is in project {record.project!r}, not {where.project!r}"
            )
        return ApiSweep(self._store, record)

    def sweeps(self, path: str | None = None) -> list[ApiSweep]:
        """Sweeps of a project (every project for ``None``), newest first."""
        project = parse_project_path(path, self.default_project)
        return [ApiSweep(self._store, record) for record in self._store.list_sweeps(project)]
