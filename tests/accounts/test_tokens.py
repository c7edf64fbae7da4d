"""Staff tokens for the websocket and the projector: scoped to one denksessie and one grant,
expiring, read-only for viewers, and revoked with the login they were handed out under (logout,
a member removed, a role lowered), live sockets included. On a committed database of their own,
as the realtime tests (the endpoint reads through its own sessions)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts import service as accounts
from app.accounts.models import LoginSession, Role
from app.api.deps import CSRF_HEADER, LOGIN_COOKIE
from app.db import build_engine, transaction
from app.main import create_app
from app.organisations import service as organisations
from app.realtime.protocol import CLOSE_UNAUTHORISED
from app.tokens import ClientToken, sign, staff_token, verify
from tests.conftest import TEST_SECRET, make_account, settings_for, sharing, with_committed_login
from tests.realtime.support import Live, Socket, hello, prepared_database

pytestmark = pytest.mark.postgres

HTML = {"Accept": "text/html"}
RECHECK_S = 0.2
_TOKEN = re.compile(r'data-token="([^"]+)"')
_SCREEN = re.compile(r'/scherm/\d+\?token=([^"&]+)')


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with prepared_database() as url:
        yield url


@pytest.fixture
def owner(database: str) -> Iterator[TestClient]:
    """The demo organisation's owner, on an app that re-checks staff sockets every 0.2 s."""
    app = create_app(settings_for(database, access_recheck_s=RECHECK_S))
    with TestClient(app) as client:
        yield with_committed_login(client, database)


@pytest.fixture
def live(owner: TestClient) -> Live:
    return Live.create(owner)


def member(database: str, owner: TestClient, role: Role) -> tuple[TestClient, int]:
    """A new member of the demo organisation, logged in on a client of the owner's app."""
    engine = build_engine(settings_for(database))
    try:
        with transaction(engine) as db:
            demo = organisations.ensure_demo(db)
            email = f"{role}-{uuid.uuid4().hex[:8]}@demo.test"
            account = make_account(db, demo, email=email, role=role)
            assert account.user.id is not None
            token = accounts.start_login(
                db, user=account.user, lifetime=timedelta(hours=1), organisation_id=demo.id
            )
            login = accounts.resolve_login(db, token)
            assert login is not None
            csrf = login.session.csrf_token
            user_id = account.user.id
    finally:
        engine.dispose()
    client = sharing(owner)
    client.cookies.set(LOGIN_COOKIE, token)
    client.headers[CSRF_HEADER] = csrf
    return client, user_id


def console_tokens(client: TestClient, denksessie_id: int) -> tuple[str, str]:
    page = client.get(f"/console/{denksessie_id}", headers=HTML)
    assert page.status_code == 200, page.text
    console, screen = _TOKEN.search(page.text), _SCREEN.search(page.text)
    assert console
    assert screen
    return console.group(1), screen.group(1)


def claims(token: str) -> ClientToken:
    verified = verify(TEST_SECRET, token)
    assert verified is not None
    return verified


def refusal_code(live: Live, role: str, token: str) -> int | None:
    """The close code of a handshake with ``token``, or None when it was welcomed."""
    with live.raw_socket() as socket:
        socket.send(hello(role, token))
        first = socket.receive()
        if first["type"] == "welcome":
            return None
        return socket.closed()[1]


def revoked(socket: Socket) -> int:
    frames, code = socket.closed(timeout=5.0)
    assert any(f["type"] == "error" and f["code"] == "ACCESS_REVOKED" for f in frames), frames
    return code


