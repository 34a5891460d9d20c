"""``/api/v1/projects``: the projects that hold sweeps or runs."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from sweeplab.server.auth import require_read
from sweeplab.server.state import StoreDep
from sweeplab.wire.models import ProjectListOut, ProjectOut

router = APIRouter(prefix="/api/v1", tags=["projects"])


@router.get("/projects", response_model=ProjectListOut, dependencies=[Depends(require_read)])
def list_projects(store: StoreDep) -> ProjectListOut:
    return ProjectListOut(projects=[ProjectOut(name=name) for name in store.list_projects()])
