"""Reasons ("Waarom?") in a casus round: what a ballot may carry, the room's view per side with
the values named on both sides, moderation, the exports, and quotes picked for the card."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app import privacy
from app.aggregation.reasons import reason_id
from app.cards.schemas import Verantwoording
from app.errors import NotFound, Rejected
from app.sessions import flows, results, results_table
from app.sessions.models import Ballot, Denksessie, HiddenReason, SessionRound
from app.trajects import export
from app.trajects import flows as traject_flows
from app.trajects import service as trajects
from app.trajects.schemas import CardCreate, CurationChoice, RankingRoundCreate
from tests.sessions.factories import (
    cast,
    close,
    count,
    make_denksessie,
    make_open_round,
    make_participant,
    round_id,
)
from tests.trajects.factories import attach, make_traject, prioritising_session, rank

GRANT = "Ze wil niet dat de buren het weten."
REFUSE = "Zonder gegevens kunnen we niet helpen."


def _ballot(decision: str, reasons: dict[str, str], values: list[str] | None = None) -> Any:
    return {"decision": decision, "values": values or list(reasons), "reasons": reasons}


def _room(db: Session, organisation_id: int, **config: object) -> tuple[Denksessie, SessionRound]:
    denksessie = make_denksessie(db, organisation_id=organisation_id)
    return denksessie, make_open_round(db, denksessie, "casus", **config)


def _refused(db: Session, denksessie: Denksessie, casus: SessionRound, payload: Any) -> str:
    before = count(db, Ballot)
    with pytest.raises(Rejected) as refused:
        cast(db, denksessie, make_participant(db, denksessie), casus, payload)
    assert count(db, Ballot) == before
    return refused.value.code


def _seen(db: Session, denksessie: Denksessie, casus: SessionRound, role: Any) -> dict[str, Any]:
    return results.aggregate(db, denksessie, casus, role=role)


def _texts(result: dict[str, Any], value: str, side: str) -> list[str]:
    entry = next(e for e in result["reasons"] if e["value"] == value)
    return [r["text"] for r in entry["sides"][side]["reasons"]]


class TestTheBallot:
    def test_a_reason_per_chosen_value_is_stored_with_spaces_folded(
        self, db: Session, demo_org_id: int
    ) -> None:
        denksessie, casus = _room(db, demo_org_id)
        reasons = {"privacy": "  Ze wil   niet\ndat de buren het weten. ", "eenvoud": "   "}
        cast(db, denksessie, make_participant(db, denksessie), casus, _ballot("toekennen", reasons))
        [stored] = db.exec(select(Ballot).where(Ballot.round_id == casus.id)).all()
        assert stored.payload["reasons"] == {"privacy": GRANT}

    def test_a_ballot_without_reasons_stays_valid(self, db: Session, demo_org_id: int) -> None:
        denksessie, casus = _room(db, demo_org_id)
        payload = {"decision": "twijfel", "values": ["privacy"]}
        assert cast(db, denksessie, make_participant(db, denksessie), casus, payload).revision == 1
        assert _seen(db, denksessie, casus, "screen")["reasons"] == []

    @pytest.mark.parametrize(
        ("payload", "code"),
        [
            pytest.param(
                _ballot("toekennen", {"privacy": "x" * 281}), "REASON_TOO_LONG", id="too-long"
            ),
            pytest.param(
                _ballot("toekennen", {"privacy": "Ze wil\x00 niet."}), "TEXT_INVALID", id="nul"
            ),
            pytest.param(
                _ballot("toekennen", {"privacy": "Half \ud800 teken."}),
                "TEXT_INVALID",
                id="lone-surrogate",
            ),
            pytest.param(
                _ballot("toekennen", {"privacy": GRANT}, values=["eenvoud"]),
                "REASON_WITHOUT_VALUE",
                id="value-not-chosen",
            ),
        ],
    )
    def test_refused_with_a_code_and_nothing_written(
        self, db: Session, demo_org_id: int, payload: Any, code: str
    ) -> None:
        denksessie, casus = _room(db, demo_org_id)
        assert _refused(db, denksessie, casus, payload) == code

    def test_280_characters_fit(self, db: Session, demo_org_id: int) -> None:
        denksessie, casus = _room(db, demo_org_id)
        payload = _ballot("toekennen", {"privacy": "x" * 280})
        assert cast(db, denksessie, make_participant(db, denksessie), casus, payload).revision == 1

    def test_a_round_with_reasons_switched_off_refuses_them(
        self, db: Session, demo_org_id: int
    ) -> None:
        denksessie, casus = _room(db, demo_org_id, reasons=False)
        assert _refused(db, denksessie, casus, _ballot("toekennen", {"privacy": GRANT})) == (
            "REASONS_OFF"
        )
        plain = {"decision": "toekennen", "values": ["privacy"]}
        assert cast(db, denksessie, make_participant(db, denksessie), casus, plain).revision == 1


BALLOTS_CSV = {"decision": "toekennen", "values": ["privacy"], "reasons": {"privacy": GRANT}}


def _contested(db: Session, organisation_id: int) -> tuple[Denksessie, SessionRound]:
    """Privacy named by two toekenners (one text twice) and a niet-toekenner; eenvoud by one
    toekenner only."""
    denksessie, casus = _room(db, organisation_id)
    for decision, reasons in [
        ("toekennen", {"privacy": GRANT}),
        ("toekennen", {"privacy": GRANT, "eenvoud": "Het formulier is te lang."}),
        ("niet_toekennen", {"privacy": REFUSE}),
    ]:
        cast(db, denksessie, make_participant(db, denksessie), casus, _ballot(decision, reasons))
    return denksessie, casus


class TestTheRoom:
    def test_reasons_side_by_side_and_privacy_on_both_sides(
        self, db: Session, demo_org_id: int
    ) -> None:
        denksessie, casus = _contested(db, demo_org_id)
        seen = _seen(db, denksessie, casus, "screen")
        assert seen["both_sides"] == ["privacy"]
        assert _texts(seen, "privacy", "toekennen") == [GRANT]
        assert _texts(seen, "privacy", "niet_toekennen") == [REFUSE]
        privacy_entry = next(e for e in seen["reasons"] if e["value"] == "privacy")
        assert privacy_entry["sides"]["toekennen"]["reasons"][0]["count"] == 2
        assert "quotes" not in seen

    def test_a_hidden_reason_never_reaches_screen_or_phones_and_comes_back(
        self, db: Session, demo_org_id: int
    ) -> None:
        denksessie, casus = _contested(db, demo_org_id)
        rid = reason_id("privacy", REFUSE)
        event = flows.set_reason_hidden(
            db, denksessie=denksessie, round_id=round_id(casus), reason_id=rid, hidden=True
        )
        assert (event.type, event.payload["hidden"]) == ("reason_moderated", True)
        for role in ("screen", "participant"):
            assert _texts(_seen(db, denksessie, casus, role), "privacy", "niet_toekennen") == []
        facilitator = _seen(db, denksessie, casus, "facilitator")
        entry = next(e for e in facilitator["reasons"] if e["value"] == "privacy")
        assert entry["sides"]["niet_toekennen"]["reasons"][0]["hidden"] is True
        flows.set_reason_hidden(
            db, denksessie=denksessie, round_id=round_id(casus), reason_id=rid, hidden=False
        )
        assert _texts(_seen(db, denksessie, casus, "screen"), "privacy", "niet_toekennen") == [
            REFUSE
        ]
        assert count(db, HiddenReason) == 0

    def test_hiding_a_reason_nobody_wrote_is_not_found(self, db: Session, demo_org_id: int) -> None:
        denksessie, casus = _contested(db, demo_org_id)
        with pytest.raises(NotFound):
            flows.set_reason_hidden(
                db,
                denksessie=denksessie,
                round_id=round_id(casus),
                reason_id=reason_id("privacy", "Nooit geschreven."),
                hidden=True,
            )

    def test_a_kept_snapshot_shows_the_room_no_hidden_reason(
        self, db: Session, demo_org_id: int
    ) -> None:
        """After the raw data is deleted the facilitator's aggregate is kept; the room still
        never sees what was hidden."""
        denksessie, casus = _contested(db, demo_org_id)
        flows.set_reason_hidden(
            db,
            denksessie=denksessie,
            round_id=round_id(casus),
            reason_id=reason_id("privacy", REFUSE),
            hidden=True,
        )
        casus.result_snapshot = _seen(db, denksessie, casus, "facilitator")
        db.add(casus)
        db.flush()
        assert _texts(_seen(db, denksessie, casus, "screen"), "privacy", "niet_toekennen") == []
        assert (
            len(_texts(_seen(db, denksessie, casus, "facilitator"), "privacy", "niet_toekennen"))
            == 1
        )


class TestExports:
    def test_the_export_has_each_reason_with_pseudonym_folded_role_value_side_and_text(
        self, db: Session, demo_org_id: int
    ) -> None:
        denksessie = make_denksessie(
            db, organisation_id=demo_org_id, roles=["welzijn", "gemeente", "inwoner"]
        )
        casus = make_open_round(db, denksessie, "casus")
        people = [
            make_participant(db, denksessie, role=role, display_name=f"Naam{i}")
            for i, role in enumerate(["welzijn"] * 3 + ["gemeente", "inwoner", "inwoner"])
        ]
        for person in people[:3]:
            cast(db, denksessie, person, casus, _ballot("toekennen", {"privacy": GRANT}))
        for person in people[3:]:
            cast(db, denksessie, person, casus, _ballot("niet_toekennen", {"privacy": REFUSE}))
        document = privacy.export(db, denksessie, secret_key="s" * 32)
        rows = document["reasons"]
        assert {(r["role"], r["value"], r["side"], r["text"]) for r in rows} == {
            ("welzijn", "privacy", "toekennen", GRANT),
            ("overig", "privacy", "niet_toekennen", REFUSE),  # groups under 3: folded
        }
        assert len(rows) == 6
        assert all(str(r["participant"]).startswith("p-") for r in rows)
        assert "Naam0" not in str(document)
        assert "gemeente" not in str(rows)

    def test_the_traject_ballots_csv_has_a_reasons_column(
        self, db: Session, demo_org_id: int
    ) -> None:
        traject = make_traject(db, organisation_id=demo_org_id)
        denksessie, casus = _room(db, demo_org_id)
        attach(db, traject, denksessie, "naming", organisation_id=demo_org_id)
        cast(db, denksessie, make_participant(db, denksessie), casus, BALLOTS_CSV)
        [row] = csv.DictReader(io.StringIO(export.ballots_csv(db, traject, secret_key="s" * 32)))
        assert row["reasons"] == f"privacy: {GRANT}"
        assert row["participant"].startswith("p-")

    def test_the_results_table_lists_shown_reasons_without_anyone(
        self, db: Session, demo_org_id: int
    ) -> None:
        denksessie, casus = _contested(db, demo_org_id)
        flows.set_reason_hidden(
            db,
            denksessie=denksessie,
            round_id=round_id(casus),
            reason_id=reason_id("privacy", REFUSE),
            hidden=True,
        )
        details = [row["detail"] for row in results_table.table(db, denksessie)]
        assert f"toekennen: {GRANT}" in details
        assert f"niet_toekennen: {REFUSE}" not in details


class TestQuotes:
    def test_a_reason_and_a_principle_become_quotes_once_each(
        self, db: Session, demo_org_id: int
    ) -> None:
        denksessie, casus = _contested(db, demo_org_id)
        principle = {
            "decision": "toekennen",
            "values": ["privacy"],
            "principles": {"privacy": "Ik deel alleen wat nodig is."},
        }
        cast(db, denksessie, make_participant(db, denksessie), casus, principle)
        rid = reason_id("privacy", REFUSE)
        for _ in range(2):
            flows.pick_quote(
                db,
                denksessie=denksessie,
                round_id=round_id(casus),
                reason_id=rid,
                side="niet_toekennen",
            )
        [written] = _seen(db, denksessie, casus, "facilitator")["principles"]["privacy"]
        flows.pick_quote(
            db, denksessie=denksessie, round_id=round_id(casus), principle_id=written["id"]
        )
        quotes = _seen(db, denksessie, casus, "facilitator")["quotes"]
        assert [(q["source"], q["side"], q["text"]) for q in quotes] == [
            ("reason", "niet_toekennen", REFUSE),
            ("principle", None, "Ik deel alleen wat nodig is."),
        ]
        flows.drop_quote(db, denksessie=denksessie, quote_id=quotes[1]["id"])
        assert len(_seen(db, denksessie, casus, "facilitator")["quotes"]) == 1

    def test_a_reason_is_picked_from_a_side_it_was_written_on(
        self, db: Session, demo_org_id: int
    ) -> None:
        denksessie, casus = _contested(db, demo_org_id)
        rid = reason_id("privacy", REFUSE)
        with pytest.raises(NotFound):
            flows.pick_quote(
                db, denksessie=denksessie, round_id=round_id(casus), reason_id=rid, side="toekennen"
            )
        flows.pick_quote(db, denksessie=denksessie, round_id=round_id(casus), reason_id=rid)
        [quote] = _seen(db, denksessie, casus, "facilitator")["quotes"]
        assert quote["side"] == "niet_toekennen"

    def test_a_hidden_reason_cannot_be_picked(self, db: Session, demo_org_id: int) -> None:
        denksessie, casus = _contested(db, demo_org_id)
        rid = reason_id("privacy", REFUSE)
        flows.set_reason_hidden(
            db, denksessie=denksessie, round_id=round_id(casus), reason_id=rid, hidden=True
        )
        with pytest.raises(NotFound):
            flows.pick_quote(db, denksessie=denksessie, round_id=round_id(casus), reason_id=rid)

    def test_picked_quotes_reach_the_card_and_its_verantwoording_anonymously(
        self, db: Session, client: TestClient, demo_org_id: int
    ) -> None:
        selected = ["menselijkheid", "billijkheid"]
        traject = make_traject(db, organisation_id=demo_org_id, title="Wijkteam Noord", card_size=2)
        denksessie = make_denksessie(db, organisation_id=demo_org_id, title="Casussen")
        attach(db, traject, denksessie, "naming", organisation_id=demo_org_id)
        casus = make_open_round(db, denksessie, "casus", max_values=10)
        for i, decision in enumerate(["toekennen", "niet_toekennen", "toekennen"]):
            cast(
                db,
                denksessie,
                make_participant(db, denksessie, display_name=f"Schrijver{i}"),
                casus,
                {
                    "decision": decision,
                    "values": selected,
                    "principles": {v: f"Ik let op {v} {i}." for v in selected},
                    "reasons": {"menselijkheid": f"Omdat het om een mens gaat {i}."},
                },
            )
        flows.pick_quote(
            db,
            denksessie=denksessie,
            round_id=round_id(casus),
            reason_id=reason_id("menselijkheid", "Omdat het om een mens gaat 1."),
            side="niet_toekennen",
        )
        close(db, denksessie, casus)
        prioritising = prioritising_session(db, traject, organisation_id=demo_org_id)
        _, ranking = traject_flows.create_ranking_round(
            db, traject=traject, data=RankingRoundCreate(candidates=selected)
        )
        rank(db, prioritising, ranking, [selected] * 3)
        for value in selected:
            ids = [i.id for g in trajects.principle_groups(db, traject, value) for i in g.items]
            trajects.choose_principles(
                db,
                traject=traject,
                value_key=value,
                data=CurationChoice.model_validate(
                    {"headline": {"principle_id": ids[0]}, "subs": [{"principle_id": ids[1]}]}
                ),
            )
        card = traject_flows.make_card(db, traject=traject, data=CardCreate())
        db.commit()
        assert card.verantwoording is not None
        [quote] = Verantwoording.model_validate(card.verantwoording).quotes
        assert (quote.value, quote.source, quote.side, quote.text, quote.session) == (
            "menselijkheid",
            "reason",
            "niet_toekennen",
            "Omdat het om een mens gaat 1.",
            "Casussen",
        )
        html = client.get(f"/principekaarten/{card.slug}").text
        assert "Citaten uit de denksessies" in html
        assert (
            "“Omdat het om een mens gaat 1.”" in html
            or "<q>Omdat het om een mens gaat 1.</q>" in html
        )
        assert "Schrijver" not in html