class TestScope:
    def test_the_console_token_is_for_this_denksessie_and_expires(
        self, owner: TestClient, live: Live
    ) -> None:
        token, screen = console_tokens(owner, live.id)
        for value, grant in ((token, "facilitator"), (screen, "screen")):
            scoped = claims(value)
            assert (scoped.grant, scoped.denksessie_id) == (grant, live.id)
            assert scoped.expires_at is not None
            assert time.time() + 11 * 3600 < scoped.expires_at <= time.time() + 12 * 3600
            assert verify(TEST_SECRET, value, now=scoped.expires_at + 1) is None
        other = Live.create(owner)
        assert refusal_code(other, "facilitator", token) == 4404

    def test_a_viewer_gets_a_read_only_viewer_token(
        self, database: str, owner: TestClient, live: Live
    ) -> None:
        viewer, _user_id = member(database, owner, "viewer")
        token, _screen = console_tokens(viewer, live.id)
        assert claims(token).grant == "viewer"
        with live.connect("facilitator", token) as connected:  # the facilitator's view ...
            assert connected.welcome["role"] == "facilitator"
        refused = viewer.post(f"/api/v1/denksessies/{live.id}/lock", json={"locked": True})
        assert refused.status_code == 403  # ... and no controls
        assert claims(live.facilitator_token).grant == "facilitator"

    def test_a_token_of_another_organisations_login_is_refused(
        self, database: str, live: Live
    ) -> None:
        """Even signed with the right key, a token only works for a login of the denksessie's
        own organisation."""
        engine = build_engine(settings_for(database))
        try:
            with transaction(engine) as db:
                other = organisations.ensure(db, slug="ander", name="Andere organisatie")
                email = f"ander-{uuid.uuid4().hex[:8]}@ander.test"
                account = make_account(db, other, email=email, role="owner")
                accounts.start_login(
                    db, user=account.user, lifetime=timedelta(hours=1), organisation_id=other.id
                )
                session_id = db.exec(
                    select(LoginSession.id).where(LoginSession.user_id == account.user.id)
                ).one()
        finally:
            engine.dispose()
        assert session_id is not None
        forged = sign(
            TEST_SECRET,
            staff_token("facilitator", live.id, login_session_id=session_id, lifetime_s=3600),
        )
        assert refusal_code(live, "facilitator", forged) == CLOSE_UNAUTHORISED


class TestRevocation:
    def test_removing_a_member_closes_their_live_view(
        self, database: str, owner: TestClient, live: Live
    ) -> None:
        facilitator, user_id = member(database, owner, "facilitator")
        token, screen = console_tokens(facilitator, live.id)
        with live.connect("facilitator", token) as console, live.connect("screen", screen) as beam:
            removed = owner.post(f"/account/leden/{user_id}/verwijderen", follow_redirects=False)
            assert removed.status_code == 303
            assert revoked(console.socket) == CLOSE_UNAUTHORISED
            assert revoked(beam.socket) == CLOSE_UNAUTHORISED
        assert refusal_code(live, "facilitator", token) == CLOSE_UNAUTHORISED
        assert owner.get(f"/scherm/{live.id}?token={screen}").status_code == 403

    def test_logging_out_ends_the_screen_link(
        self, database: str, owner: TestClient, live: Live
    ) -> None:
        facilitator, _user_id = member(database, owner, "facilitator")
        _token, screen = console_tokens(facilitator, live.id)
        assert owner.get(f"/scherm/{live.id}?token={screen}").status_code == 200
        assert facilitator.post("/logout", follow_redirects=False).status_code == 303
        assert owner.get(f"/scherm/{live.id}?token={screen}").status_code == 403
        assert refusal_code(live, "screen", screen) == CLOSE_UNAUTHORISED

    def test_a_facilitator_lowered_to_viewer_loses_the_facilitator_token(
        self, database: str, owner: TestClient, live: Live
    ) -> None:
        facilitator, user_id = member(database, owner, "facilitator")
        token, screen = console_tokens(facilitator, live.id)
        lowered = owner.post(
            f"/account/leden/{user_id}/rol", data={"role": "viewer"}, follow_redirects=False
        )
        assert lowered.status_code == 303
        assert refusal_code(live, "facilitator", token) == CLOSE_UNAUTHORISED
        assert refusal_code(live, "screen", screen) is None  # a viewer may still run the screen
        again, _screen = console_tokens(facilitator, live.id)
        assert claims(again).grant == "viewer"
