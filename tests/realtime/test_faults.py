"""Faults mid-round, with real workers, PostgreSQL and Redis: no acknowledged ballot is lost.

**Redis drops the hub's connections.** Restarting the Redis server shared by every test run
on this machine would disturb other tests, so the workers' own connections are killed with
``CLIENT KILL ID`` instead (found by the client name ``{namespace}-backplane`` each worker
sets): the same thing a Redis restart does to a worker. The hub notices, reconnects and
resubscribes by itself, and every socket gets a fresh ``state`` from the database (the resync).

**PostgreSQL becomes unreachable.** The worker reaches PostgreSQL through a TCP proxy in this
test process. Stopping the proxy cuts every open connection and refuses new ones, as a
database failover or a network partition does; starting it again is the recovery. While it is
down, ballots are answered ``UNAVAILABLE`` with ``retry: true`` and never acknowledged; the
phones resend the same frames, and after the recovery each is stored exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx2 as httpx
import pytest
import redis.asyncio as aioredis
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.api.deps import CSRF_HEADER, LOGIN_COOKIE
from app.sessions.models import BallotSubmission
from tests.conftest import committed_login
from tests.realtime.support import CANDIDATES, Frame, aggregate_in_db, ballot
from tests.realtime.workers import NetSocket, Remote, Worker, joined, worker_environment
from tests.services import REDIS_URL, require_redis

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

N_PHONES = 6
SCENARIO_TIMEOUT_S = 60.0
RETRY_S = 0.2


def _stored_ids(engine: Engine, round_id: int) -> list[tuple[str, str]]:
    with Session(engine) as db:
        rows = db.exec(select(BallotSubmission).where(BallotSubmission.round_id == round_id))
        return sorted((row.participant_id, row.client_msg_id) for row in rows.all())


@contextlib.asynccontextmanager
async def _api(worker: Worker, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    login = committed_login(database_url)
    async with httpx.AsyncClient(
        base_url=worker.url,
        trust_env=False,
        timeout=10,
        cookies={LOGIN_COOKIE: login["cookie"]},
        headers={CSRF_HEADER: login["csrf"]},
    ) as client:
        yield client


@dataclass
class Watcher:
    """The facilitator: the newest results of a round, and every frame type in order."""

    socket: NetSocket
    round_id: int
    results: Frame | None = None
    types: list[str] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        while True:
            frame = await self.socket.receive(within=3600)
            self.types.append(frame["type"])
            if frame["type"] == "tally":
                entry = frame["rounds"].get(str(self.round_id))
                if entry is not None:
                    self.results = entry["results"]
            elif frame["type"] in ("state", "snapshot"):
                self.results = frame["results"].get(str(self.round_id), self.results)
            self.changed.set()

    async def showing(self, expected: Frame) -> None:
        while self.results != expected:
            self.changed.clear()
            await self.changed.wait()

    async def a_state_after(self, seen: int) -> None:
        while "state" not in self.types[seen:]:
            self.changed.clear()
            await self.changed.wait()


async def _answer(socket: NetSocket, msg_id: str) -> Frame:
    return await socket.until(
        lambda frame: frame["type"] in ("ack", "error") and frame.get("msg_id") == msg_id
    )


async def _until_acked(socket: NetSocket, frame: Frame) -> tuple[Frame, list[Frame]]:
    """Send ``frame`` until it is acknowledged, as a phone's outbox does; every answer on the
    way is returned too."""
    answers: list[Frame] = []
    while True:
        await socket.send(frame)
        answer = await _answer(socket, frame["msg_id"])
        answers.append(answer)
        if answer["type"] == "ack":
            return answer, answers
        assert answer["code"] == "UNAVAILABLE", answer
        assert answer["retry"] is True
        await asyncio.sleep(RETRY_S)


def _payload(index: int, vote: int) -> Frame:
    first = (index + vote) % len(CANDIDATES)
    return {"approve": [CANDIDATES[first]]}


# --- Redis ------------------------------------------------------------------------------------


async def _kill_backplane_connections(namespace: str) -> int:
    admin = aioredis.from_url(REDIS_URL, decode_responses=True)
    try:
        clients = await admin.client_list()
        ours = [c["id"] for c in clients if c.get("name") == f"{namespace}-backplane"]
        for client_id in ours:
            await admin.client_kill_filter(_id=client_id)
        return len(ours)
    finally:
        await admin.aclose()


def _reconnects(metrics: str) -> float:
    match = re.search(r"^denksessie_backplane_reconnects_total (\S+)$", metrics, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


@pytest.fixture
async def redis_workers(
    realtime_database: str, tmp_path: Path
) -> AsyncIterator[tuple[Worker, Worker, str]]:
    require_redis()
    namespace = f"faults{secrets.token_hex(4)}"
    environment = worker_environment(realtime_database, REDIS_URL)
    environment["DENKSESSIE_BACKPLANE_NAMESPACE"] = namespace
    a = Worker("a", environment, tmp_path)
    b = Worker("b", environment, tmp_path)
    try:
        await asyncio.gather(a.start(), b.start())
        yield a, b, namespace
    finally:
        await asyncio.gather(a.stop(), b.stop())


class TestRedisConnectionsKilledMidRound:
    async def test_the_hub_reconnects_clients_resync_and_nothing_is_lost(
        self,
        redis_workers: tuple[Worker, Worker, str],
        realtime_database: str,
        realtime_engine: Engine,
    ) -> None:
        a, b, namespace = redis_workers
        async with _api(a, realtime_database) as api:
            remote = await Remote.create(api)
            round_id = await remote.open_approval_round(max_approvals=1)
            members = [await remote.join(f"Telefoon {i}") for i in range(N_PHONES)]
            async with contextlib.AsyncExitStack() as stack:
                facilitator, _ = await stack.enter_async_context(
                    joined(b, remote.code, "facilitator", remote.facilitator_token)
                )
                phones = [
                    (
                        await stack.enter_async_context(
                            joined(a if i % 2 else b, remote.code, "participant", token)
                        )
                    )[0]
                    for i, (_, token) in enumerate(members)
                ]
                watcher = Watcher(facilitator, round_id)
                watching = asyncio.create_task(watcher.run())
                try:
                    async with asyncio.timeout(SCENARIO_TIMEOUT_S):
                        acks = [
                            (await _until_acked(p, ballot(round_id, "approval", _payload(i, 0))))[0]
                            for i, p in enumerate(phones)
                        ]
                        await watcher.showing(aggregate_in_db(realtime_engine, remote.id, round_id))
                        seen = len(watcher.types)
                        killed = await _kill_backplane_connections(namespace)
                        acks += [
                            (await _until_acked(p, ballot(round_id, "approval", _payload(i, 1))))[0]
                            for i, p in enumerate(phones)
                        ]
                        await watcher.a_state_after(seen)
                        expected = aggregate_in_db(realtime_engine, remote.id, round_id)
                        await watcher.showing(expected)
                        # After the reconnect, fan-out across workers works again: a ballot
                        # on A reaches the facilitator on B.
                        acks.append(
                            (
                                await _until_acked(
                                    phones[1], ballot(round_id, "approval", _payload(1, 2))
                                )
                            )[0]
                        )
                        expected = aggregate_in_db(realtime_engine, remote.id, round_id)
                        await watcher.showing(expected)
                finally:
                    watching.cancel()
                    await asyncio.gather(watching, return_exceptions=True)
            metrics = [(await api.get(f"{w.url}/metrics")).text for w in (a, b)]

        assert killed >= 2  # at least one subscriber connection per worker
        assert [_reconnects(text) >= 1 for text in metrics] == [True, True]
        assert all(not ack["duplicate"] for ack in acks)
        stored = _stored_ids(realtime_engine, round_id)
        assert len(stored) == len(acks) == 2 * N_PHONES + 1
        assert watcher.results == expected
        assert expected["n_ballots"] == N_PHONES


# --- PostgreSQL -------------------------------------------------------------------------------


class PostgresProxy:
    """A TCP proxy to PostgreSQL that can go down (cut every connection, refuse new ones)."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.up = True
        self.port = 0
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.StreamWriter] = set()
        self.refused = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self.down()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def down(self) -> None:
        self.up = False
        for writer in list(self._pipes):
            writer.transport.abort()
        self._pipes.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.up:
            self.refused += 1
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.transport.abort()
            return
        self._pipes.update({writer, up_writer})
        await asyncio.gather(
            self._pump(reader, up_writer), self._pump(up_reader, writer), return_exceptions=True
        )

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65_536):
                writer.write(data)
                await writer.drain()
        finally:
            self._pipes.discard(writer)
            writer.transport.abort()


