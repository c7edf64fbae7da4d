"""app/write_gate.py: SQLite writers of one process take turns, first come first served."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import text

from app.config import Settings
from app.db import build_engine
from app.write_gate import WriteGate, is_write


def test_the_gate_goes_to_the_longest_waiter() -> None:
    gate = WriteGate()
    assert gate.acquire(timeout=1)
    order: list[int] = []
    threads = []

    def write(index: int) -> None:
        assert gate.acquire(10)
        order.append(index)
        gate.release()

    for index in range(5):
        thread = threading.Thread(target=write, args=(index,))
        thread.start()
        threads.append(thread)
        deadline = time.monotonic() + 5
        while gate.waits < index + 1 and time.monotonic() < deadline:
            time.sleep(0.001)  # until this thread is in line (polling, not a fixed wait)
    gate.release()
    for thread in threads:
        thread.join(10)
    assert order == [0, 1, 2, 3, 4]
    assert not gate.held


def test_a_wait_that_runs_out_leaves_the_line() -> None:
    gate = WriteGate()
    assert gate.acquire(timeout=1)
    assert gate.acquire(timeout=0.01) is False
    gate.release()
    assert not gate.held
    assert gate.acquire(timeout=0.01)


def test_only_writes_take_the_gate() -> None:
    assert is_write("  insert into x values (1)")
    assert is_write("UPDATE denksessie SET joined = joined + 1")
    assert not is_write("SELECT 1")
    assert not is_write("PRAGMA foreign_keys=ON")


def test_two_writers_on_one_sqlite_engine_take_turns(tmp_path: Path) -> None:
    """The second writer waits at the gate, not in SQLite's busy handler, and both commit."""
    engine = build_engine(Settings(database_url=f"sqlite:///{tmp_path}/gate.sqlite3"))
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    first = engine.connect()
    first.execute(text("INSERT INTO t VALUES (1)"))  # holds the gate until its commit
    done = threading.Event()

    def second() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (2)"))
        done.set()

    thread = threading.Thread(target=second)
    thread.start()
    assert not done.wait(0.2)  # queued behind the open write transaction
    first.commit()
    first.close()
    assert done.wait(10)
    thread.join(10)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 2
    engine.dispose()
