"""What a room-wide update costs the server: one ``state`` to every phone, the hub alone, in this
process.

A room like the swarm's (a casus round then a ranking round, PHONES participants) with every
phone's socket held through uvicorn's real websocket protocol (``websockets`` sans-I/O, with
permessage-deflate negotiated as a browser does) over a transport that only counts bytes. Then:

- ``timer``: the facilitator sets a timer on the open casus round (its event published as the
  route publishes it) until every phone's transport got the resulting ``state``;
- ``timer_voting``: the same while ballots go through the hub's writer at ``--rate`` a second;
- ``reveal``: the casus round, closed, revealed while the ranking round is open.

For each (the median of ``--repeats``): the wall time, the CPU time of this process
(``time.process_time``: the event loop and the database thread together) and of the event loop
alone, the phone's frame size, and how many of the updates were built in memory (decision 0037).
Prints JSON.

    python bench/room_update.py                          # SQLite, 2,000 phones
    python bench/room_update.py --phones 500 --repeats 3 --profile var/room_update.prof

No network, no load generator: it isolates the server's own work from the click to the last
phone's frame handed to its socket, which ``bench/swarm.py`` measures end to end.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import cProfile
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.writer import _database  # noqa: E402

HANDSHAKE = (
    "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
)


class _Transport(asyncio.Transport):
    """A socket that takes every write at once and counts it."""

    def __init__(self, counter: _Counter) -> None:
        super().__init__()
        self.counter = counter

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.counter.wrote(len(data))

    def is_closing(self) -> bool:
        return False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 40000)}.get(
            name, default
        )

    def pause_reading(self) -> None:
        return None

    def resume_reading(self) -> None:
        return None

    def close(self) -> None:
        return None


FOREVER: list[asyncio.Future[None]] = []


class _Counter:
    """Bytes written, and the ``state`` frames handed over since ``expect``."""

    def __init__(self) -> None:
        self.bytes = 0
        self.states = 0
        self.state_chars = 0
        self.waiting_for: int | None = None
        self.done = asyncio.Event()

    def wrote(self, size: int) -> None:
        self.bytes += size

    def state_sent(self, frame: str) -> None:
        self.states += 1
        self.state_chars = len(frame)
        if self.waiting_for is not None and self.states >= self.waiting_for:
            self.done.set()

    def expect(self, states: int) -> None:
        self.done.clear()
        self.waiting_for = self.states + states


class _Watched:
    """A socket's websocket that counts the ``state`` frames once written (those written
    through its wire are counted by ``_watch_wires``)."""

    def __init__(self, websocket: Any, counter: _Counter) -> None:
        self.websocket = websocket
        self.scope = websocket.scope
        self.counter = counter

    async def send_text(self, frame: str) -> None:
        await self.websocket.send_text(frame)
        if frame.startswith('{"type":"state"'):
            self.counter.state_sent(frame)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        await self.websocket.close(code, reason)


def _watch_wires(counter: _Counter) -> None:
    try:
        from app.realtime import wire
    except ImportError:  # a version without prepared frames (to compare with)
        return
    write = wire.Wire.write

    def counted(self: wire.Wire, frame: wire.Prepared) -> bool:
        written = write(self, frame)
        if written and frame.text.startswith('{"type":"state"'):
            counter.state_sent(frame.text)
        return written

    wire.Wire.write = counted  # type: ignore[method-assign]


async def _sockets(n: int, counter: _Counter, *, wire: bool) -> list[Any]:
    """N starlette websockets over uvicorn's protocol, deflate negotiated; with ``wire``, behind
    the app's ``WireMiddleware``."""
    from starlette.websockets import WebSocket
    from uvicorn.config import Config
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
    from uvicorn.server import ServerState

    held: list[WebSocket] = []
    forever = asyncio.get_running_loop().create_future()
    FOREVER[:] = [forever]

    async def app(scope: Any, receive: Any, send: Any) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        held.append(websocket)
        await forever

    served: Any = app
    if wire:
        try:
            from app.realtime.wire import WireMiddleware
        except ImportError:  # a version without prepared frames (to compare with)
            pass
        else:
            served = WireMiddleware(app)
    config = Config(served, ws_per_message_deflate=True, log_level="warning", lifespan="off")
    config.load()
    state = ServerState()
    for _ in range(n):
        protocol = WebSocketsSansIOProtocol(config, state, {})
        protocol.connection_made(_Transport(counter))
        key = base64.b64encode(os.urandom(16)).decode()
        protocol.data_received(HANDSHAKE.format(key=key).encode())
    while len(held) < n:  # noqa: ASYNC110 (uvicorn runs each app in a task of its own)
        await asyncio.sleep(0.01)
    return held


