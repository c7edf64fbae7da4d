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

The writer also knows what it stored: the batch returns the stored ballot of every accepted one
(what it wrote, and for a resend what its first attempt stored, read back: that may have been
stored by a worker that died before telling anyone), and once committed hands them to
``on_stored``. The hub
publishes them as deltas for every worker's running tallies (decision 0028).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence

from sqlalchemy import Table
from sqlalchemy import select as select_columns
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

from app.aggregation.methods import OTHER_ROLE
from app.errors import DomainError
from app.realtime.threads import in_thread
from app.sessions import ballot_batch
from app.sessions.ballot_batch import BallotRequest, StoredBallot
from app.sessions.ballots import BallotCast, unstorable_text
from app.sessions.models import Ballot, Participant

logger = logging.getLogger(__name__)
MAX_BATCH = 128
# A batch waits this long for company after its first ballot (decision 0039). A batch's cost is
# mostly fixed (about 2.5 ms of CPU on SQLite), so batches of two or three, which a writer that
# keeps up at 1,000 ballots/s writes, cost a voting worker a third of its core; gathering for a
# few milliseconds makes them ten times larger and the core free for the acks and the screens.
BATCH_WINDOW_S = 0.006
BALLOT: Table = Ballot.__table__  # type: ignore[attr-defined]
PARTICIPANT: Table = Participant.__table__  # type: ignore[attr-defined]

Outcome = BallotCast | DomainError | SQLAlchemyError


def _read_stored(
    db: Session, requests: Sequence[BallotRequest], outcomes: Sequence[object]
) -> list[StoredBallot]:
    """The stored ballot of every accepted request, read in the one-by-one path's transaction
    (the batch path knows what it wrote: ``ballot_batch.cast_batch``)."""
    pairs = {
        (request.round_id, request.participant_id): request.denksessie_id
        for request, outcome in zip(requests, outcomes, strict=True)
        if isinstance(outcome, BallotCast)
    }
    if not pairs:
        return []
    rows = db.connection().execute(
        select_columns(
            BALLOT.c.round_id,
            BALLOT.c.participant_id,
            BALLOT.c.revision,
            BALLOT.c.payload,
            PARTICIPANT.c.role,
            BALLOT.c.client_msg_id,
        )
        .join_from(BALLOT, PARTICIPANT, PARTICIPANT.c.id == BALLOT.c.participant_id)
        .where(
            BALLOT.c.round_id.in_({round_id for round_id, _ in pairs}),
            BALLOT.c.participant_id.in_({pid for _, pid in pairs}),
        )
    )
    return [
        StoredBallot(
            pairs[(round_id, pid)],
            round_id,
            pid,
            revision,
            dict(payload),
            role or OTHER_ROLE,
            msg_id,
        )
        for round_id, pid, revision, payload, role, msg_id in rows
        if (round_id, pid) in pairs  # the IN lists also match other pairs of their values
    ]


class BallotWriter:
    def __init__(
        self,
        engine: Engine,
        *,
        concurrency: int = 1,
        max_batch: int = MAX_BATCH,
        window: float = BATCH_WINDOW_S,
        on_stored: Callable[[list[StoredBallot]], None] | None = None,
    ) -> None:
        """``concurrency`` batches are written side by side: 1 on SQLite (one writer at a time
        anyway), a few on PostgreSQL, where commits of different batches overlap.
        ``on_stored`` hears (on the event loop) the ballots of every committed batch, before
        their acks are handed back."""
        self._engine = engine
        self._on_stored = on_stored
        self._max_batch = max_batch
        self._window = window
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
            if self._window > 0 and self._queue.qsize() < self._max_batch - 1:
                await asyncio.sleep(self._window)
            batch = [first]
            while len(batch) < self._max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            task = asyncio.create_task(self._write(batch))
            self._writing.add(task)
            task.add_done_callback(self._writing.discard)

    async def _write(self, batch: list[tuple[BallotRequest, asyncio.Future[BallotCast]]]) -> None:
        # Stable: one participant's ballots keep their order.
        batch.sort(key=lambda item: item[0].participant_id)
        outcomes: list[Outcome | BaseException]
        stored: list[StoredBallot] = []
        try:
            committed, stored = await in_thread(lambda: self._commit([r for r, _ in batch]))
            outcomes = list(committed)
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
        # After the acks were handed back: durable, then acknowledged, then published.
        if stored and self._on_stored is not None:
            try:
                self._on_stored(stored)
            except Exception:  # the acks stand: the ballots are durable
                logger.exception("could not hand over stored ballots")

    def _commit(self, requests: list[BallotRequest]) -> tuple[list[Outcome], list[StoredBallot]]:
        try:
            with Session(self._engine, expire_on_commit=False) as db:
                outcomes, stored = ballot_batch.cast_batch(db, requests)
                db.commit()
                return list(outcomes), stored
        except IntegrityError:
            logger.info("a batch of %d ballots raced a resend; casting one by one", len(requests))
        except SQLAlchemyError as exc:
            if _unreachable(exc):
                return [exc] * len(requests), []
            logger.warning("a batch of %d ballots failed; casting one by one", len(requests))
        return self._one_by_one(requests)

    def _one_by_one(
        self, requests: list[BallotRequest]
    ) -> tuple[list[Outcome], list[StoredBallot]]:
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
                stored = _read_stored(db, requests, outcomes)
                db.commit()
        except SQLAlchemyError as exc:
            return [exc] * len(requests), []
        return outcomes, stored


def _unreachable(exc: SQLAlchemyError) -> bool:
    """The database itself failed (connection lost, server gone): trying ballots one by one
    would only fail again. Anything else may be one ballot's fault."""
    return isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )
