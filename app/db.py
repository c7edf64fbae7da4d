"""Database plumbing: the shared MetaData, the engine factory and the ``DbSession`` alias.

The word "session" belongs to the domain (a denksessie), so the database handle is always
``db: DbSession``. SQLite gets WAL and ``synchronous=NORMAL`` on every connection: one ballot per
transaction drops from about 750 us to about 20 us on these machines (shared/PERF-NOTES.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, event
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

from app import write_gate
from app.config import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Constraint names are stable across databases so Alembic can drop or alter them by name. The
# convention is read when a table is declared, so every models module imports this module first.
metadata: MetaData = SQLModel.metadata
metadata.naming_convention = NAMING_CONVENTION

DbSession = Session


def foreign_key(
    target: str,
    *,
    cascade: bool = False,
    index: bool = True,
    nullable: bool = False,
    type_: type[Integer] | String = Integer,
) -> Column[Any]:
    """A foreign-key column; ``cascade`` deletes the row with its parent (children of a
    denksessie or catalogue), otherwise the parent cannot be deleted while it is referred to."""
    return Column(
        type_,
        ForeignKey(target, ondelete="CASCADE" if cascade else None),
        nullable=nullable,
        index=index,
    )


SQLITE_BUSY_TIMEOUT_S = 30
# Threads that read for websockets at once (``app.state.read_limiter``).
DB_READERS = 8


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Writers of this process queue at the write gate (app/write_gate.py) and find SQLite's lock
    # free; the busy timeout is for other processes (a `denksessie` command while serving).
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
    cursor.close()


# hide_parameters: a database error's message (logged with its traceback) names the statement
# but not its values, which may be a participant's name or a principle (docs/privacy.md).
def build_engine(settings: Settings) -> Engine:
    """Create the engine for the configured URL; never called at import time."""
    if settings.is_sqlite:
        path = settings.sqlite_path()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        # Enough pooled connections for the websocket readers (``DB_READERS``) and the ballot
        # writer, so a wave of reconnecting phones does not open and close overflow connections
        # (each running the pragmas again); HTTP bursts may still overflow.
        pool = {"pool_size": DB_READERS + 2, "max_overflow": 30} if path is not None else {}
        engine = create_engine(
            settings.database_url,
            connect_args={
                "check_same_thread": False,
                "timeout": SQLITE_BUSY_TIMEOUT_S,
                "factory": write_gate.GatedConnection,
            },
            hide_parameters=True,
            **pool,
        )
        # One write transaction at a time, first come first served (decision 0029).
        gate = write_gate.WriteGate()

        def on_connect(dbapi_connection: Any, record: Any) -> None:
            if isinstance(dbapi_connection, write_gate.GatedConnection):
                dbapi_connection.gate = gate
                dbapi_connection.gate_timeout = SQLITE_BUSY_TIMEOUT_S
            _sqlite_pragmas(dbapi_connection, record)

        event.listen(engine, "connect", on_connect)
        event.listen(engine, "before_cursor_execute", write_gate.before_cursor_execute)
        return engine
    return create_engine(
        settings.database_url, pool_pre_ping=True, pool_size=10, hide_parameters=True
    )


@contextmanager
def committing(db: Session) -> Iterator[Session]:
    """The one commit boundary: commit when the block succeeds, roll back when it raises."""
    try:
        yield db
        db.commit()
    except BaseException:
        db.rollback()
        raise


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work outside a request (CLI, loaders)."""
    with Session(engine, expire_on_commit=False) as db, committing(db):
        yield db
