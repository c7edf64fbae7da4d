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


class TestFloods:
    @pytest.mark.parametrize(
        "limits", [{"join_code_limit": "2/minute"}, {"join_ip_limit": "2/minute"}]
    )
    def test_joins_beyond_the_limit_are_refused_and_not_stored(
        self,
        app: FastAPI,
        client: TestClient,
        db: Session,
        postgres_url: str,
        created: dict[str, Any],  # noqa: F811
        limits: dict[str, str],
    ) -> None:
        _limit(app, postgres_url, **limits)
        answers = [client.post(f"/api/v1/join/{created['code']}", json={}) for _ in range(3)]
        assert [a.status_code for a in answers] == [201, 201, 429]
        assert "te veel mensen tegelijk" in answers[2].json()["error"]["message"]
        assert _participants(db, created["id"]) == 2

    def test_malformed_limits_are_refused_at_start(self, postgres_url: str) -> None:
        with pytest.raises(ValueError, match="join_ip_limit"):
            settings_for(postgres_url, join_ip_limit="lots")
