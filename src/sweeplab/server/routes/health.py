"""``GET /healthz``: the one public route, for load balancers and ``sweeplab server`` checks."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from sweeplab import __version__
from sweeplab.server.auth import allow_public
from sweeplab.wire.models import HealthOut

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthOut, dependencies=[Depends(allow_public)])
def health() -> HealthOut:
    """The server answers (it does not touch the database, so a busy database is not down)."""
    return HealthOut(status="ok", version=__version__)
