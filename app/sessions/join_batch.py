"""Joining in batches: the joins that arrive together checked one by one, written together.

A wave of phones scanning the QR code sends hundreds of joins a second, nearly all for one
code. One at a time each join cost a thread hop, a look-up of the code, a seat, an insert and a
commit (about 1 ms of the worker in the thread on SQLite, docs/performance.md); here a batch
costs a fixed handful of statements whatever its size (decision 0036):

1. ``admit_all``: one look-up of every code in the batch (a statement built once, its codes an
   expanding ``IN``), then every join checked in arrival order exactly as a lone join is: the
   failed-attempt limit, the code, the room PIN, the join limits (counted), joining locked, the
   role. A refused join gets its ``DomainError`` and is never written.
2. ``seat_all``: per denksessie, in id order (so two batches side by side on PostgreSQL take
   their row locks in one order), one ``UPDATE ... SET joined = joined + n`` within the join
   budget; only when that would spend more than the budget are the seats taken one at a time,
   and the joins left without one are refused ``ROOM_FULL``. Then one insert of every seated
   participant.

The caller commits and answers each join only after the commit (``app/api/join_writer.py``).
The outcome of every join is what joining one after another would give: the same checks in the
same order, the same counting of limits, the same budget taken atomically in the database.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app.db import DbSession
from app.errors import DomainError, NotFound, Rejected
from app.organisations.models import utcnow
from app.sessions import service as sessions
from app.sessions.models import Denksessie, Participant
from app.sessions.schemas import JoinRequest

DENKSESSIE: Table = Denksessie.__table__  # type: ignore[attr-defined]
PARTICIPANT: Table = Participant.__table__  # type: ignore[attr-defined]


class JoinLimits(Protocol):
    """The rate limits a join passes (``app/api/join_guard.py``); each raises
    ``TooManyAttempts`` when a limit is reached."""

    def check_failures(self, address: str) -> None:
        """Refuse an address that made too many failed attempts."""

    def count_failure(self, address: str) -> None:
        """Count a wrong code or PIN from this address."""

    def admit(self, address: str, code: str, *, budget: int) -> None:
        """Count one join from this address for this code, or refuse it."""


@dataclass(frozen=True)
class JoinAttempt:
    """One phone's join: the code as typed, what it sent, and whom the limits count it for
    (a client address, or its /64; never stored)."""

    code: str
    data: JoinRequest
    address: str


class Room(NamedTuple):
    """What a join reads of a denksessie (no ORM object: a batch reads one row per code)."""

    id: int
    join_code: str
    status: str
    room_size: int
    room_pin: str | None
    join_locked: bool
    roles: list[str]


@dataclass(frozen=True)
class Admitted:
    """A join that passed every check: the participant it will add, once it has a seat."""

    room: Room
    participant_id: str
    display_name: str | None
    role: str | None


@dataclass(frozen=True)
class Joined:
    denksessie_id: int
    join_code: str
    participant_id: str


# Built once: building and coercing these per call was a good part of a join (decision 0036).
_ROOMS = select(
    DENKSESSIE.c.id,
    DENKSESSIE.c.join_code,
    DENKSESSIE.c.status,
    DENKSESSIE.c.room_size,
    DENKSESSIE.c.room_pin,
    DENKSESSIE.c.join_locked,
    DENKSESSIE.c.roles,
).where(DENKSESSIE.c.join_code.in_(bindparam("codes", expanding=True)))
_TAKE_SEATS = (
    update(DENKSESSIE)
    .where(
        DENKSESSIE.c.id == bindparam("room_id"),
        DENKSESSIE.c.joined + bindparam("seats") <= bindparam("budget"),
    )
    .values(joined=DENKSESSIE.c.joined + bindparam("seats"))
    .returning(DENKSESSIE.c.joined)
)
_ADD_PARTICIPANTS = insert(PARTICIPANT)


def rooms_by_code(db: DbSession, codes: Iterable[str]) -> dict[str, Room]:
    """The denksessies behind these (normalised) codes, ended ones included."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = db.connection().execute(_ROOMS, {"codes": wanted})
    return {row.join_code: Room(*row) for row in rows}


