"""Casting ballots: stored, revised in place, idempotent per client message id, refused precisely.

Every refusal is checked to write nothing: the rows of ``ballot``, ``ballot_submission`` and
``principle`` are counted before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import Session, col, select

from app.errors import Rejected
from app.sessions import flows, results
from app.sessions import service as sessions
from app.sessions.ballots import cast_ballot, own_ballot, visible_principles
from app.sessions.models import (
    Ballot,
    BallotSubmission,
    Denksessie,
    Participant,
    Principle,
    SessionRound,
)
from tests.sessions.factories import (
    CANDIDATES,
    cast,
    close,
    count,
    make_denksessie,
    make_open_round,
    make_participant,
    make_round,
    new_msg_id,
    open_,
    round_id,
)

AUTHOR_PRINCIPLE = "Ik laat mensen zelf kiezen."


@dataclass(frozen=True)
class Room:
    denksessie: Denksessie
    participant: Participant


@dataclass(frozen=True)
class PrincipleSetup:
    session_round: SessionRound
    principle: Principle


@pytest.fixture
def room(db: Session, demo_org_id: int) -> Room:
    denksessie = make_denksessie(db, organisation_id=demo_org_id)
    return Room(denksessie, make_participant(db, denksessie))


def _rows(db: Session) -> tuple[int, int, int]:
    return count(db, Ballot), count(db, BallotSubmission), count(db, Principle)


def _principle_id(principle: Principle) -> int:
    assert principle.id is not None
    return principle.id


def _principles_of(db: Session, session_round: SessionRound) -> list[Principle]:
    return list(
        db.exec(
            select(Principle)
            .where(Principle.round_id == session_round.id)
            .order_by(col(Principle.id))
        ).all()
    )


def _principle_round(
    db: Session, room: Room, *, texts: tuple[str, ...] = (AUTHOR_PRINCIPLE,), **config: object
) -> PrincipleSetup:
    """A closed casus round in which others wrote principles, then an open principle round."""
    casus = make_open_round(db, room.denksessie, "casus")
    for text in texts:
        payload = {
            "decision": "toekennen",
            "values": [CANDIDATES[0]],
            "principles": {CANDIDATES[0]: text},
        }
        cast(db, room.denksessie, make_participant(db, room.denksessie), casus, payload)
    close(db, room.denksessie, casus)
    principle = _principles_of(db, casus)[0]
    principle_round = make_open_round(
        db, room.denksessie, "principle", value_key=CANDIDATES[0], **config
    )
    return PrincipleSetup(principle_round, principle)


def _aggregate(db: Session, room: Room, session_round: SessionRound) -> dict[str, Any]:
    return results.aggregate(db, room.denksessie, session_round, role="facilitator")


CASUS_BALLOT: dict[str, Any] = {
    "decision": "toekennen",
    "values": ["privacy", "compassie"],
    "principles": {"privacy": "Ik deel alleen wat nodig is."},
}


class TestAccepted:
    def test_casus_ballot_is_stored_and_counted(self, db: Session, room: Room) -> None:
        session_round = make_open_round(db, room.denksessie, "casus")
        cast_result = cast(db, room.denksessie, room.participant, session_round, CASUS_BALLOT)
        assert (cast_result.revision, cast_result.duplicate) == (1, False)
        aggregate = _aggregate(db, room, session_round)
        assert aggregate["n_ballots"] == 1
        assert aggregate["decisions"] == {"toekennen": 1, "niet_toekennen": 0, "twijfel": 0}
        assert {v["value"]: v["total"] for v in aggregate["values"]} == {
            "privacy": 1,
            "compassie": 1,
        }
        assert [p["text"] for p in aggregate["principles"]["privacy"]] == [
            "Ik deel alleen wat nodig is."
        ]

    def test_ranking_ballot_is_stored_and_counted(self, db: Session, room: Room) -> None:
        session_round = make_open_round(db, room.denksessie, "ranking")
        cast(db, room.denksessie, room.participant, session_round, {"ranking": ["privacy"]})
        aggregate = _aggregate(db, room, session_round)
        assert aggregate["n_ballots"] == 1
        # 4 candidates: privacy scores 3; the other three share 2 + 1 + 0.
        assert aggregate["scores"] == {
            "privacy": 3.0,
            "zelfbeschikking": 1.0,
            "compassie": 1.0,
            "eenvoud": 1.0,
        }
        assert aggregate["order"][0] == "privacy"

    def test_points_ballot_is_stored_and_counted(self, db: Session, room: Room) -> None:
        session_round = make_open_round(db, room.denksessie, "points")
        payload = {"points": {"privacy": 70, "eenvoud": 30}}
        cast(db, room.denksessie, room.participant, session_round, payload)
        aggregate = _aggregate(db, room, session_round)
        assert aggregate["n_ballots"] == 1
        assert aggregate["scores"] == {
            "zelfbeschikking": 0,
            "privacy": 70,
            "compassie": 0,
            "eenvoud": 30,
        }
        assert aggregate["order"][:2] == ["privacy", "eenvoud"]

    def test_approval_ballot_is_stored_and_counted(self, db: Session, room: Room) -> None:
        session_round = make_open_round(db, room.denksessie, "approval")
        payload = {"approve": ["compassie", "eenvoud"]}
        cast(db, room.denksessie, room.participant, session_round, payload)
        aggregate = _aggregate(db, room, session_round)
        assert aggregate["n_ballots"] == 1
        assert aggregate["scores"] == {
            "zelfbeschikking": 0,
            "privacy": 0,
            "compassie": 1,
            "eenvoud": 1,
        }

    def test_principle_ballot_is_stored_and_counted(self, db: Session, room: Room) -> None:
        setup = _principle_round(db, room)
        principle_id = _principle_id(setup.principle)
        payload = {
            "approve": [principle_id],
            "rewording": {"principle_id": principle_id, "text": "Ik laat mensen   zelf beslissen."},
        }
        cast(db, room.denksessie, room.participant, setup.session_round, payload)
        aggregate = _aggregate(db, room, setup.session_round)
        assert aggregate["n_ballots"] == 1
        assert aggregate["counts"] == {str(principle_id): 1}
        [rewording] = aggregate["rewordings"]
        assert (rewording["rewords_id"], rewording["text"]) == (
            principle_id,
            "Ik laat mensen zelf beslissen.",
        )

    def test_own_ballot_holds_the_validated_payload(self, db: Session, room: Room) -> None:
        session_round = make_open_round(db, room.denksessie, "approval")
        cast(db, room.denksessie, room.participant, session_round, {"approve": [" privacy "]})
        mine = own_ballot(db, round_id=round_id(session_round), participant_id=room.participant.id)
        assert mine is not None
        assert mine.payload == {"approve": ["privacy"]}

    def test_a_principle_of_exactly_200_characters_is_accepted(
        self, db: Session, room: Room
    ) -> None:
        text = "Ik " + "x" * 197
        assert len(text) == 200
        session_round = make_open_round(db, room.denksessie, "casus")
        payload = {"decision": "twijfel", "values": ["privacy"], "principles": {"privacy": text}}
        cast(db, room.denksessie, room.participant, session_round, payload)
        assert [p.text for p in _principles_of(db, session_round)] == [text]


class TestRevision:
    def test_a_new_message_revises_the_ballot_in_place(self, db: Session, room: Room) -> None:
        session_round = make_open_round(db, room.denksessie, "approval")
        cast(db, room.denksessie, room.participant, session_round, {"approve": ["privacy"]})
        second = cast(
            db, room.denksessie, room.participant, session_round, {"approve": ["eenvoud"]}
        )
        assert (second.revision, second.duplicate) == (2, False)
        assert count(db, Ballot) == 1
        assert count(db, BallotSubmission) == 2
        assert _aggregate(db, room, session_round)["scores"] == {
            "zelfbeschikking": 0,
            "privacy": 0,
            "compassie": 0,
            "eenvoud": 1,
        }

    def test_the_stored_ballot_carries_the_latest_message(self, db: Session, room: Room) -> None:
        session_round = make_open_round(db, room.denksessie, "approval")
        for msg_id in ("m-1", "m-2", "m-3"):
            cast(
                db,
                room.denksessie,
                room.participant,
                session_round,
                {"approve": ["privacy"]},
                client_msg_id=msg_id,
            )
        mine = own_ballot(db, round_id=round_id(session_round), participant_id=room.participant.id)
        assert mine is not None
        assert (mine.revision, mine.client_msg_id) == (3, "m-3")


class TestResend:
    def test_same_message_is_acknowledged_again_and_counted_once(
        self, db: Session, room: Room
    ) -> None:
        session_round = make_open_round(db, room.denksessie, "approval")
        payload = {"approve": ["privacy"]}
        first = cast(
            db, room.denksessie, room.participant, session_round, payload, client_msg_id="m-1"
        )
        rows = _rows(db)
        again = cast(
            db, room.denksessie, room.participant, session_round, payload, client_msg_id="m-1"
        )
        assert (again.round_id, again.client_msg_id, again.revision) == (
            first.round_id,
            "m-1",
            1,
        )
        assert (first.duplicate, again.duplicate) == (False, True)
        assert _rows(db) == rows == (1, 1, 0)
        assert _aggregate(db, room, session_round)["n_ballots"] == 1

    def test_a_resent_earlier_message_keeps_its_revision_and_changes_nothing(
        self, db: Session, room: Room
    ) -> None:
        session_round = make_open_round(db, room.denksessie, "approval")
        cast(
            db,
            room.denksessie,
            room.participant,
            session_round,
            {"approve": ["privacy"]},
            client_msg_id="m-1",
        )
        cast(
            db,
            room.denksessie,
            room.participant,
            session_round,
            {"approve": ["eenvoud"]},
            client_msg_id="m-2",
        )
        late = cast(
            db,
            room.denksessie,
            room.participant,
            session_round,
            {"approve": ["privacy"]},
            client_msg_id="m-1",
        )
        assert (late.revision, late.duplicate) == (1, True)
        mine = own_ballot(db, round_id=round_id(session_round), participant_id=room.participant.id)
        assert mine is not None
        assert (mine.payload, mine.revision) == ({"approve": ["eenvoud"]}, 2)

    def test_message_ids_are_per_participant(self, db: Session, room: Room) -> None:
        session_round = make_open_round(db, room.denksessie, "approval")
        other = make_participant(db, room.denksessie)
        payload = {"approve": ["privacy"]}
        cast(db, room.denksessie, room.participant, session_round, payload, client_msg_id="m-1")
        theirs = cast(db, room.denksessie, other, session_round, payload, client_msg_id="m-1")
        assert theirs.duplicate is False
        assert _aggregate(db, room, session_round)["n_ballots"] == 2


def _reject(
    db: Session,
    room: Room,
    session_round: SessionRound,
    payload: Any,
    *,
    kind: str | None = None,
) -> str:
    """Cast, expect a refusal, check nothing was written; return the refusal's code."""
    before = _rows(db)
    with pytest.raises(Rejected) as refused:
        cast(db, room.denksessie, room.participant, session_round, payload, kind=kind)
    assert _rows(db) == before
    return refused.value.code


