"""Casting a batch of ballots: the same outcome and the same rows as casting them one by one.

The batch path (set-based Core statements) is what the realtime writer uses; the one-by-one
ORM path is its fallback after a race. Both run here on one scripted mix of ballots (first
casts, revisions, resends across and within the batch, principles and rewordings, and every
kind of refusal), on PostgreSQL and on SQLite, and must agree ballot for ballot and row for row.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy import select as select_columns
from sqlmodel import Session, select

from app import migrate
from app.catalogue import service as catalogues
from app.catalogue.schemas import ValueCreate
from app.content import load_builtin_content
from app.db import build_engine, transaction
from app.errors import DomainError
from app.organisations import service as organisations
from app.sessions import service as sessions
from app.sessions.ballot_batch import (
    BallotRequest,
    Outcome,
    cast_ballots,
    cast_batch,
    cast_one,
)
from app.sessions.models import Ballot, BallotSubmission, Denksessie, Participant, Principle
from tests.conftest import settings_for
from tests.sessions.factories import (
    CANDIDATES,
    cast,
    close,
    make_denksessie,
    make_open_round,
    make_participant,
    round_id,
)

TABLES = {
    "ballot": Ballot.__table__,  # type: ignore[attr-defined]
    "submission": BallotSubmission.__table__,  # type: ignore[attr-defined]
    "principle": Principle.__table__,  # type: ignore[attr-defined]
}
COLUMNS = {
    "ballot": ("round_id", "participant_id", "payload", "client_msg_id", "revision"),
    "submission": ("participant_id", "client_msg_id", "round_id", "revision"),
    "principle": ("round_id", "participant_id", "value_key", "text", "rewords_id", "hidden"),
}


@dataclass(frozen=True)
class Script:
    requests: list[BallotRequest]
    hidden_text: str  # a principle hidden by moderation that a revision keeps


def _ids(denksessie: Denksessie, participant: Participant) -> tuple[int, str]:
    assert denksessie.id is not None
    return denksessie.id, participant.id


def _script(db: Session, organisation_id: int) -> Script:
    """Four denksessies, each with one open round of another kind, and a mix of ballots."""
    casus_room = make_denksessie(db, organisation_id=organisation_id)
    casus = make_open_round(db, casus_room, "casus", max_values=3)
    vote_room = make_denksessie(db, organisation_id=organisation_id)
    approval = make_open_round(db, vote_room, "approval")
    rank_room = make_denksessie(db, organisation_id=organisation_id)
    ranking = make_open_round(db, rank_room, "ranking")
    principle_room = make_denksessie(db, organisation_id=organisation_id)
    written = make_open_round(db, principle_room, "casus")
    author = make_participant(db, principle_room)
    cast(
        db,
        principle_room,
        author,
        written,
        {
            "decision": "toekennen",
            "values": [CANDIDATES[0]],
            "principles": {CANDIDATES[0]: "Ik vraag door."},
        },
    )
    close(db, principle_room, written)
    principle_round = make_open_round(db, principle_room, "principle", value_key=CANDIDATES[0])
    shown = db.exec(select(Principle).where(Principle.round_id == written.id)).one().id
    assert shown is not None

    ann, bob, cas = (make_participant(db, casus_room) for _ in range(3))
    removed = make_participant(db, casus_room)
    removed.removed = True
    db.add(removed)
    voter, voter2 = make_participant(db, vote_room), make_participant(db, vote_room)
    ranker = make_participant(db, rank_room)
    rewriter = make_participant(db, principle_room)

    # Bob cast before the batch: one principle of his is hidden, and one message id is resent.
    hidden_text = "Ik luister eerst."
    cast(
        db,
        casus_room,
        bob,
        casus,
        {"decision": "twijfel", "values": ["privacy"], "principles": {"privacy": hidden_text}},
        client_msg_id="bob-1",
    )
    db.flush()
    hidden = db.exec(select(Principle).where(Principle.participant_id == bob.id)).one()
    hidden.hidden = True
    db.add(hidden)
    db.flush()

    def req(
        room: Denksessie, who: Participant, rnd: Any, kind: str, payload: Any, msg: str
    ) -> BallotRequest:
        denksessie_id, participant_id = _ids(room, who)
        number = rnd if isinstance(rnd, int) else round_id(rnd)
        return BallotRequest(denksessie_id, participant_id, number, kind, payload, msg)

    def casus_ballot(values: list[str], principles: dict[str, str]) -> dict[str, Any]:
        return {"decision": "toekennen", "values": values, "principles": principles}

    requests = [
        req(
            casus_room,
            ann,
            casus,
            "casus",
            casus_ballot(["privacy"], {"privacy": "Ik deel weinig."}),
            "ann-1",
        ),
        req(vote_room, voter, approval, "approval", {"approve": ["privacy"]}, "voter-1"),
        # A resend of a message cast before the batch, with another payload: still a duplicate.
        req(casus_room, bob, casus, "casus", casus_ballot(["eenvoud"], {}), "bob-1"),
        # A revision keeping the hidden text (it stays hidden) and adding one.
        req(
            casus_room,
            bob,
            casus,
            "casus",
            casus_ballot(
                ["privacy", "eenvoud"],
                {"privacy": f"  {hidden_text} ", "eenvoud": "Ik maak het kort."},
            ),
            "bob-2",
        ),
        req(
            casus_room,
            ann,
            casus,
            "casus",
            casus_ballot(["privacy", "compassie"], {"compassie": "Ik kijk naar de mens."}),
            "ann-2",
        ),
        req(
            casus_room, ann, casus, "casus", casus_ballot(["privacy"], {}), "ann-2"
        ),  # resent in the batch
        req(
            casus_room,
            ann,
            casus,
            "casus",
            casus_ballot(["compassie"], {"compassie": "Ik kijk naar de mens."}),
            "ann-3",
        ),
        req(casus_room, cas, casus, "casus", casus_ballot(["niet-bestaand"], {}), "cas-1"),
        req(casus_room, cas, casus, "casus", casus_ballot(["privacy", "privacy"], {}), "cas-2"),
        req(
            casus_room,
            cas,
            casus,
            "casus",
            casus_ballot(["privacy"], {"privacy": "Zonder ik."}),
            "cas-3",
        ),
        req(
            casus_room,
            cas,
            casus,
            "casus",
            casus_ballot(["privacy", "eenvoud", "compassie", "zelfbeschikking"], {}),
            "cas-4",
        ),
        req(casus_room, cas, casus, "ranking", {"ranking": ["privacy"]}, "cas-5"),
        req(
            casus_room, cas, approval, "approval", {"approve": ["privacy"]}, "cas-6"
        ),  # not this room's
        req(casus_room, removed, casus, "casus", casus_ballot(["privacy"], {}), "removed-1"),
        req(vote_room, ann, approval, "approval", {"approve": ["privacy"]}, "ann-elsewhere"),
        req(vote_room, voter, approval, "approval", {"approve": ["privacy", "eenvoud"]}, "voter-2"),
        req(vote_room, voter2, approval, "approval", {"approve": ["geen-kandidaat"]}, "voter2-1"),
        req(
            vote_room, voter2, approval, "approval", {"approve": ["eenvoud"]}, "voter2-1"
        ),  # refused first
        req(
            rank_room,
            ranker,
            ranking,
            "ranking",
            {"ranking": list(reversed(CANDIDATES))},
            "ranker-1",
        ),
        req(
            principle_room,
            rewriter,
            principle_round,
            "principle",
            {
                "approve": [shown],
                "rewording": {"principle_id": shown, "text": "Ik vraag  door, rustig."},
            },
            "rw-1",
        ),
        req(
            principle_room,
            rewriter,
            principle_round,
            "principle",
            {"approve": [shown + 10_000]},
            "rw-2",
        ),
        req(
            principle_room,
            rewriter,
            principle_round,
            "principle",
            {
                "approve": [shown],
                "rewording": {"principle_id": shown, "text": "Ik vraag door, rustig."},
            },
            "rw-3",
        ),
        req(casus_room, cas, 999_999, "casus", casus_ballot([], {}), "cas-7"),
        req(casus_room, cas, casus, "casus", casus_ballot(["privacy"], {}), "cas-8"),
    ]
    db.flush()
    return Script(requests, hidden_text)


def _rows(db: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every ballot, submission and principle, without ids (sequences differ between runs)."""
    return {
        name: sorted(
            (
                tuple(row)
                for row in db.execute(select_columns(*(table.c[c] for c in COLUMNS[name])))
            ),
            key=repr,
        )
        for name, table in TABLES.items()
    }


