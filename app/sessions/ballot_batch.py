"""Casting a batch of ballots with a few set-based statements in one transaction.

The realtime writer hands over every ballot that arrived while the previous batch was being
written (``app/realtime/writer.py``). Casting them one by one through the ORM costs about a
dozen round trips each (savepoints, lookups, an insert that fails into an update for every
revision); here a batch costs a fixed handful of statements whatever its size:

1. read the batch's participants, rounds (on PostgreSQL ``FOR SHARE``, so a round cannot close
   between this check and the commit) and earlier submissions of its message ids;
2. check every ballot in Python, in arrival order, exactly as ``ballots.cast_ballot`` does;
3. write the accepted ones: per wave (at most one ballot per participant and round, since one
   statement may not update a row twice) one ``INSERT ... ON CONFLICT (round_id,
   participant_id) DO UPDATE ... RETURNING revision`` and one insert of the submissions with
   those revisions; then one diff of the principles written with casus ballots and rewordings.

The outcome for every ballot is what casting them one after another would give: a resent
message id is a duplicate of its first cast (in an earlier batch or earlier in this one), a
revision gets the next revision number, a refused ballot writes nothing. The one difference:
principles are compared with the participant's last ballot of the batch, so a text that an
earlier ballot of the same batch dropped and a later one brought back keeps its moderation.

A unique violation means another transaction stored one of these message ids meanwhile (a
resend racing its first attempt on another worker). ``cast_ballots`` then raises
``IntegrityError``; the caller rolls back and casts the batch one by one with ``cast_one``,
which answers such a race with the first attempt's acknowledgement. (Against that one-by-one
path, which claims the message id before it writes the ballot, the two orders can deadlock;
PostgreSQL then aborts one transaction, whose ballots are answered ``UNAVAILABLE`` and resent:
slower, never lost.)
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import BindParameter, Executable, Table, bindparam, delete, insert
from sqlalchemy import select as select_columns
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlmodel import col, select

from app.aggregation.methods import OTHER_ROLE
from app.db import DbSession
from app.errors import DomainError
from app.organisations.models import utcnow
from app.sessions import service as sessions
from app.sessions.ballots import (
    BallotCast,
    Lookups,
    before_close,
    cast_ballot,
    check_kind,
    open_round,
)
from app.sessions.ballots import validate_payload as validate
from app.sessions.kinds import kind_of
from app.sessions.kinds.base import PrincipleRow
from app.sessions.models import (
    Ballot,
    BallotSubmission,
    Denksessie,
    Participant,
    Principle,
    SessionRound,
)

BALLOT: Table = Ballot.__table__  # type: ignore[attr-defined]
SUBMISSION: Table = BallotSubmission.__table__  # type: ignore[attr-defined]
PRINCIPLE: Table = Principle.__table__  # type: ignore[attr-defined]
PARTICIPANT: Table = Participant.__table__  # type: ignore[attr-defined]

Outcome = BallotCast | DomainError

# Every statement of a batch is built once: building one (coercing its columns and values,
# ``excluded`` of an upsert, IN lists) cost more than running it, about 3 ms of the 4.5 ms a
# small batch took (cProfile, casus ballots in batches of 4 on SQLite). IN lists are expanding
# parameters, so SQLAlchemy's compiled cache serves every batch size.
_IDS: BindParameter[Any] = bindparam("ids", expanding=True)
_PARTICIPANTS = select_columns(
    PARTICIPANT.c.id, PARTICIPANT.c.denksessie_id, PARTICIPANT.c.removed, PARTICIPANT.c.role
).where(PARTICIPANT.c.id.in_(_IDS))
_ROUNDS = select(SessionRound).where(col(SessionRound.id).in_(_IDS))
# Closing a round updates its row and waits for this share lock (PostgreSQL): no ballot is
# stored (and acknowledged) in a round whose closing committed before it.
_ROUNDS_LOCKED = _ROUNDS.with_for_update(read=True)
_SUBMISSION_COLUMNS = (
    SUBMISSION.c.participant_id,
    SUBMISSION.c.client_msg_id,
    SUBMISSION.c.round_id,
    SUBMISSION.c.revision,
)
# Earlier submissions of a batch's message ids. PostgreSQL plans two IN lists as index scans
# (2 ms per batch of 128) but a row-value IN list as a scan (12 ms). SQLite scans the whole table
# for a row-value IN list (3.4 ms for 8 pairs among 20,000 submissions, growing with the table)
# and probes every pair of two IN lists (6 ms for 128); it looks each pair up once when they come
# as a VALUES list joined to the table (0.03 ms for 8, 0.34 ms for 128).
_EARLIER_POSTGRES = select_columns(*_SUBMISSION_COLUMNS).where(
    SUBMISSION.c.participant_id.in_(bindparam("participant_ids", expanding=True)),
    SUBMISSION.c.client_msg_id.in_(bindparam("msg_ids", expanding=True)),
)


@functools.lru_cache(maxsize=256)
def _earlier_sqlite(pairs: int) -> str:
    """The SQLite query for ``pairs`` (participant id, message id) pairs, as driver SQL."""
    return (
        "SELECT s.participant_id, s.client_msg_id, s.round_id, s.revision"
        f" FROM (VALUES {', '.join(['(?, ?)'] * pairs)}) AS wanted"
        f" JOIN {SUBMISSION.name} AS s"
        " ON s.participant_id = wanted.column1 AND s.client_msg_id = wanted.column2"
    )


_INSERT_SUBMISSIONS = insert(SUBMISSION)
_STORED = select_columns(
    BALLOT.c.round_id,
    BALLOT.c.participant_id,
    BALLOT.c.revision,
    BALLOT.c.payload,
    BALLOT.c.client_msg_id,
).where(  # two IN lists: SQLite scans the table for a row-value IN (see below)
    BALLOT.c.round_id.in_(bindparam("round_ids", expanding=True)),
    BALLOT.c.participant_id.in_(bindparam("participant_ids", expanding=True)),
)
_PRINCIPLES_OF = (
    select_columns(
        PRINCIPLE.c.id,
        PRINCIPLE.c.round_id,
        PRINCIPLE.c.participant_id,
        PRINCIPLE.c.value_key,
        PRINCIPLE.c.text,
        PRINCIPLE.c.rewords_id,
    )
    .where(
        PRINCIPLE.c.round_id.in_(bindparam("round_ids", expanding=True)),
        PRINCIPLE.c.participant_id.in_(bindparam("participant_ids", expanding=True)),
    )
    .order_by(PRINCIPLE.c.id)
)
_DELETE_PRINCIPLES = delete(PRINCIPLE).where(PRINCIPLE.c.id.in_(_IDS))
_INSERT_PRINCIPLES = insert(PRINCIPLE)


def _upsert_statement(dialect: str) -> Executable:
    """One upsert of ballots (sent as multi-row VALUES by SQLAlchemy's insertmanyvalues); a
    revision bumps the stored revision atomically."""
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(BALLOT)
    return statement.on_conflict_do_update(
        index_elements=[BALLOT.c.round_id, BALLOT.c.participant_id],
        set_={
            "payload": statement.excluded.payload,
            "client_msg_id": statement.excluded.client_msg_id,
            "revision": BALLOT.c.revision + 1,
            "updated_at": statement.excluded.updated_at,
        },
    ).returning(BALLOT.c.round_id, BALLOT.c.participant_id, BALLOT.c.revision)


_UPSERTS = {dialect: _upsert_statement(dialect) for dialect in ("postgresql", "sqlite")}


@dataclass(frozen=True)
class StoredBallot:
    """A ballot as committed: what a running tally needs to count it instead of the older one
    of its participant (``aggregation/running.py``)."""

    denksessie_id: int
    round_id: int
    participant_id: str
    revision: int
    payload: dict[str, Any]
    role: str
    client_msg_id: str

    def delta(self) -> dict[str, Any]:
        """As carried in a ``ballots_changed`` event (``Room.apply_deltas`` reads it)."""
        return {
            "round_id": self.round_id,
            "participant_id": self.participant_id,
            "revision": self.revision,
            "payload": self.payload,
            "role": self.role,
            "client_msg_id": self.client_msg_id,
        }


@dataclass(frozen=True)
class BallotRequest:
    """One ballot frame as a participant's socket received it."""

    denksessie_id: int
    participant_id: str
    round_id: int
    kind: str
    payload: Any
    client_msg_id: str


@dataclass
class _Write:
    request: BallotRequest
    session_round: SessionRound
    ballot: dict[str, Any]
    revision: int = 0


@dataclass(frozen=True)
class _Again:
    """A second frame with one message id in the batch: answered as a resend of the first."""

    write: _Write


def cast_one(db: DbSession, request: BallotRequest) -> BallotCast:
    """One ballot through the ORM path; the caller commits. Raises the ``DomainError``."""
    participant = sessions.active_participant(
        db, denksessie_id=request.denksessie_id, participant_id=request.participant_id
    )
    denksessie = db.get(Denksessie, request.denksessie_id)
    assert denksessie is not None
    return cast_ballot(
        db,
        denksessie=denksessie,
        participant=participant,
        round_id=request.round_id,
        kind=request.kind,
        payload=request.payload,
        client_msg_id=request.client_msg_id,
    )


def cast_ballots(db: DbSession, requests: Sequence[BallotRequest]) -> list[Outcome]:
    """Check and write a batch; the caller commits. One outcome per request, in order."""
    return cast_batch(db, requests)[0]


def cast_batch(
    db: DbSession, requests: Sequence[BallotRequest]
) -> tuple[list[Outcome], list[StoredBallot]]:
    """Check and write a batch; the caller commits. One outcome per request, in order, and the
    stored ballot of every accepted one (for the running tallies, decision 0028): what this
    batch wrote, as written, and for a resend what its first attempt stored, read back (it may
    have been stored by a worker that died before telling anyone).

    Written with Core statements: ORM objects of ballots or principles loaded earlier in
    ``db`` do not see these writes (use a fresh session, or expire them).
    """
    if not requests:
        return [], []
    connection = db.connection()
    postgres = db.get_bind().dialect.name == "postgresql"
    participants = _participants(connection, requests)
    rounds = _rounds(db, requests, postgres=postgres)
    earlier = _earlier_submissions(connection, requests, postgres=postgres)
    lookups = Lookups(db)
    denksessies: dict[int, Denksessie] = {}
    outcomes: list[Outcome | _Write | _Again] = []
    first_of: dict[tuple[str, str], _Write] = {}
    writes: list[_Write] = []
    for request in requests:
        key = (request.participant_id, request.client_msg_id)
        try:
            sessions.check_active(participants.get(request.participant_id), request.denksessie_id)
            if key in earlier:
                outcomes.append(earlier[key])
                continue
            if key in first_of:
                outcomes.append(_Again(first_of[key]))
                continue
            denksessie = denksessies.get(request.denksessie_id)
            if denksessie is None:
                denksessie = db.get(Denksessie, request.denksessie_id)
                assert denksessie is not None
                denksessies[request.denksessie_id] = denksessie
            before_close(denksessie)
            session_round = open_round(rounds.get(request.round_id), request.denksessie_id)
            check_kind(session_round, request.kind)
            ballot = validate(
                db,
                denksessie=denksessie,
                session_round=session_round,
                payload=request.payload,
                lookups=lookups,
            )
        except DomainError as exc:
            outcomes.append(exc)
            continue
        write = first_of[key] = _Write(request, session_round, ballot)
        writes.append(write)
        outcomes.append(write)
    upsert = _UPSERTS["postgresql" if postgres else "sqlite"]
    for wave in _waves(writes):
        _write_ballots(connection, upsert, wave)
        _write_submissions(connection, wave)
    _write_principles(connection, writes)
    resolved = [_resolve(outcome) for outcome in outcomes]
    return resolved, _stored(connection, requests, resolved, writes, participants)


def _stored(
    connection: Connection,
    requests: Sequence[BallotRequest],
    outcomes: Sequence[Outcome],
    writes: list[_Write],
    participants: dict[str, _Member],
) -> list[StoredBallot]:
    """One stored ballot per round and participant the batch accepted a ballot for."""
    stored: dict[tuple[int, str], StoredBallot] = {}
    for write in writes:  # in order: a later wave's revision replaces an earlier one's
        request = write.request
        stored[(request.round_id, request.participant_id)] = StoredBallot(
            request.denksessie_id,
            request.round_id,
            request.participant_id,
            write.revision,
            write.ballot,
            participants[request.participant_id].role or OTHER_ROLE,
            request.client_msg_id,
        )
    resent = {
        (request.round_id, request.participant_id): request.denksessie_id
        for request, outcome in zip(requests, outcomes, strict=True)
        if isinstance(outcome, BallotCast)
        and outcome.duplicate
        and (request.round_id, request.participant_id) not in stored
    }
    if resent:
        rows = connection.execute(
            _STORED,
            {
                "round_ids": list({round_id for round_id, _ in resent}),
                "participant_ids": list({pid for _, pid in resent}),
            },
        )
        for round_id, pid, revision, payload, msg_id in rows:
            if (round_id, pid) not in resent:
                continue
            stored[(round_id, pid)] = StoredBallot(
                resent[(round_id, pid)],
                round_id,
                pid,
                revision,
                dict(payload),
                participants[pid].role or OTHER_ROLE,
                msg_id,
            )
    return list(stored.values())


def _resolve(outcome: Outcome | _Write | _Again) -> Outcome:
    if isinstance(outcome, _Write | _Again):
        write = outcome.write if isinstance(outcome, _Again) else outcome
        request = write.request
        return BallotCast(
            request.round_id, request.client_msg_id, write.revision, isinstance(outcome, _Again)
        )
    return outcome


class _Member(NamedTuple):
    """The columns of a participant that checking a ballot reads: loading 128 ORM objects per
    batch was 6.6 % of a voting worker (py-spy, 2,000 phones at 1,000 ballots/s)."""

    id: str
    denksessie_id: int
    removed: bool
    role: str | None


def _participants(connection: Connection, requests: Sequence[BallotRequest]) -> dict[str, _Member]:
    rows = connection.execute(_PARTICIPANTS, {"ids": list({r.participant_id for r in requests})})
    return {row[0]: _Member(*row) for row in rows}


def _rounds(
    db: DbSession, requests: Sequence[BallotRequest], *, postgres: bool
) -> dict[int, SessionRound]:
    query = _ROUNDS_LOCKED if postgres else _ROUNDS
    rows = db.exec(query, params={"ids": list({r.round_id for r in requests})})
    return {r.id: r for r in rows if r.id is not None}


def _earlier_submissions(
    connection: Connection, requests: Sequence[BallotRequest], *, postgres: bool
) -> dict[tuple[str, str], BallotCast]:
    wanted = {(r.participant_id, r.client_msg_id) for r in requests}
    if postgres:
        rows = connection.execute(
            _EARLIER_POSTGRES,
            {
                "participant_ids": list({pid for pid, _ in wanted}),
                "msg_ids": list({msg for _, msg in wanted}),
            },
        )
    else:
        rows = connection.exec_driver_sql(
            _earlier_sqlite(len(wanted)), tuple(item for pair in wanted for item in pair)
        )
    return {
        (pid, msg): BallotCast(round_id, msg, revision, duplicate=True)
        for pid, msg, round_id, revision in rows
        if (pid, msg) in wanted
    }


def _waves(writes: list[_Write]) -> list[list[_Write]]:
    """Split so that no wave revises one participant's ballot in one round twice."""
    waves: list[list[_Write]] = []
    seen: dict[tuple[int, str], int] = {}
    for write in writes:
        key = (write.request.round_id, write.request.participant_id)
        index = seen[key] = seen.get(key, -1) + 1
        if index == len(waves):
            waves.append([])
        waves[index].append(write)
    return waves


def _write_ballots(connection: Connection, upsert: Executable, wave: list[_Write]) -> None:
    now = utcnow()
    rows = connection.execute(
        upsert,
        [
            {
                "round_id": w.request.round_id,
                "participant_id": w.request.participant_id,
                "payload": w.ballot,
                "client_msg_id": w.request.client_msg_id,
                "revision": 1,
                "updated_at": now,
            }
            for w in wave
        ],
    )
    revisions = {(r, p): revision for r, p, revision in rows}
    for write in wave:
        write.revision = revisions[(write.request.round_id, write.request.participant_id)]


def _write_submissions(connection: Connection, wave: list[_Write]) -> None:
    """Remember the wave's message ids with the revisions they made; one stored meanwhile by
    another transaction fails here (and the whole batch is cast again one by one)."""
    now = utcnow()
    connection.execute(
        _INSERT_SUBMISSIONS,
        [
            {
                "participant_id": w.request.participant_id,
                "client_msg_id": w.request.client_msg_id,
                "round_id": w.request.round_id,
                "revision": w.revision,
                "accepted_at": now,
            }
            for w in wave
        ],
    )


def _write_principles(connection: Connection, writes: list[_Write]) -> None:
    """Make each participant's principles in a round equal to its last ballot's; a kept text
    keeps its row (and so its moderation). Which rows a ballot asks for is its kind's
    (``Kind.wanted_principles``); kinds that write none are skipped."""
    wanted: dict[tuple[int, str], set[PrincipleRow]] = {}
    for write in writes:
        kind = kind_of(write.session_round.kind)
        rows_asked = kind.wanted_principles(write.session_round.config, write.ballot)
        if rows_asked is not None:
            wanted[(write.request.round_id, write.request.participant_id)] = rows_asked
    if not wanted:
        return
    rows = connection.execute(
        _PRINCIPLES_OF,
        {
            "round_ids": list({round_id for round_id, _ in wanted}),
            "participant_ids": list({pid for _, pid in wanted}),
        },
    )
    stale: list[int] = []
    for row_id, round_id, pid, value_key, text, rewords_id in rows:
        keep = wanted.get((round_id, pid))
        if keep is None:
            continue
        if (value_key, text, rewords_id) in keep:
            keep.discard((value_key, text, rewords_id))
        else:
            stale.append(row_id)
    if stale:
        connection.execute(_DELETE_PRINCIPLES, {"ids": stale})
    now = utcnow()
    new_rows = [
        {
            "round_id": round_id,
            "participant_id": pid,
            "value_key": value_key,
            "text": text,
            "rewords_id": rewords_id,
            "hidden": False,
            "created_at": now,
        }
        for (round_id, pid), keep in wanted.items()
        for value_key, text, rewords_id in sorted(keep, key=lambda row: (row[0], row[1]))
    ]
    if new_rows:
        connection.execute(_INSERT_PRINCIPLES, new_rows)
