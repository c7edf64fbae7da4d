"""Shared fixtures: a fresh PostgreSQL database per run, one rolled-back transaction per test.

The database is built by ``alembic upgrade head`` (never ``create_all``) and the built-in content
is loaded once and committed; each test then runs inside a transaction that is rolled back, and
every request's own commit only releases a savepoint inside it (polar's pattern).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app import migrate
from app.api.deps import get_db
from app.config import Settings
from app.content import load_builtin_content
from app.db import build_engine, committing, transaction
from app.main import create_app
from app.organisations import service as organisations
from tests.services import fresh_postgres_database

TEST_SECRET = "test-secret-key-that-is-long-enough"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def settings_for(database_url: str, **overrides: object) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        secret_key=TEST_SECRET,
        **overrides,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with fresh_postgres_database() as url:
        settings = settings_for(url)
        migrate.upgrade(settings)
        engine = build_engine(settings)
        with transaction(engine) as db:
            load_builtin_content(db)
        engine.dispose()
        yield url


@pytest.fixture(scope="session")
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    engine = build_engine(settings_for(postgres_url))
    yield engine
    engine.dispose()


@pytest.fixture
def db(pg_engine: Engine) -> Iterator[Session]:
    connection = pg_engine.connect()
    outer = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def app(postgres_url: str, db: Session) -> FastAPI:
    application = create_app(settings_for(postgres_url))

    def db_in_test_transaction() -> Iterator[Session]:
        with committing(db):  # commits only release a savepoint inside the test transaction
            yield db

    application.dependency_overrides[get_db] = db_in_test_transaction
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def demo_org_id(db: Session) -> int:
    organisation = organisations.ensure_demo(db)
    assert organisation.id is not None
    return organisation.id


@pytest.fixture
def seeds() -> Path:
    assert SEEDS.is_dir(), f"the source documents are expected in {SEEDS}"
    return SEEDS