TOO_LONG = "Ik " + "x" * 198  # 201 characters


class TestRefusedPayloads:
    @pytest.mark.parametrize(
        ("kind", "config", "payload", "code"),
        [
            pytest.param(
                "casus",
                {},
                {"decision": "toekennen", "values": ["moed"]},
                "UNKNOWN_VALUE",
                id="casus-unknown-value",
            ),
            pytest.param(
                "casus",
                {"max_values": 3},
                {
                    "decision": "toekennen",
                    "values": ["privacy", "compassie", "eenvoud", "gelijkheid"],
                },
                "TOO_MANY_VALUES",
                id="casus-too-many-values",
            ),
            pytest.param(
                "casus",
                {},
                {"decision": "toekennen", "values": ["privacy", "privacy"]},
                "DUPLICATE_VALUE",
                id="casus-duplicate-value",
            ),
            pytest.param(
                "casus",
                {},
                {
                    "decision": "toekennen",
                    "values": ["privacy"],
                    "principles": {"privacy": TOO_LONG},
                },
                "PRINCIPLE_TOO_LONG",
                id="principle-too-long",
            ),
            pytest.param(
                "casus",
                {},
                {
                    "decision": "toekennen",
                    "values": ["privacy"],
                    "principles": {"privacy": "Wij delen alleen wat nodig is."},
                },
                "PRINCIPLE_INVALID",
                id="principle-without-ik",
            ),
            pytest.param(
                "casus",
                {},
                {
                    "decision": "toekennen",
                    "values": ["privacy"],
                    "principles": {"privacy": "Ikzelf deel niets."},
                },
                "PRINCIPLE_INVALID",
                id="principle-ik-without-space",
            ),
            pytest.param(
                "casus",
                {},
                {
                    "decision": "toekennen",
                    "values": ["privacy"],
                    "principles": {"compassie": "Ik luister eerst."},
                },
                "BALLOT_INVALID",
                id="principle-for-a-value-not-chosen",
            ),
            pytest.param(
                "casus",
                {"allow_twijfel": False},
                {"decision": "twijfel", "values": ["privacy"]},
                "BALLOT_INVALID",
                id="twijfel-not-allowed",
            ),
            pytest.param(
                "casus",
                {},
                {"decision": "misschien", "values": ["privacy"]},
                "BALLOT_INVALID",
                id="casus-unknown-decision",
            ),
            pytest.param(
                "casus",
                {},
                {"decision": "toekennen", "values": []},
                "BALLOT_INVALID",
                id="casus-no-values",
            ),
            pytest.param(
                "ranking",
                {},
                {"ranking": ["privacy", "autoriteit"]},
                "UNKNOWN_VALUE",
                id="ranking-not-a-candidate",
            ),
            pytest.param(
                "ranking",
                {},
                {"ranking": ["privacy", "privacy"]},
                "DUPLICATE_VALUE",
                id="ranking-duplicate",
            ),
            pytest.param(
                "ranking",
                {"top_k": 2},
                {"ranking": ["privacy", "compassie", "eenvoud"]},
                "TOO_MANY_VALUES",
                id="ranking-above-top-k",
            ),
            pytest.param(
                "ranking", {}, {"ranking": "privacy"}, "BALLOT_INVALID", id="ranking-not-a-list"
            ),
            pytest.param(
                "points",
                {"budget": 100},
                {"points": {"privacy": 60, "eenvoud": 41}},
                "POINTS_BUDGET",
                id="points-over-budget",
            ),
            pytest.param(
                "points", {}, {"points": {"privacy": 0}}, "POINTS_BUDGET", id="points-zero"
            ),
            pytest.param("points", {}, {"points": {}}, "POINTS_BUDGET", id="points-none"),
            pytest.param(
                "points",
                {},
                {"points": {"autoriteit": 10}},
                "UNKNOWN_VALUE",
                id="points-not-a-candidate",
            ),
            pytest.param(
                "points", {}, {"points": {"privacy": -5}}, "BALLOT_INVALID", id="points-negative"
            ),
            pytest.param(
                "approval",
                {"max_approvals": 2},
                {"approve": ["privacy", "compassie", "eenvoud"]},
                "TOO_MANY_VALUES",
                id="approval-too-many",
            ),
            pytest.param(
                "approval",
                {},
                {"approve": ["privacy", "privacy"]},
                "DUPLICATE_VALUE",
                id="approval-duplicate",
            ),
            pytest.param(
                "approval",
                {},
                {"approve": ["moed"]},
                "UNKNOWN_VALUE",
                id="approval-not-a-candidate",
            ),
            pytest.param(
                "approval",
                {},
                {"approve": ["privacy"], "extra": 1},
                "BALLOT_INVALID",
                id="unknown-field",
            ),
            pytest.param("approval", {}, ["privacy"], "BALLOT_INVALID", id="payload-not-an-object"),
            pytest.param("approval", {}, None, "BALLOT_INVALID", id="payload-missing"),
            pytest.param(
                "approval",
                {},
                {"ranking": ["privacy"]},
                "BALLOT_INVALID",
                id="payload-of-another-kind",
            ),
        ],
    )
    def test_refused_with_its_code_and_nothing_written(
        self,
        db: Session,
        room: Room,
        kind: str,
        config: dict[str, object],
        payload: Any,
        code: str,
    ) -> None:
        session_round = make_open_round(db, room.denksessie, kind, **config)
        assert _reject(db, room, session_round, payload) == code

    def test_refusals_are_unprocessable(self, db: Session, room: Room) -> None:
        session_round = make_open_round(db, room.denksessie, "approval")
        with pytest.raises(Rejected) as refused:
            cast(db, room.denksessie, room.participant, session_round, {"approve": ["moed"]})
        assert refused.value.http_status == 422
        assert refused.value.message

    def test_a_refused_revision_keeps_the_earlier_ballot(self, db: Session, room: Room) -> None:
        session_round = make_open_round(db, room.denksessie, "approval")
        cast(db, room.denksessie, room.participant, session_round, {"approve": ["privacy"]})
        assert _reject(db, room, session_round, {"approve": ["moed"]}) == "UNKNOWN_VALUE"
        mine = own_ballot(db, round_id=round_id(session_round), participant_id=room.participant.id)
        assert mine is not None
        assert (mine.payload, mine.revision) == ({"approve": ["privacy"]}, 1)


