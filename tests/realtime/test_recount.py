"""A worker that lost its backplane recounts from the database when it is back (decision 0028).

Two hubs in this process, each with its own connections to the real Redis, share the real
PostgreSQL. Hub A's Redis connections are killed (``CLIENT KILL ID``) and kept from coming back
for a while, as a Redis restart or a network cut does; meanwhile ballots are cast on hub B, whose
deltas A cannot hear. Once A is let back in, its screen and its facilitator must show what is
stored: the count and the aggregate recomputed from the database, not the running tally A held
before the cut. (Before this, a projector on the worker that lost Redis for 5 s showed 23 while
40 ballots were stored, and still 22 of 39 37 s after Redis came back.)
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Callable
from typing import Any, cast

import pytest
import redis.asyncio as aioredis
from sqlalchemy import Engine, func
from sqlmodel import Session, select
from starlette.websockets import WebSocket

from app.realtime.backplane import RedisBackplane
from app.realtime.connection import Connection
from app.realtime.hub import Hub
from app.sessions.ballot_batch import BallotRequest
from app.sessions.models import Ballot
from app.tokens import Role
from tests.realtime.support import Frame, Live, aggregate_in_db, new_msg_id
from tests.realtime.test_connection import FakeSocket
from tests.services import REDIS_URL, require_redis

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

WAIT_S = 20.0
VOTES = (["privacy"], ["eenvoud"], ["privacy", "compassie"], ["zelfbeschikking"])


class CuttableBackplane(RedisBackplane):
    """The real Redis backplane, whose reconnects fail while ``cut`` (the network is down)."""

    cut = False

    async def connect(self) -> None:
        if self.cut:
            raise ConnectionError("the network to Redis is cut")
        await super().connect()


async def _kill_connections(client_name: str) -> int:
    """Kill every Redis connection named ``client_name``, as a Redis restart would."""
    admin = aioredis.from_url(REDIS_URL, decode_responses=True)
    try:
        killed = 0
        for client in await admin.client_list():
            if client.get("name") == client_name:
                await admin.execute_command("CLIENT", "KILL", "ID", client["id"])  # type: ignore[no-untyped-call]
                killed += 1
        return killed
    finally:
        await admin.aclose()


async def eventually(condition: Callable[[], bool], within: float = WAIT_S) -> None:
    """Poll for what a user would notice; never a fixed sleep."""
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "not in time"
        await asyncio.sleep(0.01)


class Watched:
    """A socket of a hub and what its client would show of one round: the latest count and
    (for the facilitator) the latest aggregate, from snapshots, states and tallies alike."""

    def __init__(self, denksessie_id: int, round_id: int, role: Role) -> None:
        self.socket = FakeSocket()
        self.round_id = round_id
        self.connection = Connection(
            cast(WebSocket, self.socket), role=role, denksessie_id=denksessie_id
        )

    def _entries(self) -> list[tuple[int | None, Any]]:
        seen: list[tuple[int | None, Any]] = []
        key = str(self.round_id)
        for raw in self.socket.sent:
            frame: Frame = json.loads(raw)
            if frame["type"] == "tally" and key in frame["rounds"]:
                entry = frame["rounds"][key]
                seen.append((entry["n_ballots"], entry.get("results")))
            elif frame["type"] in ("state", "snapshot"):
                count = next(
                    (r["n_ballots"] for r in frame["rounds"] if r["id"] == self.round_id), None
                )
                seen.append((count, frame["results"].get(key)))
        return seen

    @property
    def count(self) -> int | None:
        entries = self._entries()
        return entries[-1][0] if entries else None

    @property
    def results(self) -> Any:
        entries = [results for _, results in self._entries() if results is not None]
        return entries[-1] if entries else None


def _reconnects(hub: Hub) -> float:
    return hub.metrics.registry.get_sample_value("denksessie_backplane_reconnects_total") or 0.0


def _stored(engine: Engine, round_id: int) -> int:
    with Session(engine) as db:
        return int(
            db.exec(
                select(func.count()).select_from(Ballot).where(Ballot.round_id == round_id)
            ).one()
        )


@pytest.fixture
async def hubs(realtime_engine: Engine) -> AsyncIterator[tuple[Hub, Hub, CuttableBackplane, str]]:
    require_redis()
    namespace = f"recount-{secrets.token_hex(4)}"
    name_a = f"{namespace}-a-backplane"
    backplane_a = CuttableBackplane(REDIS_URL, client_name=name_a)
    backplane_b = RedisBackplane(REDIS_URL, client_name=f"{namespace}-b-backplane")
    started: list[Hub] = []
    try:
        for backplane in (backplane_a, backplane_b):
            await backplane.connect()
            hub = Hub(
                realtime_engine,
                backplane,
                screen_interval=0.02,
                phone_interval=0.05,
                namespace=namespace,
            )
            await hub.start()
            started.append(hub)
        yield started[0], started[1], backplane_a, name_a
    finally:
        for hub in started:
            await hub.stop()
        backplane_a.cut = False
        for backplane in (backplane_a, backplane_b):
            await backplane.disconnect()


class TestBackplaneReconnectRecounts:
    async def test_screens_on_the_cut_worker_converge_to_what_is_stored(
        self,
        live: Live,
        realtime_engine: Engine,
        hubs: tuple[Hub, Hub, CuttableBackplane, str],
    ) -> None:
        hub_a, hub_b, backplane_a, name_a = hubs
        round_id = live.open_round("approval")
        members = [live.join() for _ in range(8)]

        async def cast(index: int, member_index: int) -> None:
            await hub_b.writer.submit(
                BallotRequest(
                    live.id,
                    members[member_index].participant_id,
                    round_id,
                    "approval",
                    {"approve": VOTES[index % len(VOTES)]},
                    new_msg_id(),
                )
            )

        screen_a = Watched(live.id, round_id, "screen")
        facilitator_a = Watched(live.id, round_id, "facilitator")
        screen_b = Watched(live.id, round_id, "screen")
        for hub, watched in ((hub_a, screen_a), (hub_a, facilitator_a), (hub_b, screen_b)):
            await hub.add(watched.connection)
            hub.ready(watched.connection)

        # Before the cut the deltas flow: both screens follow ballots cast on B.
        for n in range(3):
            await cast(n, n)
        await eventually(lambda: screen_a.count == 3 and screen_b.count == 3)

        # Cut A off Redis, and keep it off while ballots (new ones and revisions) go to B.
        backplane_a.cut = True
        assert _reconnects(hub_a) == 0
        assert await _kill_connections(name_a) >= 1
        await eventually(lambda: _reconnects(hub_a) > 0)  # A noticed the cut
        for n in range(3, 8):
            await cast(n, n)
        await cast(1, 0)  # a revision: the count stays, the aggregate changes
        await eventually(lambda: screen_b.count == 8)
        assert screen_a.count == 3  # A heard none of it

        # Let A back in: its screen and facilitator converge to the database.
        backplane_a.cut = False
        stored = _stored(realtime_engine, round_id)
        assert stored == 8
        expected = aggregate_in_db(realtime_engine, live.id, round_id)
        await eventually(lambda: screen_a.count == stored and facilitator_a.results == expected)

        # And the deltas flow again after the recount.
        await cast(2, 7)
        expected = aggregate_in_db(realtime_engine, live.id, round_id)
        await eventually(lambda: facilitator_a.results == expected)
        assert screen_a.count == 8
