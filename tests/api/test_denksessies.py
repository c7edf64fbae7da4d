"""Facilitator and join endpoints against the real PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from app.config import Settings
from app.sessions.models import Denksessie, SessionRound
from app.tokens import verify
from tests.conftest import TEST_SECRET

BASE = "/api/v1/denksessies"


def _casus_ids(client: TestClient, n: int = 2) -> list[int]:
    return [int(c["id"]) for c in client.get("/api/v1/casussen").json()[:n]]


@pytest.fixture
def created(client: TestClient) -> dict[str, Any]:
    response = client.post(BASE, json={"title": "Wijkteam Noord", "casus_ids": _casus_ids(client)})
    assert response.status_code == 201, response.text
    return dict(response.json())


def _round(client: TestClient, denksessie_id: int, kind: str, **config: Any) -> dict[str, Any]:
    response = client.post(f"{BASE}/{denksessie_id}/rounds", json={"kind": kind, "config": config})
    assert response.status_code == 201, response.text
    return dict(response.json())


class TestCreate:
    def test_returns_code_links_and_tokens(self, created: dict[str, Any]) -> None:
        assert len(created["code"]) == 6
        assert created["join_url"].endswith(f"/j/{created['code']}")
        facilitator = verify(TEST_SECRET, created["facilitator_token"])
        assert facilitator is not None
        assert (facilitator.role, facilitator.denksessie_id) == ("facilitator", created["id"])
        assert created["screen_token"] in created["screen_url"]

    def test_unknown_casus_is_refused_and_nothing_written(
        self, client: TestClient, db: Session
    ) -> None:
        before = db.exec(select(func.count()).select_from(Denksessie)).one()
        response = client.post(BASE, json={"title": "X", "casus_ids": [999999]})
        assert response.status_code == 422
        assert response.json()["error"]["problems"][0]["loc"] == "casus_ids.0"
        assert db.exec(select(func.count()).select_from(Denksessie)).one() == before

    def test_empty_title_is_refused(self, client: TestClient) -> None:
        response = client.post(BASE, json={"title": ""})
        assert response.status_code == 422
        assert response.json()["error"]["problems"][0]["loc"] == "title"

    def test_qr_code_is_an_svg_of_the_join_url(
        self, client: TestClient, created: dict[str, Any]
    ) -> None:
        response = client.get(f"{BASE}/{created['id']}/qr.svg")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("image/svg+xml")
        assert response.text.startswith("<svg")


class TestRoundsAndControls:
    def test_a_casus_round_runs_through_every_control(
        self, client: TestClient, created: dict[str, Any], db: Session
    ) -> None:
        denksessie_id = created["id"]
        casus_round = _round(client, denksessie_id, "casus", casus_id=_casus_ids(client)[0])
        assert casus_round["status"] == "draft"
        path = f"{BASE}/{denksessie_id}/rounds/{casus_round['id']}"
        seqs = []
        for action, body in (
            ("open", None),
            ("timer", {"seconds": 120}),
            ("close", None),
            ("reopen", None),
            ("reveal", {"revealed": True}),
            ("close", None),
        ):
            response = client.post(f"{path}/{action}", json=body)
            assert response.status_code == 200, (action, response.text)
            seqs.append(response.json()["seq"])
        assert seqs == sorted(seqs)
        assert len(set(seqs)) == len(seqs)
        stored = db.get(SessionRound, casus_round["id"])
        assert stored is not None
        assert (stored.status, stored.revealed) == ("closed", True)
        assert len(stored.tie_break_order) == 25

    def test_closing_a_draft_round_is_refused(
        self, client: TestClient, created: dict[str, Any]
    ) -> None:
        ranking = _round(
            client, created["id"], "ranking", candidates=["menselijkheid", "privacy", "eenvoud"]
        )
        response = client.post(f"{BASE}/{created['id']}/rounds/{ranking['id']}/close")
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "ROUND_NOT_OPEN"

    def test_a_second_open_round_is_refused(
        self, client: TestClient, created: dict[str, Any]
    ) -> None:
        first = _round(
            client, created["id"], "approval", candidates=["privacy", "eenvoud"], max_approvals=1
        )
        second = _round(
            client, created["id"], "approval", candidates=["privacy", "eenvoud"], max_approvals=1
        )
        assert client.post(f"{BASE}/{created['id']}/rounds/{first['id']}/open").status_code == 200
        response = client.post(f"{BASE}/{created['id']}/rounds/{second['id']}/open")
        assert response.json()["error"]["code"] == "ANOTHER_ROUND_OPEN"

    def test_a_bad_round_config_names_every_problem(
        self, client: TestClient, created: dict[str, Any]
    ) -> None:
        response = client.post(
            f"{BASE}/{created['id']}/rounds",
            json={"kind": "ranking", "config": {"candidates": ["privacy", "moed"], "top_k": 5}},
        )
        assert response.status_code == 422
        locs = {p["loc"] for p in response.json()["error"]["problems"]}
        assert locs == {"config.candidates.1", "config.top_k"}

    def test_lock_and_end(self, client: TestClient, created: dict[str, Any]) -> None:
        denksessie_id, code = created["id"], created["code"]
        assert client.post(f"{BASE}/{denksessie_id}/lock", json={"locked": True}).status_code == 200
        refused = client.post(f"/api/v1/join/{code}", json={})
        assert refused.json()["error"]["code"] == "JOIN_LOCKED"
        assert client.post(f"{BASE}/{denksessie_id}/end").status_code == 200
        gone = client.post(f"/api/v1/join/{code}", json={})
        assert gone.status_code == 404

    def test_snapshot_lists_participants_without_their_answers(
        self, client: TestClient, created: dict[str, Any]
    ) -> None:
        client.post(f"/api/v1/join/{created['code']}", json={"display_name": "Ria"})
        snapshot = client.get(f"{BASE}/{created['id']}").json()
        assert [p["display_name"] for p in snapshot["participant_list"]] == ["Ria"]
        assert snapshot["participants"] == 1


class TestJoin:
    def test_join_sets_a_signed_cookie(self, client: TestClient, created: dict[str, Any]) -> None:
        code = created["code"]
        response = client.post(
            f"/api/v1/join/{code.lower()}", json={"display_name": "An", "role": "welzijn"}
        )
        assert response.status_code == 201, response.text
        body = response.json()
        token = verify(TEST_SECRET, body["token"])
        assert token is not None
        assert (token.role, token.participant_id) == ("participant", body["participant_id"])
        cookie = response.cookies.get(f"dks_participant_{code}")
        assert cookie == body["token"]

    def test_unknown_role_is_refused(self, client: TestClient, created: dict[str, Any]) -> None:
        response = client.post(f"/api/v1/join/{created['code']}", json={"role": "koning"})
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "UNKNOWN_ROLE"

    @pytest.mark.parametrize(
        ("body", "content_type", "status", "loc"),
        [
            (b'{"display_name": "An"}', "application/json; charset=utf-8", 201, None),
            (b'{"display_name": "An"', "application/json", 422, "21"),  # where it broke
            (b'{"display_name": "An"}', "text/plain", 422, "(document)"),
            (b'["An"]', "application/json", 422, "(document)"),
            (b'{"display_name": 5}', "application/json", 422, "display_name"),
            (b'{"naam": "An"}', "application/json", 422, "naam"),
            (b"", "application/json", 422, "(document)"),
        ],
    )
    def test_bodies_are_read_as_every_route_reads_them(
        self,
        client: TestClient,
        created: dict[str, Any],
        body: bytes,
        content_type: str,
        status: int,
        loc: str | None,
    ) -> None:
        """The join route's own quick reading of a phone's JSON (decision 0036) leaves every
        other body to FastAPI, so what is refused is refused as on every other route."""
        response = client.post(
            f"/api/v1/join/{created['code']}", content=body, headers={"content-type": content_type}
        )
        assert response.status_code == status, response.text
        if loc is not None:
            error = response.json()["error"]
            assert error["code"] == "VALIDATION_FAILED"
            assert loc in {problem["loc"] for problem in error["problems"]}
        participants = client.get(f"{BASE}/{created['id']}").json()["participants"]
        assert participants == (1 if status == 201 else 0)

    def test_unknown_code_is_404(self, client: TestClient) -> None:
        response = client.post("/api/v1/join/ZZZZZZ", json={})
        assert response.status_code == 404

    def test_a_forged_token_does_not_verify(self) -> None:
        assert verify(Settings().secret_key, "WyJwYXJ0aWNpcGFudCIsMSwieCJd.forged") is None
