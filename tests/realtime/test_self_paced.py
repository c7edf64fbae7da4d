"""A self-paced denksessie through the real ``/ws`` (docs/decisions/0033): phones answer every
round in their own order and are acknowledged; screen and phones see no results until the
closing job of the running app closes the denksessie, then they do, without a reload."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, col

from app.main import create_app
from app.organisations.models import utcnow
from app.sessions.models import Denksessie
from tests.conftest import settings_for, with_committed_login
from tests.realtime.support import CANDIDATES, Frame, Live, ballot

RANKING: Frame = {"ranking": ["privacy", "compassie"]}
POINTS: Frame = {"points": {"zelfbeschikking": 70, "eenvoud": 30}}


@pytest.fixture
def fast_closing_client(realtime_database: str) -> Iterator[TestClient]:
    """The whole app, its closing job checking every 0.2 s instead of every 20 s."""
    settings = settings_for(realtime_database, self_paced_check_s=0.2)
    with TestClient(create_app(settings)) as client:
        yield with_committed_login(client, realtime_database)


def self_paced(client: TestClient) -> Live:
    response = client.post(
        "/api/v1/denksessies",
        json={
            "title": "Op eigen tempo",
            "self_paced": True,
            "closes_at": (utcnow() + timedelta(hours=1)).isoformat(),
        },
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["self_paced"] is True
    return Live(
        client=client,
        id=created["id"],
        code=created["code"],
        facilitator_token=created["facilitator_token"],
        screen_token=created["screen_token"],
        casus_ids=(0,),  # no casus rounds here
    )


def _past_closing_time(engine: Engine, denksessie_id: int) -> None:
    """Time passes: the closing time is now behind us (the job finds it due)."""
    with Session(engine) as db:
        db.execute(
            update(Denksessie)
            .where(col(Denksessie.id) == denksessie_id)
            .values(closes_at=utcnow() - timedelta(seconds=1))
        )
        db.commit()


def test_phones_answer_in_any_order_and_see_results_after_the_close(
    fast_closing_client: TestClient, realtime_engine: Engine
) -> None:
    live = self_paced(fast_closing_client)
    ranking = live.add_round("ranking")
    points = live.add_round("points", budget=100)
    live.control("start")
    with (
        live.connect("screen") as screen,
        live.participant("Anna") as (_, anna),
        live.participant("Bram") as (_, bram),
    ):
        snapshot = anna.snapshot
        assert snapshot["denksessie"]["self_paced"] is True
        assert snapshot["denksessie"]["closes_at"] is not None
        assert [r["status"] for r in snapshot["rounds"]] == ["open", "open"]
        assert snapshot["results"] == {}
        # Anna answers the second round first; Bram the first. Then each the other one.
        orders = [(anna, [(points, "points", POINTS), (ranking, "ranking", RANKING)])]
        orders.append((bram, [(ranking, "ranking", RANKING), (points, "points", POINTS)]))
        for phone, answers in orders:
            for round_id, kind, payload in answers:
                frame = ballot(round_id, kind, payload)
                phone.socket.send(frame)
                ack = phone.socket.of_type("ack")
                assert (ack["round_id"], ack["msg_id"]) == (round_id, frame["msg_id"])
        # Anna changes her mind: the ballot is replaced, not added.
        changed = ballot(points, "points", {"points": {"privacy": 100}})
        anna.socket.send(changed)
        assert anna.socket.of_type("ack")["revision"] == 2

        # The screen counts two answers per round, and shows no results.
        def counted(frame: Frame) -> bool:
            rounds: Frame = frame.get("rounds") or {} if frame["type"] == "tally" else {}
            return all(rounds.get(str(r), {}).get("n_ballots") == 2 for r in (ranking, points))

        tally = screen.socket.until(counted)
        assert all("results" not in entry for entry in tally["rounds"].values())

        _past_closing_time(realtime_engine, live.id)

        def shows_results(frame: Frame) -> bool:
            return frame["type"] in ("state", "snapshot") and set(frame["results"]) == {
                str(ranking),
                str(points),
            }

        for socket in (screen.socket, anna.socket, bram.socket):
            state = socket.until(shows_results, timeout=10)
            assert state["denksessie"]["closed"] is True
            assert {r["status"] for r in state["rounds"]} == {"closed"}
            assert all(r["revealed"] for r in state["rounds"])
        assert state["results"][str(ranking)]["order"][:2] == RANKING["ranking"]
        assert state["results"][str(ranking)]["n_ballots"] == 2

        late = ballot(ranking, "ranking", {"ranking": list(CANDIDATES[:2])})
        bram.socket.send(late)
        refused = bram.socket.until(
            lambda f: f["type"] == "error" and f.get("msg_id") == late["msg_id"]
        )
        assert refused["code"] == "ROUND_CLOSED"
        assert "sluitingstijd" in refused["message"]


def test_nu_sluiten_closes_at_once_and_only_once(live_client: TestClient) -> None:
    live = self_paced(live_client)
    live.add_round("ranking")
    live.control("start")
    with live.connect("screen") as screen, live.participant() as (_, phone):
        live.control("close")
        for socket in (screen.socket, phone.socket):
            state = socket.until(lambda f: f["type"] == "state" and f["denksessie"]["closed"])
            assert [r["status"] for r in state["rounds"]] == ["closed"]
    again = live.client.post(f"/api/v1/denksessies/{live.id}/close")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "SELF_PACED_NOT_RUNNING"
