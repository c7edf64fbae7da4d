"""Group commit for ballots: many ballots, one transaction, every ack still after the commit.

One transaction per ballot costs a thread hop, a connection checkout and a commit (an fsync on
PostgreSQL) per ballot; at a thousand ballots a second that is most of a worker. Ballots that
arrive while a batch is being written wait for the next one, so batches grow exactly when load
does and a lone ballot is written at once. Each ballot runs in its own savepoint, so a refused
ballot (round closed, bad payload) leaves the others in the batch untouched; only when the
commit itself fails is every ballot of the batch answered ``UNAVAILABLE`` (nothing in it is
known to be durable, and a resend is idempotent).

Batches written side by side (PostgreSQL) could deadlock when two of them hold ballots of the
same two participants in opposite orders; each batch therefore writes its ballots in the order
of their ``key`` (the participant), so every transaction takes its row locks in one order.

Durable, then acknowledged: ``submit`` returns only after the batch's commit succeeded. On
SQLite the driver (pysqlite) runs a savepoint opened outside a transaction as a transaction of
its own, so there each ballot still commits on its own (cheap with WAL and synchronous=NORMAL)
and a batch shares the thread hop and the session; on PostgreSQL it shares the commit too.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from app.errors import DomainError

T = TypeVar("T")
MAX_BATCH = 128

Work = Callable[[Session], Any]


@dataclass(frozen=True)
class _Outcome(Generic[T]):
    value: T | None = None
    error: BaseException | None = None


class BallotWriter:
    def __init__(self, engine: Engine, *, concurrency: int = 1, max_batch: int = MAX_BATCH) -> None:
        """``concurrency`` batches are written side by side: 1 on SQLite (one writer at a time
        anyway), a few on PostgreSQL, where commits of different batches overlap."""
        self._engine = engine
        self._max_batch = max_batch
        self._slots = asyncio.Semaphore(concurrency)
        self._queue: asyncio.Queue[tuple[str, Work, asyncio.Future[Any]]] = asyncio.Queue()
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
            _, _, future = self._queue.get_nowait()
            future.cancel()

    async def submit(self, work: Callable[[Session], T], *, key: str = "") -> T:
        """Run ``work`` in the next batch; return its result once the batch is committed, or
        raise its ``DomainError``, or the ``SQLAlchemyError`` that kept it from being stored."""
        if self._task is None or self._task.done():
            raise RuntimeError("BallotWriter.start() first")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((key, work, future))
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

    async def _write(self, batch: list[tuple[str, Work, asyncio.Future[Any]]]) -> None:
        from app.realtime.hub import in_thread

        batch.sort(key=lambda item: item[0])  # stable: one participant's ballots keep their order
        try:
            outcomes = await in_thread(lambda: self._commit([work for _, work, _ in batch]))
        except Exception as exc:  # the thread itself failed: nobody's ballot is known stored
            outcomes = [_Outcome(error=exc)] * len(batch)
        except BaseException:  # cancelled at shutdown: the waiting sockets are going away too
            for _, _, future in batch:
                future.cancel()
            raise
        finally:
            self._slots.release()
        self.batches += 1
        self.ballots += len(batch)
        for (_, _, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():
                continue
            if outcome.error is not None:
                future.set_exception(outcome.error)
            else:
                future.set_result(outcome.value)

    def _commit(self, works: list[Work]) -> list[_Outcome[Any]]:
        outcomes: list[_Outcome[Any]] = []
        try:
            with Session(self._engine, expire_on_commit=False) as db:
                for work in works:
                    try:
                        with db.begin_nested():
                            outcomes.append(_Outcome(value=work(db)))
                    except (DomainError, SQLAlchemyError) as exc:
                        outcomes.append(_Outcome(error=exc))
                db.commit()
        except SQLAlchemyError as exc:
            return [_Outcome(error=exc)] * len(works)
        return outcomes
