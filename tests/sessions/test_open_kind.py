"""The open question (round kind ``open``): its config and ballot rules, the wall and the cloud,
moderation (hide, show, merge), the results table and the pseudonymous export."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sqlmodel import Session, col, select

from app import privacy
from app.errors import InvalidInput, NotFound, Rejected
from app.i18n.errors import error_text
from app.sessions import flows, results, results_table
from app.sessions.models import Denksessie, ModerationLog, Participant, SessionRound
from app.trajects import export
from tests.sessions.factories import (
    cast,
    make_denksessie,
    make_open_round,
    make_participant,
    make_round,
    round_id,
)
from tests.trajects.factories import make_traject, naming_session

SECRET = "test-secret-key-for-open-answers"


@pytest.fixture
def denksessie(db: Session, demo_org_id: int) -> Denksessie:
    return make_denksessie(db, organisation_id=demo_org_id)


def _refusal(call: Any) -> tuple[str, str | None, dict[str, object]]:
    with pytest.raises(Rejected) as refused:
        call()
    return refused.value.code, refused.value.reason, dict(refused.value.params or {})


def _answer(
    db: Session, denksessie: Denksessie, session_round: SessionRound, *answers: str, **kw: Any
) -> Participant:
    participant = kw.get("participant") or make_participant(db, denksessie, role=kw.get("role"))
    cast(db, denksessie, participant, session_round, {"answers": list(answers)})
    return participant


def _room(db: Session, denksessie: Denksessie, session_round: SessionRound) -> dict[str, Any]:
    return results.aggregate(db, denksessie, session_round, role="screen")


def _console(db: Session, denksessie: Denksessie, session_round: SessionRound) -> dict[str, Any]:
    return results.aggregate(db, denksessie, session_round, role="facilitator")


def _moderate(
    db: Session,
    denksessie: Denksessie,
    session_round: SessionRound,
    action: str,
    keys: list[str],
    into: str | None = None,
) -> None:
    flows.moderate_answers(
        db,
        denksessie=denksessie,
        round_id=round_id(session_round),
        change=action,
        keys=keys,
        into=into,
    )


class TestConfig:
    def test_the_question_is_the_default_title_and_limits_have_defaults(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        session_round = make_round(db, denksessie, "open", question="  Wat   heb je nodig? ")
        assert session_round.title == "Wat heb je nodig?"
        assert session_round.config["max_answers"] == 1
        assert session_round.config["max_length"] == 120
        assert session_round.config["show"] == "both"

    @pytest.mark.parametrize(
        ("config", "where"),
        [
            ({"question": ""}, "config.question"),
            ({"question": "   "}, "config.question"),
            ({"question": "x" * 301}, "config.question"),
            ({"question": "Vraag?", "max_answers": 4}, "config.max_answers"),
            ({"question": "Vraag?", "max_answers": 0}, "config.max_answers"),
            ({"question": "Vraag?", "max_length": 281}, "config.max_length"),
            ({"question": "Vraag?", "max_length": 5}, "config.max_length"),
            ({"question": "Vraag?", "show": "slides"}, "config.show"),
            ({"question": "Vraag?", "candidates": ["a", "b"]}, "config.candidates"),
        ],
    )
    def test_a_bad_config_is_refused_where_it_is_wrong(
        self, db: Session, denksessie: Denksessie, config: dict[str, object], where: str
    ) -> None:
        with pytest.raises(InvalidInput) as refused:
            make_round(db, denksessie, "open", **config)
        assert where in [p.loc for p in refused.value.problems]


class TestBallot:
    def test_answers_within_the_limits_are_stored(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        session_round = make_open_round(db, denksessie, "open", max_answers=2, max_length=20)
        participant = _answer(db, denksessie, session_round, "Meer tijd", "Vertrouwen")
        assert _console(db, denksessie, session_round)["n_ballots"] == 1
        again = cast(db, denksessie, participant, session_round, {"answers": ["Rust"]})
        assert again.revision == 2
        assert [e["text"] for e in _room(db, denksessie, session_round)["entries"]] == ["Rust"]

    @pytest.mark.parametrize(
        ("payload", "code", "reason", "params"),
        [
            ({"answers": ["een", "twee", "drie"]}, "TOO_MANY_VALUES", "ANSWERS", {"max": 2}),
            ({"answers": ["x" * 21]}, "ANSWER_TOO_LONG", None, {"max": 20}),
            ({"answers": ["   "]}, "ANSWER_EMPTY", None, {}),
            ({"answers": []}, "BALLOT_INVALID", "FIELDS", {"fields": "answers"}),
            ({"answers": ["x" * 281]}, "BALLOT_INVALID", "FIELDS", {"fields": "answers.0"}),
            ({"answers": "tijd"}, "BALLOT_INVALID", "FIELDS", {"fields": "answers"}),
            ({"answers": ["a\x00b"]}, "TEXT_INVALID", None, {}),
            ({"answers": ["\ud800"]}, "TEXT_INVALID", None, {}),
            ({"answer": ["tijd"]}, "BALLOT_INVALID", "FIELDS", {"fields": "answers, answer"}),
        ],
    )
    def test_a_bad_ballot_is_refused_with_a_code(
        self,
        db: Session,
        denksessie: Denksessie,
        payload: dict[str, object],
        code: str,
        reason: str | None,
        params: dict[str, object],
    ) -> None:
        session_round = make_open_round(db, denksessie, "open", max_answers=2, max_length=20)
        participant = make_participant(db, denksessie)
        refused = _refusal(lambda: cast(db, denksessie, participant, session_round, payload))
        assert refused == (code, reason, params)
        assert _console(db, denksessie, session_round)["n_ballots"] == 0

    def test_every_refusal_has_dutch_words(self) -> None:
        for code, reason, params in [
            ("TOO_MANY_VALUES", "ANSWERS", {"max": 2}),
            ("ANSWER_TOO_LONG", None, {"max": 20}),
            ("ANSWER_EMPTY", None, {}),
        ]:
            text = error_text(code, reason=reason, params=params, language="nl")
            assert text
            assert code not in text
        assert (
            error_text("TOO_MANY_VALUES", reason="ANSWERS", params={"max": 2}, language="nl")
            == "Geef hoogstens 2 antwoorden."
        )


class TestAggregate:
    def test_the_same_words_are_one_entry_with_a_count_and_feed_the_cloud(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        session_round = make_open_round(db, denksessie, "open", max_answers=2)
        _answer(db, denksessie, session_round, "Meer tijd")
        _answer(db, denksessie, session_round, "meer  tijd!", "Een luisterend oor")
        _answer(db, denksessie, session_round, "Tijd en rust")
        room = _room(db, denksessie, session_round)
        assert room["n_ballots"] == 3
        assert room["n_answers"] == 4
        assert [(e["text"], e["count"]) for e in room["entries"]] == [
            ("Meer tijd", 2),
            ("Een luisterend oor", 1),
            ("Tijd en rust", 1),
        ]
        assert room["words"][0] == {"word": "tijd", "count": 3}
        assert {w["word"] for w in room["words"]} == {"tijd", "luisterend", "oor", "rust"}
        assert "hidden" not in room["entries"][0]

    def test_a_removed_participants_answers_drop_out(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        session_round = make_open_round(db, denksessie, "open")
        prankster = _answer(db, denksessie, session_round, "Onzin")
        _answer(db, denksessie, session_round, "Rust")
        flows.remove_participant(db, denksessie=denksessie, participant_id=prankster.id)
        assert [e["text"] for e in _room(db, denksessie, session_round)["entries"]] == ["Rust"]


class TestModeration:
    def test_a_hidden_answer_leaves_the_room_but_not_the_console(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        session_round = make_open_round(db, denksessie, "open")
        _answer(db, denksessie, session_round, "Scheldwoord hier")
        _answer(db, denksessie, session_round, "scheldwoord HIER!")
        _answer(db, denksessie, session_round, "Meer tijd")
        _moderate(db, denksessie, session_round, "hide", ["scheldwoord hier"])
        room = _room(db, denksessie, session_round)
        assert [e["text"] for e in room["entries"]] == ["Meer tijd"]
        assert "scheldwoord" not in {w["word"] for w in room["words"]}
        console = _console(db, denksessie, session_round)
        assert [(e["key"], e["hidden"]) for e in console["entries"]] == [
            ("scheldwoord hier", True),
            ("meer tijd", False),
        ]
        _moderate(db, denksessie, session_round, "show", ["scheldwoord hier"])
        assert len(_room(db, denksessie, session_round)["entries"]) == 2

    def test_a_hidden_answer_stays_hidden_when_written_again(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        session_round = make_open_round(db, denksessie, "open")
        _answer(db, denksessie, session_round, "Onzin")
        _moderate(db, denksessie, session_round, "hide", ["onzin"])
        _answer(db, denksessie, session_round, "ONZIN!!")
        assert _room(db, denksessie, session_round)["entries"] == []

    def test_merged_answers_show_once_with_their_count(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        session_round = make_open_round(db, denksessie, "open")
        for text in ("Meer tijd", "Meer tijd nodig", "tijd", "Rust"):
            _answer(db, denksessie, session_round, text)
        _moderate(db, denksessie, session_round, "merge", ["meer tijd nodig", "tijd"], "meer tijd")
        room = _room(db, denksessie, session_round)
        assert [(e["text"], e["count"]) for e in room["entries"]] == [("Meer tijd", 3), ("Rust", 1)]
        assert "merged" not in room["entries"][0]
        console = _console(db, denksessie, session_round)
        assert [m["text"] for m in console["entries"][0]["merged"]] == ["Meer tijd nodig", "tijd"]
        # Merging the group into another answer takes the whole group along (kept flat).
        _moderate(db, denksessie, session_round, "merge", ["meer tijd"], "rust")
        assert [
            (e["text"], e["count"]) for e in _room(db, denksessie, session_round)["entries"]
        ] == [("Rust", 4)]
        _moderate(db, denksessie, session_round, "unmerge", ["meer tijd", "tijd"])
        assert sorted(
            (e["text"], e["count"]) for e in _room(db, denksessie, session_round)["entries"]
        ) == [("Meer tijd", 1), ("Rust", 2), ("tijd", 1)]

    def test_hiding_a_merged_entry_hides_the_group(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        session_round = make_open_round(db, denksessie, "open")
        _answer(db, denksessie, session_round, "Onzin")
        _answer(db, denksessie, session_round, "Gekkigheid")
        _answer(db, denksessie, session_round, "Rust")
        _moderate(db, denksessie, session_round, "merge", ["onzin", "gekkigheid"])
        _moderate(db, denksessie, session_round, "hide", ["onzin"])
        assert [e["text"] for e in _room(db, denksessie, session_round)["entries"]] == ["Rust"]

    def test_moderation_is_logged_and_announced_without_the_words(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        session_round = make_open_round(db, denksessie, "open")
        _answer(db, denksessie, session_round, "Geheim woord")
        event = flows.moderate_answers(
            db,
            denksessie=denksessie,
            round_id=round_id(session_round),
            change="hide",
            keys=["geheim woord"],
        )
        assert event.type == "answers_moderated"
        assert event.seq > 0
        assert "geheim" not in repr(event.payload)
        log = db.exec(
            select(ModerationLog.action, ModerationLog.target)
            .where(ModerationLog.denksessie_id == denksessie.id)
            .order_by(col(ModerationLog.id))
        ).all()
        assert log[-1] == ("hide_answer", f"{round_id(session_round)}:1")

    def test_the_facilitator_switches_what_the_projector_shows(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        session_round = make_open_round(db, denksessie, "open")
        event = flows.show_answers_as(
            db, denksessie=denksessie, round_id=round_id(session_round), show="wall"
        )
        db.expire_all()
        stored = db.get(SessionRound, round_id(session_round))
        assert stored is not None
        assert stored.config["show"] == "wall"
        assert stored.config["question"] == "Wat heb je nodig om goed te beslissen?"
        assert (event.type, event.payload["show"]) == ("answers_display_set", "wall")
        ranking = make_round(db, denksessie, "ranking")
        with pytest.raises(NotFound):
            flows.show_answers_as(
                db, denksessie=denksessie, round_id=round_id(ranking), show="wall"
            )

    def test_unknown_answers_and_other_rounds_are_not_found(
        self, db: Session, denksessie: Denksessie, demo_org_id: int
    ) -> None:
        session_round = make_open_round(db, denksessie, "open")
        _answer(db, denksessie, session_round, "Rust")
        with pytest.raises(NotFound):
            _moderate(db, denksessie, session_round, "hide", ["nooit gezegd"])
        ranking = make_round(db, denksessie, "ranking")
        with pytest.raises(NotFound):
            _moderate(db, denksessie, ranking, "hide", ["rust"])
        elsewhere = make_denksessie(db, organisation_id=demo_org_id, title="Andere")
        with pytest.raises(NotFound):
            _moderate(db, elsewhere, session_round, "hide", ["rust"])
        with pytest.raises(Rejected) as refused:
            _moderate(db, denksessie, session_round, "merge", ["rust"], "rust")
        assert refused.value.code == "MERGE_NEEDS_TWO"


class TestDownloads:
    def test_the_results_table_has_one_row_per_shown_entry(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        session_round = make_open_round(db, denksessie, "open")
        for text in ("Meer tijd", "meer tijd", "Tijd", "Onzin", "Gekkigheid"):
            _answer(db, denksessie, session_round, text)
        _moderate(db, denksessie, session_round, "merge", ["tijd", "gekkigheid"], "meer tijd")
        _moderate(db, denksessie, session_round, "hide", ["onzin", "gekkigheid"])
        rows = [r for r in results_table.table(db, denksessie) if r["kind"] == "open"]
        assert [(r["place"], r["item"], r["score"], r["detail"]) for r in rows] == [
            (1, "Meer tijd", 3, "Tijd")
        ]

    def test_the_export_has_each_answer_with_pseudonym_and_folded_role_never_a_name(
        self, db: Session, demo_org_id: int
    ) -> None:
        denksessie = make_denksessie(db, organisation_id=demo_org_id, roles=["gemeente", "inwoner"])
        session_round = make_open_round(db, denksessie, "open", max_answers=2)
        for _ in range(3):
            _answer(db, denksessie, session_round, "Meer tijd", role="gemeente")
        for _ in range(2):
            _answer(db, denksessie, session_round, "Rust")
        named = make_participant(db, denksessie, role="inwoner", display_name="Fatima")
        _answer(db, denksessie, session_round, "Onzin", "Tijd", participant=named)
        _moderate(db, denksessie, session_round, "hide", ["onzin"])
        _moderate(db, denksessie, session_round, "merge", ["tijd"], "meer tijd")
        exported = privacy.export(db, denksessie, secret_key=SECRET)
        rows = exported["open_answers"]
        assert len(rows) == 7
        assert "Fatima" not in repr(exported)
        assert named.id not in repr(rows)
        theirs = [r for r in rows if r["text"] in ("Onzin", "Tijd")]
        # The only inwoner is folded into "overig" (the privacy floor); three gemeente stay.
        assert {r["role"] for r in theirs} == {"overig"}
        assert {r["role"] for r in rows if r["text"] == "Meer tijd"} == {"gemeente"}
        assert [(r["text"], r["hidden"], r["shown_as"]) for r in theirs] == [
            ("Onzin", True, None),
            ("Tijd", False, "meer tijd"),
        ]
        assert all(str(r["participant"]).startswith("p-") for r in rows)

    def test_a_trajects_ballots_csv_has_the_answers_in_their_own_column(
        self, db: Session, demo_org_id: int
    ) -> None:
        traject = make_traject(db, organisation_id=demo_org_id)
        denksessie, _ = naming_session(db, traject, [["privacy"]], organisation_id=demo_org_id)
        session_round = make_open_round(db, denksessie, "open", max_answers=2)
        _answer(db, denksessie, session_round, "=1+1", "Meer  tijd")
        rows = list(csv.DictReader(io.StringIO(export.ballots_csv(db, traject, secret_key=SECRET))))
        assert [row["answers"] for row in rows if row["kind"] == "open"] == ["'=1+1 | Meer tijd"]
        assert [row["answers"] for row in rows if row["kind"] == "casus"] == [""]

    def test_a_purged_denksessie_keeps_the_result_and_still_hides_what_was_hidden(
        self, db: Session, denksessie: Denksessie
    ) -> None:
        session_round = make_open_round(db, denksessie, "open")
        _answer(db, denksessie, session_round, "Onzin")
        _answer(db, denksessie, session_round, "Rust")
        _moderate(db, denksessie, session_round, "hide", ["onzin"])
        flows.end_denksessie(db, denksessie=denksessie)
        privacy.purge(db, denksessie)
        assert [e["text"] for e in _room(db, denksessie, session_round)["entries"]] == ["Rust"]
        assert len(_console(db, denksessie, session_round)["entries"]) == 2
