"""Group commit for joins: the joins that arrive together share one thread hop, one
transaction and one commit, and each is answered only after that commit (decision 0036).

Like the ballot writer (``app/realtime/writer.py``): a lone join is written at once, and the
joins that arrive while a batch is being written wait for the next one, so batches grow exactly
when a room scans the QR code at once. One batch at a time on SQLite (one writer at a time
anyway), two side by side on PostgreSQL, whose commits overlap. A batch is checked join by join
and written with a few statements (``app/sessions/join_batch.py``): a refused join (unknown
code, wrong PIN, a limit, the room full) writes nothing and fails alone.

When the batch's write fails for a reason that may be one join's (a value the database refuses,
a unique violation), it is rolled back and each admitted join is written again alone, in its
own transaction, so only that one fails; the limits are not counted twice. When the database
itself failed (connection lost, locked), every admitted join of the batch gets that error:
nothing of it is known to be stored.

After the commit, once the joins are answered, one ``participants_changed`` marker per
denksessie of the batch tells the workers to refresh their counts (it was one per join).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager

from fastapi import FastAPI, Request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlmodel import Session

from app.api.deps import run_db
from app.api.join_guard import join_guard_of
from app.errors import DomainError
from app.events import Event
from app.sessions import flows, join_batch
from app.sessions.join_batch import Admitted, JoinAttempt, Joined, JoinLimits

logger = logging.getLogger(__name__)

# Large enough for a wave of 64 phones at a time to go in one or two batches; small enough that
# SQLite's write lock is held for a few milliseconds at most.
MAX_BATCH = 64

SessionScope = Callable[[], AbstractContextManager[Session]]
Outcome = Joined | DomainError | SQLAlchemyError
Waiting = tuple[JoinAttempt, "asyncio.Future[Joined]"]


class JoinWriter:
    def __init__(
        self,
        sessions: SessionScope,
        *,
        limits: Callable[[], JoinLimits],
        publish: Callable[[Event], Awaitable[None]],
        concurrency: int = 1,
        max_batch: int = MAX_BATCH,
    ) -> None:
        """``sessions()`` gives a batch its database session (tests give their transaction's);
        ``limits()`` the join limits of the moment; ``publish`` announces the joins."""
        self._sessions = sessions
        self._limits = limits
        self._publish = publish
        self._concurrency = concurrency
        self._max_batch = max_batch
        self._queue: deque[Waiting] = deque()
        self._running = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self.batches = 0
        self.joins = 0

    @classmethod
    def for_app(cls, app: FastAPI, sessions: SessionScope | None = None) -> JoinWriter:
        """The app's writer: sessions of its engine, its join guard, its hub."""
        state = app.state

        def engine_sessions() -> Session:
            return Session(state.engine, expire_on_commit=False)

        async def publish(event: Event) -> None:
            await state.hub.publish_safely(event)

        return cls(
            sessions or engine_sessions,
            limits=lambda: join_guard_of(app),
            publish=publish,
            concurrency=1 if state.settings.is_sqlite else 2,
        )

    async def close(self) -> None:
        """Wait for the batches being written and their announcements (at shutdown, before
        the hub and the engine go)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def submit(self, attempt: JoinAttempt) -> Joined:
        """Join in the next batch: the participant once committed, or the join's
        ``DomainError``, or the ``SQLAlchemyError`` that kept it from being stored."""
        future: asyncio.Future[Joined] = asyncio.get_running_loop().create_future()
        self._queue.append((attempt, future))
        if self._running < self._concurrency:
            self._running += 1
            self._keep(self._drain())
        return await future

    def _keep(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self) -> None:
        """Write batches while joins wait. It takes its batch when it runs, so the joins that
        arrived in the same turn of the event loop go together."""
        try:
            while self._queue:
                size = min(len(self._queue), self._max_batch)
                await self._write([self._queue.popleft() for _ in range(size)])
        finally:
            self._running -= 1

    async def _write(self, batch: list[Waiting]) -> None:
        attempts = [attempt for attempt, _ in batch]
        outcomes: Sequence[Outcome | BaseException]
        try:
            outcomes = await run_db(lambda: self._commit(attempts))
        except Exception as exc:  # not an answer of the database (the limits' storage, a bug):
            outcomes = [exc] * len(batch)  # nobody's join is known stored
        except BaseException:  # cancelled at shutdown: the waiting requests are going away too
            for _, future in batch:
                future.cancel()
            raise
        self.batches += 1
        self.joins += len(batch)
        joined: set[int] = set()
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, Joined):
                joined.add(outcome.denksessie_id)
            if future.done():  # its request went away; the join stands
                continue
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
        # Answered first, then announced; it need not hold up the next batch.
        for denksessie_id in sorted(joined):
            self._keep(self._publish(flows.participants_changed(denksessie_id)))

    def _commit(self, attempts: list[JoinAttempt]) -> list[Outcome]:
        with self._sessions() as db:
            try:
                checked: list[Admitted | Outcome] = list(
                    join_batch.admit_all(db, attempts, self._limits())
                )
            except SQLAlchemyError as exc:  # the look-up failed: nothing counted, nothing written
                db.rollback()
                return [exc] * len(attempts)
            admitted = [outcome for outcome in checked if isinstance(outcome, Admitted)]
            try:
                seats: list[Outcome] = list(join_batch.seat_all(db, admitted))
                db.commit()
            except SQLAlchemyError as exc:
                db.rollback()
                if _unreachable(exc) or len(admitted) == 1:
                    seats = [exc] * len(admitted)
                else:
                    logger.warning("a batch of %d joins failed; joining one by one", len(admitted))
                    seats = [_seat_alone(db, entry) for entry in admitted]
        written = iter(seats)
        return [next(written) if isinstance(outcome, Admitted) else outcome for outcome in checked]


def _seat_alone(db: Session, entry: Admitted) -> Outcome:
    try:
        (outcome,) = join_batch.seat_all(db, [entry])
        db.commit()
    except SQLAlchemyError as exc:
        db.rollback()
        return exc
    return outcome


def _unreachable(exc: SQLAlchemyError) -> bool:
    """The database itself failed (connection lost, server gone, locked): joining one by one
    would only fail again. Anything else may be one join's fault."""
    return isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


def join_writer(request: Request) -> JoinWriter:
    writer: JoinWriter | None = getattr(request.app.state, "join_writer", None)
    if writer is None:
        writer = request.app.state.join_writer = JoinWriter.for_app(request.app)
    return writer
