"""Group commit for ballots: many ballots, one transaction, every ack still after the commit.

One transaction per ballot costs a thread hop, a connection checkout and a commit (an fsync on
PostgreSQL) per ballot; at a thousand ballots a second that is most of a worker. Ballots that
arrive while a batch is being written wait for the next one, so batches grow exactly when load
does and a lone ballot is written at once. A batch is checked and written with a handful of
set-based statements (``sessions/ballot_batch.py``); a refused ballot (round closed, bad
payload) writes nothing and leaves the others in the batch untouched. Only when the database
cannot be reached is every ballot of the batch answered ``UNAVAILABLE`` (nothing in it is known
to be durable, and a resend is idempotent).

When the batch fails for any other reason (a unique violation from a resend racing its first
attempt on another worker, or a value the database refuses) it is rolled back and cast again
one ballot at a time, each in its own savepoint, through the ORM path that answers such a race
with the first attempt's acknowledgement. So one ballot the database refuses fails alone: it
is answered ``TEXT_INVALID`` (data the database cannot store) and the others are stored.

Batches written side by side (PostgreSQL) could deadlock when two of them hold ballots of the
same two participants in opposite orders; each batch therefore writes its ballots in participant
order, so every transaction takes its row locks in one order.

Durable, then acknowledged: ``submit`` returns only after the batch's commit succeeded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.engine import Engine
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlmodel import Session

from app.errors import DomainError
from app.sessions import ballot_batch
from app.sessions.ballot_batch import BallotRequest
from app.sessions.ballots import BallotCast, unstorable_text

logger = logging.getLogger(__name__)
MAX_BATCH = 128

Outcome = BallotCast | DomainError | SQLAlchemyError


class BallotWriter:
    def __init__(self, engine: Engine, *, concurrency: int = 1, max_batch: int = MAX_BATCH) -> None:
        """``concurrency`` batches are written side by side: 1 on SQLite (one writer at a time
        anyway), a few on PostgreSQL, where commits of different batches overlap."""
        self._engine = engine
        self._max_batch = max_batch
        self._slots = asyncio.Semaphore(concurrency)
        self._queue: asyncio.Queue[tuple[BallotRequest, asyncio.Future[BallotCast]]] = (
            asyncio.Queue()
        )
        self._task: asyncio.Task[None] | None = None
        self._writing: set[asyncio.Task[None]] = set()
        self.batches = 0
        self.ballots = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="ballot-writer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._writing:
            await asyncio.wait(self._writing)
        while not self._queue.empty():
            _, future = self._queue.get_nowait()
            future.cancel()

    async def submit(self, request: BallotRequest) -> BallotCast:
        """Cast ``request`` in the next batch; return its acknowledgement once the batch is
        committed, or raise its ``DomainError``, or the ``SQLAlchemyError`` that kept it from
        being stored."""
        if self._task is None or self._task.done():
            raise RuntimeError("BallotWriter.start() first")
        future: asyncio.Future[BallotCast] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((request, future))
        return await future

    async def _run(self) -> None:
        while True:
            first = await self._queue.get()
            await self._slots.acquire()
            batch = [first]
            while len(batch) < self._max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            task = asyncio.create_task(self._write(batch))
            self._writing.add(task)
            task.add_done_callback(self._writing.discard)

    async def _write(self, batch: list[tuple[BallotRequest, asyncio.Future[BallotCast]]]) -> None:
        from app.realtime.hub import in_thread

        # Stable: one participant's ballots keep their order.
        batch.sort(key=lambda item: item[0].participant_id)
        outcomes: list[Outcome | BaseException]
        try:
            outcomes = list(await in_thread(lambda: self._commit([r for r, _ in batch])))
        except Exception as exc:  # the thread itself failed: nobody's ballot is known stored
            outcomes = [exc] * len(batch)
        except BaseException:  # cancelled at shutdown: the waiting sockets are going away too
            for _, future in batch:
                future.cancel()
            raise
        finally:
            self._slots.release()
        self.batches += 1
        self.ballots += len(batch)
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():
                continue
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    def _commit(self, requests: list[BallotRequest]) -> list[Outcome]:
        try:
            with Session(self._engine, expire_on_commit=False) as db:
                outcomes = ballot_batch.cast_ballots(db, requests)
                db.commit()
                return list(outcomes)
        except IntegrityError:
            logger.info("a batch of %d ballots raced a resend; casting one by one", len(requests))
        except SQLAlchemyError as exc:
            if _unreachable(exc):
                return [exc] * len(requests)
            logger.warning("a batch of %d ballots failed; casting one by one", len(requests))
        return self._one_by_one(requests)

    def _one_by_one(self, requests: list[BallotRequest]) -> list[Outcome]:
        """Each ballot in its own savepoint, one commit. On SQLite the driver runs a savepoint
        opened outside a transaction as a transaction of its own, so each commits alone."""
        outcomes: list[Outcome] = []
        try:
            with Session(self._engine, expire_on_commit=False) as db:
                for request in requests:
                    try:
                        with db.begin_nested():
                            outcomes.append(ballot_batch.cast_one(db, request))
                    except DataError:
                        outcomes.append(unstorable_text())
                    except (DomainError, SQLAlchemyError) as exc:
                        outcomes.append(exc)
                db.commit()
        except SQLAlchemyError as exc:
            return [exc] * len(requests)
        return outcomes


def _unreachable(exc: SQLAlchemyError) -> bool:
    """The database itself failed (connection lost, server gone): trying ballots one by one
    would only fail again. Anything else may be one ballot's fault."""
    return isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )
