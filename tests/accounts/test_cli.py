"""``denksessie user create | reset-password | demo`` on a SQLite file, then logging in with
what they printed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.accounts import service as accounts
from app.accounts.models import LoginSession, Membership
from app.accounts.passwords import Passwords
from app.cli import DEMO_EMAIL, DEMO_PASSWORD, cli
from app.config import Settings
from app.db import build_engine
from tests.conftest import TEST_SECRET

runner = CliRunner()
PASSWORD = re.compile(r"[Ww]achtwoord[^:]*: (\S+)")


@pytest.fixture
def sqlite_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    url = f"sqlite:///{tmp_path}/cli.sqlite3"
    monkeypatch.setenv("DENKSESSIE_DATABASE_URL", url)
    monkeypatch.setenv("DENKSESSIE_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("DENKSESSIE_ENVIRONMENT", "test")
    monkeypatch.setenv("DENKSESSIE_PASSWORD_HASHING", "fast")
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    assert runner.invoke(cli, ["load-content"]).exit_code == 0
    return Settings()


def _db(settings: Settings) -> Iterator[Session]:
    engine = build_engine(settings)
    try:
        with Session(engine) as db:
            yield db
    finally:
        engine.dispose()


def _password(output: str) -> str:
    match = PASSWORD.search(output)
    assert match, output
    return match.group(1)


class TestUserCommands:
    def test_create_prints_a_password_that_logs_in(self, sqlite_env: Settings) -> None:
        result = runner.invoke(
            cli, ["user", "create", "Anna@Gemeente.nl", "--organisation", "demo", "--role", "owner"]
        )
        assert result.exit_code == 0, result.output
        password = _password(result.output)
        for db in _db(sqlite_env):
            user = accounts.authenticate(
                db, email="anna@gemeente.nl", password=password, passwords=Passwords("fast")
            )
            assert user is not None
            membership = db.exec(select(Membership).where(Membership.user_id == user.id)).one()
            assert membership.role == "owner"

    def test_create_refuses_an_unknown_organisation(self, sqlite_env: Settings) -> None:
        result = runner.invoke(cli, ["user", "create", "a@b.nl", "--organisation", "bestaat-niet"])
        assert result.exit_code == 1
        assert "bestaat niet" in result.output

    def test_reset_password_gives_a_new_one_and_ends_logins(self, sqlite_env: Settings) -> None:
        created = runner.invoke(cli, ["user", "create", "piet@gemeente.nl"])
        old = _password(created.output)
        for db in _db(sqlite_env):
            user = accounts.get_by_email(db, "piet@gemeente.nl")
            assert user is not None
            accounts.start_login(db, user=user, lifetime=timedelta(hours=1))
            db.commit()
        result = runner.invoke(cli, ["user", "reset-password", "piet@gemeente.nl"])
        assert result.exit_code == 0, result.output
        new = _password(result.output)
        assert new != old
        assert len(new) >= 16
        for db in _db(sqlite_env):
            fast = Passwords("fast")
            assert (
                accounts.authenticate(db, email="piet@gemeente.nl", password=old, passwords=fast)
                is None
            )
            assert accounts.authenticate(db, email="piet@gemeente.nl", password=new, passwords=fast)
            assert db.exec(select(LoginSession)).all() == []

    def test_reset_password_of_an_unknown_account_fails(self, sqlite_env: Settings) -> None:
        result = runner.invoke(cli, ["user", "reset-password", "niemand@gemeente.nl"])
        assert result.exit_code == 1

    def test_the_known_demo_password_is_refused_outside_development(
        self, sqlite_env: Settings
    ) -> None:
        result = runner.invoke(cli, ["user", "demo"])
        assert result.exit_code == 1
        assert "alleen in development" in result.output

    def test_the_demo_account_exists_in_development(
        self, sqlite_env: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("DENKSESSIE_ENVIRONMENT", "development")
        monkeypatch.delenv("DENKSESSIE_SECRET_KEY")
        for _ in range(2):  # make run starts it every time: idempotent
            result = runner.invoke(cli, ["user", "demo"])
            assert result.exit_code == 0, result.output
            assert f"{DEMO_EMAIL} / {DEMO_PASSWORD}" in result.output
        for db in _db(sqlite_env):
            user = accounts.authenticate(
                db, email=DEMO_EMAIL, password=DEMO_PASSWORD, passwords=Passwords("fast")
            )
            assert user is not None
