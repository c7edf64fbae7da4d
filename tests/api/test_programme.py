"""Private round notes (the console's only) and duplicating a denksessie's programme."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from app.sessions import results
from app.sessions.models import Denksessie, SessionRound
from app.sessions.results import Role

BASE = "/api/v1/denksessies"
NOTE = "Vraag Ria eerst; let op de stilte na de uitslag."


@pytest.fixture
def created(client: TestClient) -> dict[str, Any]:
    casus_id = client.get("/api/v1/casussen").json()[0]["id"]
    response = client.post(
        BASE,
        json={
            "title": "Wijkteam West",
            "casus_ids": [casus_id],
            "roles": ["gemeente", "inwoner"],
            "show_results_live": True,
            "room_size": 25,
            "require_pin": True,
        },
    )
    assert response.status_code == 201, response.text
    body = dict(response.json())
    rounds = [
        {"kind": "casus", "config": {"casus_id": casus_id, "max_values": 2}},
        {
            "kind": "approval",
            "title": "Kies twee",
            "config": {
                "candidates": ["privacy", "gelijkheid", "zelfbeschikking"],
                "max_approvals": 2,
            },
        },
    ]
    body["rounds"] = []
    for data in rounds:
        added = client.post(f"{BASE}/{body['id']}/rounds", json=data)
        assert added.status_code == 201, added.text
        body["rounds"].append(added.json())
    return body


class TestNotes:
    def test_a_note_is_kept_read_back_and_cleared(
        self, client: TestClient, created: dict[str, Any]
    ) -> None:
        round_id = created["rounds"][0]["id"]
        saved = client.put(f"{BASE}/{created['id']}/rounds/{round_id}/note", json={"note": NOTE})
        assert saved.status_code == 200, saved.text
        assert client.get(f"{BASE}/{created['id']}/notes").json() == {
            "notes": {str(round_id): NOTE}
        }
        client.put(f"{BASE}/{created['id']}/rounds/{round_id}/note", json={"note": "  "})
        assert client.get(f"{BASE}/{created['id']}/notes").json() == {"notes": {}}

    def test_too_long_or_foreign_round_is_refused_and_nothing_changes(
        self, client: TestClient, created: dict[str, Any]
    ) -> None:
        round_id = created["rounds"][0]["id"]
        client.put(f"{BASE}/{created['id']}/rounds/{round_id}/note", json={"note": NOTE})
        too_long = client.put(
            f"{BASE}/{created['id']}/rounds/{round_id}/note", json={"note": "x" * 2001}
        )
        assert too_long.status_code == 422
        other = client.post(BASE, json={"title": "Ander"}).json()
        foreign = client.put(
            f"{BASE}/{other['id']}/rounds/{round_id}/note", json={"note": "weg ermee"}
        )
        assert foreign.status_code == 404
        assert client.get(f"{BASE}/{created['id']}/notes").json()["notes"] == {str(round_id): NOTE}

    def test_other_organisation_cannot_read_notes(
        self, client: TestClient, created: dict[str, Any], other_organisation: Any
    ) -> None:
        _org, stranger = other_organisation()
        assert stranger.get(f"{BASE}/{created['id']}/notes").status_code == 404

    def test_a_note_reaches_no_snapshot_event_or_download(
        self, client: TestClient, db: Session, created: dict[str, Any]
    ) -> None:
        """Screens and phones get snapshots and events built from the same parts as the
        facilitator's; the note is in none of them, nor in any download."""
        round_id = created["rounds"][1]["id"]
        client.put(f"{BASE}/{created['id']}/rounds/{round_id}/note", json={"note": NOTE})
        client.post(f"{BASE}/{created['id']}/rounds/{round_id}/open")
        denksessie = db.get(Denksessie, created["id"])
        assert denksessie is not None
        session_round = db.get(SessionRound, round_id)
        assert session_round is not None
        assert session_round.facilitator_note == NOTE
        roles: tuple[Role, ...] = ("facilitator", "screen", "participant")
        for role in roles:
            snapshot = results.snapshot(db, denksessie, role=role)
            assert NOTE not in json.dumps(snapshot), role
        assert NOTE not in json.dumps(results.round_public(db, session_round))
        for path in ("", "/export", "/results.csv"):
            response = client.get(f"{BASE}/{created['id']}{path}")
            assert response.status_code == 200, path
            assert NOTE not in response.text, path


class TestDuplicate:
    def test_copies_settings_rounds_and_notes_not_participants(
        self, client: TestClient, created: dict[str, Any]
    ) -> None:
        first = created["rounds"][0]["id"]
        client.put(f"{BASE}/{created['id']}/rounds/{first}/note", json={"note": NOTE})
        joined = client.post(f"/api/v1/join/{created['code']}", json={"pin": created["room_pin"]})
        assert joined.status_code == 201, joined.text
        client.post(f"{BASE}/{created['id']}/rounds/{first}/open")
        client.post(f"{BASE}/{created['id']}/end")

        response = client.post(f"{BASE}/{created['id']}/duplicate")
        assert response.status_code == 201, response.text
        copy = response.json()
        assert copy["title"] == "Wijkteam West (kopie)"
        assert copy["code"] != created["code"]
        assert copy["console_url"] == f"/console/{copy['id']}"
        snapshot = client.get(f"{BASE}/{copy['id']}").json()
        assert snapshot["denksessie"]["status"] != "ended"
        assert snapshot["denksessie"]["show_results_live"] is True
        assert snapshot["denksessie"]["roles"] == ["gemeente", "inwoner"]
        assert snapshot["participants"] == 0
        assert [(r["kind"], r["title"], r["status"]) for r in snapshot["rounds"]] == [
            (r["kind"], r["title"], "draft") for r in created["rounds"]
        ]
        assert [r["config"] for r in snapshot["rounds"]] == [r["config"] for r in created["rounds"]]
        room = client.patch(f"{BASE}/{copy['id']}", json={}).json()
        assert room["room_size"] == 25
        assert room["room_pin"] is not None  # a PIN again, drawn anew
        notes = client.get(f"{BASE}/{copy['id']}/notes").json()["notes"]
        assert list(notes.values()) == [NOTE]

    def test_unknown_denksessie_is_404_and_nothing_made(
        self, client: TestClient, db: Session
    ) -> None:
        before = db.exec(select(func.count()).select_from(Denksessie)).one()
        assert client.post(f"{BASE}/999999/duplicate").status_code == 404
        assert db.exec(select(func.count()).select_from(Denksessie)).one() == before
