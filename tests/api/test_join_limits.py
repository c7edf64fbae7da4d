"""Join rate limits: guessing codes is cut off, floods of joins are refused, nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from app.api.join_guard import JoinGuard
from app.sessions.models import Participant
from tests.api.test_denksessies import created  # noqa: F401  (fixture)
from tests.conftest import settings_for


def _limit(app: FastAPI, postgres_url: str, **limits: str) -> None:
    app.state.join_guard = JoinGuard(settings_for(postgres_url, **limits))


def _participants(db: Session, denksessie_id: int) -> int:
    return db.exec(select(func.count()).where(Participant.denksessie_id == denksessie_id)).one()


class TestGuessingCodes:
    def test_after_three_wrong_codes_even_the_right_one_waits(
        self,
        app: FastAPI,
        client: TestClient,
        db: Session,
        postgres_url: str,
        created: dict[str, Any],  # noqa: F811
    ) -> None:
        _limit(app, postgres_url, join_fail_limit="3/minute")
        for guess in ("AAAAAA", "BBBBBB"):
            assert client.post(f"/api/v1/join/{guess}", json={}).status_code == 404
        assert client.get("/j/CCCCCC").status_code == 404  # the join page counts too
        refused = client.post(f"/api/v1/join/{created['code']}", json={})
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "TOO_MANY_ATTEMPTS"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert _participants(db, created["id"]) == 0
        page = client.get(f"/j/{created['code']}", headers={"Accept": "text/html"})
        assert page.status_code == 429
        assert "Te veel onbekende codes" in page.text

    def test_right_codes_do_not_count_as_guesses(
        self,
        app: FastAPI,
        client: TestClient,
        db: Session,
        postgres_url: str,
        created: dict[str, Any],  # noqa: F811
    ) -> None:
        _limit(app, postgres_url, join_fail_limit="2/minute")
        for _ in range(5):
            assert client.post(f"/api/v1/join/{created['code']}", json={}).status_code == 201
        assert _participants(db, created["id"]) == 5


class TestWrongCodeLimits:
    def test_windows_longer_than_a_minute_are_refused(self, postgres_url: str) -> None:
        """Over the limit even the right code waits: a day-long window locked a whole room
        behind one NAT out for a day (Retry-After: 85790)."""
        with pytest.raises(ValueError, match="at most a minute"):
            settings_for(postgres_url, join_fail_limit="10/minute;100/day")

    def test_by_default_the_right_code_waits_at_most_a_minute(
        self,
        app: FastAPI,
        client: TestClient,
        created: dict[str, Any],  # noqa: F811
    ) -> None:
        answers = [client.post("/api/v1/join/AAAAAA", json={}) for _ in range(40)]
        assert answers[-1].status_code == 429
        refused = client.post(f"/api/v1/join/{created['code']}", json={})
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 60

    def test_ipv6_clients_are_counted_per_64(
        self,
        app: FastAPI,
        running_app: TestClient,
        postgres_url: str,
        created: dict[str, Any],  # noqa: F811
    ) -> None:
        _limit(app, postgres_url, join_fail_limit="3/minute")
        first, second, elsewhere = (
            _from(running_app, host)
            for host in ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", "2001:db8:1:3::1")
        )
        assert first.post("/api/v1/join/AAAAAA", json={}).status_code == 404
        assert first.post("/api/v1/join/BBBBBB", json={}).status_code == 404
        assert second.post("/api/v1/join/CCCCCC", json={}).status_code == 404
        assert second.post(f"/api/v1/join/{created['code']}", json={}).status_code == 429
        assert elsewhere.post(f"/api/v1/join/{created['code']}", json={}).status_code == 201


def _from(running_app: TestClient, host: str) -> TestClient:
    """A client of the running app that connects from ``host``."""
    other = TestClient(running_app.app, client=(host, 50000))
    other.portal = running_app.portal
    return other


def _create(client: TestClient, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/v1/denksessies", json={"title": "Zaal", **fields})
    assert response.status_code == 201, response.text
    return dict(response.json())


class TestRoomBudget:
    def test_one_address_adds_no_more_than_the_room_allows(
        self, client: TestClient, db: Session
    ) -> None:
        room = _create(client, room_size=5)
        assert room["join_budget"] == 15  # 5 expected, 10 headroom
        answers = [client.post(f"/api/v1/join/{room['code']}", json={}) for _ in range(16)]
        assert [a.status_code for a in answers] == [201] * 15 + [409]
        assert answers[-1].json()["error"]["code"] == "ROOM_FULL"
        assert _participants(db, room["id"]) == 15

    def test_a_room_of_400_behind_one_address_joins_without_waiting(
        self, client: TestClient, db: Session
    ) -> None:
        room = _create(client, room_size=400)
        answers = [client.post(f"/api/v1/join/{room['code']}", json={}) for _ in range(400)]
        assert {a.status_code for a in answers} == {201}
        assert _participants(db, room["id"]) == 400

    def test_the_facilitator_makes_room_while_the_session_runs(
        self, client: TestClient, db: Session
    ) -> None:
        room = _create(client, room_size=1)
        for _ in range(11):
            client.post(f"/api/v1/join/{room['code']}", json={})
        assert client.post(f"/api/v1/join/{room['code']}", json={}).status_code == 409
        changed = client.patch(f"/api/v1/denksessies/{room['id']}", json={"room_size": 30})
        assert changed.status_code == 200, changed.text
        assert changed.json()["joined"] == 11
        assert client.post(f"/api/v1/join/{room['code']}", json={}).status_code == 201
        assert _participants(db, room["id"]) == 12

    def test_joins_beyond_the_rate_limits_are_refused_and_not_stored(
        self, app: FastAPI, client: TestClient, db: Session, postgres_url: str
    ) -> None:
        """The rates allow twice the budget: then the room is full (409), and only a client that
        keeps trying after that is told to slow down (429)."""
        room = _create(client, room_size=1)  # a budget of 11
        _limit(app, postgres_url, join_code_limit="2/minute", join_ip_limit="2/minute")
        answers = [client.post(f"/api/v1/join/{room['code']}", json={}) for _ in range(23)]
        assert [a.status_code for a in answers] == [201] * 11 + [409] * 11 + [429]
        assert answers[11].json()["error"]["code"] == "ROOM_FULL"
        assert "te veel mensen tegelijk" in answers[-1].json()["error"]["message"]
        assert _participants(db, room["id"]) == 11

    def test_malformed_limits_are_refused_at_start(self, postgres_url: str) -> None:
        with pytest.raises(ValueError, match="join_ip_limit"):
            settings_for(postgres_url, join_ip_limit="lots")


class TestRoomPin:
    def test_a_room_with_a_pin_admits_only_who_gives_it(
        self, client: TestClient, db: Session
    ) -> None:
        room = _create(client, require_pin=True)
        pin = room["room_pin"]
        assert len(pin) == 4
        assert pin.isdigit()
        url = f"/api/v1/join/{room['code']}"
        missing = client.post(url, json={})
        assert (missing.status_code, missing.json()["error"]["code"]) == (403, "PIN_REQUIRED")
        wrong = client.post(url, json={"pin": "0000" if pin != "0000" else "1111"})
        assert (wrong.status_code, wrong.json()["error"]["code"]) == (403, "WRONG_PIN")
        assert wrong.json()["error"]["message"] == (
            "Deze pincode klopt niet. Je vindt de pincode op het scherm in de zaal."
        )
        assert _participants(db, room["id"]) == 0
        assert client.post(url, json={"pin": pin}).status_code == 201
        assert _participants(db, room["id"]) == 1

    def test_wrong_pins_count_as_guesses(
        self, app: FastAPI, client: TestClient, postgres_url: str
    ) -> None:
        room = _create(client, require_pin=True)
        _limit(app, postgres_url, join_fail_limit="2/minute")
        url = f"/api/v1/join/{room['code']}"
        wrong = "0000" if room["room_pin"] != "0000" else "1111"
        assert [client.post(url, json={"pin": wrong}).status_code for _ in range(2)] == [403, 403]
        refused = client.post(url, json={"pin": room["room_pin"]})
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) <= 60

    def test_the_pin_is_on_the_projector_and_asked_on_the_phone(
        self, client: TestClient, anonymous_client: TestClient
    ) -> None:
        room = _create(client, require_pin=True)
        screen = client.get(room["screen_url"], headers={"Accept": "text/html"})
        assert f'id="room-pin">{room["room_pin"]}<' in screen.text
        join_page = anonymous_client.get(f"/j/{room['code']}", headers={"Accept": "text/html"})
        assert join_page.status_code == 200
        assert 'id="pin"' in join_page.text
        assert "room-pin" not in join_page.text

    def test_the_facilitator_switches_the_pin_off_and_on(self, client: TestClient) -> None:
        room = _create(client, require_pin=True)
        url = f"/api/v1/join/{room['code']}"
        off = client.patch(f"/api/v1/denksessies/{room['id']}", json={"require_pin": False})
        assert off.json()["room_pin"] is None
        assert client.post(url, json={}).status_code == 201
        on = client.patch(f"/api/v1/denksessies/{room['id']}", json={"require_pin": True})
        assert client.post(url, json={}).status_code == 403
        assert client.post(url, json={"pin": on.json()["room_pin"]}).status_code == 201


class TestJoinText:
    def test_a_name_postgresql_cannot_store_is_refused(
        self, client: TestClient, db: Session
    ) -> None:
        room = _create(client)
        response = client.post(f"/api/v1/join/{room['code']}", json={"display_name": "A\u0000"})
        assert response.status_code == 422
        assert "niet kan worden opgeslagen" in response.text
        assert _participants(db, room["id"]) == 0