def _setup(url: str, phones: int) -> tuple[int, int, int, list[str]]:
    """The swarm's room: a casus round (open) and a ranking round, PHONES participants."""
    import app.models  # noqa: F401
    from app.casussen import service as casussen
    from app.catalogue import service as catalogues
    from app.config import Settings
    from app.db import build_engine, transaction
    from app.organisations import service as organisations
    from app.sessions import flows
    from app.sessions import service as sessions
    from app.sessions.models import Participant
    from app.sessions.schemas import DenksessieCreate, RoundCreate

    engine = build_engine(Settings(database_url=url, secret_key="x" * 32, environment="test"))
    try:
        with transaction(engine) as db:
            organisation_id = organisations.ensure_demo(db).id
            assert organisation_id is not None
            casus_id = casussen.list_visible(db, organisation_id=organisation_id)[0].id
            denksessie = sessions.create(
                db,
                organisation_id=organisation_id,
                data=DenksessieCreate(title="Room update bench", casus_ids=[casus_id]),
            )
            assert denksessie.id is not None
            casus = sessions.add_round(
                db,
                denksessie=denksessie,
                data=RoundCreate.model_validate(
                    {"kind": "casus", "config": {"casus_id": casus_id}}
                ),
            )
            catalogue = catalogues.to_public(db, sessions.catalogue_of(db, denksessie))
            VALUES[:] = [v.key for c in catalogue.clusters for v in c.values][:8]
            ranking = sessions.add_round(
                db,
                denksessie=denksessie,
                data=RoundCreate.model_validate(
                    {"kind": "ranking", "config": {"candidates": VALUES[:8]}}
                ),
            )
            participants = [
                Participant(
                    id=f"bench{index:08d}", denksessie_id=denksessie.id, display_name=f"p{index}"
                )
                for index in range(phones)
            ]
            db.add_all(participants)
            flows.open_round(db, denksessie=denksessie, round_id=casus.id)  # type: ignore[arg-type]
            assert casus.id is not None
            assert ranking.id is not None
            return denksessie.id, casus.id, ranking.id, [p.id for p in participants]
    finally:
        engine.dispose()


VALUES: list[str] = []  # the catalogue's first eight values (``_setup``)


def _payload(kind: str, index: int, revision: int) -> dict[str, Any]:
    if kind == "casus":
        values = [VALUES[(index + revision) % 8], VALUES[(index + revision + 3) % 8]]
        return {
            "decision": ("toekennen", "niet_toekennen", "twijfel")[index % 3],
            "values": values,
            "principles": {values[0]: "Ik kijk eerst naar de mens."} if revision % 2 else {},
        }
    ranking = VALUES[index % 8 :] + VALUES[: index % 8]
    return {"ranking": ranking}


async def _control(url: str, action: Callable[[Any, Any], Any]) -> Any:
    """A facilitator's control as the route runs it: in a thread, committed, its event
    returned."""
    from app.config import Settings
    from app.db import build_engine, transaction
    from app.sessions.models import Denksessie

    def run() -> Any:
        engine = build_engine(Settings(database_url=url, secret_key="x" * 32, environment="test"))
        try:
            with transaction(engine) as db:
                denksessie = db.get(Denksessie, DENKSESSIE[0])
                return action(db, denksessie)
        finally:
            engine.dispose()

    return await asyncio.to_thread(run)


DENKSESSIE = [0]


