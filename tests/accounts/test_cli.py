"""``denksessie user create | reset-password | demo`` and the login lines of ``serve`` on a
SQLite file, then logging in with what they printed."""

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
from app.cli import DEMO_EMAIL, cli, how_to_log_in
from app.config import Settings
from app.db import build_engine
from app.tokens import setup_link_valid
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

    def test_the_demo_account_gets_a_random_password_printed_once(
        self, sqlite_env: Settings
    ) -> None:
        first = runner.invoke(cli, ["user", "demo"])
        assert first.exit_code == 0, first.output
        password = _password(first.output)
        assert password != "demo-denksessie"  # the once-published password
        again = runner.invoke(cli, ["user", "demo"])
        assert again.exit_code == 0, again.output
        assert "bestaat al" in again.output
        assert password not in again.output
        for db in _db(sqlite_env):
            fast = Passwords("fast")
            assert accounts.authenticate(db, email=DEMO_EMAIL, password=password, passwords=fast)
            assert not accounts.authenticate(
                db, email=DEMO_EMAIL, password="demo-denksessie", passwords=fast
            )


class TestHowToLogIn:
    def test_without_an_account_serve_prints_a_working_setup_link(
        self, sqlite_env: Settings
    ) -> None:
        lines = how_to_log_in(sqlite_env, "0.0.0.0", 8123)
        link = next(line.strip() for line in lines if "/setup?token=" in line)
        assert link.startswith("http://")
        assert ":8123/setup?token=" in link
        assert "0.0.0.0" not in link  # an address others can type
        token = link.split("token=", 1)[1]
        assert setup_link_valid(sqlite_env.secret_key, token, max_age_s=3600)
        assert not setup_link_valid("another-secret-key-1234", token, max_age_s=3600)

    def test_with_an_account_serve_says_where_and_as_whom(self, sqlite_env: Settings) -> None:
        runner.invoke(cli, ["user", "create", "eigenaar@gemeente.nl"])
        lines = how_to_log_in(sqlite_env, "127.0.0.1", 8000)
        assert lines[0] == "Log in op http://127.0.0.1:8000/login als eigenaar@gemeente.nl"
        assert not any("setup" in line for line in lines)

    def test_the_setup_link_command_prints_the_same(self, sqlite_env: Settings) -> None:
        result = runner.invoke(cli, ["setup-link", "--port", "9000"])
        assert result.exit_code == 0, result.output
        assert ":9000/setup?token=" in result.output
