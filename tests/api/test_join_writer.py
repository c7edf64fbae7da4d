"""Joins in batches (decision 0036): phones that join at once share a transaction, and each
still gets what joining alone would give it. A refused join (unknown code, wrong PIN, a limit,
the room full) or one the database refuses fails alone and adds nothing; the others get in.

On SQLite and on PostgreSQL, each a committed database of this module's own (the writer
commits for real).
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app import migrate
from app.api.join_guard import JoinGuard
from app.api.join_writer import JoinWriter
from app.content import load_builtin_content
from app.db import build_engine, transaction
from app.errors import DomainError
from app.events import Event
from app.organisations import service as organisations
from app.sessions import join_batch
from app.sessions import service as sessions
from app.sessions.join_batch import DENKSESSIE, PARTICIPANT, JoinAttempt, Joined
from app.sessions.schemas import DenksessieCreate, JoinRequest
from tests.conftest import settings_for
from tests.realtime.support import prepared_database
from tests.sessions.factories import casus_ids

ADDRESS = "192.0.2.7"


@pytest.fixture(scope="module")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("joins")
    url = f"sqlite:///{folder}/denksessie.sqlite3"
    settings = settings_for(url)
    migrate.upgrade(settings)
    engine = build_engine(settings)
    with transaction(engine) as db:
        load_builtin_content(db)
        organisations.ensure_demo(db)
    engine.dispose()
    yield url
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres_joins_url() -> Iterator[str]:
    with prepared_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    url = request.getfixturevalue(
        "sqlite_url" if request.param == "sqlite" else "postgres_joins_url"
    )
    made = build_engine(settings_for(url))
    yield made
    made.dispose()


@dataclass(frozen=True)
class Room:
    id: int
    code: str
    pin: str | None


def make_room(
    engine: Engine, *, room_size: int = 60, pin: bool = False, roles: list[str] | None = None
) -> Room:
    with transaction(engine) as db:
        organisation_id = organisations.ensure_demo(db).id
        assert organisation_id is not None
        extra: dict[str, Any] = {} if roles is None else {"roles": roles}
        denksessie = sessions.create(
            db,
            organisation_id=organisation_id,
            data=DenksessieCreate(
                title="Wave",
                casus_ids=casus_ids(db, organisation_id=organisation_id, count=1),
                room_size=room_size,
                require_pin=pin,
                **extra,
            ),
        )
        assert denksessie.id is not None
        return Room(denksessie.id, denksessie.join_code, denksessie.room_pin)


@dataclass
class Harness:
    writer: JoinWriter
    published: list[Event]


def harness(engine: Engine, **limits: str) -> Harness:
    settings = settings_for(str(engine.url), **limits)
    guard = JoinGuard(settings)
    published: list[Event] = []

    async def publish(event: Event) -> None:
        published.append(event)

    writer = JoinWriter(
        lambda: Session(engine, expire_on_commit=False),
        limits=lambda: guard,
        publish=publish,
        concurrency=1 if settings.is_sqlite else 2,
    )
    return Harness(writer, published)


def attempt(code: str, **data: str) -> JoinAttempt:
    return JoinAttempt(code, JoinRequest(**data), ADDRESS)


async def join_together(writer: JoinWriter, attempts: list[JoinAttempt]) -> list[Any]:
    return list(await asyncio.gather(*(writer.submit(a) for a in attempts), return_exceptions=True))


def stored(engine: Engine, room: Room) -> tuple[int, set[str]]:
    """The room's seat count and the ids of its participants, as committed."""
    with engine.connect() as connection:
        joined = connection.execute(
            select(DENKSESSIE.c.joined).where(DENKSESSIE.c.id == room.id)
        ).scalar_one()
        ids = set(
            connection.execute(
                select(PARTICIPANT.c.id).where(PARTICIPANT.c.denksessie_id == room.id)
            ).scalars()
        )
    return joined, ids


def codes(outcomes: list[Any]) -> list[str]:
    return [
        "JOINED"
        if isinstance(o, Joined)
        else o.code
        if isinstance(o, DomainError)
        else type(o).__name__
        for o in outcomes
    ]


