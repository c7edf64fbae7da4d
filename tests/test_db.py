from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.db import build_engine
from tests.conftest import settings_for


class TestSqliteEngine:
    def test_uses_wal_and_synchronous_normal(self, tmp_path: Path) -> None:
        engine = build_engine(settings_for(f"sqlite:///{tmp_path}/wal.sqlite3"))
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            # 1 is NORMAL (0 OFF, 2 FULL, 3 EXTRA)
            assert connection.execute(text("PRAGMA synchronous")).scalar() == 1
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        engine.dispose()

    def test_creates_the_directory_of_the_database_file(self, tmp_path: Path) -> None:
        target = tmp_path / "nested" / "dir" / "db.sqlite3"
        engine = build_engine(settings_for(f"sqlite:///{target}"))
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        assert target.exists()


class TestErrorsNameNoValues:
    """A failed statement's message goes to the logs with its traceback: no values in it."""

    @pytest.mark.parametrize("backend", ["sqlite", "postgres"])
    def test_a_failing_statement_hides_its_parameters(
        self, backend: str, tmp_path: Path, request: pytest.FixtureRequest
    ) -> None:
        url = (
            f"sqlite:///{tmp_path}/hide.sqlite3"
            if backend == "sqlite"
            else request.getfixturevalue("postgres_url")
        )
        engine = build_engine(settings_for(url))
        with engine.connect() as connection, pytest.raises(DBAPIError) as failed:
            connection.execute(
                text("SELECT * FROM no_such_table WHERE name = :name"), {"name": "Fatima Jansen"}
            )
        engine.dispose()
        assert "Fatima Jansen" not in str(failed.value)