def admit_all(
    db: DbSession, attempts: Sequence[JoinAttempt], limits: JoinLimits
) -> list[Admitted | DomainError]:
    """Every attempt checked in arrival order, each as a lone join was checked before batches
    (decision 0011's order); nothing is written, but the limits count what they count."""
    normalised = [sessions.normalise_code(attempt.code) for attempt in attempts]
    rooms = rooms_by_code(db, (code for code in normalised if code))
    outcomes: list[Admitted | DomainError] = []
    for attempt, code in zip(attempts, normalised, strict=True):
        try:
            outcomes.append(_admit(attempt, rooms.get(code), limits))
        except DomainError as exc:
            outcomes.append(exc)
    return outcomes


def _admit(attempt: JoinAttempt, room: Room | None, limits: JoinLimits) -> Admitted:
    address = attempt.address
    limits.check_failures(address)
    if room is None or room.status == "ended":  # an ended one no longer answers to its code
        limits.count_failure(address)
        raise NotFound(reason="JOIN_CODE")
    try:
        sessions.check_pin(room, attempt.data.pin)
    except Rejected:
        if attempt.data.pin:  # a guess; an empty PIN is someone who has not seen the question yet
            limits.count_failure(address)
        raise
    limits.admit(address, room.join_code, budget=sessions.join_budget(room.room_size))
    role = sessions.joining_role(room, attempt.data)
    return Admitted(room, secrets.token_hex(16), sessions.display_name(attempt.data), role)


def seat_all(db: DbSession, admitted: Sequence[Admitted]) -> list[Joined | DomainError]:
    """A seat of its room's join budget for every admitted join, in order, and its participant
    added; a join without a seat is refused ``ROOM_FULL`` and adds nothing. Not committed."""
    by_room: dict[int, list[int]] = {}
    for index, entry in enumerate(admitted):
        by_room.setdefault(entry.room.id, []).append(index)
    outcomes: dict[int, Joined | DomainError] = {}
    seated: list[Admitted] = []
    for room_id in sorted(by_room):  # one lock order for every batch
        indexes = by_room[room_id]
        room = admitted[indexes[0]].room
        taken = _take_seats(db, room, len(indexes))
        for index in indexes[:taken]:
            entry = admitted[index]
            seated.append(entry)
            outcomes[index] = Joined(room.id, room.join_code, entry.participant_id)
        for index in indexes[taken:]:
            outcomes[index] = Rejected("ROOM_FULL")  # words at the edge: app/i18n/errors.py
    if seated:
        now = utcnow()
        db.connection().execute(
            _ADD_PARTICIPANTS,
            [
                {
                    "id": entry.participant_id,
                    "denksessie_id": entry.room.id,
                    "display_name": entry.display_name,
                    "role": entry.role,
                    "removed": False,
                    "joined_at": now,
                }
                for entry in seated
            ],
        )
    return [outcomes[index] for index in range(len(admitted))]


def _take_seats(db: DbSession, room: Room, wanted: int) -> int:
    """Take ``wanted`` seats at once if the budget has them, else one at a time until it is
    spent; return how many were taken."""
    connection = db.connection()
    budget = sessions.join_budget(room.room_size)
    params: dict[str, Any] = {"room_id": room.id, "budget": budget, "seats": wanted}
    row = connection.execute(_TAKE_SEATS, params).first()
    taken = wanted if row is not None else 0
    if row is None and wanted > 1:  # nearly full: as many as fit, in arrival order
        params["seats"] = 1
        while taken < wanted:
            one = connection.execute(_TAKE_SEATS, params).first()
            if one is None:
                break
            row, taken = one, taken + 1
    if row is not None:
        _show_count(db, room.id, row[0])
    return taken


def _show_count(db: DbSession, denksessie_id: int, joined: int) -> None:
    """A denksessie this session already loaded shows the new count, as an ORM update would
    have kept it, without being marked changed."""
    loaded = db.identity_map.get(db.identity_key(Denksessie, denksessie_id))
    if loaded is not None:
        set_committed_value(loaded, "joined", joined)


def join_all(
    db: DbSession, attempts: Sequence[JoinAttempt], limits: JoinLimits
) -> list[Joined | DomainError]:
    """``admit_all`` then ``seat_all``: every attempt's outcome, in order. Not committed."""
    checked = admit_all(db, attempts, limits)
    admitted = [outcome for outcome in checked if isinstance(outcome, Admitted)]
    seats = iter(seat_all(db, admitted))
    return [next(seats) if isinstance(outcome, Admitted) else outcome for outcome in checked]
