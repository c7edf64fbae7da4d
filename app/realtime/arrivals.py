"""Arrivals: sockets that ask the database to let them in, answered in batches.

A worker that has just been restarted knows nobody, so the first reconnect of every phone asks
the database whether its code is live and it is still a participant, and reads its own ballots
(decision 0027 answers later reconnects from memory). One socket at a time that was a thread hop
and four statements per phone, and a phone that arrived before the role's shared snapshot was
kept read that whole snapshot again: in a wave of a thousand phones arriving at once, nearly
every one of them did (decision 0038).

So arrivals queue, as ballots do for the writer (``writer.py``): the sockets that arrive while a
batch is being read wait for the next one, so batches grow exactly when load does and a lone
arrival is read at once. A batch is one thread hop with a fixed handful of statements: each code
once, the participants in one statement, their own ballots in one, and the shared part of a
snapshot once per room and role that has none fresh (``Hub.shared_snapshot``). One refused
socket (unknown code, removed participant) refuses only itself. A resync (a socket already in
asks for a fresh snapshot) takes the same way without the membership check.

The thread reads and returns values; the hub applies them on the event loop (decision 0027).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import anyio
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.accounts import service as accounts
from app.errors import NotFound, Rejected
from app.realtime import views
from app.realtime.connection import Connection
from app.realtime.hub import Hub
from app.realtime.protocol import CLOSE_NOT_FOUND, CLOSE_REMOVED, CLOSE_UNAUTHORISED
from app.realtime.rooms import SharedSnapshot
from app.realtime.threads import in_thread
from app.sessions import service as sessions
from app.sessions.models import Denksessie
from app.tokens import ClientToken, Role

# Large enough that a wave of thousands takes a handful of batches, small enough that one
# batch's statements stay well under SQLite's limit of bound parameters.
MAX_BATCH = 256


class NotAdmitted(Exception):
    """The database refused this socket: the close code and the reason to give."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def staff_access_holds(db: Session, token: ClientToken) -> bool:
    """A staff token's login still stands for its denksessie (tokens.py, decision 0010)."""
    organisation_id = db.exec(
        select(Denksessie.organisation_id).where(Denksessie.id == token.denksessie_id)
    ).first()
    return organisation_id is not None and accounts.staff_token_holds(db, token, organisation_id)


# --- the read (a worker thread) -----------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    """One socket's question, as the thread sees it (no socket, no room)."""

    denksessie_id: int
    role: Role
    participant_id: str | None
    code: str | None  # None: no membership check (a resync)
    token: ClientToken | None


@dataclass(frozen=True)
class BatchRead:
    """Per ask, its refusal or its own part (None for staff); per (room, role) that had no
    fresh shared snapshot, the shared part read (None: the denksessie is gone)."""

    answers: list[NotAdmitted | dict[str, Any] | None]
    shared: dict[tuple[int, Role], dict[str, Any] | None]


def _refusal(
    db: Session, ask: Ask, live: dict[str, int | None], persons: dict[str, views.Person]
) -> NotAdmitted | None:
    """Why the database refuses this socket, if it does: an unknown code or one that is not the
    token's (answered alike, so a token cannot tell live codes from dead ones,
    docs/security.md), a staff login that no longer stands, a participant unknown or removed."""
    if ask.code is not None:
        if ask.code not in live:
            try:
                live[ask.code] = sessions.live_id_by_code(db, ask.code)
            except NotFound:
                live[ask.code] = None
        if live[ask.code] != ask.denksessie_id:
            return NotAdmitted(CLOSE_NOT_FOUND, "UNKNOWN_CODE")
        if ask.token is not None and ask.token.is_staff and not staff_access_holds(db, ask.token):
            return NotAdmitted(CLOSE_UNAUTHORISED, "BAD_TOKEN")
    if ask.participant_id is not None:
        try:
            sessions.check_active(persons.get(ask.participant_id), ask.denksessie_id)
        except Rejected as exc:
            if ask.code is None and exc.code == "PARTICIPANT_REMOVED":
                # A resync of a socket in the room: its removal closes it (the hub does).
                return None
            close = CLOSE_REMOVED if exc.code == "PARTICIPANT_REMOVED" else CLOSE_UNAUTHORISED
            return NotAdmitted(close, exc.code)
    return None


