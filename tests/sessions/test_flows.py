"""Facilitator controls: state changes, the refusals, the moderation log and the events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from app.catalogue import service as catalogues
from app.errors import NotFound, Rejected
from app.events import MARKER_SEQ, MARKERS, PARTICIPANTS_CHANGED, Event
from app.i18n.errors import error_text
from app.organisations.models import utcnow
from app.sessions import flows, results
from app.sessions import service as sessions
from app.sessions.ballots import visible_principles
from app.sessions.models import Denksessie, ModerationLog, Participant, Principle, SessionRound
from tests.sessions.factories import (
    CANDIDATES,
    cast,
    close,
    make_denksessie,
    make_open_round,
    make_participant,
    make_round,
    open_,
    round_id,
)


@pytest.fixture
def denksessie(db: Session, demo_org_id: int) -> Denksessie:
    return make_denksessie(db, organisation_id=demo_org_id)


def _id(denksessie: Denksessie) -> int:
    assert denksessie.id is not None
    return denksessie.id


def _code(call: Callable[[], object]) -> str:
    with pytest.raises(Rejected) as refused:
        call()
    return refused.value.code


def _log(db: Session, denksessie: Denksessie) -> list[tuple[str, str]]:
    rows = db.exec(
        select(ModerationLog)
        .where(ModerationLog.denksessie_id == denksessie.id)
        .order_by(col(ModerationLog.id))
    ).all()
    return [(row.action, row.target) for row in rows]


def _catalogue_keys(db: Session, denksessie: Denksessie) -> set[str]:
    return catalogues.value_keys(db, sessions.catalogue_of(db, denksessie))


class TestOpen:
    def test_opens_the_round_and_starts_the_denksessie(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        session_round = make_round(db, denksessie, "ranking")
        event = open_(db, denksessie, session_round)
        assert (session_round.status, denksessie.status) == ("open", "running")
        assert session_round.opened_at is not None
        assert (event.type, event.payload) == ("round_opened", {"round_id": session_round.id})

    def test_casus_round_draws_an_order_of_all_25_catalogue_values(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        session_round = make_open_round(db, denksessie, "casus")
        order = session_round.tie_break_order
        assert len(order) == len(set(order)) == 25
        assert set(order) == _catalogue_keys(db, denksessie)

    def test_the_drawn_order_is_not_the_alphabet(self, db: Session, denksessie: Denksessie) -> None:
        # A shuffle of 25 values is sorted once in 25! (about 1.6e25) draws.
        order = make_open_round(db, denksessie, "casus").tie_break_order
        assert order != sorted(order)

    @pytest.mark.parametrize("kind", ["ranking", "points", "approval"])
    def test_candidate_round_draws_an_order_of_its_candidates(
        self, db: Session, denksessie: Denksessie, kind: str
    ) -> None:
        order = make_open_round(db, denksessie, kind).tie_break_order
        assert sorted(order) == sorted(CANDIDATES)

    def test_principle_round_orders_its_one_value(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        order = make_open_round(db, denksessie, "principle", value_key="privacy").tie_break_order
        assert order == ["privacy"]

    def test_a_second_open_round_is_refused(self, db: Session, denksessie: Denksessie) -> None:
        make_open_round(db, denksessie, "ranking")
        second = make_round(db, denksessie, "approval")
        assert _code(lambda: open_(db, denksessie, second)) == "ANOTHER_ROUND_OPEN"
        assert second.status == "draft"
        assert second.tie_break_order == []

    def test_a_refusal_carries_facts_not_words(self, db: Session, denksessie: Denksessie) -> None:
        """The domain names the round in the way; the edge words it (app/i18n/errors.py)."""
        first = make_open_round(db, denksessie, "ranking")
        second = make_round(db, denksessie, "approval")
        with pytest.raises(Rejected) as refused:
            open_(db, denksessie, second)
        assert refused.value.params == {"round_id": first.id, "title": first.title}
        assert (
            error_text(refused.value.code, language="en", params=refused.value.params)
            == f"Close round '{first.title}' first."
        )

    def test_an_open_round_cannot_open_again(self, db: Session, denksessie: Denksessie) -> None:
        session_round = make_open_round(db, denksessie, "ranking")
        assert _code(lambda: open_(db, denksessie, session_round)) == "ROUND_ALREADY_OPEN"

    def test_a_round_of_another_denksessie_is_not_found(
        self, db: Session, demo_org_id: int, denksessie: Denksessie
    ) -> None:
        theirs = make_round(db, make_denksessie(db, organisation_id=demo_org_id), "ranking")
        with pytest.raises(NotFound):
            open_(db, denksessie, theirs)


class TestClose:
    def test_closes_and_clears_the_timer(self, db: Session, denksessie: Denksessie) -> None:
        session_round = make_open_round(db, denksessie, "ranking")
        flows.set_timer(db, denksessie=denksessie, round_id=round_id(session_round), seconds=60)
        event = close(db, denksessie, session_round)
        assert session_round.status == "closed"
        assert session_round.closed_at is not None
        assert session_round.deadline_at is None
        assert (event.type, event.payload) == ("round_closed", {"round_id": session_round.id})

    def test_a_draft_round_is_not_open(self, db: Session, denksessie: Denksessie) -> None:
        session_round = make_round(db, denksessie, "ranking")
        assert _code(lambda: close(db, denksessie, session_round)) == "ROUND_NOT_OPEN"

    def test_a_closed_round_frees_the_way_for_the_next(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        first = make_open_round(db, denksessie, "ranking")
        close(db, denksessie, first)
        second = make_round(db, denksessie, "approval")
        open_(db, denksessie, second)
        assert second.status == "open"


class TestReopen:
    def test_reopens_a_closed_round_with_its_order(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        session_round = make_open_round(db, denksessie, "casus")
        order = list(session_round.tie_break_order)
        opened_at = session_round.opened_at
        close(db, denksessie, session_round)
        event = flows.reopen_round(db, denksessie=denksessie, round_id=round_id(session_round))
        assert session_round.status == "open"
        assert session_round.tie_break_order == order
        assert session_round.opened_at == opened_at
        assert session_round.closed_at is None
        assert event.type == "round_opened"

    def test_a_draft_round_is_not_closed(self, db: Session, denksessie: Denksessie) -> None:
        session_round = make_round(db, denksessie, "ranking")
        code = _code(
            lambda: flows.reopen_round(db, denksessie=denksessie, round_id=round_id(session_round))
        )
        assert code == "ROUND_NOT_CLOSED"
        assert session_round.status == "draft"

    def test_an_open_round_is_not_closed(self, db: Session, denksessie: Denksessie) -> None:
        session_round = make_open_round(db, denksessie, "ranking")
        code = _code(
            lambda: flows.reopen_round(db, denksessie=denksessie, round_id=round_id(session_round))
        )
        assert code == "ROUND_NOT_CLOSED"

    def test_refused_while_another_round_is_open(self, db: Session, denksessie: Denksessie) -> None:
        first = make_open_round(db, denksessie, "ranking")
        close(db, denksessie, first)
        make_open_round(db, denksessie, "approval")
        code = _code(
            lambda: flows.reopen_round(db, denksessie=denksessie, round_id=round_id(first))
        )
        assert code == "ANOTHER_ROUND_OPEN"


class TestReveal:
    def test_reveals_a_round(self, db: Session, denksessie: Denksessie) -> None:
        session_round = make_open_round(db, denksessie, "ranking")
        event = flows.reveal_round(db, denksessie=denksessie, round_id=round_id(session_round))
        assert session_round.revealed is True
        assert (event.type, event.payload) == (
            "round_revealed",
            {"round_id": session_round.id, "revealed": True},
        )

    def test_hides_the_results_again(self, db: Session, denksessie: Denksessie) -> None:
        session_round = make_open_round(db, denksessie, "ranking")
        flows.reveal_round(db, denksessie=denksessie, round_id=round_id(session_round))
        event = flows.reveal_round(
            db, denksessie=denksessie, round_id=round_id(session_round), revealed=False
        )
        assert session_round.revealed is False
        assert event.payload["revealed"] is False


class TestTimer:
    def test_sets_a_deadline(self, db: Session, denksessie: Denksessie) -> None:
        session_round = make_open_round(db, denksessie, "ranking")
        before = utcnow()
        event = flows.set_timer(
            db, denksessie=denksessie, round_id=round_id(session_round), seconds=90
        )
        deadline = session_round.deadline_at
        assert deadline is not None
        assert before + timedelta(seconds=90) <= deadline <= utcnow() + timedelta(seconds=90)
        assert event.type == "timer_set"
        assert datetime.fromisoformat(str(event.payload["deadline_at"])) == deadline

    def test_zero_clears_the_deadline(self, db: Session, denksessie: Denksessie) -> None:
        session_round = make_open_round(db, denksessie, "ranking")
        flows.set_timer(db, denksessie=denksessie, round_id=round_id(session_round), seconds=90)
        event = flows.set_timer(
            db, denksessie=denksessie, round_id=round_id(session_round), seconds=0
        )
        assert session_round.deadline_at is None
        assert event.payload == {"round_id": session_round.id, "deadline_at": None}

    def test_the_timer_does_not_close_the_round(self, db: Session, denksessie: Denksessie) -> None:
        session_round = make_open_round(db, denksessie, "ranking")
        flows.set_timer(db, denksessie=denksessie, round_id=round_id(session_round), seconds=1)
        assert session_round.status == "open"

    def test_refused_on_a_closed_round(self, db: Session, denksessie: Denksessie) -> None:
        session_round = make_open_round(db, denksessie, "ranking")
        close(db, denksessie, session_round)
        code = _code(
            lambda: flows.set_timer(
                db, denksessie=denksessie, round_id=round_id(session_round), seconds=60
            )
        )
        assert code == "ROUND_NOT_OPEN"
        assert session_round.deadline_at is None

    def test_refused_on_a_draft_round(self, db: Session, denksessie: Denksessie) -> None:
        session_round = make_round(db, denksessie, "ranking")
        code = _code(
            lambda: flows.set_timer(
                db, denksessie=denksessie, round_id=round_id(session_round), seconds=60
            )
        )
        assert code == "ROUND_NOT_OPEN"


@dataclass(frozen=True)
class Written:
    session_round: SessionRound
    principle: Principle

    @property
    def principle_id(self) -> int:
        assert self.principle.id is not None
        return self.principle.id


@pytest.fixture
def written(db: Session, denksessie: Denksessie) -> Written:
    """A casus round with one principle for 'privacy'."""
    session_round = make_open_round(db, denksessie, "casus")
    payload = {
        "decision": "toekennen",
        "values": ["privacy"],
        "principles": {"privacy": "Ik deel alleen wat nodig is."},
    }
    cast(db, denksessie, make_participant(db, denksessie), session_round, payload)
    [principle] = visible_principles(db, denksessie, "privacy")
    return Written(session_round, principle)


class TestModeration:
    def test_hiding_is_logged(self, db: Session, denksessie: Denksessie, written: Written) -> None:
        event = flows.set_principle_hidden(
            db, denksessie=denksessie, principle_id=written.principle_id, hidden=True
        )
        assert written.principle.hidden is True
        assert _log(db, denksessie) == [("hide_principle", str(written.principle_id))]
        assert (event.type, event.payload) == (
            "principle_moderated",
            {"principle_id": written.principle_id, "hidden": True},
        )

    def test_a_hidden_principle_leaves_the_visible_ones(
        self, db: Session, denksessie: Denksessie, written: Written
    ) -> None:
        flows.set_principle_hidden(
            db, denksessie=denksessie, principle_id=written.principle_id, hidden=True
        )
        assert visible_principles(db, denksessie, "privacy") == []

    def test_a_hidden_principle_leaves_the_screen(
        self, db: Session, denksessie: Denksessie, written: Written
    ) -> None:
        flows.set_principle_hidden(
            db, denksessie=denksessie, principle_id=written.principle_id, hidden=True
        )
        screen = results.aggregate(db, denksessie, written.session_round, role="screen")
        assert screen["principles"] == {}

    def test_the_facilitator_still_sees_it_flagged(
        self, db: Session, denksessie: Denksessie, written: Written
    ) -> None:
        flows.set_principle_hidden(
            db, denksessie=denksessie, principle_id=written.principle_id, hidden=True
        )
        facilitator = results.aggregate(db, denksessie, written.session_round, role="facilitator")
        assert facilitator["principles"] == {
            "privacy": [
                {"id": written.principle_id, "text": "Ik deel alleen wat nodig is.", "hidden": True}
            ]
        }

    def test_showing_brings_it_back_and_is_logged(
        self, db: Session, denksessie: Denksessie, written: Written
    ) -> None:
        for hidden in (True, False):
            flows.set_principle_hidden(
                db, denksessie=denksessie, principle_id=written.principle_id, hidden=hidden
            )
        assert [p.id for p in visible_principles(db, denksessie, "privacy")] == [
            written.principle_id
        ]
        assert _log(db, denksessie) == [
            ("hide_principle", str(written.principle_id)),
            ("show_principle", str(written.principle_id)),
        ]

    def test_a_principle_of_another_denksessie_is_not_found(
        self, db: Session, demo_org_id: int, written: Written
    ) -> None:
        other = make_denksessie(db, organisation_id=demo_org_id)
        with pytest.raises(NotFound):
            flows.set_principle_hidden(
                db, denksessie=other, principle_id=written.principle_id, hidden=True
            )
        assert written.principle.hidden is False
        assert _log(db, other) == []


class TestRemoveParticipant:
    def test_removes_and_logs(self, db: Session, denksessie: Denksessie) -> None:
        participant = make_participant(db, denksessie)
        event = flows.remove_participant(db, denksessie=denksessie, participant_id=participant.id)
        assert participant.removed is True
        assert _log(db, denksessie) == [("remove_participant", participant.id)]
        assert (event.type, event.payload) == (
            "participant_removed",
            {"participant_id": participant.id},
        )

    def test_a_removed_participant_is_no_longer_counted(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        participant = make_participant(db, denksessie)
        make_participant(db, denksessie)
        flows.remove_participant(db, denksessie=denksessie, participant_id=participant.id)
        assert sessions.participant_count(db, _id(denksessie)) == 1

    def test_a_participant_of_another_denksessie_is_not_found(
        self, db: Session, demo_org_id: int, denksessie: Denksessie
    ) -> None:
        stranger = make_participant(db, make_denksessie(db, organisation_id=demo_org_id))
        with pytest.raises(NotFound):
            flows.remove_participant(db, denksessie=denksessie, participant_id=stranger.id)
        assert db.get(Participant, stranger.id) is not None
        assert stranger.removed is False


class TestLockJoining:
    def test_locking_refuses_new_participants(self, db: Session, denksessie: Denksessie) -> None:
        event = flows.lock_joining(db, denksessie=denksessie, locked=True)
        assert denksessie.join_locked is True
        assert (event.type, event.payload) == ("joining_locked", {"locked": True})
        assert _code(lambda: make_participant(db, denksessie)) == "JOIN_LOCKED"

    def test_unlocking_lets_them_in_again(self, db: Session, denksessie: Denksessie) -> None:
        flows.lock_joining(db, denksessie=denksessie, locked=True)
        event = flows.lock_joining(db, denksessie=denksessie, locked=False)
        assert event.payload == {"locked": False}
        assert make_participant(db, denksessie).denksessie_id == denksessie.id


class TestEnd:
    def test_ends_and_closes_the_open_round(self, db: Session, denksessie: Denksessie) -> None:
        session_round = make_open_round(db, denksessie, "ranking")
        draft = make_round(db, denksessie, "approval")
        event = flows.end_denksessie(db, denksessie=denksessie)
        assert (denksessie.status, event.type) == ("ended", "denksessie_ended")
        assert denksessie.ended_at is not None
        assert (session_round.status, draft.status) == ("closed", "draft")
        assert session_round.closed_at is not None

    def test_a_round_closed_by_the_end_loses_its_timer(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        # Closed by the end exactly as by close_round: no countdown left on a closed round.
        session_round = make_open_round(db, denksessie, "ranking")
        flows.set_timer(db, denksessie=denksessie, round_id=round_id(session_round), seconds=60)
        flows.end_denksessie(db, denksessie=denksessie)
        assert session_round.deadline_at is None

    @pytest.mark.parametrize(
        "control",
        ["open", "reopen", "lock", "unlock", "end", "add_round"],
    )
    def test_controls_are_refused_afterwards(
        self, db: Session, denksessie: Denksessie, control: str
    ) -> None:
        closed = make_open_round(db, denksessie, "ranking")
        close(db, denksessie, closed)
        draft = make_round(db, denksessie, "approval")
        flows.end_denksessie(db, denksessie=denksessie)
        seq = denksessie.seq
        calls: dict[str, Callable[[], object]] = {
            "open": lambda: open_(db, denksessie, draft),
            "reopen": lambda: flows.reopen_round(
                db, denksessie=denksessie, round_id=round_id(closed)
            ),
            "lock": lambda: flows.lock_joining(db, denksessie=denksessie, locked=True),
            "unlock": lambda: flows.lock_joining(db, denksessie=denksessie, locked=False),
            "end": lambda: flows.end_denksessie(db, denksessie=denksessie),
            "add_round": lambda: make_round(db, denksessie, "points"),
        }
        assert _code(calls[control]) == "DENKSESSIE_ENDED"
        db.refresh(denksessie)
        assert denksessie.seq == seq
        assert (closed.status, draft.status) == ("closed", "draft")


class TestEvents:
    def test_every_state_change_bumps_seq_by_one(self, db: Session, denksessie: Denksessie) -> None:
        participant = make_participant(db, denksessie)
        first = make_round(db, denksessie, "casus")
        second = make_round(db, denksessie, "ranking")
        events: list[Event] = [flows.round_added(db, denksessie, first)]
        events.append(flows.round_added(db, denksessie, second))
        events.append(open_(db, denksessie, first))
        events.append(
            flows.set_timer(db, denksessie=denksessie, round_id=round_id(first), seconds=30)
        )
        payload = {
            "decision": "toekennen",
            "values": ["privacy"],
            "principles": {"privacy": "Ik deel niets."},
        }
        cast(db, denksessie, participant, first, payload)
        [principle] = visible_principles(db, denksessie, "privacy")
        assert principle.id is not None
        events.append(
            flows.set_principle_hidden(
                db, denksessie=denksessie, principle_id=principle.id, hidden=True
            )
        )
        events.append(close(db, denksessie, first))
        events.append(flows.reveal_round(db, denksessie=denksessie, round_id=round_id(first)))
        events.append(flows.reopen_round(db, denksessie=denksessie, round_id=round_id(first)))
        events.append(flows.lock_joining(db, denksessie=denksessie, locked=True))
        events.append(
            flows.remove_participant(db, denksessie=denksessie, participant_id=participant.id)
        )
        events.append(flows.end_denksessie(db, denksessie=denksessie))
        assert [e.type for e in events] == [
            "round_added",
            "round_added",
            "round_opened",
            "timer_set",
            "principle_moderated",
            "round_closed",
            "round_revealed",
            "round_opened",
            "joining_locked",
            "participant_removed",
            "denksessie_ended",
        ]
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert {e.denksessie_id for e in events} == {denksessie.id}
        db.refresh(denksessie)
        assert denksessie.seq == len(events)

    def test_a_refused_control_does_not_bump_seq(self, db: Session, denksessie: Denksessie) -> None:
        event = open_(db, denksessie, make_round(db, denksessie, "ranking"))
        second = make_round(db, denksessie, "approval")
        assert _code(lambda: open_(db, denksessie, second)) == "ANOTHER_ROUND_OPEN"
        assert sessions.bump_seq(db, _id(denksessie)) == event.seq + 1

    def test_events_survive_a_round_trip_through_json(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        event = flows.lock_joining(db, denksessie=denksessie, locked=True)
        assert Event.from_json(event.to_json()) == event

    def test_participants_changed_is_a_marker_without_seq(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        marker = flows.participants_changed(_id(denksessie))
        assert marker == Event(
            type=PARTICIPANTS_CHANGED, denksessie_id=_id(denksessie), seq=MARKER_SEQ
        )
        assert (marker.type, marker.seq) == ("participants_changed", -1)
        assert marker.type in MARKERS

    def test_a_marker_leaves_seq_alone(self, db: Session, denksessie: Denksessie) -> None:
        flows.participants_changed(_id(denksessie))
        db.refresh(denksessie)
        assert denksessie.seq == 0