def _plain(outcome: Outcome | DomainError) -> tuple[Any, ...]:
    if isinstance(outcome, DomainError):
        return ("refused", outcome.code)
    return ("cast", outcome.round_id, outcome.client_msg_id, outcome.revision, outcome.duplicate)


def _one_by_one(db: Session, requests: list[BallotRequest]) -> list[tuple[Any, ...]]:
    """What the writer's fallback does: each ballot in its own savepoint."""
    outcomes: list[tuple[Any, ...]] = []
    for request in requests:
        try:
            with db.begin_nested():
                outcomes.append(_plain(cast_one(db, request)))
        except DomainError as exc:
            outcomes.append(_plain(exc))
    return outcomes


EXPECTED = [
    ("cast", "ann-1", 1, False),
    ("cast", "voter-1", 1, False),
    ("cast", "bob-1", 1, True),
    ("cast", "bob-2", 2, False),
    ("cast", "ann-2", 2, False),
    ("cast", "ann-2", 2, True),
    ("cast", "ann-3", 3, False),
    ("refused", "UNKNOWN_VALUE"),
    ("refused", "DUPLICATE_VALUE"),
    ("refused", "PRINCIPLE_INVALID"),
    ("refused", "TOO_MANY_VALUES"),
    ("refused", "WRONG_ROUND_KIND"),
    ("refused", "UNKNOWN_ROUND"),
    ("refused", "PARTICIPANT_REMOVED"),
    ("refused", "UNKNOWN_PARTICIPANT"),
    ("cast", "voter-2", 2, False),
    ("refused", "UNKNOWN_VALUE"),
    ("cast", "voter2-1", 1, False),
    ("cast", "ranker-1", 1, False),
    ("cast", "rw-1", 1, False),
    ("refused", "UNKNOWN_PRINCIPLE"),
    ("cast", "rw-3", 2, False),
    ("refused", "UNKNOWN_ROUND"),
    ("cast", "cas-8", 1, False),
]


