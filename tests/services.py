"""The real PostgreSQL and Redis every machine here runs; tests fail (never skip) without them."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
import redis

POSTGRES_ADMIN_DSN = os.environ.get(
    "DENKSESSIE_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("DENKSESSIE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def sqlalchemy_url(dsn: str) -> str:
    return dsn.replace("postgresql://", "postgresql+psycopg://", 1)


def require_postgres() -> None:
    try:
        with psycopg.connect(POSTGRES_ADMIN_DSN, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as exc:
        pytest.fail(f"PostgreSQL is required at {POSTGRES_ADMIN_DSN} and unreachable: {exc}")


def require_redis() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is required at {REDIS_URL} and unreachable: {exc}")


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """Create an empty database with a unique name, yield its SQLAlchemy URL, then drop it."""
    require_postgres()
    name = f"denksessie_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_DSN.rsplit("/", 1)[0]
    try:
        yield sqlalchemy_url(f"{base}/{name}")
    finally:
        with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
