"""Durable ballots per second through the ballot writer alone, on SQLite and PostgreSQL.

No sockets, no server: ``app.realtime.writer.BallotWriter`` in this process, fed as fast as it
takes ballots (every ballot queued at once, as a worker's sockets would under overload), on a
fresh database per run. It isolates what bounds ingest in the swarm: the database work per
ballot. Each run casts first ballots for every phone, then revisions, in an approval round and a
casus round (with a principle per ballot), and checks that every acknowledged ballot is stored.

``--path batch`` is the production path (``sessions/ballot_batch.py``); ``--path one-by-one``
forces the ORM fallback for every batch, for comparison.

    python bench/writer.py                      # both databases, both paths
    python bench/writer.py --database postgres --path batch --ballots 20000
    python bench/writer.py --database sqlite --batch-sizes 4,16,64   # CPU per ballot by batch size
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    _fresh_postgres_database,
    _prepare_database,
    server_environment,
)

MAX_BALLOTS = 200_000


@contextlib.contextmanager
def _database(kind: str) -> Iterator[str]:
    if kind == "postgres":
        with _fresh_postgres_database() as url:
            _prepare_database(server_environment(url, "memory://"))
            yield url
    else:
        with tempfile.TemporaryDirectory(prefix="denksessie-writer-") as tmp:
            url = f"sqlite:///{tmp}/writer.sqlite3"
            _prepare_database(server_environment(url, "memory://"))
            yield url


def _setup(url: str, phones: int) -> tuple[int, dict[str, int], list[str]]:
    import app.models  # noqa: F401  (every table, so the foreign keys between them resolve)
    from app.casussen import service as casussen
    from app.config import Settings
    from app.db import build_engine, transaction
    from app.organisations import service as organisations
    from app.sessions import flows
    from app.sessions import service as sessions
    from app.sessions.models import Participant
    from app.sessions.schemas import DenksessieCreate, RoundCreate

    engine = build_engine(Settings(database_url=url, secret_key="x" * 32, environment="test"))
    rooms: dict[str, int] = {}
    try:
        with transaction(engine) as db:
            organisation_id = organisations.ensure_demo(db).id
            assert organisation_id is not None
            casus_id = casussen.list_visible(db, organisation_id=organisation_id)[0].id
            denksessie = sessions.create(
                db,
                organisation_id=organisation_id,
                data=DenksessieCreate(title="Writer bench", casus_ids=[casus_id]),
            )
            assert denksessie.id is not None
            for kind, config in (
                ("approval", {"candidates": ["privacy", "eenvoud", "compassie"]}),
                ("casus", {"casus_id": casus_id, "max_values": 3}),
            ):
                made = sessions.add_round(
                    db,
                    denksessie=denksessie,
                    data=RoundCreate.model_validate({"kind": kind, "config": config}),
                )
                assert made.id is not None
                rooms[kind] = made.id
            participants = [
                Participant(id=f"bench{index:08d}", denksessie_id=denksessie.id)
                for index in range(phones)
            ]
            db.add_all(participants)
            flows.open_round(db, denksessie=denksessie, round_id=rooms["approval"])
            ids = [p.id for p in participants]
            return denksessie.id, rooms, ids
    finally:
        engine.dispose()


def _payload(kind: str, index: int, revision: int) -> dict[str, Any]:
    values = ["privacy", "eenvoud", "compassie"]
    chosen = [values[(index + revision) % 3]]
    if kind == "approval":
        return {"approve": chosen}
    return {
        "decision": "toekennen",
        "values": chosen,
        "principles": {chosen[0]: f"Ik doe wat nodig is ({revision})."},
    }


async def _cast_round(
    url: str, denksessie_id: int, round_id: int, kind: str, ids: list[str], ballots: int, path: str
) -> dict[str, Any]:
    from app.config import Settings
    from app.db import build_engine
    from app.realtime.writer import BallotWriter
    from app.sessions.ballot_batch import BallotRequest
    from app.sessions.ballots import BallotCast

    settings = Settings(database_url=url, secret_key="x" * 32, environment="test")
    engine = build_engine(settings)
    writer = BallotWriter(engine, concurrency=1 if settings.is_sqlite else 2)
    if path == "one-by-one":
        writer._commit = writer._one_by_one  # type: ignore[method-assign]
    requests = [
        BallotRequest(
            denksessie_id,
            ids[n % len(ids)],
            round_id,
            kind,
            _payload(kind, n % len(ids), n // len(ids)),
            f"{kind}-{n}",
        )
        for n in range(ballots)
    ]
    writer.start()
    began = time.perf_counter()
    try:
        outcomes = await asyncio.gather(
            *(writer.submit(r) for r in requests), return_exceptions=True
        )
    finally:
        elapsed = time.perf_counter() - began
        await writer.stop()
        engine.dispose()
    return {
        "ballots": len(outcomes),
        "acked": sum(1 for o in outcomes if isinstance(o, BallotCast) and not o.duplicate),
        "refused": sum(1 for o in outcomes if not isinstance(o, BallotCast)),
        "seconds": round(elapsed, 3),
        "ballots_per_s": round(len(outcomes) / elapsed, 1),
        "us_per_ballot": round(elapsed / len(outcomes) * 1e6, 1),
        "batches": writer.batches,
        "mean_batch": round(writer.ballots / max(writer.batches, 1), 1),
    }


def _stored(url: str, round_id: int) -> int:
    from sqlalchemy import func, select

    from app.config import Settings
    from app.db import build_engine
    from app.sessions.models import BallotSubmission

    engine = build_engine(Settings(database_url=url, secret_key="x" * 32, environment="test"))
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(
                    select(func.count())
                    .select_from(BallotSubmission)
                    .where(BallotSubmission.round_id == round_id)  # type: ignore[arg-type]
                ).scalar_one()
            )
    finally:
        engine.dispose()


def _switch(url: str, denksessie_id: int, closing: int, opening: int) -> None:
    """Close one round and open the next, as the facilitator does."""
    from app.config import Settings
    from app.db import build_engine, transaction
    from app.sessions import flows
    from app.sessions.models import Denksessie

    engine = build_engine(Settings(database_url=url, secret_key="x" * 32, environment="test"))
    try:
        with transaction(engine) as db:
            denksessie = db.get(Denksessie, denksessie_id)
            assert denksessie is not None
            flows.close_round(db, denksessie=denksessie, round_id=closing)
            flows.open_round(db, denksessie=denksessie, round_id=opening)
    finally:
        engine.dispose()


def run(database: str, path: str, phones: int, ballots: int) -> dict[str, Any]:
    ballots = min(ballots, MAX_BALLOTS)
    with _database(database) as url:
        denksessie_id, rounds, ids = _setup(url, phones)
        figures: dict[str, Any] = {"database": database, "path": path, "phones": phones}
        for kind in ("approval", "casus"):
            if kind == "casus":
                _switch(url, denksessie_id, rounds["approval"], rounds["casus"])
            figures[kind] = asyncio.run(
                _cast_round(url, denksessie_id, rounds[kind], kind, ids, ballots, path)
            )
            stored = _stored(url, rounds[kind])
            figures[kind]["consistent"] = stored == figures[kind]["acked"]
    return figures


def batch_cost(database: str, phones: int, ballots: int, sizes: list[int]) -> dict[str, Any]:
    """CPU time per ballot of casus ballots written in batches of each size, one after another
    in this thread (``BallotWriter._commit``, what the writer's thread runs per batch). At
    1,000 ballots/s the writer keeps up and its batches are small, so a batch's fixed cost is
    what a voting worker pays (decision 0039)."""
    from app.config import Settings
    from app.db import build_engine
    from app.realtime.writer import BallotWriter
    from app.sessions.ballot_batch import BallotRequest

    figures: dict[str, Any] = {"database": database, "phones": phones, "kind": "casus"}
    for size in sizes:
        with _database(database) as url:
            denksessie_id, rounds, ids = _setup(url, phones)
            _switch(url, denksessie_id, rounds["approval"], rounds["casus"])
            engine = build_engine(
                Settings(database_url=url, secret_key="x" * 32, environment="test")
            )
            writer = BallotWriter(engine)
            requests = [
                BallotRequest(
                    denksessie_id,
                    ids[n % len(ids)],
                    rounds["casus"],
                    "casus",
                    _payload("casus", n % len(ids), n // len(ids)),
                    f"casus-{n}",
                )
                for n in range(ballots)
            ]
            batches = [requests[i : i + size] for i in range(0, len(requests), size)]
            warm = max(1, len(batches) // 20)
            for batch in batches[:warm]:
                writer._commit(batch)
            measured = sum(len(batch) for batch in batches[warm:])
            began = time.process_time()
            for batch in batches[warm:]:
                writer._commit(batch)
            used = time.process_time() - began
            engine.dispose()
        figures[f"batch_{size}"] = {
            "ballots": measured,
            "cpu_ms_per_ballot": round(1000 * used / max(measured, 1), 3),
            "cpu_ms_per_batch": round(1000 * used / max(len(batches) - warm, 1), 3),
        }
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--path", choices=["batch", "one-by-one", "both"], default="both")
    parser.add_argument("--phones", type=int, default=2000)
    parser.add_argument("--ballots", type=int, default=6000, help="per round")
    parser.add_argument(
        "--batch-sizes",
        help="instead: CPU per ballot in batches of these sizes, e.g. 4,16,64 (decision 0039)",
    )
    options = parser.parse_args(argv)
    databases = ["sqlite", "postgres"] if options.database == "both" else [options.database]
    if options.batch_sizes:
        sizes = [max(1, int(size)) for size in options.batch_sizes.split(",")]
        for database in (
            ["sqlite", "postgres"] if options.database == "both" else [options.database]
        ):
            figures = batch_cost(database, options.phones, min(options.ballots, MAX_BALLOTS), sizes)
            print(json.dumps(figures), flush=True)
        return
    paths = ["batch", "one-by-one"] if options.path == "both" else [options.path]
    for database in databases:
        for path in paths:
            print(json.dumps(run(database, path, options.phones, options.ballots)), flush=True)


if __name__ == "__main__":
    main()