def _summary(outcomes: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [o if o[0] == "refused" else (o[0], o[2], o[3], o[4]) for o in outcomes]


def _check_rows(rows: dict[str, list[tuple[Any, ...]]], script: Script) -> None:
    """What a user of the room would notice: one ballot per voter, the last one; principles as
    the last ballots wrote them; the moderated text still hidden."""
    ballots = {(r[1], r[4]) for r in rows["ballot"]}
    assert len(ballots) == len(rows["ballot"]) == 8  # ann bob cas voter voter2 ranker rw author
    principles = {(r[2], r[3], r[5]) for r in rows["principle"]}
    assert (CANDIDATES[2], "Ik kijk naar de mens.", False) in principles
    assert ("privacy", script.hidden_text, True) in principles
    assert ("eenvoud", "Ik maak het kort.", False) in principles
    assert (CANDIDATES[0], "Ik vraag door, rustig.", False) in principles
    assert ("privacy", "Ik deel weinig.", False) not in principles  # ann revised it away
    submitted = [r[1] for r in rows["submission"]]
    assert sorted(submitted) == sorted(set(submitted))


class TestOnPostgres:
    def test_batch_equals_one_by_one(self, db: Session, demo_org_id: int) -> None:
        script = _script(db, demo_org_id)
        attempt = db.begin_nested()
        batch = [_plain(o) for o in cast_ballots(db, script.requests)]
        db.flush()
        batch_rows = _rows(db)
        attempt.rollback()
        single = _one_by_one(db, script.requests)
        assert _summary(batch) == EXPECTED
        assert batch == single
        assert batch_rows == _rows(db)
        _check_rows(batch_rows, script)

    def test_an_empty_batch_writes_nothing(self, db: Session) -> None:
        before = _rows(db)
        assert cast_ballots(db, []) == []
        assert _rows(db) == before


@pytest.fixture
def sqlite_engines(tmp_path: Path) -> Iterator[tuple[Engine, Engine, Script]]:
    """Two SQLite databases holding the same script: one for each way of casting it."""
    first, second = tmp_path / "batch.sqlite3", tmp_path / "single.sqlite3"
    settings = settings_for(f"sqlite:///{first}")
    migrate.upgrade(settings)
    engine = build_engine(settings)
    with transaction(engine) as db:
        load_builtin_content(db)
        organisation_id = organisations.ensure_demo(db).id
        assert organisation_id is not None
        script = _script(db, organisation_id)
    engine.dispose()
    shutil.copy(first, second)
    engines = (build_engine(settings), build_engine(settings_for(f"sqlite:///{second}")))
    yield engines[0], engines[1], script
    for each in engines:
        each.dispose()


class TestOnSqlite:
    def test_batch_equals_one_by_one(self, sqlite_engines: tuple[Engine, Engine, Script]) -> None:
        batch_engine, single_engine, script = sqlite_engines
        with transaction(batch_engine) as db:
            batch = [_plain(o) for o in cast_ballots(db, script.requests)]
        with transaction(single_engine) as db:
            single = _one_by_one(db, script.requests)
        with Session(batch_engine) as db, Session(single_engine) as other:
            batch_rows, single_rows = _rows(db), _rows(other)
        assert _summary(batch) == EXPECTED
        assert batch == single
        assert batch_rows == single_rows
        _check_rows(batch_rows, script)


def _stored_rows(db: Session) -> dict[tuple[int, str], tuple[Any, ...]]:
    ballot, participant = Ballot.__table__, Participant.__table__  # type: ignore[attr-defined]
    rows = db.execute(
        select_columns(
            ballot.c.round_id,
            ballot.c.participant_id,
            ballot.c.revision,
            ballot.c.payload,
            participant.c.role,
            ballot.c.client_msg_id,
        ).join_from(ballot, participant, participant.c.id == ballot.c.participant_id)
    )
    return {(r[0], r[1]): (r[2], r[3], r[4] or "overig", r[5]) for r in rows}


class TestWhatTheBatchReportsStored:
    """The running tallies of every worker count what the writer says it stored (decision
    0028), so it must be exactly what the database holds, for first casts, revisions and
    resends alike."""

    def test_stored_equals_the_database(self, db: Session, demo_org_id: int) -> None:
        script = _script(db, demo_org_id)
        outcomes, stored = cast_batch(db, script.requests)
        db.flush()
        in_database = _stored_rows(db)
        accepted = {
            (request.round_id, request.participant_id)
            for request, outcome in zip(script.requests, outcomes, strict=True)
            if not isinstance(outcome, DomainError)
        }
        reported = {
            (s.round_id, s.participant_id): (s.revision, s.payload, s.role, s.client_msg_id)
            for s in stored
        }
        assert len(reported) == len(stored)  # one per round and participant
        assert set(reported) == accepted
        assert reported == {pair: in_database[pair] for pair in accepted}


class TestCatalogueEditedWhileVoting:
    """The value keys a ballot is checked against are kept between batches; an edit of the
    catalogue must still count from the next batch on."""

    def test_a_value_added_mid_round_is_accepted(self, db: Session, demo_org_id: int) -> None:
        room = make_denksessie(db, organisation_id=demo_org_id)
        casus = make_open_round(db, room, "casus", max_values=3)
        voter = make_participant(db, room)
        denksessie_id, participant_id = _ids(room, voter)

        def ballot(value: str, msg_id: str) -> Outcome | DomainError:
            payload = {"decision": "toekennen", "values": [value], "principles": {}}
            request = BallotRequest(
                denksessie_id, participant_id, round_id(casus), "casus", payload, msg_id
            )
            [outcome] = cast_ballots(db, [request])
            return outcome

        before = ballot("bereikbaarheid", "before")
        assert isinstance(before, DomainError)
        assert before.code == "UNKNOWN_VALUE"
        catalogue = sessions.catalogue_of(db, room)
        cluster = catalogues.to_document(db, catalogue).clusters[0].key
        catalogues.add_value(
            db,
            catalogue=catalogue,
            data=ValueCreate(key="bereikbaarheid", name="Bereikbaarheid", cluster=cluster),
        )
        after = ballot("bereikbaarheid", "after")
        assert not isinstance(after, DomainError)
        assert after.revision == 1
