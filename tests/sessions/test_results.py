"""Snapshots per role: who sees results when, and what a client resyncs from."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import Session

from app.casussen import service as casussen
from app.catalogue import service as catalogues
from app.sessions import flows, results
from app.sessions import service as sessions
from app.sessions.ballots import visible_principles
from app.sessions.models import Denksessie, Participant, SessionRound
from tests.sessions.factories import (
    CANDIDATES,
    cast,
    close,
    make_denksessie,
    make_open_round,
    make_participant,
    make_round,
    round_id,
)

APPROVE: dict[str, Any] = {"approve": ["privacy", "eenvoud"]}


@pytest.fixture
def denksessie(db: Session, demo_org_id: int) -> Denksessie:
    return make_denksessie(db, organisation_id=demo_org_id, casus_count=3)


@pytest.fixture
def participant(db: Session, denksessie: Denksessie) -> Participant:
    return make_participant(db, denksessie, role="welzijn", display_name="Sam")


def _results(
    db: Session,
    denksessie: Denksessie,
    role: results.Role,
    participant: Participant | None = None,
) -> dict[str, Any]:
    snapshot = results.snapshot(db, denksessie, role=role, participant=participant)
    assert isinstance(snapshot["results"], dict)
    return snapshot["results"]


def _key(session_round: SessionRound) -> str:
    return str(round_id(session_round))


class TestResultsForTheFacilitator:
    def test_sees_an_open_round_before_reveal(
        self, db: Session, denksessie: Denksessie, participant: Participant
    ) -> None:
        session_round = make_open_round(db, denksessie, "approval")
        cast(db, denksessie, participant, session_round, APPROVE)
        shown = _results(db, denksessie, "facilitator")[_key(session_round)]
        assert (shown["kind"], shown["n_ballots"]) == ("approval", 1)
        assert shown["scores"]["privacy"] == 1

    def test_sees_a_closed_round_before_reveal(self, db: Session, denksessie: Denksessie) -> None:
        session_round = make_open_round(db, denksessie, "ranking")
        close(db, denksessie, session_round)
        assert _key(session_round) in _results(db, denksessie, "facilitator")

    def test_a_draft_round_has_no_results(self, db: Session, denksessie: Denksessie) -> None:
        draft = make_round(db, denksessie, "ranking")
        assert _key(draft) not in _results(db, denksessie, "facilitator")


class TestResultsForScreenAndPhones:
    @pytest.mark.parametrize("role", ["screen", "participant"])
    def test_hidden_until_revealed(
        self, db: Session, denksessie: Denksessie, participant: Participant, role: results.Role
    ) -> None:
        session_round = make_open_round(db, denksessie, "approval")
        cast(db, denksessie, participant, session_round, APPROVE)
        close(db, denksessie, session_round)
        assert _results(db, denksessie, role, participant) == {}

    @pytest.mark.parametrize("role", ["screen", "participant"])
    def test_shown_after_reveal(
        self, db: Session, denksessie: Denksessie, participant: Participant, role: results.Role
    ) -> None:
        session_round = make_open_round(db, denksessie, "approval")
        cast(db, denksessie, participant, session_round, APPROVE)
        flows.reveal_round(db, denksessie=denksessie, round_id=round_id(session_round))
        shown = _results(db, denksessie, role, participant)[_key(session_round)]
        assert shown == results.aggregate(db, denksessie, session_round, role=role)
        assert shown["n_ballots"] == 1

    @pytest.mark.parametrize("role", ["screen", "participant"])
    def test_hidden_again_when_unrevealed(
        self, db: Session, denksessie: Denksessie, role: results.Role
    ) -> None:
        session_round = make_open_round(db, denksessie, "approval")
        flows.reveal_round(db, denksessie=denksessie, round_id=round_id(session_round))
        flows.reveal_round(
            db, denksessie=denksessie, round_id=round_id(session_round), revealed=False
        )
        assert _results(db, denksessie, role) == {}

    @pytest.mark.parametrize("role", ["screen", "participant"])
    def test_shown_live_when_the_denksessie_says_so(
        self, db: Session, demo_org_id: int, role: results.Role
    ) -> None:
        live = make_denksessie(db, organisation_id=demo_org_id, show_results_live=True)
        session_round = make_open_round(db, live, "approval")
        cast(db, live, make_participant(db, live), session_round, APPROVE)
        assert _results(db, live, role)[_key(session_round)]["n_ballots"] == 1

    @pytest.mark.parametrize("role", ["screen", "participant"])
    def test_live_results_still_skip_draft_rounds(
        self, db: Session, demo_org_id: int, role: results.Role
    ) -> None:
        live = make_denksessie(db, organisation_id=demo_org_id, show_results_live=True)
        make_round(db, live, "approval")
        assert _results(db, live, role) == {}

    def test_only_the_revealed_round_is_shown(self, db: Session, denksessie: Denksessie) -> None:
        first = make_open_round(db, denksessie, "approval")
        close(db, denksessie, first)
        second = make_open_round(db, denksessie, "ranking")
        flows.reveal_round(db, denksessie=denksessie, round_id=round_id(second))
        assert set(_results(db, denksessie, "screen")) == {_key(second)}


class TestParticipantSnapshot:
    def test_says_who_you_are(
        self, db: Session, denksessie: Denksessie, participant: Participant
    ) -> None:
        snapshot = results.snapshot(db, denksessie, role="participant", participant=participant)
        assert snapshot["you"] == {
            "participant_id": participant.id,
            "display_name": "Sam",
            "role": "welzijn",
        }
        assert snapshot["own_ballots"] == {}

    def test_holds_your_own_ballots_with_their_payload(
        self, db: Session, denksessie: Denksessie, participant: Participant
    ) -> None:
        session_round = make_open_round(db, denksessie, "approval")
        cast(db, denksessie, participant, session_round, {"approve": ["privacy"]})
        cast(db, denksessie, participant, session_round, APPROVE, client_msg_id="m-2")
        snapshot = results.snapshot(db, denksessie, role="participant", participant=participant)
        assert snapshot["own_ballots"] == {
            _key(session_round): {"payload": APPROVE, "revision": 2, "client_msg_id": "m-2"}
        }

    def test_holds_no_ballots_of_others(
        self, db: Session, denksessie: Denksessie, participant: Participant
    ) -> None:
        session_round = make_open_round(db, denksessie, "approval")
        cast(db, denksessie, make_participant(db, denksessie), session_round, APPROVE)
        snapshot = results.snapshot(db, denksessie, role="participant", participant=participant)
        assert snapshot["own_ballots"] == {}

    @pytest.mark.parametrize("role", ["facilitator", "screen"])
    def test_other_roles_have_no_you(
        self, db: Session, denksessie: Denksessie, role: results.Role
    ) -> None:
        snapshot = results.snapshot(db, denksessie, role=role)
        assert "you" not in snapshot
        assert "own_ballots" not in snapshot


class TestSnapshotContents:
    def test_describes_the_denksessie(self, db: Session, denksessie: Denksessie) -> None:
        snapshot = results.snapshot(db, denksessie, role="screen")
        assert snapshot["type"] == "snapshot"
        assert snapshot["denksessie"] == {
            "id": denksessie.id,
            "title": denksessie.title,
            "code": denksessie.join_code,
            "status": "lobby",
            "join_locked": False,
            "show_results_live": False,
            "roles": denksessie.roles,
            "self_paced": False,
            "closes_at": None,
            "closed": False,
        }

    def test_lists_the_rounds_in_order(
        self, db: Session, denksessie: Denksessie, participant: Participant
    ) -> None:
        casus = make_round(db, denksessie, "casus")
        approval = make_open_round(db, denksessie, "approval")
        cast(db, denksessie, participant, approval, APPROVE)
        rounds = results.snapshot(db, denksessie, role="screen")["rounds"]
        assert [(r["id"], r["kind"], r["status"], r["n_ballots"]) for r in rounds] == [
            (casus.id, "casus", "draft", 0),
            (approval.id, "approval", "open", 1),
        ]
        assert rounds[1]["tie_break_order"] == approval.tie_break_order
        assert rounds[1]["config"]["candidates"] == list(CANDIDATES)

    def test_names_the_open_round(self, db: Session, denksessie: Denksessie) -> None:
        make_round(db, denksessie, "ranking")
        current = make_open_round(db, denksessie, "approval")
        assert results.snapshot(db, denksessie, role="screen")["current_round_id"] == current.id

    def test_no_current_round_when_none_is_open(self, db: Session, denksessie: Denksessie) -> None:
        make_round(db, denksessie, "ranking")
        assert results.snapshot(db, denksessie, role="screen")["current_round_id"] is None

    def test_carries_the_latest_seq(self, db: Session, denksessie: Denksessie) -> None:
        session_round = make_open_round(db, denksessie, "approval")
        event = close(db, denksessie, session_round)
        assert results.snapshot(db, denksessie, role="screen")["seq"] == event.seq == 2

    def test_counts_participants_still_in(self, db: Session, denksessie: Denksessie) -> None:
        leaving = make_participant(db, denksessie)
        make_participant(db, denksessie)
        flows.remove_participant(db, denksessie=denksessie, participant_id=leaving.id)
        assert results.snapshot(db, denksessie, role="screen")["participants"] == 1

    def test_lists_the_25_catalogue_values(self, db: Session, denksessie: Denksessie) -> None:
        values = results.snapshot(db, denksessie, role="screen")["values"]
        keys = [v["key"] for v in values]
        assert len(keys) == len(set(keys)) == 25
        assert set(keys) == catalogues.value_keys(db, sessions.catalogue_of(db, denksessie))
        assert {"key", "name", "cluster", "cluster_name", "group", "opvattingen"} == set(values[0])
        meaning = next(v for v in values if v["key"] == "zelfbeschikking")["opvattingen"]
        assert meaning
        assert all(isinstance(text, str) and text for text in meaning)

    def test_describes_only_the_casussen_of_casus_rounds(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        used = denksessie.casus_ids[1]
        make_round(db, denksessie, "casus", casus_id=used)
        casus = casussen.get_by_id(db, used)
        assert casus is not None
        assert results.snapshot(db, denksessie, role="participant")["casussen"] == {
            str(used): {
                "title": casus.title,
                "situation": casus.situation,
                "decision_question": casus.decision_question,
                "domain": casus.domain,
            }
        }

    def test_no_casussen_without_casus_rounds(self, db: Session, denksessie: Denksessie) -> None:
        make_round(db, denksessie, "ranking")
        assert results.snapshot(db, denksessie, role="screen")["casussen"] == {}

    def test_lists_the_visible_principles_of_principle_rounds(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        casus = make_open_round(db, denksessie, "casus")
        for text in ("Ik laat mensen kiezen.", "Ik kies niet voor een ander."):
            payload = {
                "decision": "toekennen",
                "values": [CANDIDATES[0]],
                "principles": {CANDIDATES[0]: text},
            }
            cast(db, denksessie, make_participant(db, denksessie), casus, payload)
        close(db, denksessie, casus)
        shown, hidden = visible_principles(db, denksessie, CANDIDATES[0])
        assert hidden.id is not None
        flows.set_principle_hidden(db, denksessie=denksessie, principle_id=hidden.id, hidden=True)
        principle_round = make_round(db, denksessie, "principle", value_key=CANDIDATES[0])
        other_value = make_round(db, denksessie, "principle", value_key="privacy")
        snapshot = results.snapshot(db, denksessie, role="facilitator")
        assert snapshot["principles"] == {
            _key(principle_round): [{"id": shown.id, "text": shown.text}],
            _key(other_value): [],
        }

    def test_principle_results_count_approvals_of_visible_principles(
        self, db: Session, denksessie: Denksessie, participant: Participant
    ) -> None:
        casus = make_open_round(db, denksessie, "casus")
        payload = {
            "decision": "toekennen",
            "values": [CANDIDATES[0]],
            "principles": {CANDIDATES[0]: "Ik laat mensen kiezen."},
        }
        cast(db, denksessie, make_participant(db, denksessie), casus, payload)
        close(db, denksessie, casus)
        [principle] = visible_principles(db, denksessie, CANDIDATES[0])
        principle_round = make_open_round(db, denksessie, "principle", value_key=CANDIDATES[0])
        cast(db, denksessie, participant, principle_round, {"approve": [principle.id]})
        shown = _results(db, denksessie, "facilitator")[_key(principle_round)]
        assert shown == {
            "kind": "principle",
            "n_ballots": 1,
            "counts": {str(principle.id): 1},
            "rewordings": [],
        }


class TestRankingRoundUsesTheEngine:
    def test_schulze_borda_with_an_explanation_in_codes(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        ranking = make_open_round(db, denksessie, "ranking")
        rankings = [
            ["privacy", "eenvoud", "compassie"],
            ["privacy", "compassie"],
            ["eenvoud", "privacy"],
        ]
        for order in rankings:
            cast(db, denksessie, make_participant(db, denksessie), ranking, {"ranking": order})
        result = results.aggregate(db, denksessie, ranking, role="facilitator")
        assert result["method"] == "schulze_borda"
        assert result["order"][0] == "privacy"
        assert result["decided_by"][0] == "schulze"
        # A code and its parts: the page words it in the reader's language (results.js).
        assert (result["explanation"]["code"], result["explanation"]["top"]) == (
            "condorcet",
            "privacy",
        )
        assert len(result["tied_with_next"]) == len(CANDIDATES)
        assert result["tied_with_next"][-1] is False

    def test_carries_schulze_wins_that_agree_with_the_order(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        # Three put compassie above privacy, two the other way round: compassie beats privacy.
        ranking = make_open_round(db, denksessie, "ranking", candidates=["privacy", "compassie"])
        for order in [["compassie", "privacy"]] * 3 + [["privacy", "compassie"]] * 2:
            cast(db, denksessie, make_participant(db, denksessie), ranking, {"ranking": order})
        result = results.aggregate(db, denksessie, ranking, role="screen")
        assert result["order"] == ["compassie", "privacy"]
        assert result["wins"] == {"compassie": 1, "privacy": 0}

    @pytest.mark.parametrize("with_roles", [True, False])
    def test_values_two_roles_pull_apart_are_the_most_divisive(
        self, db: Session, denksessie: Denksessie, with_roles: bool
    ) -> None:
        # Six gemeente people put privacy above eenvoud, three inwoners the other way round: a
        # 6:3 split that groups pull apart. Compassie against zelfbeschikking splits 5:4, in
        # both groups alike. Only the roles show privacy and eenvoud as the divisive ones.
        ranking = make_open_round(db, denksessie, "ranking")
        tail = (["compassie", "zelfbeschikking"], ["zelfbeschikking", "compassie"])
        voters = [("gemeente", ["privacy", "eenvoud", *tail[i % 2]]) for i in range(6)] + [
            ("inwoner", ["eenvoud", "privacy", *tail[i // 2]]) for i in range(3)
        ]
        for role, order in voters:
            person = make_participant(db, denksessie, role=role if with_roles else None)
            cast(db, denksessie, person, ranking, {"ranking": order})
        result = results.aggregate(db, denksessie, ranking, role="facilitator")
        pulled_apart = {"privacy", "eenvoud"}
        assert (set(result["divisive"][:2]) == pulled_apart) is with_roles


class TestServerTime:
    def test_snapshot_carries_the_server_clock(self, db: Session, denksessie: Denksessie) -> None:
        snapshot = results.snapshot(db, denksessie, role="screen")
        server = datetime.fromisoformat(snapshot["server_time"])
        assert abs((datetime.now(UTC) - server).total_seconds()) < 5


class TestRowsKeptBetweenTicks:
    """The tick's ``RoundRows`` must always give what a fresh read gives."""

    def test_equal_to_a_fresh_read_through_revisions_joins_and_removals(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        ranking = make_open_round(db, denksessie, "ranking")
        people = [make_participant(db, denksessie, role="welzijn") for _ in range(6)]
        kept = results.RoundRows()
        payload_reads: list[str] = []

        def count_payload_reads(*args: Any) -> None:
            statement = args[2]
            if "ballot.payload" in statement:
                payload_reads.append(statement)

        def both() -> tuple[list[Any], list[Any]]:
            db.flush()
            db.expire_all()
            return kept.read(db, round_id(ranking)), results._active_rows(db, round_id(ranking))

        for index, person in enumerate(people[:4]):
            cast(db, denksessie, person, ranking, {"ranking": list(CANDIDATES[index:])})
        fresh, expected = both()
        assert fresh == expected
        assert len(fresh) == 4

        cast(db, denksessie, people[1], ranking, {"ranking": list(reversed(CANDIDATES))})
        cast(db, denksessie, people[5], ranking, {"ranking": [CANDIDATES[0]]})
        flows.remove_participant(db, denksessie=denksessie, participant_id=people[2].id)
        fresh, expected = both()
        assert fresh == expected
        assert [CANDIDATES[0]] in [payload["ranking"] for payload, _ in fresh]
        assert list(reversed(CANDIDATES)) in [payload["ranking"] for payload, _ in fresh]

        engine = db.get_bind()
        event.listen(engine, "before_cursor_execute", count_payload_reads)
        try:
            again = kept.read(db, round_id(ranking))
        finally:
            event.remove(engine, "before_cursor_execute", count_payload_reads)
        assert again == expected
        assert payload_reads == []  # nothing changed: no payload was read again

    def test_the_hubs_aggregate_equals_a_fresh_one(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        approval = make_open_round(db, denksessie, "approval")
        kept = results.RoundRows()
        for index in range(5):
            person = make_participant(db, denksessie)
            cast(db, denksessie, person, approval, {"approve": [CANDIDATES[index % 4]]})
            db.flush()
            db.expire_all()
            with_kept = results.aggregate(
                db, denksessie, approval, role="facilitator", kept_rows=kept
            )
            assert with_kept == results.aggregate(db, denksessie, approval, role="facilitator")
