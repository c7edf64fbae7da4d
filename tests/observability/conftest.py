"""A committed PostgreSQL database and one real uvicorn worker logging JSON, for this package."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from app.api.deps import CSRF_HEADER, LOGIN_COOKIE
from tests.conftest import committed_login
from tests.realtime.support import prepared_database
from tests.realtime.workers import Worker, worker_environment


@pytest.fixture(scope="package")
def observed_database() -> Iterator[str]:
    with prepared_database() as url:
        yield url


@pytest.fixture
async def worker(observed_database: str, tmp_path: Path) -> AsyncIterator[Worker]:
    """A uvicorn process as in production: JSON logs at level info, memory backplane."""
    environment = worker_environment(observed_database, "memory://")
    environment.update(DENKSESSIE_LOG_FORMAT="json", DENKSESSIE_LOG_LEVEL="info")
    process = Worker("observed", environment, tmp_path)
    try:
        await process.start()
        yield process
    finally:
        await process.stop()


@pytest.fixture
async def api(worker: Worker, observed_database: str) -> AsyncIterator[httpx.AsyncClient]:
    login = committed_login(observed_database)
    async with httpx.AsyncClient(
        base_url=worker.url,
        trust_env=False,
        timeout=10,
        cookies={LOGIN_COOKIE: login["cookie"]},
        headers={CSRF_HEADER: login["csrf"]},
    ) as client:
        yield client


class ServedWorker(Worker):
    """Started as the container starts it, ``denksessie serve``: uvicorn at the settings' log
    level (info, so uvicorn's own websocket lines are written) and trusting X-Forwarded-For
    from the proxy at 127.0.0.1, so the client address is the one a test forges."""

    def command(self) -> list[str]:
        self.environment.update(DENKSESSIE_HOST="127.0.0.1", DENKSESSIE_PORT=str(self.port))
        return [sys.executable, "-c", "from app.cli import cli; cli(['serve'])"]


@pytest.fixture
async def served(observed_database: str, tmp_path: Path) -> AsyncIterator[ServedWorker]:
    """One production-like worker: ``denksessie serve``, JSON logs at level info."""
    environment = worker_environment(observed_database, "memory://")
    environment.update(
        DENKSESSIE_LOG_FORMAT="json",
        DENKSESSIE_LOG_LEVEL="info",
        DENKSESSIE_FORWARDED_ALLOW_IPS="127.0.0.1",
    )
    process = ServedWorker("served", environment, tmp_path)
    try:
        await process.start()
        yield process
    finally:
        await process.stop()