async def _measure(url: str, options: argparse.Namespace) -> dict[str, Any]:
    from app.config import Settings
    from app.db import build_engine
    from app.realtime.backplane import MemoryBackplane
    from app.realtime.connection import Connection
    from app.realtime.hub import Hub
    from app.sessions import flows
    from app.sessions.ballot_batch import BallotRequest

    phones = options.phones
    denksessie_id, casus_round, ranking_round, ids = _setup(url, phones)
    DENKSESSIE[0] = denksessie_id
    settings = Settings(database_url=url, secret_key="x" * 32, environment="test")
    engine = build_engine(settings)
    backplane = MemoryBackplane()
    await backplane.connect()
    hub = Hub(engine, backplane, gc_freeze_after=5.0)  # as ``main.py`` makes it
    await hub.start()
    counter = _Counter()
    _watch_wires(counter)
    sockets = await _sockets(phones + 2, counter, wire=not options.no_wire)
    connections: list[Connection] = []
    for index, websocket in enumerate(sockets):
        role = "facilitator" if index == 0 else "screen" if index == 1 else "participant"
        connection = Connection(
            _Watched(websocket, counter),  # type: ignore[arg-type]
            role=role,  # type: ignore[arg-type]
            denksessie_id=denksessie_id,
            participant_id=ids[index - 2] if role == "participant" else None,
        )
        await hub.add(connection)
        connection.start()
        connections.append(connection)
    hub.gc.maybe_freeze()  # as the server does after a wave of sockets (``observability/gc.py``)
    # The event loop's own CPU time only: the database thread's shows in ``cpu_ms``.
    profile = cProfile.Profile(time.thread_time) if options.profile else None
    figures: dict[str, Any] = {"phones": phones}
    revision = [0]

    async def submit(round_id: int, kind: str, count: int, rate: float | None) -> None:
        began = time.perf_counter()
        pending = []
        for n in range(count):
            index = (revision[0] + n) % phones
            if rate:
                delay = began + n / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            request = BallotRequest(
                denksessie_id,
                ids[index],
                round_id,
                kind,
                _payload(kind, index, revision[0] + n),
                f"m{revision[0] + n}",
            )
            pending.append(asyncio.ensure_future(hub.writer.submit(request)))
        revision[0] += count
        await asyncio.gather(*pending)

    async def update(label: str, action: Callable[[Any, Any], Any]) -> dict[str, Any]:
        event = await _control(url, action)
        await asyncio.sleep(0.3)  # the tally of earlier ballots has gone out
        counter.expect(len(connections))
        built_in_memory = from_memory()
        wall, cpu, loop = time.perf_counter(), time.process_time(), time.thread_time()
        if profile is not None:
            profile.enable()
        await hub.publish(event)
        await asyncio.wait_for(counter.done.wait(), 30)
        if profile is not None:
            profile.disable()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        loop = time.thread_time() - loop
        return {
            "wall_ms": wall * 1000,
            "cpu_ms": cpu * 1000,
            "loop_cpu_ms": loop * 1000,
            "phone_chars": counter.state_chars,
            "from_memory": from_memory() > built_in_memory,
        }

    def from_memory() -> float:
        """States built without a database visit so far (decision 0037; 0 before it)."""
        found = hub.metrics.registry.get_sample_value("denksessie_states_from_memory_total")
        return found or 0.0

    def reveal(shown: bool) -> Callable[[Any, Any], Any]:
        return lambda db, d: flows.reveal_round(
            db, denksessie=d, round_id=casus_round, revealed=shown
        )

    def timer(seconds: int) -> Callable[[Any, Any], Any]:
        return lambda db, d: flows.set_timer(
            db, denksessie=d, round_id=casus_round, seconds=seconds
        )

    try:
        await submit(casus_round, "casus", phones, None)  # every phone voted once
        await asyncio.sleep(1.2)
        await update("warm", timer(500))  # the room's sockets now hold the kept parts
        runs: dict[str, list[dict[str, Any]]] = {"timer": [], "timer_voting": [], "reveal": []}
        for repeat in range(options.repeats):
            runs["timer"].append(await update("timer", timer(600 + repeat)))
            voting = asyncio.ensure_future(submit(casus_round, "casus", 1000, options.rate))
            await asyncio.sleep(0.3)
            runs["timer_voting"].append(await update("timer_voting", timer(700 + repeat)))
            await voting
        await hub.publish(
            await _control(
                url, lambda db, d: flows.close_round(db, denksessie=d, round_id=casus_round)
            )
        )
        await hub.publish(
            await _control(
                url, lambda db, d: flows.open_round(db, denksessie=d, round_id=ranking_round)
            )
        )
        await submit(ranking_round, "ranking", phones, None)
        # The hub reads ahead, a moment after the state, what the reveal will show; a reveal
        # before that read is done is read from the database (not what this measures).
        room = hub.rooms[denksessie_id]
        async with asyncio.timeout(30):
            while (casus_round, False) not in room.known_results:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        for repeat in range(options.repeats):
            if repeat:
                await update("hide", reveal(False))
            runs["reveal"].append(await update("reveal", reveal(True)))
        for key, samples in runs.items():
            figures[key] = {
                "wall_ms": round(statistics.median(s["wall_ms"] for s in samples), 1),
                "cpu_ms": round(statistics.median(s["cpu_ms"] for s in samples), 1),
                "loop_cpu_ms": round(statistics.median(s["loop_cpu_ms"] for s in samples), 1),
                "loop_cpu_us_per_phone": round(
                    statistics.median(s["loop_cpu_ms"] for s in samples) * 1000 / phones, 1
                ),
                "runs": [round(s["cpu_ms"], 1) for s in samples],
                "last_frame_chars": samples[-1]["phone_chars"],
                "from_memory": sum(s["from_memory"] for s in samples),
            }
    finally:
        for connection in connections:
            await connection.stop()
        FOREVER[0].set_result(None)
        await hub.stop()
        engine.dispose()
    if profile is not None:
        profile.dump_stats(options.profile)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--phones", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument(
        "--no-wire", action="store_true", help="every frame through send_text (no WireMiddleware)"
    )
    parser.add_argument("--profile", help="write cProfile stats of the measured updates here")
    options = parser.parse_args()
    with contextlib.suppress(OSError):
        os.sched_setaffinity(0, {0})
    with _database(options.database) as url:
        figures = asyncio.run(_measure(url, options))
    print(json.dumps({"database": options.database, **figures}, indent=2))


if __name__ == "__main__":
    main()