class TestRefusedRounds:
    def test_a_draft_round_is_closed(self, db: Session, room: Room) -> None:
        session_round = make_round(db, room.denksessie, "approval")
        assert _reject(db, room, session_round, {"approve": ["privacy"]}) == "ROUND_CLOSED"

    def test_a_closed_round_is_closed(self, db: Session, room: Room) -> None:
        session_round = make_open_round(db, room.denksessie, "approval")
        close(db, room.denksessie, session_round)
        assert _reject(db, room, session_round, {"approve": ["privacy"]}) == "ROUND_CLOSED"

    def test_a_round_of_an_ended_denksessie_is_closed(self, db: Session, room: Room) -> None:
        session_round = make_open_round(db, room.denksessie, "approval")
        flows.end_denksessie(db, denksessie=room.denksessie)
        assert _reject(db, room, session_round, {"approve": ["privacy"]}) == "ROUND_CLOSED"

    def test_an_unknown_round(self, db: Session, room: Room) -> None:
        before = _rows(db)
        with pytest.raises(Rejected) as refused:
            cast_ballot(
                db,
                denksessie=room.denksessie,
                participant=room.participant,
                round_id=999_999,
                kind="approval",
                payload={"approve": ["privacy"]},
                client_msg_id=new_msg_id(),
            )
        assert (refused.value.code, refused.value.http_status) == ("UNKNOWN_ROUND", 404)
        assert _rows(db) == before

    def test_a_round_of_another_denksessie_is_unknown(
        self, db: Session, demo_org_id: int, room: Room
    ) -> None:
        elsewhere = make_denksessie(db, organisation_id=demo_org_id)
        their_round = make_open_round(db, elsewhere, "approval")
        assert _reject(db, room, their_round, {"approve": ["privacy"]}) == "UNKNOWN_ROUND"

    def test_the_wrong_round_kind(self, db: Session, room: Room) -> None:
        session_round = make_open_round(db, room.denksessie, "approval")
        code = _reject(db, room, session_round, {"ranking": ["privacy"]}, kind="ranking")
        assert code == "WRONG_ROUND_KIND"


