"""Building the application: ``create_app(settings)``.

The engine and the backplane are made in ``lifespan``, never at import, so two apps with
different settings can run in one test process.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

import app.models  # noqa: F401  (registers every table on the metadata)
from app.api import (
    aggregate,
    casussen,
    catalogues,
    denksessies,
    health,
    join,
    pages,
    principekaarten,
)
from app.api import errors as api_errors
from app.config import Settings
from app.db import build_engine
from app.realtime import endpoint as realtime_endpoint
from app.realtime.backplane import backplane_from_url
from app.realtime.hub import Hub
from app.security import SecurityHeadersMiddleware

STATIC_DIR = pages.TEMPLATES_DIR.parent / "static"


def _render_error_page(request: Request, status: int, message: str) -> Response:
    response = pages.render(request, "error.html", status=status, message=message)
    response.status_code = status
    return response


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = build_engine(settings)
        backplane = backplane_from_url(settings.backplane_url)
        await backplane.connect()
        hub = Hub(engine, backplane, namespace=settings.backplane_namespace)
        await hub.start()
        app.state.engine = engine
        app.state.backplane = backplane
        app.state.hub = hub
        app.state.write_limiter = anyio.CapacityLimiter(1 if settings.is_sqlite else 8)
        try:
            yield
        finally:
            await hub.stop()
            await backplane.disconnect()
            engine.dispose()

    logging.basicConfig(level=settings.log_level.upper())
    app = FastAPI(
        title="Denksessie",
        version="0.1.0",
        description="Live denksessies over waarden in het sociaal domein.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    # Phones on weak networks: HTML, CSS and JS shrink to about a third (websockets untouched).
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(SecurityHeadersMiddleware)
    api_errors.install(app, html_error=_render_error_page)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in (
        health.router,
        catalogues.router,
        casussen.router,
        principekaarten.router,
        denksessies.router,
        join.router,
        aggregate.router,
        realtime_endpoint.router,
        pages.router,
    ):
        app.include_router(router)
    return app
