"""A schuur round: its config (the casus's values in tension by default), its ballots (pairs,
either way round, refused with a code when they cannot count), its result and its downloads."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pytest
from sqlmodel import Session, select

from app import privacy
from app.casussen import service as casussen
from app.errors import InvalidInput, Rejected
from app.i18n.errors import error_text
from app.sessions import results, results_table
from app.sessions.models import Ballot, Denksessie, Participant, SessionRound
from app.trajects.export import ballots_csv
from tests.conftest import TEST_SECRET
from tests.sessions.factories import (
    cast,
    close,
    count,
    make_denksessie,
    make_open_round,
    make_participant,
    make_round,
)
from tests.trajects.factories import attach, make_traject

ZB, PR, CO, EE = "zelfbeschikking", "privacy", "compassie", "eenvoud"


@dataclass(frozen=True)
class Room:
    denksessie: Denksessie
    participant: Participant
    session_round: SessionRound


@pytest.fixture
def room(db: Session, demo_org_id: int) -> Room:
    denksessie = make_denksessie(db, organisation_id=demo_org_id)
    session_round = make_open_round(db, denksessie, "schuur", max_pairs=2)
    return Room(denksessie, make_participant(db, denksessie), session_round)


class TestConfig:
    def test_without_candidates_the_casus_values_in_tension_are_taken(
        self, db: Session, demo_org_id: int
    ) -> None:
        denksessie = make_denksessie(db, organisation_id=demo_org_id)
        casus = casussen.get_by_id(db, denksessie.casus_ids[0])
        assert casus is not None
        assert len(casus.values_in_tension) >= 2
        session_round = make_round(
            db, denksessie, "schuur", candidates=[], casus_id=denksessie.casus_ids[0]
        )
        assert session_round.config["candidates"] == casus.values_in_tension
        assert session_round.config["max_pairs"] == 2
        assert session_round.title == "Welke waarden schuren met elkaar?"

    def test_chosen_candidates_win_over_the_casus(self, db: Session, demo_org_id: int) -> None:
        denksessie = make_denksessie(db, organisation_id=demo_org_id)
        session_round = make_round(
            db, denksessie, "schuur", candidates=[ZB, PR], casus_id=denksessie.casus_ids[0]
        )
        assert session_round.config["candidates"] == [ZB, PR]

    def test_no_candidates_and_no_casus_is_refused_in_words(
        self, db: Session, demo_org_id: int
    ) -> None:
        denksessie = make_denksessie(db, organisation_id=demo_org_id)
        with pytest.raises(InvalidInput) as refused:
            make_round(db, denksessie, "schuur", candidates=[])
        (problem,) = refused.value.problems
        assert (problem.loc, problem.code) == ("config.candidates", "SCHUUR_TOO_FEW_VALUES")

    def test_a_casus_of_another_denksessie_and_unknown_values_are_refused(
        self, db: Session, demo_org_id: int
    ) -> None:
        denksessie = make_denksessie(db, organisation_id=demo_org_id, casus_count=1)
        with pytest.raises(InvalidInput) as refused:
            make_round(db, denksessie, "schuur", candidates=[ZB, "geluk-voor-iedereen"])
        assert [p.code for p in refused.value.problems] == ["UNKNOWN_VALUE"]
        with pytest.raises(InvalidInput) as refused:
            make_round(db, denksessie, "schuur", candidates=[], casus_id=999_999)
        assert [p.code for p in refused.value.problems] == ["CASUS_NOT_IN_DENKSESSIE"]

    def test_max_pairs_is_one_or_two(self, db: Session, demo_org_id: int) -> None:
        denksessie = make_denksessie(db, organisation_id=demo_org_id)
        with pytest.raises(InvalidInput):
            make_round(db, denksessie, "schuur", max_pairs=3)


class TestBallots:
    def test_a_pair_is_stored_in_key_order(self, db: Session, room: Room) -> None:
        cast(db, room.denksessie, room.participant, room.session_round, {"pairs": [[ZB, PR]]})
        (ballot,) = db.exec(select(Ballot).where(Ballot.round_id == room.session_round.id)).all()
        assert ballot.payload == {"pairs": [[PR, ZB]]}

    @pytest.mark.parametrize(
        ("pairs", "code", "dutch"),
        [
            ([[ZB, ZB]], "PAIR_OF_ONE_VALUE", "twee verschillende waarden"),
            ([[ZB, PR], [PR, ZB]], "DUPLICATE_PAIR", "hetzelfde paar twee keer"),
            ([[ZB, "vrijheid-blijheid"]], "UNKNOWN_VALUE", "Geen kandidaat"),
        ],
    )
    def test_pairs_that_cannot_count_are_refused_with_a_code(
        self, db: Session, room: Room, pairs: list[list[str]], code: str, dutch: str
    ) -> None:
        before = count(db, Ballot)
        with pytest.raises(Rejected) as refused:
            cast(db, room.denksessie, room.participant, room.session_round, {"pairs": pairs})
        assert refused.value.code == code
        error = refused.value
        assert dutch in error_text(
            error.code, language="nl", reason=error.reason, params=error.params
        )
        assert count(db, Ballot) == before

    def test_more_pairs_than_the_round_allows(self, db: Session, demo_org_id: int) -> None:
        denksessie = make_denksessie(db, organisation_id=demo_org_id)
        session_round = make_open_round(db, denksessie, "schuur", max_pairs=1)
        with pytest.raises(Rejected) as refused:
            cast(
                db,
                denksessie,
                make_participant(db, denksessie),
                session_round,
                {"pairs": [[ZB, PR], [CO, EE]]},
            )
        assert refused.value.code == "TOO_MANY_PAIRS"
        error = refused.value
        assert error_text(error.code, language="en", reason=error.reason, params=error.params) == (
            "Choose at most 1 pair(s)."
        )

    def test_no_pair_or_three_pairs_are_malformed(self, db: Session, room: Room) -> None:
        for pairs in ([], [[ZB, PR], [CO, EE], [ZB, CO]], [[ZB, PR, CO]]):
            with pytest.raises(Rejected) as refused:
                cast(db, room.denksessie, room.participant, room.session_round, {"pairs": pairs})
            assert refused.value.code == "BALLOT_INVALID"


class TestResults:
    def test_matrix_pairs_table_and_exports(self, db: Session, demo_org_id: int) -> None:
        denksessie = make_denksessie(
            db, organisation_id=demo_org_id, roles=["gemeente", "inwoner", "welzijn"]
        )
        session_round = make_open_round(db, denksessie, "schuur")
        answers = [
            ("gemeente", [[ZB, PR], [CO, EE]]),
            ("gemeente", [[PR, ZB]]),
            ("gemeente", [[ZB, PR], [ZB, CO]]),
            ("inwoner", [[CO, EE]]),
            ("inwoner", [[ZB, EE]]),
            ("welzijn", [[PR, CO]]),
        ]
        for role, pairs in answers:
            person = make_participant(db, denksessie, role=role, display_name="Ria")
            cast(db, denksessie, person, session_round, {"pairs": pairs})
        close(db, denksessie, session_round)

        result = results.aggregate(db, denksessie, session_round, role="screen")
        assert result["n_ballots"] == 6
        top = result["pairs"][0]
        assert (top["a"], top["b"], top["count"], top["rank"], top["tied"]) == (
            PR,
            ZB,
            3,
            1,
            False,
        )
        second = result["pairs"][1]
        assert ({second["a"], second["b"]}, second["count"]) == ({CO, EE}, 2)
        values = result["values"]
        i, j = values.index(ZB), values.index(PR)
        assert result["matrix"][i][j] == result["matrix"][j][i] == 3
        assert result["matrix"][i][i] == 0

        rows = [r for r in results_table.table(db, denksessie) if r["kind"] == "schuur"]
        assert [(r["place"], r["item"], r["score"]) for r in rows[:2]] == [
            (1, "Privacy ↔ Zelfbeschikking", 3),
            (2, "Compassie ↔ Eenvoud", 2),
        ]
        # Three pairs named once share the third place.
        assert [(r["place"], r["score"]) for r in rows[2:]] == [(3, 1)] * 3
        assert all(p["tied"] for p in result["pairs"][2:])

        exported = privacy.export(db, denksessie, secret_key=TEST_SECRET)
        assert sorted(b["answer"]["pairs"] for b in exported["ballots"]) == sorted(
            [[sorted(p) for p in pairs] for _, pairs in answers]
        )
        # Two "inwoner" and one "welzijn" are folded into "overig"; three "gemeente" stay.
        assert (
            sorted(p["role"] for p in exported["participants"]) == ["gemeente"] * 3 + ["overig"] * 3
        )
        assert "Ria" not in str(exported["ballots"]) + str(exported["participants"])

        # The traject's ballots CSV: a row per ballot with its pseudonym, folded role and pairs.
        traject = make_traject(db, organisation_id=demo_org_id)
        attach(db, traject, denksessie, "naming", organisation_id=demo_org_id)
        rows_csv = list(
            csv.DictReader(io.StringIO(ballots_csv(db, traject, secret_key=TEST_SECRET)))
        )
        assert sorted(row["pairs"] for row in rows_csv) == sorted(
            ";".join("+".join(sorted(p)) for p in pairs) for _, pairs in answers
        )
        assert {row["participant"] for row in rows_csv} == {
            p["participant"] for p in exported["participants"]
        }
        assert sorted(row["role"] for row in rows_csv) == ["gemeente"] * 3 + ["overig"] * 3
        assert "Ria" not in str(exported["ballots"]) + str(exported["participants"])