class TestPrincipleRound:
    def test_approving_a_hidden_principle_is_refused(self, db: Session, room: Room) -> None:
        setup = _principle_round(db, room)
        principle_id = _principle_id(setup.principle)
        flows.set_principle_hidden(
            db, denksessie=room.denksessie, principle_id=principle_id, hidden=True
        )
        code = _reject(db, room, setup.session_round, {"approve": [principle_id]})
        assert code == "UNKNOWN_PRINCIPLE"

    def test_approving_an_unknown_principle_is_refused(self, db: Session, room: Room) -> None:
        setup = _principle_round(db, room)
        assert _reject(db, room, setup.session_round, {"approve": [999_999]}) == (
            "UNKNOWN_PRINCIPLE"
        )

    def test_approving_a_principle_of_another_value_is_refused(
        self, db: Session, room: Room
    ) -> None:
        setup = _principle_round(db, room)
        other_value = make_round(db, room.denksessie, "principle", value_key="privacy")
        close(db, room.denksessie, setup.session_round)
        open_(db, room.denksessie, other_value)
        code = _reject(db, room, other_value, {"approve": [_principle_id(setup.principle)]})
        assert code == "UNKNOWN_PRINCIPLE"

    def test_rewording_an_unknown_principle_is_refused(self, db: Session, room: Room) -> None:
        setup = _principle_round(db, room)
        payload = {"approve": [], "rewording": {"principle_id": 999_999, "text": "Ik kies."}}
        assert _reject(db, room, setup.session_round, payload) == "UNKNOWN_PRINCIPLE"

    def test_a_rewording_without_ik_is_refused(self, db: Session, room: Room) -> None:
        setup = _principle_round(db, room)
        payload = {
            "approve": [],
            "rewording": {"principle_id": _principle_id(setup.principle), "text": "Wij kiezen."},
        }
        assert _reject(db, room, setup.session_round, payload) == "PRINCIPLE_INVALID"

    def test_a_rewording_over_200_characters_is_too_long(self, db: Session, room: Room) -> None:
        setup = _principle_round(db, room)
        payload = {
            "approve": [],
            "rewording": {"principle_id": _principle_id(setup.principle), "text": TOO_LONG},
        }
        # The same limit and the same code as a principle written in a casus round.
        assert _reject(db, room, setup.session_round, payload) == "PRINCIPLE_TOO_LONG"

    def test_too_many_approvals_are_refused(self, db: Session, room: Room) -> None:
        texts = (AUTHOR_PRINCIPLE, "Ik kijk eerst wat iemand zelf kan.")
        setup = _principle_round(db, room, texts=texts, max_approvals=1)
        ids = [_principle_id(p) for p in visible_principles(db, room.denksessie, CANDIDATES[0])]
        assert len(ids) == 2
        assert _reject(db, room, setup.session_round, {"approve": ids}) == "TOO_MANY_VALUES"

    def test_approving_a_principle_twice_is_refused(self, db: Session, room: Room) -> None:
        setup = _principle_round(db, room)
        principle_id = _principle_id(setup.principle)
        code = _reject(db, room, setup.session_round, {"approve": [principle_id, principle_id]})
        assert code == "DUPLICATE_VALUE"

    def test_a_new_rewording_replaces_the_earlier_one(self, db: Session, room: Room) -> None:
        setup = _principle_round(db, room)
        principle_id = _principle_id(setup.principle)
        for text in ("Ik laat kiezen.", "Ik laat mensen kiezen."):
            payload = {"approve": [], "rewording": {"principle_id": principle_id, "text": text}}
            cast(db, room.denksessie, room.participant, setup.session_round, payload)
        assert [p.text for p in _principles_of(db, setup.session_round)] == [
            "Ik laat mensen kiezen."
        ]


