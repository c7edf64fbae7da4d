"""Accounts under concurrency, against a real server on PostgreSQL and on SQLite: several
first-run setups at once make one owner; several accepts of one invitation make one membership
and answer 4xx, never 5xx. Each ran against the old code: three owners; a 500."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlmodel import Session, col, delete, func, select

from app.accounts import service as accounts
from app.accounts.models import Membership, UserAccount
from app.api.deps import ANONYMOUS_CSRF_COOKIE
from app.db import build_engine, transaction
from app.organisations import service as organisations
from app.tokens import setup_link_token
from tests.conftest import TEST_PASSWORD
from tests.live import LiveServer, prepared_database
from tests.services import fresh_postgres_database

pytestmark = pytest.mark.postgres

ATTEMPTS = 6
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(params=["postgresql", "sqlite"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    """A live server on a fresh database that holds the built-in content and no account."""

    def serve(url: str) -> Iterator[LiveServer]:
        settings = prepared_database(url)
        engine = build_engine(settings)
        with transaction(engine) as db:
            db.exec(delete(UserAccount))
        engine.dispose()
        live = LiveServer(settings)
        live.start()
        try:
            yield live
        finally:
            live.stop()

    if request.param == "postgresql":
        with fresh_postgres_database() as url:
            yield from serve(url)
    else:
        yield from serve(f"sqlite:///{tmp_path / 'races.sqlite3'}")


def _form(live: LiveServer, path: str) -> tuple[str, str]:
    """The CSRF cookie and field of a form page (the cookie is Secure, so it is sent by hand
    over the live server's plain http)."""
    page = httpx.get(f"{live.url}{path}", headers={"Accept": "text/html"})
    assert page.status_code == 200, page.text
    match = _CSRF_FIELD.search(page.text)
    assert match
    return page.cookies[ANONYMOUS_CSRF_COOKIE], match.group(1)


def _all_at_once(posts: list[Callable[[], httpx.Response]]) -> list[int]:
    start = threading.Barrier(len(posts))
    statuses: list[int] = []

    def run(post: Callable[[], httpx.Response]) -> None:
        start.wait()
        statuses.append(post().status_code)

    threads = [threading.Thread(target=run, args=(post,)) for post in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(statuses) == len(posts)
    return statuses


def _count(live: LiveServer, statement: object) -> int:
    engine = build_engine(live.settings)
    try:
        with Session(engine) as db:
            return int(db.exec(statement).one())  # type: ignore[call-overload]
    finally:
        engine.dispose()


class TestFirstRunSetup:
    def test_of_several_setups_at_once_only_one_makes_an_owner(self, server: LiveServer) -> None:
        link = setup_link_token(server.settings.secret_key)

        def post(number: int) -> Callable[[], httpx.Response]:
            cookie, csrf = _form(server, f"/setup?token={link}")
            data = {
                "csrf_token": csrf,
                "setup_token": link,
                "organisation": f"Organisatie {number}",
                "name": f"Eigenaar {number}",
                "email": f"eigenaar{number}@voorbeeld.nl",
                "password": "een-lang-wachtwoord",
            }
            return lambda: httpx.post(
                f"{server.url}/setup",
                data=data,
                cookies={ANONYMOUS_CSRF_COOKIE: cookie},
                timeout=60,
            )

        statuses = _all_at_once([post(number) for number in range(ATTEMPTS)])
        assert sorted(statuses) == [303] + [404] * (ATTEMPTS - 1)
        assert _count(server, select(func.count()).select_from(UserAccount)) == 1
        owners = select(func.count()).select_from(Membership).where(Membership.role == "owner")
        assert _count(server, owners) == 1


class TestInvitationAcceptedTwice:
    def test_one_accept_wins_and_the_others_get_409(self, server: LiveServer) -> None:
        engine = build_engine(server.settings)
        with transaction(engine) as db:
            demo = organisations.ensure_demo(db)
            assert demo.id is not None
            token = accounts.create_invitation(
                db,
                organisation_id=demo.id,
                email="nieuw@demo.test",
                role="facilitator",
                invited_by=None,
                lifetime=timedelta(days=1),
            )
        engine.dispose()

        def post() -> Callable[[], httpx.Response]:
            cookie, csrf = _form(server, f"/uitnodiging/{token}")
            data = {"csrf_token": csrf, "name": "Nieuw", "password": TEST_PASSWORD}
            return lambda: httpx.post(
                f"{server.url}/uitnodiging/{token}",
                data=data,
                cookies={ANONYMOUS_CSRF_COOKIE: cookie},
                timeout=60,
            )

        statuses = _all_at_once([post() for _ in range(ATTEMPTS)])
        # A loser that arrives after the winner's commit finds the link used (404); one that
        # raced it is told so (409). Never a 5xx.
        assert sorted(statuses)[0] == 303
        assert set(sorted(statuses)[1:]) <= {404, 409}
        members = (
            select(func.count())
            .select_from(Membership)
            .join(UserAccount, col(UserAccount.id) == col(Membership.user_id))
            .where(UserAccount.email == "nieuw@demo.test")
        )
        assert _count(server, members) == 1
