"""Building the application: ``create_app(settings)``.

The engine and the backplane are made in ``lifespan``, never at import, so two apps with
different settings can run in one test process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

import anyio
from fastapi import FastAPI, HTTPException, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

import app.models  # noqa: F401  (registers every table on the metadata)
from app import privacy
from app.api import (
    account_pages,
    aggregate,
    auth,
    card_pages,
    casus_pages,
    casussen,
    catalogue_pages,
    catalogues,
    denksessies,
    health,
    intervisie_pages,
    join,
    pages,
    principekaarten,
    programme_pages,
    report_pages,
    result_downloads,
    traject_pages,
    trajects,
)
from app.api import demo as demo_api
from app.api import errors as api_errors
from app.api import privacy as privacy_api
from app.api import programme as programme_api
from app.body_limit import BodyLimitMiddleware
from app.config import Settings
from app.db import DB_READERS, build_engine, transaction
from app.events import Event
from app.observability.logging import RequestIdMiddleware, configure_logging
from app.observability.loop import LoopWatch
from app.observability.metrics import Metrics, MetricsAccess
from app.realtime import endpoint as realtime_endpoint
from app.realtime.backplane import backplane_from_url
from app.realtime.hub import Hub
from app.realtime.threads import in_thread
from app.realtime.wire import WireMiddleware
from app.security import SecurityHeadersMiddleware
from app.sessions import flows

STATIC_DIR = pages.TEMPLATES_DIR.parent / "static"
logger = logging.getLogger(__name__)


def _render_error_page(request: Request, status: int, message: str) -> Response:
    response = pages.render(request, "error.html", status=status, message=message)
    response.status_code = status
    return response


async def every(
    interval_s: float, first_after_s: float, job: Callable[[], Awaitable[None]], what: str
) -> None:
    """Run ``job`` every ``interval_s`` seconds, the first time after ``first_after_s``; a
    failure is logged as ``what`` and the loop goes on (the next run tries again)."""
    await asyncio.sleep(first_after_s)
    while True:
        try:
            await job()
        except Exception:
            logger.exception("%s failed", what)
        await asyncio.sleep(interval_s)


async def purge_periodically(
    engine: Engine,
    publish: Callable[[Event], Awaitable[None]],
    interval_s: float = 3600,
    first_after_s: float = 60,
) -> None:
    """Delete participant-level data past each organisation's retention, hourly (every worker
    may do it: a purge is idempotent and runs in one transaction). The first run waits a
    minute, so a worker that is starting (or a short-lived test app) is not slowed by it.
    A denksessie ended for idleness is announced after the commit, so its sockets close."""

    async def purge() -> None:
        # in_thread waits for the thread when cancelled at shutdown, so its connection is
        # returned before the engine is disposed (otherwise it leaks).
        expired = await in_thread(lambda: _purge_expired(engine))
        for event in expired.ended:
            await publish(event)
        if expired.purged:
            logger.info("participant data deleted for denksessies %s", expired.purged)

    await every(interval_s, first_after_s, purge, "deleting expired participant data")


def _purge_expired(engine: Engine) -> privacy.Expired:
    with transaction(engine) as db:
        return privacy.purge_expired(db)


async def close_self_paced_periodically(
    engine: Engine,
    publish: Callable[[Event], Awaitable[None]],
    interval_s: float = 20,
) -> None:
    """Close self-paced denksessies at their closing time (docs/decisions/0033). Every worker
    may run it: a conditional update lets one worker close each denksessie, once. Ballots
    are refused from the closing time on, also before this job has run."""

    async def close() -> None:
        for event in await in_thread(lambda: close_due_self_paced(engine)):
            await publish(event)

    await every(interval_s, interval_s, close, "closing self-paced denksessies")


def close_due_self_paced(engine: Engine) -> list[Event]:
    """One check of the job above, committed; publish the events it returns."""
    with transaction(engine) as db:
        return flows.close_due(db)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Again here: uvicorn configures its loggers after the app was built.
        configure_logging(level=settings.log_level, log_format=settings.effective_log_format)
        engine = build_engine(settings)
        backplane = backplane_from_url(settings.backplane_url, name=settings.backplane_namespace)
        await backplane.connect()
        hub = Hub(
            engine,
            backplane,
            namespace=settings.backplane_namespace,
            metrics=metrics,
            screen_interval=settings.tick_interval_s,
            gc_freeze_every=settings.gc_freeze_every_sockets,
            gc_thresholds=settings.gc_thresholds,
            gc_freeze_after=(
                settings.gc_freeze_after_s
                if settings.gc_freeze_after_s is not None
                else (0.0 if settings.environment == "test" else 5.0)
            ),
            write_concurrency=1 if settings.is_sqlite else 2,
        )
        metrics.watch_sockets(hub.count)
        metrics.start_gc_timing()
        loop_watch = LoopWatch(metrics.loop_stall_seconds)
        loop_watch.start()
        await hub.start()
        app.state.engine = engine
        app.state.backplane = backplane
        app.state.hub = hub
        app.state.write_limiter = anyio.CapacityLimiter(1 if settings.is_sqlite else 8)
        # Websocket reads (handshakes and snapshots; thousands at once in a reconnect storm)
        # share a few connections: more threads only wait for the GIL, and each extra SQLite
        # connection keeps its own page cache (2 MB), which showed as RSS per socket.
        app.state.read_limiter = anyio.CapacityLimiter(DB_READERS)
        retention = asyncio.create_task(purge_periodically(engine, hub.publish_safely))
        self_paced = asyncio.create_task(
            close_self_paced_periodically(
                engine, hub.publish_safely, interval_s=settings.self_paced_check_s
            )
        )
        try:
            yield
        finally:
            retention.cancel()
            self_paced.cancel()
            with suppress(asyncio.CancelledError):
                await retention
            with suppress(asyncio.CancelledError):
                await self_paced
            join_writer = getattr(app.state, "join_writer", None)  # made by the first join
            if join_writer is not None:
                await join_writer.close()
            await hub.stop()
            await loop_watch.stop()
            metrics.stop_gc_timing()
            await backplane.disconnect()
            engine.dispose()

    configure_logging(level=settings.log_level, log_format=settings.effective_log_format)
    production = settings.environment == "production"
    app = FastAPI(
        title="Denksessie",
        version="0.1.0",
        description="Live denksessies over waarden in het sociaal domein.",
        lifespan=lifespan,
        # Not in production (docs/security.md): the doc pages load unpinned scripts from a
        # CDN, and the API description need not be public; tests and developers have them.
        openapi_url=None if production else "/openapi.json",
        docs_url=None if production else "/docs",
        redoc_url=None if production else "/redoc",
        # FastAPI's OpenTelemetry hooks are not used (metrics are ours, docs/performance.md),
        # yet asking whether a provider is configured took about 60 us of every request and
        # every websocket (decision 0038).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.metrics = metrics
    # Phones on weak networks: HTML, CSS and JS shrink to about a third (websockets untouched).
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    # Before anything reads a body; inside the security headers, so a 413 carries them too.
    app.add_middleware(
        BodyLimitMiddleware,
        max_body=settings.max_body_bytes,
        max_upload=settings.max_upload_bytes,
        default_language=settings.default_language,
    )
    app.add_middleware(
        SecurityHeadersMiddleware, strict_transport=production, docs_pages=not production
    )
    app.add_middleware(RequestIdMiddleware)  # the id covers every other layer
    # Outermost: it must see uvicorn's own ``send`` to find a websocket's protocol.
    app.add_middleware(WireMiddleware)
    api_errors.install(app, html_error=_render_error_page)
    auth.install(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in (
        # First: routes are matched in order, and a join is the busiest request there is
        # (matching it behind ten routers was a tenth of a join; decision 0036).
        join.router,
        # First: FastAPI matches a request against every route before the one it takes, and a
        # websocket behind 23 routers paid about 0.3 ms for it (thousands at once after a restart).
        realtime_endpoint.router,
        health.router,
        auth.router,
        account_pages.router,
        catalogues.router,
        casussen.router,
        principekaarten.router,
        trajects.router,
        traject_pages.router,
        programme_pages.router,  # before pages.router: /console/programmas is no denksessie id
        denksessies.router,
        privacy_api.router,
        result_downloads.router,
        programme_api.router,
        programme_api.programmes_router,
        report_pages.router,
        demo_api.router,
        aggregate.router,
        intervisie_pages.router,
        card_pages.router,
        casus_pages.router,
        catalogue_pages.router,
        pages.router,
    ):
        app.include_router(router)
    if settings.metrics_enabled:
        access = MetricsAccess.of(settings.metrics_allow_ips, settings.metrics_token)

        @app.get("/metrics", include_in_schema=False)
        def prometheus_metrics(request: Request) -> Response:
            """This worker's figures in the Prometheus text format (docs/performance.md), for
            the allowed addresses or the token only; anyone else sees no such page."""
            client = request.client.host if request.client else None
            if not access.allows(client, request.headers.get("authorization")):
                raise HTTPException(status_code=404)
            body, content_type = metrics.exposition()
            return Response(body, media_type=content_type)

    return app
