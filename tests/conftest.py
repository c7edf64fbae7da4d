"""Shared fixtures: a fresh PostgreSQL database per run, one rolled-back transaction per test.

The database is built by ``alembic upgrade head`` (never ``create_all``) and the built-in content
is loaded once and committed; each test then runs inside a transaction that is rolled back, and
every request's own commit only releases a savepoint inside it (polar's pattern).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app import migrate
from app.accounts import service as accounts
from app.accounts.models import Role, UserAccount
from app.accounts.passwords import Passwords
from app.api.deps import CSRF_HEADER, LOGIN_COOKIE, get_db
from app.api.join_writer import JoinWriter
from app.config import Settings
from app.content import load_builtin_content
from app.db import build_engine, committing, transaction
from app.main import create_app
from app.organisations import service as organisations
from app.organisations.models import Organisation
from tests.services import fresh_postgres_database

TEST_SECRET = "test-secret-key-that-is-long-enough"
TEST_PASSWORD = "test-wachtwoord-123"
DEMO_OWNER_EMAIL = "eigenaar@demo.test"
PASSWORDS = Passwords("fast")
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


# Whole modules or packages that start worker processes, browsers or long generated runs. `make
# test` runs them; `make test-fast` (pytest -m "not slow") leaves them out of the inner loop.
SLOW_TESTS = (
    "tests/api/test_join_wave.py",
    "tests/api/test_schemathesis.py",
    "tests/bench/",
    "tests/browser/",
    "tests/demo/",
    "tests/realtime/test_faults.py",
    "tests/realtime/test_workers.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.startswith(SLOW_TESTS):
            item.add_marker(pytest.mark.slow)


def settings_for(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "password_hashing": "fast",
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


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
    # Joins are written in batches by the app's join writer, not through get_db.
    application.state.join_writer = JoinWriter.for_app(application, lambda: nullcontext(db))
    return application


@dataclass(frozen=True)
class Account:
    """A user made for a test, with the password it was given."""

    user: UserAccount
    organisation: Organisation
    role: Role
    password: str = TEST_PASSWORD


def make_account(
    db: Session, organisation: Organisation, *, email: str, role: Role = "owner"
) -> Account:
    user = accounts.get_by_email(db, email) or accounts.create_user(
        db, email=email, name=email.split("@")[0], password=TEST_PASSWORD, passwords=PASSWORDS
    )
    assert user.id is not None
    assert organisation.id is not None
    accounts.add_membership(db, user_id=user.id, organisation_id=organisation.id, role=role)
    db.commit()  # releases a savepoint only: a request that rolls back keeps the account
    return Account(user, organisation, role)


def log_in(db: Session, test_client: TestClient, account: Account) -> TestClient:
    """Give ``test_client`` a login session of ``account`` and its CSRF header by default.

    The cookie is put in the jar without the Secure flag the server would set, because the
    test client speaks plain http to ``testserver``."""
    token = accounts.start_login(
        db, user=account.user, lifetime=timedelta(hours=1), organisation_id=account.organisation.id
    )
    login = accounts.resolve_login(db, token)
    assert login is not None
    db.commit()
    test_client.cookies.set(LOGIN_COOKIE, token)
    test_client.headers[CSRF_HEADER] = login.session.csrf_token
    return test_client


def committed_login(database_url: str, email: str = DEMO_OWNER_EMAIL) -> dict[str, str]:
    """Log the demo owner in on a committed database (tests that cannot roll back: the
    realtime package, worker processes, the browser's server). Returns the cookies and headers
    a client needs, as ``{"cookie": ..., "csrf": ...}``."""
    engine = build_engine(settings_for(database_url))
    try:
        with transaction(engine) as db:
            account = make_account(db, organisations.ensure_demo(db), email=email)
            token = accounts.start_login(
                db, user=account.user, lifetime=timedelta(hours=4), organisation_id=None
            )
            login = accounts.resolve_login(db, token)
            assert login is not None
            csrf = login.session.csrf_token
    finally:
        engine.dispose()
    return {"cookie": token, "csrf": csrf}


def with_committed_login(test_client: TestClient, database_url: str) -> TestClient:
    """``test_client`` logged in as the demo owner of a committed database."""
    login = committed_login(database_url)
    test_client.cookies.set(LOGIN_COOKIE, login["cookie"])
    test_client.headers[CSRF_HEADER] = login["csrf"]
    return test_client


@pytest.fixture
def demo_owner(db: Session) -> Account:
    return make_account(db, organisations.ensure_demo(db), email=DEMO_OWNER_EMAIL)


@pytest.fixture
def running_app(app: FastAPI) -> Iterator[TestClient]:
    """Runs the app's lifespan (engine, backplane, hub) once; every test client shares its
    event loop, so two clients never start two hubs on one app."""
    with TestClient(app) as runner:
        yield runner


def sharing(runner: TestClient, **options: str) -> TestClient:
    """Another client of the running app (its own cookies, the runner's event loop)."""
    test_client = TestClient(runner.app, **options)  # type: ignore[arg-type]
    test_client.portal = runner.portal
    return test_client


@pytest.fixture
def client(running_app: TestClient, db: Session, demo_owner: Account) -> TestClient:
    """Logged in as the demo organisation's owner, CSRF header set on every request."""
    return log_in(db, sharing(running_app), demo_owner)


@pytest.fixture
def anonymous_client(running_app: TestClient) -> TestClient:
    """Not logged in; speaks https so the Secure cookies the server sets come back."""
    return sharing(running_app, base_url="https://testserver")


OtherOrganisation = Callable[..., tuple[Organisation, TestClient]]


@pytest.fixture
def other_organisation(running_app: TestClient, db: Session) -> OtherOrganisation:
    """Factory: ``other_organisation(slug="b", role="owner")`` makes an organisation with a
    user of that role and returns it with a TestClient logged in as that user."""

    def make(slug: str = "organisatie-b", role: Role = "owner") -> tuple[Organisation, TestClient]:
        organisation = organisations.ensure(db, slug=slug, name=f"Organisatie {slug}")
        account = make_account(db, organisation, email=f"{role}@{slug}.test", role=role)
        return organisation, log_in(db, sharing(running_app), account)

    return make


@pytest.fixture
def demo_org_id(db: Session) -> int:
    organisation = organisations.ensure_demo(db)
    assert organisation.id is not None
    return organisation.id


@pytest.fixture
def seeds() -> Path:
    assert SEEDS.is_dir(), f"the source documents are expected in {SEEDS}"
    return SEEDS
