"""The ballot writer: batches under load, acks only what is stored, survives a resend race.

Runs against this package's committed PostgreSQL database (the writer commits for real).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, func, select
from sqlmodel import Session
from sqlmodel import select as select_models

from app.db import transaction
from app.errors import DomainError
from app.organisations import service as organisations
from app.realtime.writer import BallotWriter
from app.sessions import ballot_batch
from app.sessions.ballot_batch import BallotRequest, cast_one
from app.sessions.ballots import BallotCast
from app.sessions.models import Ballot, BallotSubmission
from tests.sessions.factories import make_denksessie, make_open_round, make_participant, round_id


@dataclass(frozen=True)
class Room:
    denksessie_id: int
    round_id: int
    participant_ids: list[str]

    def request(self, index: int, approve: list[str], msg_id: str) -> BallotRequest:
        return BallotRequest(
            self.denksessie_id,
            self.participant_ids[index],
            self.round_id,
            "approval",
            {"approve": approve},
            msg_id,
        )


@pytest.fixture
def room(realtime_engine: Engine) -> Room:
    with transaction(realtime_engine) as db:
        organisation_id = organisations.ensure_demo(db).id
        assert organisation_id is not None
        denksessie = make_denksessie(db, organisation_id=organisation_id)
        approval = make_open_round(db, denksessie, "approval")
        people = [make_participant(db, denksessie).id for _ in range(40)]
        assert denksessie.id is not None
        made = Room(denksessie.id, round_id(approval), people)
    return made


def _stored(engine: Engine, room: Room) -> tuple[int, int, dict[str, int]]:
    with Session(engine) as db:
        submissions = db.execute(
            select(func.count())
            .select_from(BallotSubmission)
            .where(BallotSubmission.round_id == room.round_id)  # type: ignore[arg-type]
        ).scalar_one()
        revisions = {
            ballot.participant_id: ballot.revision
            for ballot in db.exec(select_models(Ballot).where(Ballot.round_id == room.round_id))
        }
    return len(revisions), submissions, revisions


async def _submit_all(
    writer: BallotWriter, requests: list[BallotRequest]
) -> list[BallotCast | BaseException]:
    return list(await asyncio.gather(*(writer.submit(r) for r in requests), return_exceptions=True))


async def test_many_ballots_share_batches_and_every_ack_is_stored(
    realtime_engine: Engine, room: Room
) -> None:
    requests = [room.request(i, ["privacy"], f"a-{i}") for i in range(40)]
    requests += [room.request(i, ["privacy", "eenvoud"], f"b-{i}") for i in range(0, 40, 2)]
    requests.append(room.request(1, ["niet-bestaand"], "refused"))
    requests.append(room.request(3, ["privacy"], "a-3"))  # a resend
    writer = BallotWriter(realtime_engine, concurrency=2)
    writer.start()
    try:
        outcomes = await _submit_all(writer, requests)
    finally:
        await writer.stop()
    refused = outcomes[-2]
    assert isinstance(refused, DomainError)
    assert refused.code == "UNKNOWN_VALUE"
    acks = [o for o in outcomes if isinstance(o, BallotCast)]
    assert len(acks) == len(requests) - 1
    assert writer.batches < writer.ballots == len(requests)  # they did share batches
    assert [o.duplicate for o in acks].count(True) == 1
    ballots, submissions, revisions = _stored(realtime_engine, room)
    assert (ballots, submissions) == (40, 60)
    assert revisions == {
        pid: 2 if index % 2 == 0 else 1 for index, pid in enumerate(room.participant_ids)
    }


async def test_a_resend_racing_its_first_attempt_is_acked_once(
    realtime_engine: Engine, room: Room, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another worker stores the same message id after this batch looked for it and before it
    writes: the batch hits the unique constraint, rolls back, and casts one by one."""
    racing = room.request(0, ["privacy"], "raced")
    others = [room.request(i, ["eenvoud"], f"other-{i}") for i in range(1, 6)]
    original = ballot_batch._write_ballots

    def other_worker_first(connection: Connection, upsert: Any, writes: list[Any]) -> None:
        with transaction(realtime_engine) as elsewhere:
            cast_one(elsewhere, racing)
        original(connection, upsert, writes)

    monkeypatch.setattr(ballot_batch, "_write_ballots", other_worker_first)
    writer = BallotWriter(realtime_engine)
    writer.start()
    try:
        outcomes = await _submit_all(writer, [racing, *others])
    finally:
        await writer.stop()
    first = outcomes[0]
    assert isinstance(first, BallotCast)
    assert (first.duplicate, first.revision) == (True, 1)
    assert all(isinstance(o, BallotCast) and not o.duplicate for o in outcomes[1:])
    ballots, submissions, revisions = _stored(realtime_engine, room)
    assert (ballots, submissions) == (6, 6)
    assert set(revisions.values()) == {1}