class TestRemovedParticipant:
    def test_is_refused_before_casting(self, db: Session, room: Room) -> None:
        flows.remove_participant(db, denksessie=room.denksessie, participant_id=room.participant.id)
        assert room.denksessie.id is not None
        with pytest.raises(Rejected) as refused:
            sessions.active_participant(
                db, denksessie_id=room.denksessie.id, participant_id=room.participant.id
            )
        assert refused.value.code == "PARTICIPANT_REMOVED"

    @pytest.mark.parametrize(
        ("kind", "payload"),
        [
            ("casus", {"decision": "toekennen", "values": ["privacy"]}),
            ("ranking", {"ranking": ["privacy"]}),
            ("points", {"points": {"privacy": 10}}),
            ("approval", {"approve": ["privacy"]}),
        ],
    )
    def test_earlier_ballots_stop_counting(
        self, db: Session, room: Room, kind: str, payload: dict[str, Any]
    ) -> None:
        session_round = make_open_round(db, room.denksessie, kind)
        stays = make_participant(db, room.denksessie)
        cast(db, room.denksessie, room.participant, session_round, payload)
        cast(db, room.denksessie, stays, session_round, payload)
        flows.remove_participant(db, denksessie=room.denksessie, participant_id=room.participant.id)
        aggregate = _aggregate(db, room, session_round)
        assert aggregate["n_ballots"] == 1
        assert results.ballot_count(db, round_id(session_round)) == 1

    def test_removed_approvals_leave_the_scores(self, db: Session, room: Room) -> None:
        session_round = make_open_round(db, room.denksessie, "approval")
        cast(db, room.denksessie, room.participant, session_round, {"approve": ["privacy"]})
        flows.remove_participant(db, denksessie=room.denksessie, participant_id=room.participant.id)
        assert _aggregate(db, room, session_round)["scores"]["privacy"] == 0

    def test_their_principles_leave_the_screen(self, db: Session, room: Room) -> None:
        # Like their ballot, what they wrote with it stops counting once they are removed.
        session_round = make_open_round(db, room.denksessie, "casus")
        payload = {
            "decision": "toekennen",
            "values": ["privacy"],
            "principles": {"privacy": "Ik deel alles met iedereen."},
        }
        cast(db, room.denksessie, room.participant, session_round, payload)
        flows.remove_participant(db, denksessie=room.denksessie, participant_id=room.participant.id)
        screen = results.aggregate(db, room.denksessie, session_round, role="screen")
        assert screen["principles"] == {}
        assert visible_principles(db, room.denksessie, "privacy") == []


