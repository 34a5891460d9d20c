"""The dashboard's HTML pages: projects, a project's runs, a run, a sweep.

Pages are rendered on the server from the store; charts fill in from JSON endpoints
(:mod:`.data_routes`) so a page's HTML stays small and fast whatever the size of the data.
Every route reads, so every route depends on ``require_read``.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from sweeplab.domain import RunState, SweepState
from sweeplab.errors import NotFoundError, RequestError, SweeplabError
from sweeplab.server.auth import require_read
from sweeplab.server.dashboard.context import Dashboard
from sweeplab.server.dashboard.run_series import MAX_RUNS
from sweeplab.server.dashboard.runs_table import cell_value, flatten, group_runs, load_page
from sweeplab.server.dashboard.table_request import (
    BUILTIN_COLUMNS,
    GROUP_FIELDS,
    parse_table_request,
)
from sweeplab.store.base import RunQuery

# A sweep's pause/resume/stop/cancel buttons, by the states each applies in.
_SWEEP_ACTIONS: tuple[tuple[str, str, frozenset[SweepState]], ...] = (
    ("pause", "Pause", frozenset({SweepState.RUNNING})),
    ("resume", "Resume", frozenset({SweepState.PAUSED})),
    ("stop", "Stop", frozenset({SweepState.RUNNING, SweepState.PAUSED})),
    ("cancel", "Cancel", frozenset({SweepState.RUNNING, SweepState.PAUSED})),
)
MAX_ID_CHARS = 64


def add_page_routes(router: APIRouter, dashboard: Dashboard) -> None:
    """Register the page routes on ``router``."""
    read = [Depends(require_read)]

    @router.get("/", dependencies=read, response_class=HTMLResponse)
    def projects_page(request: Request) -> Response:
        return dashboard.page(
            request,
            "projects.html",
            {"title": "Projects", "projects": dashboard.projects.summaries()},
        )

    # ``:path``: a project name may hold a slash (its links quote it, servers decode it).
    @router.get("/projects/{project:path}", dependencies=read, response_class=HTMLResponse)
    def project_page(request: Request, project: str) -> Response:
        try:
            return _project_page(dashboard, request, project)
        except SweeplabError as error:
            return dashboard.error_page(request, error)

    @router.get("/runs/{run_id}", dependencies=read, response_class=HTMLResponse)
    def run_page(request: Request, run_id: str) -> Response:
        try:
            return _run_page(dashboard, request, run_id)
        except SweeplabError as error:
            return dashboard.error_page(request, error)

    @router.get("/sweeps/{sweep_id}", dependencies=read, response_class=HTMLResponse)
    def sweep_page(request: Request, sweep_id: str) -> Response:
        try:
            return _sweep_page(dashboard, request, sweep_id)
        except SweeplabError as error:
            return dashboard.error_page(request, error)


def _project_page(dashboard: Dashboard, request: Request, project: str) -> Response:
    store = dashboard.store
    table = parse_table_request(project, request.query_params.multi_items())
    sweeps = store.list_sweeps(project)
    if not sweeps and not store.list_runs(RunQuery(project=project, limit=1)):
        raise NotFoundError(f"no project named {project!r}: it has no runs and no sweeps")
    running = store.list_runs(RunQuery(project=project, states=(RunState.RUNNING,)))
    page = load_page(store, table)
    groups, grouped_total = group_runs(store, table) if table.group_by else ([], 0)
    rows = [
        {
            "run": run,
            "cells": [cell_value(run, column.key) for column in page.columns],
        }
        for run in page.runs
    ]
    first = (table.page - 1) * table.per_page + 1
    return dashboard.page(
        request,
        "project.html",
        {
            "title": project,
            "project": project,
            "summary": dashboard.projects.peek(project),
            "running_count": len(running),
            "sweeps": sweeps,
            "table": table,
            "page": page,
            "rows": rows,
            "first_row": first,
            "last_row": first + len(page.runs) - 1,
            "groups": groups,
            "grouped_total": grouped_total,
            "run_states": [state.value for state in RunState],
            "builtin_columns": BUILTIN_COLUMNS,
            "group_fields": GROUP_FIELDS,
            "chosen_columns": [column.key for column in page.columns],
            "running_ids": [run.run_id for run in page.runs if run.state is RunState.RUNNING],
            "where": request.query_params.getlist("where"),
        },
    )


def _run_page(dashboard: Dashboard, request: Request, run_id: str) -> Response:
    store = dashboard.store
    run = store.get_run(run_id)
    compare_text = request.query_params.get("compare", "")
    compare_ids = [
        item.strip() for item in compare_text.split(",") if item.strip() and item.strip() != run_id
    ]
    if len(compare_ids) >= MAX_RUNS:
        raise RequestError(f"compare: at most {MAX_RUNS - 1} other runs, got {len(compare_ids)}")
    compared = []
    for other in dict.fromkeys(compare_ids):
        if len(other) > MAX_ID_CHARS:
            raise RequestError(f"compare: run ids have at most {MAX_ID_CHARS} characters")
        compared.append(store.get_run(other))  # NotFoundError names the missing run
    all_runs = [run, *compared]
    return dashboard.page(
        request,
        "run.html",
        {
            "title": run.name or run.run_id,
            "run": run,
            "compared": compared,
            "config_items": sorted(flatten(run.config).items()),
            "summary_items": sorted(
                (key, value)
                for key, value in flatten(run.summary).items()
                if not key.startswith("_")
            ),
            "run_ids": ",".join(item.run_id for item in all_runs),
            "live_ids": ",".join(
                item.run_id for item in all_runs if item.state is RunState.RUNNING
            ),
            "runtime": max(0.0, run.updated_at - run.created_at) if run.created_at else None,
        },
    )


def _sweep_page(dashboard: Dashboard, request: Request, sweep_id: str) -> Response:
    from sweeplab.sweep_config import load_sweep_config

    sweep = dashboard.store.get_sweep(sweep_id)
    running = dashboard.store.list_runs(
        RunQuery(sweep_id=sweep_id, states=(RunState.RUNNING,), limit=1)
    )
    config = load_sweep_config(dict(sweep.config))
    actions = [
        {"name": name, "label": label, "enabled": sweep.state in states}
        for name, label, states in _SWEEP_ACTIONS
    ]
    early: dict[str, Any] | None = None
    if config.early_terminate is not None:
        spec = config.early_terminate
        early = {
            key: value
            for key, value in (
                ("min_iter", spec.min_iter),
                ("max_iter", spec.max_iter),
                ("s", spec.s),
                ("eta", spec.eta),
                ("strict", spec.strict),
            )
            if value is not None
        }
    return dashboard.page(
        request,
        "sweep.html",
        {
            "title": sweep.name,
            "sweep": sweep,
            "config": config,
            "early": early,
            "actions": actions,
            "config_text": json.dumps(dict(sweep.config), indent=2, sort_keys=False, default=str),
            "live": not sweep.state.is_terminal or bool(running),
        },
    )
