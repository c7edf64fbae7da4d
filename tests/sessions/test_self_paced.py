"""Self-paced denksessies (docs/decisions/0033): created with a closing time, every round open
at once, ballots replaceable until the close, refused after it, closed once by the job."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session

from app.db import transaction
from app.errors import InvalidInput, Rejected
from app.events import Event
from app.organisations import service as organisations
from app.organisations.models import utcnow
from app.sessions import flows, results
from app.sessions import service as sessions
from app.sessions.ballot_batch import BallotRequest, cast_ballots
from app.sessions.models import Ballot, Denksessie, SessionRound
from app.sessions.schemas import DenksessieCreate
from tests.sessions.factories import (
    cast,
    count,
    make_participant,
    make_round,
    new_msg_id,
    round_id,
)

RANKING = {"ranking": ["privacy", "compassie"]}
POINTS = {"points": {"zelfbeschikking": 60, "eenvoud": 40}}


def _id(denksessie: Denksessie) -> int:
    assert denksessie.id is not None
    return denksessie.id


def make_self_paced(
    db: Session, organisation_id: int, *, closes_in: timedelta = timedelta(days=2)
) -> tuple[Denksessie, list[SessionRound]]:
    data = DenksessieCreate(
        title="Op eigen tempo",
        self_paced=True,
        closes_at=utcnow() + closes_in,
        show_results_live=True,  # ignored: results wait for the close
    )
    denksessie = sessions.create(db, organisation_id=organisation_id, data=data)
    rounds = [make_round(db, denksessie, "ranking"), make_round(db, denksessie, "points")]
    return denksessie, rounds


def _problem_codes(data: DenksessieCreate, db: Session, organisation_id: int) -> list[str]:
    with pytest.raises(InvalidInput) as refused:
        sessions.create(db, organisation_id=organisation_id, data=data)
    return [p.code or "" for p in refused.value.problems if p.loc == "closes_at"]


class TestCreate:
    def test_a_self_paced_denksessie_keeps_its_closing_time_and_hides_results(
        self, db: Session, demo_org_id: int
    ) -> None:
        denksessie, _ = make_self_paced(db, demo_org_id)
        assert denksessie.self_paced
        assert denksessie.closes_at is not None
        assert denksessie.closes_at > utcnow()
        assert not denksessie.show_results_live
        assert denksessie.status == "lobby"

    @pytest.mark.parametrize(
        ("closes_at", "code"),
        [
            (None, "CLOSES_AT_REQUIRED"),
            (timedelta(minutes=-1), "CLOSES_AT_PAST"),
            (timedelta(days=61), "CLOSES_AT_TOO_FAR"),
        ],
    )
    def test_the_closing_time_is_required_in_the_future_and_within_60_days(
        self, db: Session, demo_org_id: int, closes_at: timedelta | None, code: str
    ) -> None:
        when: datetime | None = utcnow() + closes_at if closes_at is not None else None
        data = DenksessieCreate(title="Te laat", self_paced=True, closes_at=when)
        assert _problem_codes(data, db, demo_org_id) == [code]

    def test_a_closing_time_without_a_time_zone_is_refused_as_input(self) -> None:
        with pytest.raises(ValueError, match="timezone"):
            DenksessieCreate.model_validate(
                {"title": "x", "self_paced": True, "closes_at": "2030-01-01T12:00:00"}
            )

    def test_a_facilitator_paced_denksessie_ignores_a_closing_time(
        self, db: Session, demo_org_id: int
    ) -> None:
        data = DenksessieCreate(title="Gewoon", closes_at=utcnow() - timedelta(days=1))
        denksessie = sessions.create(db, organisation_id=demo_org_id, data=data)
        assert not denksessie.self_paced
        assert denksessie.closes_at is None


class TestStart:
    def test_starting_opens_every_round_at_once(self, db: Session, demo_org_id: int) -> None:
        denksessie, rounds = make_self_paced(db, demo_org_id)
        event = flows.start_self_paced(db, denksessie=denksessie)
        assert event.type == "self_paced_started"
        assert [r.status for r in sessions.rounds_of(db, _id(denksessie))] == ["open", "open"]
        assert denksessie.status == "running"
        assert all(r.tie_break_order for r in rounds)

    def test_a_round_added_later_opens_beside_the_others(
        self, db: Session, demo_org_id: int
    ) -> None:
        denksessie, rounds = make_self_paced(db, demo_org_id)
        flows.start_self_paced(db, denksessie=denksessie)
        later = make_round(db, denksessie, "approval")
        flows.open_round(db, denksessie=denksessie, round_id=round_id(later))
        assert {r.status for r in sessions.rounds_of(db, _id(denksessie))} == {"open"}

    def test_start_is_refused_twice_without_rounds_and_for_a_paced_denksessie(
        self, db: Session, demo_org_id: int
    ) -> None:
        empty = sessions.create(
            db,
            organisation_id=demo_org_id,
            data=DenksessieCreate(title="Leeg", self_paced=True, closes_at=utcnow() + timedelta(1)),
        )
        with pytest.raises(Rejected) as refused:
            flows.start_self_paced(db, denksessie=empty)
        assert refused.value.code == "NO_ROUNDS"
        denksessie, _ = make_self_paced(db, demo_org_id)
        flows.start_self_paced(db, denksessie=denksessie)
        with pytest.raises(Rejected) as again:
            flows.start_self_paced(db, denksessie=denksessie)
        assert again.value.code == "SELF_PACED_STARTED"
        paced = sessions.create(
            db, organisation_id=demo_org_id, data=DenksessieCreate(title="Met facilitator")
        )
        with pytest.raises(Rejected) as not_self_paced:
            flows.start_self_paced(db, denksessie=paced)
        assert not_self_paced.value.code == "NOT_SELF_PACED"

    def test_start_is_refused_past_the_closing_time(self, db: Session, demo_org_id: int) -> None:
        denksessie, _ = make_self_paced(db, demo_org_id)
        denksessie.closes_at = utcnow() - timedelta(minutes=1)
        with pytest.raises(Rejected) as refused:
            flows.start_self_paced(db, denksessie=denksessie)
        assert refused.value.code == "SELF_PACED_CLOSED"
        assert {r.status for r in sessions.rounds_of(db, _id(denksessie))} == {"draft"}


class TestBallots:
    def test_rounds_answered_in_any_order_and_replaced_until_the_close(
        self, db: Session, demo_org_id: int
    ) -> None:
        denksessie, (ranking, points) = make_self_paced(db, demo_org_id)
        flows.start_self_paced(db, denksessie=denksessie)
        participant = make_participant(db, denksessie)
        assert cast(db, denksessie, participant, points, POINTS).revision == 1
        assert cast(db, denksessie, participant, ranking, RANKING).revision == 1
        changed = {"points": {"zelfbeschikking": 10, "eenvoud": 90}}
        assert cast(db, denksessie, participant, points, changed).revision == 2
        assert count(db, Ballot) == 2
        mine = results.snapshot(db, denksessie, role="participant", participant=participant)
        assert mine["own_ballots"][str(round_id(points))]["payload"] == changed
        assert mine["denksessie"]["self_paced"] is True
        # Hidden from the room until the close, whatever the setting.
        assert mine["results"] == {}
        assert results.snapshot(db, denksessie, role="screen")["results"] == {}

    def test_after_the_close_a_ballot_is_refused_by_both_paths(
        self, db: Session, demo_org_id: int
    ) -> None:
        denksessie, (ranking, _) = make_self_paced(db, demo_org_id)
        flows.start_self_paced(db, denksessie=denksessie)
        participant = make_participant(db, denksessie)
        assert flows.close_self_paced(db, denksessie_id=_id(denksessie)) is not None
        with pytest.raises(Rejected) as refused:
            cast(db, denksessie, participant, ranking, RANKING)
        assert refused.value.code == "ROUND_CLOSED"
        request = BallotRequest(
            denksessie_id=_id(denksessie),
            participant_id=participant.id,
            round_id=round_id(ranking),
            kind="ranking",
            payload=RANKING,
            client_msg_id=new_msg_id(),
        )
        [outcome] = cast_ballots(db, [request])
        assert isinstance(outcome, Rejected)
        assert outcome.code == "ROUND_CLOSED"

    def test_past_the_closing_time_a_ballot_is_refused_before_the_job_ran(
        self, db: Session, demo_org_id: int
    ) -> None:
        denksessie, (ranking, _) = make_self_paced(db, demo_org_id)
        flows.start_self_paced(db, denksessie=denksessie)
        participant = make_participant(db, denksessie)
        denksessie.closes_at = utcnow() - timedelta(seconds=1)
        db.add(denksessie)
        db.flush()
        assert ranking.status == "open"
        with pytest.raises(Rejected) as refused:
            cast(db, denksessie, participant, ranking, RANKING)
        assert (refused.value.code, refused.value.reason) == ("ROUND_CLOSED", "SELF_PACED")


class TestClose:
    def test_the_job_closes_and_reveals_every_round_once(
        self, db: Session, demo_org_id: int
    ) -> None:
        denksessie, (ranking, points) = make_self_paced(db, demo_org_id)
        flows.start_self_paced(db, denksessie=denksessie)
        participant = make_participant(db, denksessie)
        cast(db, denksessie, participant, ranking, RANKING)
        assert denksessie.closes_at is not None
        assert flows.close_due(db, now=denksessie.closes_at - timedelta(seconds=1)) == []
        after = denksessie.closes_at + timedelta(seconds=1)
        [event] = flows.close_due(db, now=after)
        assert event.type == "self_paced_closed"
        assert flows.close_due(db, now=after) == []
        db.refresh(ranking)
        db.refresh(points)
        assert [(r.status, r.revealed) for r in (ranking, points)] == [("closed", True)] * 2
        db.refresh(denksessie)
        assert denksessie.status == "running"
        assert denksessie.join_locked
        screen = results.snapshot(db, denksessie, role="screen")
        assert set(screen["results"]) == {str(round_id(ranking)), str(round_id(points))}
        assert screen["denksessie"]["closed"] is True

    def test_close_now_moves_the_closing_time_and_is_refused_twice(
        self, db: Session, demo_org_id: int
    ) -> None:
        denksessie, _ = make_self_paced(db, demo_org_id)
        flows.start_self_paced(db, denksessie=denksessie)
        flows.close_now(db, denksessie=denksessie)
        assert denksessie.closes_at is not None
        assert denksessie.closes_at <= utcnow()
        with pytest.raises(Rejected) as again:
            flows.close_now(db, denksessie=denksessie)
        assert again.value.code == "SELF_PACED_NOT_RUNNING"
        with pytest.raises(Rejected) as reopen:
            flows.reopen_round(
                db,
                denksessie=denksessie,
                round_id=sessions.rounds_of(db, _id(denksessie))[0].id or 0,
            )
        assert reopen.value.code == "SELF_PACED_CLOSED"

    def test_a_denksessie_in_the_lobby_is_left_for_the_facilitator(
        self, db: Session, demo_org_id: int
    ) -> None:
        denksessie, _ = make_self_paced(db, demo_org_id)
        assert denksessie.closes_at is not None
        assert flows.close_due(db, now=denksessie.closes_at + timedelta(days=1)) == []

    def test_two_workers_at_once_close_it_once(self, pg_engine: Engine) -> None:
        """Worker A claims the close and holds its transaction; worker B, which read the
        denksessie as due, waits on the row and then finds it closed: one event in all."""
        with transaction(pg_engine) as setup:
            demo = organisations.ensure_demo(setup)
            assert demo.id is not None
            denksessie, _ = make_self_paced(setup, demo.id)
            flows.start_self_paced(setup, denksessie=denksessie)
            denksessie_id = _id(denksessie)
            assert denksessie.closes_at is not None
            after = denksessie.closes_at + timedelta(seconds=1)
        seen: dict[str, list[Event]] = {}

        failed: list[BaseException] = []

        def worker_b() -> None:
            try:
                with transaction(pg_engine) as b:
                    seen["b"] = flows.close_due(b, now=after)
            except BaseException as exc:  # shown in the assertion below, not lost in the thread
                failed.append(exc)
                raise

        try:
            with transaction(pg_engine) as a:
                seen["a"] = flows.close_due(a, now=after)
                thread = threading.Thread(target=worker_b)
                thread.start()
                deadline = time.monotonic() + 20
                with pg_engine.connect() as watch:
                    while time.monotonic() < deadline:
                        waiting = watch.execute(
                            text(
                                "SELECT count(*) FROM pg_stat_activity WHERE "
                                "wait_event_type = 'Lock' AND datname = current_database()"
                            )
                        ).scalar_one()
                        if waiting:
                            break
                        time.sleep(0.02)
                    assert waiting, f"worker B never waited for worker A's close: {failed!r}"
            thread.join(timeout=30)
            assert [e.type for e in seen["a"]] == ["self_paced_closed"]
            assert seen["b"] == []
            with Session(pg_engine) as check:
                stored = check.get(Denksessie, denksessie_id)
                assert stored is not None
                assert stored.closed_at is not None
        finally:
            with transaction(pg_engine) as cleanup:
                leftover = cleanup.get(Denksessie, denksessie_id)
                if leftover is not None:
                    cleanup.delete(leftover)


class TestOverHttp:
    def test_a_closing_time_in_the_past_is_refused_with_words(self, client: TestClient) -> None:
        past = (utcnow() - timedelta(hours=1)).isoformat()
        response = client.post(
            "/api/v1/denksessies",
            json={"title": "Te laat", "self_paced": True, "closes_at": past},
        )
        assert response.status_code == 422
        [problem] = response.json()["error"]["problems"]
        assert problem["loc"] == "closes_at"
        assert problem["message"] == "de sluitingstijd moet in de toekomst liggen"

    def test_the_export_says_it_was_self_paced_and_holds_the_results(
        self, client: TestClient
    ) -> None:
        closes = (utcnow() + timedelta(days=1)).isoformat()
        created = client.post(
            "/api/v1/denksessies",
            json={"title": "Export", "self_paced": True, "closes_at": closes},
        ).json()
        base = f"/api/v1/denksessies/{created['id']}"
        made = client.post(
            f"{base}/rounds",
            json={"kind": "ranking", "config": {"candidates": ["privacy", "eenvoud"]}},
        )
        assert made.status_code == 201, made.text
        assert client.post(f"{base}/start").status_code == 200
        assert client.post(f"{base}/close").status_code == 200
        exported = client.get(f"{base}/export").json()
        assert exported["denksessie"]["self_paced"] is True
        assert exported["denksessie"]["closed_at"] is not None
        assert [r["status"] for r in exported["rounds"]] == ["closed"]
