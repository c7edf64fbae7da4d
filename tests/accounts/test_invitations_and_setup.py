"""Invitation links (one use, expiry, stored hashed) and the first-run setup page."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, delete, select

from app.accounts.models import Invitation, Membership, UserAccount
from app.accounts.service import token_hash
from app.organisations.models import Organisation, utcnow
from app.tokens import setup_link_token
from tests.accounts.support import HTML, count, form_token, log_in_with_form
from tests.conftest import TEST_PASSWORD, TEST_SECRET, OtherOrganisation

pytestmark = pytest.mark.postgres

LINK = re.compile(r'value="https?://testserver/uitnodiging/([^"]+)"')


def invite(client: TestClient, email: str, role: str = "facilitator") -> str:
    response = client.post("/account/uitnodigingen", data={"email": email, "role": role})
    assert response.status_code == 201, response.text
    match = LINK.search(response.text)
    assert match, "the invitation link is shown to the owner"
    return match.group(1)


def accept(client: TestClient, token: str, *, name: str, password: str) -> object:
    csrf = form_token(client, f"/uitnodiging/{token}")
    return client.post(
        f"/uitnodiging/{token}",
        data={"csrf_token": csrf, "name": name, "password": password},
        follow_redirects=False,
    )


class TestInvitations:
    def test_a_new_colleague_accepts_once_and_is_logged_in(
        self, client: TestClient, anonymous_client: TestClient, db: Session
    ) -> None:
        token = invite(client, "Nieuw@Demo.test")
        stored = db.exec(select(Invitation)).one()
        assert stored.token_hash == token_hash(token)
        assert token not in stored.token_hash

        response = accept(anonymous_client, token, name="Nieuwe Collega", password="lang-genoeg-1")
        assert response.status_code == 303  # type: ignore[attr-defined]
        me = anonymous_client.get("/api/v1/account").json()
        assert (me["email"], me["organisation"], me["role"]) == (
            "nieuw@demo.test",
            "demo",
            "facilitator",
        )
        again = anonymous_client.get(f"/uitnodiging/{token}", headers=HTML)
        assert again.status_code == 404
        assert "niet (meer) geldig" in again.text

    def test_an_expired_link_is_refused(
        self, client: TestClient, anonymous_client: TestClient, db: Session
    ) -> None:
        token = invite(client, "laat@demo.test")
        invitation = db.exec(select(Invitation)).one()
        invitation.expires_at = utcnow() - timedelta(seconds=1)
        db.add(invitation)
        db.commit()
        assert anonymous_client.get(f"/uitnodiging/{token}").status_code == 404

    def test_a_short_password_is_refused_and_nothing_is_made(
        self, client: TestClient, anonymous_client: TestClient, db: Session
    ) -> None:
        token = invite(client, "kort@demo.test")
        users = count(db, UserAccount)
        response = accept(anonymous_client, token, name="Kort", password="kort")
        assert response.status_code == 422  # type: ignore[attr-defined]
        assert "minstens 10 tekens" in response.text  # type: ignore[attr-defined]
        assert count(db, UserAccount) == users
        assert anonymous_client.get(f"/uitnodiging/{token}").status_code == 200

    def test_an_existing_account_joins_with_its_own_password(
        self,
        client: TestClient,
        anonymous_client: TestClient,
        other_organisation: OtherOrganisation,
        db: Session,
    ) -> None:
        organisation_b, _b = other_organisation("org-b")
        token = invite(client, "owner@org-b.test", role="viewer")
        wrong = accept(anonymous_client, token, name="", password="niet-mijn-wachtwoord")
        assert wrong.status_code == 422  # type: ignore[attr-defined]
        right = accept(anonymous_client, token, name="", password=TEST_PASSWORD)
        assert right.status_code == 303  # type: ignore[attr-defined]
        me = anonymous_client.get("/api/v1/account").json()
        assert {m["organisation"] for m in me["memberships"]} == {"demo", organisation_b.slug}
        assert me["organisation"] == "demo"

    def test_the_page_does_not_tell_whether_the_address_has_an_account(
        self,
        client: TestClient,
        anonymous_client: TestClient,
        other_organisation: OtherOrganisation,
    ) -> None:
        other_organisation("org-b")
        existing = invite(client, "owner@org-b.test")
        new = invite(client, "niemand@org-b.test")
        pages = [
            anonymous_client.get(f"/uitnodiging/{token}", headers=HTML).text
            for token in (existing, new)
        ]
        strip = re.compile(r'value="[^"]*"|owner@org-b\.test|niemand@org-b\.test')
        assert strip.sub("", pages[0]) == strip.sub("", pages[1])
        assert "Er is al een account" not in pages[0]

    def test_password_guesses_through_an_invitation_are_limited_like_logins(
        self,
        client: TestClient,
        anonymous_client: TestClient,
        other_organisation: OtherOrganisation,
        db: Session,
    ) -> None:
        organisation_b, _b = other_organisation("org-b")
        token = invite(client, "owner@org-b.test")
        for attempt in range(5):
            wrong = accept(anonymous_client, token, name="", password=f"geraden-{attempt:04}")
            assert wrong.status_code == 422  # type: ignore[attr-defined]
        right = accept(anonymous_client, token, name="", password=TEST_PASSWORD)
        assert right.status_code == 429  # type: ignore[attr-defined]
        assert "Te veel mislukte pogingen" in right.text  # type: ignore[attr-defined]
        assert anonymous_client.get("/api/v1/account").status_code == 401
        # One limit for both doors: the login form of that address waits too.
        login = log_in_with_form(anonymous_client, "owner@org-b.test", TEST_PASSWORD)
        assert login.status_code == 429  # type: ignore[attr-defined]
        victim = db.exec(select(UserAccount).where(UserAccount.email == "owner@org-b.test")).one()
        joined = db.exec(select(Membership).where(Membership.user_id == victim.id)).all()
        assert [m.organisation_id for m in joined] == [organisation_b.id]

    def test_the_owner_can_revoke_an_open_invitation(
        self, client: TestClient, anonymous_client: TestClient, db: Session
    ) -> None:
        token = invite(client, "ingetrokken@demo.test")
        invitation = db.exec(select(Invitation)).one()
        response = client.post(
            f"/account/uitnodigingen/{invitation.id}/intrekken", follow_redirects=False
        )
        assert response.status_code == 303
        assert anonymous_client.get(f"/uitnodiging/{token}").status_code == 404


class TestSwitchingOrganisation:
    def test_a_member_of_two_organisations_chooses_one(
        self,
        client: TestClient,
        other_organisation: OtherOrganisation,
        anonymous_client: TestClient,
    ) -> None:
        organisation_b, b = other_organisation("tweede")
        token = invite(client, "owner@tweede.test")
        accept(anonymous_client, token, name="", password=TEST_PASSWORD)
        assert b.get("/api/v1/account").json()["organisation"] == "tweede"
        html = b.get("/account", headers=HTML).text
        assert "Wissel van organisatie" in html
        demo_id = int(re.findall(r'<option value="(\d+)"', html)[0])
        response = b.post(
            "/account/organisatie", data={"organisation_id": demo_id}, follow_redirects=False
        )
        assert response.status_code == 303
        assert b.get("/api/v1/account").json()["organisation"] in {"demo", "tweede"}
        assert organisation_b.id is not None
        not_mine = b.post("/account/organisatie", data={"organisation_id": 999_999})
        assert not_mine.status_code == 404


class TestSetup:
    def test_setup_is_gone_once_an_account_exists(
        self, client: TestClient, anonymous_client: TestClient
    ) -> None:
        assert anonymous_client.get("/setup").status_code == 404
        refused = anonymous_client.post("/setup", data={"organisation": "X"})
        assert refused.status_code == 404

    def test_the_first_account_makes_its_organisation(
        self, anonymous_client: TestClient, db: Session
    ) -> None:
        db.exec(delete(UserAccount))
        db.commit()
        login_page = anonymous_client.get("/login", headers=HTML).text
        assert "link voor het eerste account" in login_page
        link = setup_link_token(TEST_SECRET)
        csrf = form_token(anonymous_client, f"/setup?token={link}")
        response = anonymous_client.post(
            "/setup",
            data={
                "csrf_token": csrf,
                "setup_token": link,
                "organisation": "Gemeente Voorbeeld",
                "name": "Eerste Eigenaar",
                "email": "eerste@voorbeeld.nl",
                "password": "een-lang-wachtwoord",
            },
            follow_redirects=False,
        )
        assert response.status_code == 303
        me = anonymous_client.get("/api/v1/account").json()
        assert (me["organisation"], me["role"]) == ("gemeente-voorbeeld", "owner")
        organisation = db.exec(
            select(Organisation).where(Organisation.slug == "gemeente-voorbeeld")
        ).one()
        assert count(db, Membership) == 1
        assert organisation.is_builtin is False
        assert anonymous_client.get("/setup").status_code == 404

    @pytest.mark.parametrize(
        "link",
        [
            "",
            "a-guess",
            setup_link_token("the-secret-key-of-another-installation"),
        ],
    )
    def test_without_the_printed_link_nobody_becomes_the_first_owner(
        self, anonymous_client: TestClient, db: Session, link: str
    ) -> None:
        db.exec(delete(UserAccount))
        db.commit()
        page = anonymous_client.get(f"/setup?token={link}", headers=HTML)
        assert page.status_code == 403
        assert "denksessie setup-link" in page.text
        good = setup_link_token(TEST_SECRET)
        csrf = form_token(anonymous_client, f"/setup?token={good}")
        response = anonymous_client.post(
            "/setup",
            data={
                "csrf_token": csrf,
                "setup_token": link,
                "organisation": "Indringer",
                "name": "Indringer",
                "email": "indringer@voorbeeld.nl",
                "password": "een-lang-wachtwoord",
            },
        )
        assert response.status_code == 403
        assert count(db, UserAccount) == 0

    def test_an_old_link_no_longer_works(
        self, anonymous_client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        db.exec(delete(UserAccount))
        db.commit()
        made_at = time.time() - 25 * 3600  # the link lasts DENKSESSIE_SETUP_LINK_HOURS (24)
        monkeypatch.setattr(time, "time", lambda: made_at)
        old = setup_link_token(TEST_SECRET)
        monkeypatch.undo()
        assert anonymous_client.get(f"/setup?token={old}").status_code == 403

    def test_setup_lists_every_problem_and_makes_nothing(
        self, anonymous_client: TestClient, db: Session
    ) -> None:
        db.exec(delete(UserAccount))
        db.commit()
        organisations = count(db, Organisation)
        link = setup_link_token(TEST_SECRET)
        csrf = form_token(anonymous_client, f"/setup?token={link}")
        response = anonymous_client.post(
            "/setup",
            data={
                "csrf_token": csrf,
                "setup_token": link,
                "organisation": "",
                "name": "",
                "email": "x",
                "password": "k",
            },
        )
        assert response.status_code == 422
        for text in ("naam van de organisatie", "geldig e-mailadres", "minstens 10 tekens"):
            assert text in response.text
        assert count(db, Organisation) == organisations
        assert count(db, UserAccount) == 0

    def test_the_login_form_works_for_the_new_owner(
        self, anonymous_client: TestClient, client: TestClient
    ) -> None:
        token = invite(client, "later@demo.test")
        accept(anonymous_client, token, name="Later", password="lang-genoeg-2")
        anonymous_client.cookies.clear()
        response = log_in_with_form(anonymous_client, "later@demo.test", "lang-genoeg-2")
        assert response.status_code == 303  # type: ignore[attr-defined]
