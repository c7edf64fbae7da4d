"""One writer at a time on SQLite, in arrival order, queued in the process (decision 0029).

SQLite has one writer at a time and no queue: a connection that finds the database locked sleeps
in its busy handler (1, 2, 5, 10 ... up to 100 ms between tries) and tries again, and whoever
tries at the right moment wins. In a wave of joins dozens of threads wait like that; some lost
every try for the whole busy timeout (30 s) and answered HTTP 500 "database is locked", others
waited 25-29 s, and while they held the thread pool a round's opening reached the phones 25 s
late (docs/performance.md, "Joins").

So every write transaction on a SQLite engine first takes this gate: a first-come-first-served
lock, taken just before the transaction's first write statement (where pysqlite opens the
transaction, so a transaction that only reads never waits) and given back right after its
commit or rollback. A writer that waits is woken the moment the one before it is done, instead of
polling, and SQLite's own lock is then always free. It holds within one process: other
processes (``denksessie`` commands while the server runs) still meet SQLite's busy handler.

The gate is part of the connection: ``GatedConnection`` (pysqlite's connection, given to
``sqlite3.connect`` as its ``factory``) gives it back in ``commit``, ``rollback`` and ``close``,
whichever thread calls them (a request's commit may run on another thread than its writes).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections import deque
from typing import Any

logger = logging.getLogger(__name__)

# Statements that make pysqlite open a transaction (and SQLite take its write lock).
WRITE_STATEMENTS = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class WriteGate:
    """A lock that hands itself to the longest waiter (``threading.Lock`` wakes any)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._held = False
        self.waits = 0  # how many writers found it taken (for tests and metrics)

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            self.waits += 1
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        if turn.acquire(timeout=timeout):
            return True  # handed over by release(): the gate is ours
        with self._mutex:
            try:
                self._waiters.remove(turn)
            except ValueError:  # handed over just as the wait ran out
                return True
            return False

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()  # stays held, by the next in line
            else:
                self._held = False

    @property
    def held(self) -> bool:
        return self._held


class GatedConnection(sqlite3.Connection):
    """pysqlite's connection, giving the gate back when its transaction ends."""

    gate: WriteGate | None = None
    gate_timeout: float = 30.0
    holds_gate: bool = False

    def enter_write(self) -> None:
        """Take the gate before this connection's first write of a transaction."""
        if self.gate is None or self.holds_gate:
            return
        if self.gate.acquire(self.gate_timeout):
            self.holds_gate = True
        else:  # a writer that never finishes: let SQLite's busy handler decide, as before
            logger.warning(
                "SQLite write gate not free after %.0f s; writing anyway", self.gate_timeout
            )

    def _leave(self) -> None:
        if self.holds_gate and self.gate is not None:
            self.holds_gate = False
            self.gate.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._leave()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._leave()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._leave()


def is_write(statement: str) -> bool:
    return statement.lstrip()[:7].upper().startswith(WRITE_STATEMENTS)


def before_cursor_execute(
    conn: Any, _cursor: Any, statement: str, _parameters: Any, _context: Any, _many: bool
) -> None:
    """SQLAlchemy's ``before_cursor_execute`` hook for SQLite engines."""
    if is_write(statement):
        dbapi_connection = conn.connection.dbapi_connection
        if isinstance(dbapi_connection, GatedConnection):
            dbapi_connection.enter_write()