class TestPrinciplesFromCasusBallots:
    def _cast(
        self, db: Session, room: Room, session_round: SessionRound, principles: dict[str, str]
    ) -> None:
        payload = {"decision": "toekennen", "values": list(principles), "principles": principles}
        cast(db, room.denksessie, room.participant, session_round, payload)

    def test_stored_per_value_with_spaces_tidied(self, db: Session, room: Room) -> None:
        session_round = make_open_round(db, room.denksessie, "casus")
        self._cast(
            db,
            room,
            session_round,
            {"privacy": "Ik deel   alleen wat nodig is.", "compassie": "Ik luister eerst."},
        )
        stored = {p.value_key: p.text for p in _principles_of(db, session_round)}
        assert stored == {
            "privacy": "Ik deel alleen wat nodig is.",
            "compassie": "Ik luister eerst.",
        }
        assert {p.participant_id for p in _principles_of(db, session_round)} == {
            room.participant.id
        }

    def test_an_empty_principle_is_not_stored(self, db: Session, room: Room) -> None:
        session_round = make_open_round(db, room.denksessie, "casus")
        self._cast(db, room, session_round, {"privacy": "   "})
        assert _principles_of(db, session_round) == []

    def test_a_changed_text_replaces_the_old_principle(self, db: Session, room: Room) -> None:
        session_round = make_open_round(db, room.denksessie, "casus")
        self._cast(db, room, session_round, {"privacy": "Ik deel niets."})
        [old] = _principles_of(db, session_round)
        old_id = old.id
        self._cast(db, room, session_round, {"privacy": "Ik deel alleen wat nodig is."})
        [new] = _principles_of(db, session_round)
        assert new.text == "Ik deel alleen wat nodig is."
        assert new.id != old_id
        assert db.get(Principle, old_id) is None

    def test_an_unchanged_text_keeps_its_row_and_hidden_flag(self, db: Session, room: Room) -> None:
        session_round = make_open_round(db, room.denksessie, "casus")
        self._cast(db, room, session_round, {"privacy": "Ik deel niets."})
        [kept] = _principles_of(db, session_round)
        flows.set_principle_hidden(
            db, denksessie=room.denksessie, principle_id=_principle_id(kept), hidden=True
        )
        payload = {
            "decision": "niet_toekennen",
            "values": ["privacy", "compassie"],
            "principles": {"privacy": "Ik  deel niets.", "compassie": "Ik luister eerst."},
        }
        cast(db, room.denksessie, room.participant, session_round, payload)
        rows = {p.value_key: p for p in _principles_of(db, session_round)}
        assert rows["privacy"].id == kept.id
        assert rows["privacy"].hidden is True
        assert rows["compassie"].hidden is False

    def test_a_dropped_principle_is_removed(self, db: Session, room: Room) -> None:
        session_round = make_open_round(db, room.denksessie, "casus")
        self._cast(db, room, session_round, {"privacy": "Ik deel niets.", "eenvoud": "Ik kort."})
        self._cast(db, room, session_round, {"eenvoud": "Ik kort."})
        assert [p.value_key for p in _principles_of(db, session_round)] == ["eenvoud"]

    def test_a_resend_does_not_touch_the_principles(self, db: Session, room: Room) -> None:
        session_round = make_open_round(db, room.denksessie, "casus")
        payload = {
            "decision": "toekennen",
            "values": ["privacy"],
            "principles": {"privacy": "Ik deel niets."},
        }
        cast(db, room.denksessie, room.participant, session_round, payload, client_msg_id="m-1")
        [first] = _principles_of(db, session_round)
        cast(db, room.denksessie, room.participant, session_round, payload, client_msg_id="m-1")
        assert [p.id for p in _principles_of(db, session_round)] == [first.id]
