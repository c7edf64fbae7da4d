"""Realtime fixtures: a committed PostgreSQL database of this package's own, and a live app.

See ``tests/realtime/support.py`` for why these tests cannot use the rolled-back ``db``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.db import build_engine
from app.main import create_app
from tests.conftest import settings_for, with_committed_login
from tests.realtime.support import Live, prepared_database


@pytest.fixture(scope="package")
def realtime_database() -> Iterator[str]:
    with prepared_database() as url:
        yield url


@pytest.fixture(scope="package")
def realtime_engine(realtime_database: str) -> Iterator[Engine]:
    engine = build_engine(settings_for(realtime_database))
    yield engine
    engine.dispose()


@pytest.fixture
def live_client(realtime_database: str) -> Iterator[TestClient]:
    """The whole app with its lifespan (engine, memory backplane, hub), no overrides; logged in
    as the demo organisation's owner."""
    with TestClient(create_app(settings_for(realtime_database))) as client:
        yield with_committed_login(client, realtime_database)


@pytest.fixture
def live(live_client: TestClient) -> Live:
    return Live.create(live_client)