class TestJoiningTogether:
    async def test_a_wave_gets_in_in_few_transactions_each_once(self, engine: Engine) -> None:
        room = make_room(engine)
        run = harness(engine)
        outcomes = await join_together(
            run.writer, [attempt(room.code, display_name=f"p{i}") for i in range(40)]
        )
        assert codes(outcomes) == ["JOINED"] * 40
        ids = {o.participant_id for o in outcomes}
        assert len(ids) == 40
        assert stored(engine, room) == (40, ids)
        assert run.writer.batches < 40  # they shared transactions
        # One marker per room and batch, not one per join.
        assert len(run.published) == run.writer.batches
        assert {e.denksessie_id for e in run.published} == {room.id}

    async def test_a_bad_join_fails_alone_and_adds_nothing(self, engine: Engine) -> None:
        room = make_room(engine, pin=True, roles=["burger", "ambtenaar"])
        other = make_room(engine)
        assert room.pin is not None
        run = harness(engine)
        wrong_pin = "0000" if room.pin != "0000" else "1111"
        outcomes = await join_together(
            run.writer,
            [
                attempt(room.code, pin=room.pin, display_name="een"),
                attempt(room.code, pin=wrong_pin),
                attempt("ZZZZZZ" if room.code != "ZZZZZZ" else "YYYYYY"),
                attempt(room.code, pin=room.pin, role="wethouder"),
                attempt(room.code.lower(), pin=f" {room.pin} ", role="burger"),
                attempt(other.code),
            ],
        )
        assert run.writer.batches == 1
        assert codes(outcomes) == [
            "JOINED",
            "WRONG_PIN",
            "NOT_FOUND",
            "UNKNOWN_ROLE",
            "JOINED",
            "JOINED",
        ]
        joined = {o.participant_id for o in outcomes if isinstance(o, Joined)}
        assert stored(engine, room) == (2, joined - {outcomes[5].participant_id})
        assert stored(engine, other) == (1, {outcomes[5].participant_id})
        with engine.connect() as connection:
            rows = connection.execute(
                select(PARTICIPANT.c.display_name, PARTICIPANT.c.role).where(
                    PARTICIPANT.c.denksessie_id == room.id
                )
            )
            names = {row.display_name: row.role for row in rows}
        assert names == {"een": None, None: "burger"}

    async def test_a_full_room_seats_in_arrival_order(self, engine: Engine) -> None:
        room = make_room(engine, room_size=5)
        budget = sessions.join_budget(5)
        with transaction(engine) as db:
            db.execute(
                update(DENKSESSIE).where(DENKSESSIE.c.id == room.id).values(joined=budget - 2)
            )
        run = harness(engine)
        outcomes = await join_together(
            run.writer, [attempt(room.code, display_name=f"p{i}") for i in range(5)]
        )
        assert codes(outcomes) == ["JOINED", "JOINED", "ROOM_FULL", "ROOM_FULL", "ROOM_FULL"]
        joined, ids = stored(engine, room)
        assert joined == budget
        assert ids == {o.participant_id for o in outcomes[:2]}

    async def test_failed_attempts_count_as_one_at_a_time(self, engine: Engine) -> None:
        """Three wrong codes use up a limit of three: the fourth attempt from that address
        waits, even with the right code, as it would have one request at a time."""
        room = make_room(engine)
        run = harness(engine, join_fail_limit="3/minute")
        wrong = "ZZZZZZ" if room.code != "ZZZZZZ" else "YYYYYY"
        outcomes = await join_together(
            run.writer, [attempt(wrong), attempt(wrong), attempt(wrong), attempt(room.code)]
        )
        assert run.writer.batches == 1
        assert codes(outcomes) == ["NOT_FOUND"] * 3 + ["TOO_MANY_ATTEMPTS"]
        assert stored(engine, room) == (0, set())

    async def test_a_join_the_database_refuses_fails_alone(
        self, engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A participant id already taken (a unique violation) sinks the batch's insert; the
        batch is rolled back and written one join at a time, so only that join fails."""
        room = make_room(engine)
        run = harness(engine)
        (first,) = await join_together(run.writer, [attempt(room.code)])
        assert isinstance(first, Joined)
        ids = iter(["a" * 32, first.participant_id, "c" * 32])
        monkeypatch.setattr(join_batch, "secrets", SimpleNamespace(token_hex=lambda _n: next(ids)))
        outcomes = await join_together(run.writer, [attempt(room.code) for _ in range(3)])
        assert codes(outcomes) == ["JOINED", "IntegrityError", "JOINED"]
        assert isinstance(outcomes[1], IntegrityError)
        assert stored(engine, room) == (3, {first.participant_id, "a" * 32, "c" * 32})


async def test_joins_for_many_rooms_at_once(engine: Engine) -> None:
    """Batches side by side (PostgreSQL) over several rooms: every seat counted once."""
    rooms = [make_room(engine) for _ in range(3)]
    run = harness(engine)
    attempts = [attempt(rooms[i % 3].code, display_name=f"p{i}") for i in range(60)]
    outcomes = await join_together(run.writer, attempts)
    assert codes(outcomes) == ["JOINED"] * 60
    for index, room in enumerate(rooms):
        ids = {o.participant_id for o in outcomes[index::3]}
        assert stored(engine, room) == (20, ids)
    with engine.connect() as connection:
        total = connection.execute(
            select(func.count())
            .select_from(PARTICIPANT)
            .where(PARTICIPANT.c.denksessie_id.in_([r.id for r in rooms]))
        ).scalar_one()
    assert total == 60
