"""CSRF and origin checks on the JSON API, and what each role may do in its own organisation."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.casussen.models import Casus
from app.organisations import service as organisations
from app.sessions.models import Denksessie
from tests.accounts.support import HTML, count
from tests.conftest import OtherOrganisation, log_in, make_account

pytestmark = pytest.mark.postgres

NEW_DENKSESSIE = {"title": "Wijkteam Zuid"}


class TestCsrf:
    def test_a_write_without_the_token_is_refused_and_writes_nothing(
        self, client: TestClient, db: Session
    ) -> None:
        before = count(db, Denksessie)
        client.headers.pop("x-csrf-token")
        response = client.post("/api/v1/denksessies", json=NEW_DENKSESSIE)
        assert response.status_code == 403
        error = response.json()["error"]
        assert error["code"] == "CSRF_FAILED"
        assert "niets opgeslagen" in error["message"]
        assert count(db, Denksessie) == before

    def test_a_wrong_token_is_refused(self, client: TestClient, db: Session) -> None:
        before = count(db, Denksessie)
        response = client.post(
            "/api/v1/denksessies", json=NEW_DENKSESSIE, headers={"X-CSRF-Token": "geraden"}
        )
        assert response.status_code == 403
        assert count(db, Denksessie) == before

    def test_the_token_of_another_login_is_refused(
        self, client: TestClient, other_organisation: OtherOrganisation, db: Session
    ) -> None:
        _org, other = other_organisation()
        before = count(db, Denksessie)
        response = client.post(
            "/api/v1/denksessies",
            json=NEW_DENKSESSIE,
            headers={"X-CSRF-Token": other.headers["x-csrf-token"]},
        )
        assert response.status_code == 403
        assert count(db, Denksessie) == before

    @pytest.mark.parametrize(
        "headers",
        [
            {"Origin": "https://evil.example"},
            {"Origin": "null"},
            {"Sec-Fetch-Site": "cross-site"},
            {"Sec-Fetch-Site": "same-site"},
        ],
    )
    def test_a_write_from_another_site_is_refused_even_with_the_token(
        self, client: TestClient, db: Session, headers: dict[str, str]
    ) -> None:
        before = count(db, Denksessie)
        response = client.post("/api/v1/denksessies", json=NEW_DENKSESSIE, headers=headers)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "CROSS_ORIGIN"
        assert count(db, Denksessie) == before

    def test_a_write_from_this_site_passes(self, client: TestClient) -> None:
        response = client.post(
            "/api/v1/denksessies",
            json=NEW_DENKSESSIE,
            headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
        )
        assert response.status_code == 201, response.text

    def test_reading_needs_no_token(self, client: TestClient) -> None:
        client.headers.pop("x-csrf-token")
        assert client.get("/api/v1/casussen").status_code == 200

    def test_pages_behind_login_carry_the_token_for_fetch(self, client: TestClient) -> None:
        token = client.headers["x-csrf-token"]
        for path in ("/console", "/account", "/casussen"):
            html = client.get(path, headers=HTML).text
            assert f'<meta name="csrf-token" content="{token}">' in html, path


class TestRoles:
    def test_a_viewer_reads_but_cannot_write(
        self, other_organisation: OtherOrganisation, db: Session
    ) -> None:
        _org, viewer = other_organisation("kijkers", role="viewer")
        assert viewer.get("/api/v1/casussen").status_code == 200
        assert viewer.get("/console", headers=HTML).status_code == 200
        before = (count(db, Denksessie), count(db, Casus))
        created = viewer.post("/api/v1/denksessies", json=NEW_DENKSESSIE)
        assert created.status_code == 403
        assert "alleen meekijken" in created.json()["error"]["message"]
        assert (count(db, Denksessie), count(db, Casus)) == before

    def test_a_facilitator_runs_sessions_but_does_not_manage_members(
        self, other_organisation: OtherOrganisation
    ) -> None:
        _org, facilitator = other_organisation("team", role="facilitator")
        assert facilitator.post("/api/v1/denksessies", json=NEW_DENKSESSIE).status_code == 201
        invited = facilitator.post(
            "/account/uitnodigingen", data={"email": "x@team.test", "role": "viewer"}
        )
        assert invited.status_code == 403

    def test_the_last_owner_cannot_step_down(self, client: TestClient) -> None:
        me = client.get("/api/v1/account").json()
        assert me["role"] == "owner"
        html = client.get("/account", headers=HTML).text
        assert "Leden" in html
        user_id = int(html.split('action="/account/leden/')[1].split("/")[0])
        response = client.post(f"/account/leden/{user_id}/rol", data={"role": "viewer"})
        assert response.status_code == 409
        assert client.get("/api/v1/account").json()["role"] == "owner"


class TestOwnerManagesMembers:
    def test_the_owner_demotes_and_removes_a_member_whose_login_then_ends(
        self, client: TestClient, db: Session
    ) -> None:
        organisation = organisations.ensure_demo(db)
        colleague = make_account(db, organisation, email="collega@demo.test", role="facilitator")
        colleague_client = log_in(db, sharing_client(client), colleague)
        assert colleague_client.post("/api/v1/denksessies", json=NEW_DENKSESSIE).status_code == 201

        user_id = colleague.user.id
        demoted = client.post(
            f"/account/leden/{user_id}/rol", data={"role": "viewer"}, follow_redirects=False
        )
        assert demoted.status_code == 303
        assert colleague_client.post("/api/v1/denksessies", json=NEW_DENKSESSIE).status_code == 403

        removed = client.post(f"/account/leden/{user_id}/verwijderen", follow_redirects=False)
        assert removed.status_code == 303
        assert colleague_client.get("/api/v1/account").status_code == 401
        assert "collega@demo.test" not in client.get("/account", headers=HTML).text


def sharing_client(client: TestClient) -> TestClient:
    """A second client on the same running app (its own cookies)."""
    other = TestClient(client.app)
    other.portal = client.portal
    return other