def _through(proxy: PostgresProxy, database_url: str) -> str:
    parts = urlsplit(database_url)
    netloc = parts.netloc.rsplit("@", 1)
    auth = f"{netloc[0]}@" if len(netloc) == 2 else ""
    return urlunsplit(parts._replace(netloc=f"{auth}127.0.0.1:{proxy.port}"))


@pytest.fixture
async def proxied_worker(
    realtime_database: str, tmp_path: Path
) -> AsyncIterator[tuple[Worker, PostgresProxy]]:
    parts = urlsplit(realtime_database)
    proxy = PostgresProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    await proxy.start()
    worker = Worker(
        "pg", worker_environment(_through(proxy, realtime_database), "memory://"), tmp_path
    )
    try:
        await worker.start()
        yield worker, proxy
    finally:
        await worker.stop()
        await proxy.stop()


class TestPostgresUnavailableMidRound:
    async def test_ballots_are_refused_retryably_and_stored_once_after_recovery(
        self,
        proxied_worker: tuple[Worker, PostgresProxy],
        realtime_database: str,
        realtime_engine: Engine,
    ) -> None:
        worker, proxy = proxied_worker
        async with _api(worker, realtime_database) as api:
            remote = await Remote.create(api)
            round_id = await remote.open_approval_round(max_approvals=1)
            members = [await remote.join(f"Telefoon {i}") for i in range(N_PHONES)]
            async with contextlib.AsyncExitStack() as stack:
                facilitator, _ = await stack.enter_async_context(
                    joined(worker, remote.code, "facilitator", remote.facilitator_token)
                )
                phones = [
                    (
                        await stack.enter_async_context(
                            joined(worker, remote.code, "participant", token)
                        )
                    )[0]
                    for _, token in members
                ]
                watcher = Watcher(facilitator, round_id)
                watching = asyncio.create_task(watcher.run())
                try:
                    async with asyncio.timeout(SCENARIO_TIMEOUT_S):
                        first = [
                            (await _until_acked(p, ballot(round_id, "approval", _payload(i, 0))))[0]
                            for i, p in enumerate(phones)
                        ]
                        proxy.down()
                        frames = [
                            ballot(round_id, "approval", _payload(i, 1)) for i in range(N_PHONES)
                        ]
                        during = []
                        for phone, frame in zip(phones, frames, strict=True):
                            await phone.send(frame)
                            during.append(await _answer(phone, frame["msg_id"]))
                        health = (await api.get("/healthz")).status_code
                        proxy.up = True
                        second = await asyncio.gather(
                            *(_until_acked(p, f) for p, f in zip(phones, frames, strict=True))
                        )
                        expected = aggregate_in_db(realtime_engine, remote.id, round_id)
                        await watcher.showing(expected)
                finally:
                    watching.cancel()
                    await asyncio.gather(watching, return_exceptions=True)

        # While PostgreSQL was away: refused, retryable, never acknowledged.
        assert [(a["type"], a["code"], a["retry"]) for a in during] == [
            ("error", "UNAVAILABLE", True)
        ] * N_PHONES
        assert health == 503
        # After the recovery: each resend stored once, as the next revision; nothing lost.
        assert [ack["revision"] for ack in first] == [1] * N_PHONES
        assert [ack["revision"] for ack, _ in second] == [2] * N_PHONES
        assert all(not ack["duplicate"] for ack, _ in second)
        acked = {(member[0], f["msg_id"]) for member, f in zip(members, frames, strict=True)}
        acked |= {(member[0], a["msg_id"]) for member, a in zip(members, first, strict=True)}
        assert set(_stored_ids(realtime_engine, round_id)) == acked
        assert len(_stored_ids(realtime_engine, round_id)) == 2 * N_PHONES
        assert watcher.results == expected
        assert expected["n_ballots"] == N_PHONES