def read_batch(
    db: Session, asks: Sequence[Ask], known: dict[tuple[int, Role], tuple[int, ...]]
) -> BatchRead:
    """Everything a batch of arrivals needs, in one visit: ``known`` holds the round ids of the
    rooms and roles whose shared snapshot the hub keeps; the others' shared part is read here,
    once each."""
    persons = views.people(db, {a.participant_id for a in asks if a.participant_id})
    live: dict[str, int | None] = {}
    answers: list[NotAdmitted | dict[str, Any] | None] = [
        _refusal(db, ask, live, persons) for ask in asks
    ]
    shared: dict[tuple[int, Role], dict[str, Any] | None] = {}
    round_ids: dict[int, set[int]] = {}
    let_in: dict[int, list[views.Person]] = {}
    for ask, answer in zip(asks, answers, strict=True):
        if answer is not None:
            continue
        key = (ask.denksessie_id, ask.role)
        if key not in known and key not in shared:
            shared[key] = views.shared_part(db, *key)
        frame = shared.get(key)
        ids = known[key] if key in known else [r["id"] for r in frame["rounds"]] if frame else []
        round_ids.setdefault(ask.denksessie_id, set()).update(ids)
        person = persons.get(ask.participant_id) if ask.participant_id else None
        if person is not None:
            let_in.setdefault(ask.denksessie_id, []).append(person)
    parts: dict[str, dict[str, Any]] = {}
    for denksessie_id, persons_in in let_in.items():
        parts.update(views.personal_parts(db, persons_in, round_ids[denksessie_id]))
    for index, (ask, answer) in enumerate(zip(asks, answers, strict=True)):
        if answer is None and ask.participant_id is not None:
            answers[index] = parts.get(ask.participant_id)
    return BatchRead(answers, shared)


# --- the queue (the event loop) -----------------------------------------------------------------


@dataclass
class _Waiting:
    connection: Connection
    code: str | None
    token: ClientToken | None
    held: str | None  # the kept parts the socket holds (its hello's ``kept``)
    read_at: float
    future: asyncio.Future[str] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class Arrivals:
    def __init__(
        self,
        hub: Hub,
        engine: Engine,
        *,
        limiter: anyio.CapacityLimiter | None = None,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self.hub = hub
        self._engine = engine
        self._limiter = limiter
        self._max_batch = max_batch
        self._waiting: list[_Waiting] = []
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.arrivals = 0

    @property
    def waiting(self) -> int:
        """Sockets waiting for the next batch (not counting the one being read)."""
        return len(self._waiting)

    async def admit(
        self, connection: Connection, code: str, token: ClientToken, *, held: str | None = None
    ) -> str:
        """The socket's snapshot, serialised, once the database let it in under ``code``; or
        ``NotAdmitted``. Without the kept parts when ``held`` names them (``Hub.snapshot_read``).
        A participant let in is remembered, so that its next reconnect to this worker can skip
        the database (``Hub.snapshot_from_memory``)."""
        return await self._ask(connection, code, token, held)

    async def resync(self, connection: Connection) -> str:
        """A fresh and whole snapshot for a socket already in (no membership check)."""
        return await self._ask(connection, None, None, None)

    async def _ask(
        self,
        connection: Connection,
        code: str | None,
        token: ClientToken | None,
        held: str | None,
    ) -> str:
        # Until its snapshot is given, state frames to this socket are whole.
        read_at = self.hub.snapshot_begins(connection)
        waiting = _Waiting(connection, code, token, held, read_at)
        self._waiting.append(waiting)
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="arrivals")
        return await waiting.future

    async def _run(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[: self._max_batch]
                del self._waiting[: self._max_batch]
                await self._read(batch)
        finally:
            self._task = None

    async def _read(self, batch: list[_Waiting]) -> None:
        hub = self.hub
        began = time.monotonic()
        kept: dict[tuple[int, Role], SharedSnapshot | None] = {}
        for waiting in batch:
            key = (waiting.connection.denksessie_id, waiting.connection.role)
            if key not in kept:
                kept[key] = hub.shared_snapshot(*key)
        known = {key: shared.round_ids for key, shared in kept.items() if shared is not None}
        asks = [
            Ask(
                w.connection.denksessie_id,
                w.connection.role,
                w.connection.participant_id,
                w.code,
                w.token,
            )
            for w in batch
        ]

        def read() -> BatchRead:
            with Session(self._engine, expire_on_commit=False) as db:
                return read_batch(db, asks, known)

        try:
            result = await in_thread(read, limiter=self._limiter)
        except Exception as exc:  # the database is away: every socket of the batch hears it
            for waiting in batch:
                if not waiting.future.done():
                    waiting.future.set_exception(exc)
            return
        except BaseException:  # cancelled at shutdown: the waiting sockets are going away too
            for waiting in batch:
                waiting.future.cancel()
            raise
        self.batches += 1
        self.arrivals += len(batch)
        for key, frame in result.shared.items():
            kept[key] = None if frame is None else hub.keep_snapshot(key[0], key[1], frame, began)
        for waiting, answer in zip(batch, result.answers, strict=True):
            if waiting.future.done():  # its socket went away meanwhile
                continue
            connection = waiting.connection
            shared = kept[(connection.denksessie_id, connection.role)]
            if isinstance(answer, NotAdmitted):
                waiting.future.set_exception(answer)
            elif shared is None:
                waiting.future.set_exception(NotAdmitted(CLOSE_NOT_FOUND, "UNKNOWN_CODE"))
            else:
                own = views.SnapshotRead(None, answer)
                if waiting.code is not None:
                    hub.remember(connection, waiting.code, own, waiting.read_at)
                waiting.future.set_result(
                    hub.snapshot_read(connection, own, shared, waiting.read_at, held=waiting.held)
                )
