"""Logging in and out as a facilitator would notice it: what is refused, what the cookie is."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.accounts.models import LoginSession, UserAccount
from app.accounts.service import token_hash
from app.api.deps import get_db
from app.db import committing
from app.main import create_app
from app.organisations.models import utcnow
from tests.accounts.support import HTML, count, form_token, log_in_with_form, set_cookie_header
from tests.conftest import DEMO_OWNER_EMAIL, TEST_PASSWORD, Account, settings_for

pytestmark = pytest.mark.postgres


class TestLoginForm:
    def test_the_form_has_labelled_fields_and_a_csrf_field(
        self, anonymous_client: TestClient
    ) -> None:
        html = anonymous_client.get("/login", headers=HTML).text
        assert '<label for="email">' in html
        assert '<label for="password">' in html
        assert 'autocomplete="current-password"' in html
        assert 'name="csrf_token"' in html

    def test_right_password_logs_in_with_a_safe_cookie(
        self, anonymous_client: TestClient, demo_owner: Account
    ) -> None:
        response = log_in_with_form(anonymous_client, DEMO_OWNER_EMAIL, TEST_PASSWORD)
        assert response.status_code == 303  # type: ignore[attr-defined]
        assert response.headers["location"] == "/console"  # type: ignore[attr-defined]
        cookie = set_cookie_header(response)
        assert "httponly" in cookie
        assert "samesite=lax" in cookie
        assert "secure" in cookie
        me = anonymous_client.get("/api/v1/account").json()
        assert (me["email"], me["organisation"], me["role"]) == (DEMO_OWNER_EMAIL, "demo", "owner")

    def test_wrong_password_is_refused_and_says_so(
        self, anonymous_client: TestClient, demo_owner: Account, db: Session
    ) -> None:
        before = count(db, LoginSession)
        response = log_in_with_form(anonymous_client, DEMO_OWNER_EMAIL, "niet-het-wachtwoord")
        assert response.status_code == 401  # type: ignore[attr-defined]
        assert 'role="alert"' in response.text  # type: ignore[attr-defined]
        assert "horen niet bij elkaar" in response.text  # type: ignore[attr-defined]
        assert set_cookie_header(response) == ""
        assert count(db, LoginSession) == before
        assert anonymous_client.get("/api/v1/account").status_code == 401

    def test_unknown_email_gets_the_same_answer(self, anonymous_client: TestClient) -> None:
        response = log_in_with_form(anonymous_client, "niemand@example.nl", TEST_PASSWORD)
        assert response.status_code == 401  # type: ignore[attr-defined]
        assert "horen niet bij elkaar" in response.text  # type: ignore[attr-defined]

    def test_the_password_is_stored_as_an_argon2id_hash(
        self, demo_owner: Account, db: Session
    ) -> None:
        user = db.get(UserAccount, demo_owner.user.id)
        assert user is not None
        assert user.password_hash.startswith("$argon2id$")
        assert TEST_PASSWORD not in user.password_hash

    def test_only_a_hash_of_the_login_token_is_stored(
        self, anonymous_client: TestClient, demo_owner: Account, db: Session
    ) -> None:
        log_in_with_form(anonymous_client, DEMO_OWNER_EMAIL, TEST_PASSWORD)
        token = anonymous_client.cookies["denksessie_login"]
        stored = db.exec(select(LoginSession.token_hash)).all()
        assert token not in stored
        assert token_hash(token) in stored

    def test_next_never_leaves_the_site(
        self, anonymous_client: TestClient, demo_owner: Account
    ) -> None:
        response = log_in_with_form(
            anonymous_client, DEMO_OWNER_EMAIL, TEST_PASSWORD, next_path="//evil.example/x"
        )
        assert response.headers["location"] == "/console"  # type: ignore[attr-defined]

    def test_a_login_without_the_form_token_is_refused(
        self, anonymous_client: TestClient, demo_owner: Account, db: Session
    ) -> None:
        form_token(anonymous_client, "/login")
        response = anonymous_client.post(
            "/login",
            data={"email": DEMO_OWNER_EMAIL, "password": TEST_PASSWORD},
            follow_redirects=False,
        )
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "CSRF_FAILED"
        assert count(db, LoginSession) == 0

    def test_a_login_posted_from_another_site_is_refused(
        self, anonymous_client: TestClient, demo_owner: Account
    ) -> None:
        token = form_token(anonymous_client, "/login")
        response = anonymous_client.post(
            "/login",
            data={"csrf_token": token, "email": DEMO_OWNER_EMAIL, "password": TEST_PASSWORD},
            headers={"Origin": "https://evil.example"},
            follow_redirects=False,
        )
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "CROSS_ORIGIN"


class TestDevelopmentCookie:
    @pytest.fixture
    def dev_client(self, postgres_url: str, db: Session) -> Iterator[TestClient]:
        application: FastAPI = create_app(settings_for(postgres_url, environment="development"))

        def db_in_test_transaction() -> Iterator[Session]:
            with committing(db):
                yield db

        application.dependency_overrides[get_db] = db_in_test_transaction
        with TestClient(application) as test_client:
            yield test_client

    def test_plain_http_in_development_drops_only_the_secure_flag(
        self, dev_client: TestClient, demo_owner: Account
    ) -> None:
        response = log_in_with_form(dev_client, DEMO_OWNER_EMAIL, TEST_PASSWORD)
        cookie = set_cookie_header(response)
        assert "httponly" in cookie
        assert "samesite=lax" in cookie
        assert "secure" not in cookie


class TestLogout:
    def test_logout_ends_the_login_even_for_a_kept_cookie(
        self, anonymous_client: TestClient, demo_owner: Account, db: Session
    ) -> None:
        log_in_with_form(anonymous_client, DEMO_OWNER_EMAIL, TEST_PASSWORD)
        token = anonymous_client.cookies["denksessie_login"]
        csrf = form_token(anonymous_client, "/account")
        response = anonymous_client.post(
            "/logout", data={"csrf_token": csrf}, follow_redirects=False
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/login"
        assert count(db, LoginSession) == 0
        anonymous_client.cookies.set("denksessie_login", token)  # a copy kept by an attacker
        assert anonymous_client.get("/api/v1/account").status_code == 401

    def test_logout_needs_the_csrf_token(self, client: TestClient, db: Session) -> None:
        client.headers.pop("x-csrf-token")
        response = client.post("/logout", data={}, follow_redirects=False)
        assert response.status_code == 403
        assert count(db, LoginSession) == 1

    def test_an_expired_login_no_longer_counts(self, client: TestClient, db: Session) -> None:
        session = db.exec(select(LoginSession)).one()
        session.expires_at = utcnow() - timedelta(minutes=1)
        db.add(session)
        db.commit()
        response = client.get("/api/v1/account")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "UNAUTHENTICATED"


class TestRateLimit:
    def test_after_five_failures_even_the_right_password_waits(
        self, anonymous_client: TestClient, demo_owner: Account
    ) -> None:
        for _ in range(5):
            response = log_in_with_form(anonymous_client, DEMO_OWNER_EMAIL, "fout-wachtwoord")
            assert response.status_code == 401  # type: ignore[attr-defined]
        response = log_in_with_form(anonymous_client, DEMO_OWNER_EMAIL, TEST_PASSWORD)
        assert response.status_code == 429  # type: ignore[attr-defined]
        assert "Te veel mislukte pogingen" in response.text  # type: ignore[attr-defined]
        assert anonymous_client.get("/api/v1/account").status_code == 401


class TestAnonymousVisitors:
    def test_a_console_page_redirects_to_login_and_back(
        self, anonymous_client: TestClient, demo_owner: Account
    ) -> None:
        response = anonymous_client.get("/console/12?x=1", headers=HTML, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/console/12%3Fx%3D1"

    def test_an_api_write_gets_401_json(self, anonymous_client: TestClient) -> None:
        response = anonymous_client.post("/api/v1/denksessies", json={"title": "x"})
        assert response.status_code == 401
        assert response.json()["error"]["message"] == "Log eerst in."

    @pytest.mark.parametrize(
        "path",
        [
            "/",
            "/waardenkaart",
            "/casussen",
            "/principekaarten/principekaart-professionals-2024",
            "/api/v1/catalogues/waardenkaart-sociaal-domein",
            "/api/v1/casussen",
            "/api/v1/principekaarten/principekaart-professionals-2024",
            "/healthz",
            "/j",
            "/static/css/site.css",
        ],
    )
    def test_built_in_content_and_participant_pages_stay_public(
        self, anonymous_client: TestClient, path: str
    ) -> None:
        assert anonymous_client.get(path, headers=HTML).status_code == 200

    def test_paper_ballots_can_still_be_counted_anonymously(
        self, anonymous_client: TestClient
    ) -> None:
        response = anonymous_client.post(
            "/api/v1/aggregate",
            json={
                "method": "schulze",
                "candidates": ["A", "B"],
                "ballots": [{"ranking": ["A", "B"]}],
            },
        )
        assert response.status_code == 200, response.text
