"""What one tally tick costs as a round fills up: the hub alone, in this process.

A casus round (a principle per ballot; ``--kind approval``: an approval round) with PHONES
ballots already stored; then TICKS times one phone revises its ballot through the hub's writer
and the hub builds the facilitator's and the screen's tally (``Hub._push_tally``). The texts the
tally shows are read aside since decision 0041, so a tick is what the event loop pays; the read
runs in a thread meanwhile. Prints JSON: the mean and p95 of a tick at each size, so the growth
with the number of ballots shows.

    python bench/tally_tick.py                        # SQLite, 500 and 5,000 ballots
    python bench/tally_tick.py --database postgres --phones 1000 5000 --ticks 50

Sockets are stand-ins that drop what they are sent; only the tick is timed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.writer import _database, _payload, _setup, _switch  # noqa: E402


class _Drop:
    async def send_text(self, frame: str) -> None:
        return None

    async def close(self, code: int = 1000, reason: str = "") -> None:
        return None


async def _measure(url: str, phones: int, ticks: int, kind: str) -> dict[str, Any]:
    from app.config import Settings
    from app.db import build_engine
    from app.events import BALLOTS_CHANGED, MARKER_SEQ, Event
    from app.realtime.backplane import MemoryBackplane
    from app.realtime.connection import Connection
    from app.realtime.hub import Hub
    from app.sessions.ballot_batch import BallotRequest

    denksessie_id, rounds, ids = _setup(url, phones)
    if kind == "casus":
        _switch(url, denksessie_id, rounds["approval"], rounds["casus"])
    round_id = rounds[kind]
    settings = Settings(database_url=url, secret_key="x" * 32, environment="test")
    engine = build_engine(settings)
    backplane = MemoryBackplane()
    await backplane.connect()
    hub = Hub(engine, backplane, screen_interval=3600.0, phone_interval=3600.0)
    await hub.start()
    await asyncio.sleep(0.05)  # the hub's own tick now waits an hour: only this script ticks
    hub._screen_interval = 0.0  # and every tick it makes is due to recompute what it would
    try:
        await asyncio.gather(
            *(
                hub.writer.submit(
                    BallotRequest(denksessie_id, pid, round_id, kind, _payload(kind, n, 0), f"a{n}")
                )
                for n, pid in enumerate(ids)
            )
        )
        for role in ("facilitator", "screen"):
            connection = Connection(_Drop(), role=role, denksessie_id=denksessie_id)  # type: ignore[arg-type]
            await hub.add(connection)
            connection.start()
        room = hub.rooms[denksessie_id]
        await hub._push_tally(room, ["facilitator", "screen"], [])  # warm: the first read of all
        samples = []
        for tick in range(ticks):
            n = tick % len(ids)
            await hub.writer.submit(
                BallotRequest(
                    denksessie_id,
                    ids[n],
                    round_id,
                    kind,
                    _payload(kind, n, 1 + tick),
                    f"b{tick}",
                )
            )
            if not hasattr(hub, "markers"):  # the hub before running tallies: a marker
                hub.on_event(
                    Event(BALLOTS_CHANGED, denksessie_id, MARKER_SEQ, {"round_id": round_id})
                )
            await asyncio.sleep(0.01)  # the marker or delta reaches the hub
            began = time.perf_counter()
            # Every tick recomputes what it would (no cost back-off, before or after).
            room.texts_read_at = 0.0
            await hub._push_tally(room, ["facilitator", "screen"], [])
            samples.append(time.perf_counter() - began)
    finally:
        await hub.stop()
        engine.dispose()
    samples.sort()
    return {
        "ballots": phones,
        "ticks": ticks,
        "mean_ms": round(statistics.mean(samples) * 1000, 2),
        "p95_ms": round(samples[int(0.95 * (len(samples) - 1))] * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--phones", type=int, nargs="+", default=[500, 5000])
    parser.add_argument("--ticks", type=int, default=40)
    parser.add_argument("--kind", choices=("casus", "approval"), default="casus")
    args = parser.parse_args()
    out = []
    for phones in args.phones:
        with _database(args.database) as url:
            out.append(asyncio.run(_measure(url, min(phones, 20_000), args.ticks, args.kind)))
    print(json.dumps({"database": args.database, "kind": args.kind, "runs": out}, indent=2))


if __name__ == "__main__":
    main()