class TestTextTheDatabaseCannotStore:
    async def test_a_nul_in_a_principle_is_refused_and_the_batch_is_stored(
        self, realtime_engine: Engine
    ) -> None:
        with transaction(realtime_engine) as db:
            organisation_id = organisations.ensure_demo(db).id
            assert organisation_id is not None
            denksessie = make_denksessie(db, organisation_id=organisation_id)
            casus = make_open_round(db, denksessie, "casus")
            people = [make_participant(db, denksessie).id for _ in range(6)]
            assert denksessie.id is not None
            ids = (denksessie.id, round_id(casus))

        def ballot(index: int, text: str) -> BallotRequest:
            chosen = {"privacy": text}
            payload = {"decision": "twijfel", "values": ["privacy"], "principles": chosen}
            return BallotRequest(ids[0], people[index], ids[1], "casus", payload, f"nul-{index}")

        requests = [ballot(i, "Ik deel alleen wat nodig is.") for i in range(5)]
        requests.insert(2, ballot(5, "Ik \x00 deel"))
        writer = BallotWriter(realtime_engine)
        writer.start()
        try:
            outcomes = await _submit_all(writer, requests)
        finally:
            await writer.stop()
        refused = outcomes[2]
        assert isinstance(refused, DomainError)
        assert refused.code == "TEXT_INVALID"
        assert all(isinstance(o, BallotCast) for o in outcomes[:2] + outcomes[3:])
        with Session(realtime_engine) as db:
            stored = db.exec(select_models(Ballot).where(Ballot.round_id == ids[1])).all()
        assert sorted(b.participant_id for b in stored) == sorted(people[:5])

    async def test_a_ballot_the_database_refuses_fails_alone(
        self, realtime_engine: Engine, room: Room
    ) -> None:
        """Whatever slips past validation and is refused by the database (here a trigger raising
        PostgreSQL's "character not in repertoire") costs its own ballot, not the batch's."""
        poisoned = room.participant_ids[3]
        with realtime_engine.begin() as connection:
            connection.exec_driver_sql(
                "CREATE FUNCTION refuse_poisoned() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF NEW.participant_id = '{poisoned}' THEN "
                "RAISE EXCEPTION 'refused' USING ERRCODE = '22021'; END IF; RETURN NEW; END $$"
            )
            connection.exec_driver_sql(
                "CREATE TRIGGER refuse_poisoned BEFORE INSERT OR UPDATE ON ballot "
                "FOR EACH ROW EXECUTE FUNCTION refuse_poisoned()"
            )
        try:
            requests = [room.request(i, ["privacy"], f"poison-{i}") for i in range(8)]
            writer = BallotWriter(realtime_engine)
            writer.start()
            try:
                outcomes = await _submit_all(writer, requests)
            finally:
                await writer.stop()
        finally:
            with realtime_engine.begin() as connection:
                connection.exec_driver_sql("DROP TRIGGER refuse_poisoned ON ballot")
                connection.exec_driver_sql("DROP FUNCTION refuse_poisoned()")
        refused = outcomes[3]
        assert isinstance(refused, DomainError)
        assert refused.code == "TEXT_INVALID"
        assert sum(isinstance(o, BallotCast) for o in outcomes) == 7
        ballots, submissions, _ = _stored(realtime_engine, room)
        assert (ballots, submissions) == (7, 7)
