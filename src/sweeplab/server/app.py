"""``create_app(store, settings)``: the sweeplab server as a FastAPI app.

The app serves the JSON API under ``/api/v1`` (OpenAPI at ``/api/v1/openapi.json``, its
docs page at ``/api/v1/docs``), ``/healthz``, and the dashboard (when
:mod:`sweeplab.server.dashboard` is installed). It owns no store: the caller opens it, passes
it in, and closes it after the app stops. While the app runs, a background task reaps runs
whose lease expired, every ``settings.reap_interval_seconds``, and another judges early
termination of sweeps that received new metrics (``ServerState.stopping``).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import importlib.util
import logging
from collections.abc import AsyncIterator
from functools import partial

from fastapi import APIRouter, FastAPI
from starlette.concurrency import run_in_threadpool

from sweeplab import __version__
from sweeplab.engine import Controller
from sweeplab.engine.judging import StoppingJudge
from sweeplab.server.auth import Authenticator
from sweeplab.server.body_limit import BodyLimitMiddleware
from sweeplab.server.errors import install_error_handlers
from sweeplab.server.routes import agents, health, keys, metrics, projects, runs, sweeps
from sweeplab.server.settings import ServerSettings
from sweeplab.server.state import ServerState
from sweeplab.store.base import Store

log = logging.getLogger("sweeplab.server")
DASHBOARD_MODULE = "sweeplab.server.dashboard"
API_ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    projects.router,
    sweeps.router,
    agents.router,
    runs.router,
    metrics.router,
    keys.router,
)


def create_app(store: Store, settings: ServerSettings | None = None) -> FastAPI:
    """The server over ``store``; nothing runs until an ASGI server starts it."""
    settings = settings or ServerSettings()
    controller = Controller(store)
    state = ServerState(
        store=store,
        settings=settings,
        controller=controller,
        authenticator=Authenticator(store, settings),
        stopping=StoppingJudge(interval_seconds=settings.stopping_interval_seconds),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tasks = [
            asyncio.create_task(_reap_forever(controller, settings.reap_interval_seconds)),
            asyncio.create_task(_judge_stopping_forever(state)),
        ]
        try:
            yield
        finally:
            state.begin_shutdown()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app = FastAPI(
        title="sweeplab",
        version=__version__,
        description="Hyperparameter sweeps and experiment tracking (see docs/server.md).",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        root_path=settings.root_path,
        lifespan=lifespan,
    )
    app.state.sweeplab = state
    app.state.authenticator = state.authenticator  # what sweeplab.server.auth looks up
    install_error_handlers(app)
    for router in API_ROUTERS:
        app.include_router(router)
    _mount_dashboard(app, state, settings)
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    return app


def _mount_dashboard(app: FastAPI, state: ServerState, settings: ServerSettings) -> None:
    """Include the dashboard's router once its package exists (a package with an
    ``__init__``); a dashboard that exists but fails to import is an error, not skipped."""
    spec = importlib.util.find_spec(DASHBOARD_MODULE)
    if spec is None or spec.origin is None:  # absent, or a bare directory so far
        return
    dashboard = importlib.import_module(DASHBOARD_MODULE)
    router = dashboard.build_dashboard_router(state.store, settings)
    state.shutdown_hooks.append(router.shutdown)
    app.include_router(router)


async def _reap_forever(controller: Controller, interval_seconds: float) -> None:
    """Mark runs whose agent stopped heartbeating as crashed, every ``interval_seconds``."""
    while True:
        await asyncio.sleep(interval_seconds)
        try:
            reaped = await run_in_threadpool(controller.reap)
        except Exception:  # a failing database must not end reaping for good
            log.exception("reaping expired runs failed; trying again in %s s", interval_seconds)
            continue
        if reaped:
            log.info("reaped %d run(s) whose lease expired: %s", len(reaped), ", ".join(reaped))


async def _judge_stopping_forever(state: ServerState) -> None:
    """Judge early termination of the sweeps that received new metrics, once per interval
    (see :class:`~sweeplab.server.state.StoppingJudge`)."""
    judge = state.stopping
    while True:
        await asyncio.sleep(judge.interval_seconds)
        for sweep_id in judge.take_due():
            try:
                evaluate = partial(state.controller.evaluate_stopping, sweep_id)
                await run_in_threadpool(judge.judge, sweep_id, evaluate, True)
            except Exception:  # one sweep's failure must not end judging for all
                log.exception("judging early termination of sweep %s failed", sweep_id)
