"""The per-socket sender: direct frames in order, aggregates latest-only, slow clients closed.

A fake websocket stands in for the network: it records what it was sent and can hold a send for
as long as a test wants (a phone with its screen locked) or for ever (a phone in a tunnel).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import cast

import pytest
from sqlalchemy import Engine
from starlette.websockets import WebSocket

from app.db import transaction
from app.events import BALLOTS_CHANGED, MARKER_SEQ, Event
from app.organisations import service as organisations
from app.realtime.backplane import MemoryBackplane
from app.realtime.connection import Connection
from app.realtime.hub import Hub
from app.realtime.protocol import CLOSE_REMOVED, CLOSE_TRY_AGAIN
from app.tokens import Role
from tests.sessions.factories import make_denksessie

WAIT_S = 2.0


class FakeSocket:
    """Records frames; ``send_text`` waits while the gate is shut (for ever if never opened)."""

    def __init__(self, *, flowing: bool = True, broken: bool = False) -> None:
        self.sent: list[str] = []
        self.close_code: int | None = None
        self.close_reason: str | None = None
        self.gate = asyncio.Event()
        self.sending = asyncio.Event()  # set once a send has started
        self.broken = broken
        if flowing:
            self.gate.set()

    async def send_text(self, data: str) -> None:
        self.sending.set()
        if self.broken:
            raise RuntimeError("connection reset by peer")
        await self.gate.wait()
        self.sent.append(data)

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        self.close_code, self.close_reason = code, reason


def connection_of(
    socket: FakeSocket, *, role: Role = "screen", capacity: int = 64, denksessie_id: int = 1
) -> Connection:
    connection = Connection(
        cast(WebSocket, socket), role=role, denksessie_id=denksessie_id, capacity=capacity
    )
    connection.start()
    return connection


async def eventually(condition: Callable[[], bool], within: float = WAIT_S) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not become true in time")
        await asyncio.sleep(0.005)


@pytest.fixture
async def stopper() -> AsyncIterator[list[Connection]]:
    """Connections a test started; their senders are stopped afterwards, hung or not."""
    started: list[Connection] = []
    yield started
    for connection in started:
        await connection.stop()


class TestDirectFrames:
    async def test_arrive_in_order(self, stopper: list[Connection]) -> None:
        socket = FakeSocket()
        stopper.append(connection := connection_of(socket))
        for index in range(10):
            connection.send_direct(f"ack-{index}")
        await eventually(lambda: len(socket.sent) == 10)
        assert socket.sent == [f"ack-{index}" for index in range(10)]

    async def test_go_before_aggregates(self, stopper: list[Connection]) -> None:
        socket = FakeSocket()
        stopper.append(connection := connection_of(socket))
        connection.send_latest("tally", "tally-1")
        connection.send_direct("ack-1")
        await eventually(lambda: len(socket.sent) == 2)
        assert socket.sent == ["ack-1", "tally-1"]


class TestLatestOnly:
    async def test_keeps_only_the_newest_frame_per_slot(self, stopper: list[Connection]) -> None:
        socket = FakeSocket(flowing=False)
        stopper.append(connection := connection_of(socket))
        connection.send_latest("tally", "tally-0")
        await asyncio.wait_for(socket.sending.wait(), WAIT_S)  # tally-0 is on its way, held
        for index in range(1, 50):
            connection.send_latest("tally", f"tally-{index}")
        for index in range(1, 4):
            connection.send_latest("state", f"state-{index}")
        socket.gate.set()
        await eventually(lambda: len(socket.sent) == 3)
        await asyncio.sleep(0.05)
        assert socket.sent == ["tally-0", "state-3", "tally-49"]

    async def test_a_waiting_state_goes_before_a_waiting_tally(
        self, stopper: list[Connection]
    ) -> None:
        socket = FakeSocket(flowing=False)
        stopper.append(connection := connection_of(socket))
        connection.send_direct("ack-0")
        await asyncio.wait_for(socket.sending.wait(), WAIT_S)
        connection.send_latest("tally", "tally-1")
        connection.send_latest("state", "state-1")
        connection.send_latest("tally", "tally-2")
        socket.gate.set()
        await eventually(lambda: len(socket.sent) == 3)
        assert socket.sent == ["ack-0", "state-1", "tally-2"]

    async def test_a_state_drops_the_tally_it_makes_stale(self, stopper: list[Connection]) -> None:
        socket = FakeSocket(flowing=False)
        stopper.append(connection := connection_of(socket))
        connection.send_direct("ack-0")
        await asyncio.wait_for(socket.sending.wait(), WAIT_S)
        connection.send_latest("tally", "tally-1")
        connection.send_latest("state", "state-2", drop=("tally",))
        socket.gate.set()
        await eventually(lambda: len(socket.sent) == 2)
        await asyncio.sleep(0.05)
        assert socket.sent == ["ack-0", "state-2"]

    async def test_a_frozen_socket_does_not_hold_up_the_others(
        self, stopper: list[Connection]
    ) -> None:
        frozen = FakeSocket(flowing=False)
        readers = [FakeSocket() for _ in range(5)]
        stopper.append(stuck := connection_of(frozen))
        connections = [connection_of(socket) for socket in readers]
        stopper.extend(connections)
        for tick in range(100):
            frame = f"tally-{tick}"
            for connection in [stuck, *connections]:
                connection.send_latest("tally", frame)
            await asyncio.sleep(0)
        await eventually(lambda: all(s.sent and s.sent[-1] == "tally-99" for s in readers))
        assert frozen.sent == []
        assert not stuck.closing  # latest-only frames never pile up, so nothing overflows

    async def test_hub_ticks_reach_every_socket_but_a_frozen_one(
        self, realtime_engine: Engine
    ) -> None:
        denksessie_id = _committed_denksessie(realtime_engine)
        backplane = MemoryBackplane()
        hub = Hub(realtime_engine, backplane, screen_interval=0.02)
        await hub.start()
        frozen = FakeSocket(flowing=False)
        readers = [FakeSocket() for _ in range(3)]
        try:
            for socket in [frozen, *readers]:
                connection = connection_of_unstarted(socket, denksessie_id)
                await hub.add(connection)
                hub.ready(connection)
            for _ in range(3):
                await hub.publish_safely(
                    Event(BALLOTS_CHANGED, denksessie_id, MARKER_SEQ, {"round_id": 0})
                )
                await asyncio.sleep(0.05)
            await eventually(lambda: all(s.sent for s in readers))
            assert all('"type":"tally"' in s.sent[0] for s in readers)
            assert frozen.sent == []
        finally:
            await hub.stop()


class TestHubOrder:
    async def test_a_socket_hears_nothing_before_it_is_ready(self, realtime_engine: Engine) -> None:
        """Welcome and snapshot come first: ticks while the snapshot is read must wait."""
        denksessie_id = _committed_denksessie(realtime_engine)
        hub = Hub(realtime_engine, MemoryBackplane(), screen_interval=0.02)
        await hub.start()
        socket = FakeSocket()
        connection = connection_of_unstarted(socket, denksessie_id)
        try:
            await hub.add(connection)
            await hub.publish_safely(
                Event(BALLOTS_CHANGED, denksessie_id, MARKER_SEQ, {"round_id": 0})
            )
            await asyncio.sleep(0.1)
            connection.send_direct('{"type":"welcome"}')
            connection.send_direct('{"type":"snapshot"}')
            assert socket.sent == []
            hub.ready(connection)
            await eventually(lambda: len(socket.sent) >= 3)  # a fresher tally may follow
        finally:
            await hub.stop()
        assert socket.sent[:2] == ['{"type":"welcome"}', '{"type":"snapshot"}']
        assert '"type":"tally"' in socket.sent[2]


def _committed_denksessie(engine: Engine) -> int:
    with transaction(engine) as db:
        organisation = organisations.ensure_demo(db)
        assert organisation.id is not None
        denksessie_id = make_denksessie(db, organisation_id=organisation.id).id
    assert denksessie_id is not None
    return denksessie_id


def connection_of_unstarted(socket: FakeSocket, denksessie_id: int) -> Connection:
    """A connection for ``Hub.add``; ``Hub.ready`` starts its sender."""
    return Connection(cast(WebSocket, socket), role="screen", denksessie_id=denksessie_id)


class TestSlowClient:
    async def test_overflowing_the_direct_queue_closes_with_1013(
        self, stopper: list[Connection]
    ) -> None:
        socket = FakeSocket(flowing=False)
        stopper.append(connection := connection_of(socket, capacity=4))
        connection.send_direct("ack-0")
        await asyncio.wait_for(socket.sending.wait(), WAIT_S)
        for index in range(1, 5):
            connection.send_direct(f"ack-{index}")
        assert not connection.closing
        connection.send_direct("ack-5")  # the fifth waiting frame: over capacity
        assert connection.closing
        await eventually(lambda: socket.close_code is not None)
        assert socket.close_code == CLOSE_TRY_AGAIN
        assert socket.close_reason

    async def test_a_socket_that_never_reads_is_still_closed(
        self, stopper: list[Connection]
    ) -> None:
        """The send in progress hangs for ever; the close must not wait for it."""
        socket = FakeSocket(flowing=False)
        stopper.append(connection := connection_of(socket, capacity=2))
        for index in range(4):
            connection.send_direct(f"ack-{index}")
        await eventually(lambda: socket.close_code == CLOSE_TRY_AGAIN)
        await connection.wait_closed()
        assert socket.sent == []

    async def test_frames_after_the_overflow_are_dropped(self, stopper: list[Connection]) -> None:
        socket = FakeSocket(flowing=False)
        stopper.append(connection := connection_of(socket, capacity=1))
        connection.send_direct("ack-0")
        await asyncio.wait_for(socket.sending.wait(), WAIT_S)
        connection.send_direct("ack-1")
        connection.send_direct("ack-2")  # overflow
        connection.send_direct("ack-3")
        connection.send_latest("tally", "tally-1")
        await eventually(lambda: socket.close_code is not None)
        socket.gate.set()
        await asyncio.sleep(0.05)
        assert socket.sent == []


class TestClose:
    async def test_sends_the_queued_error_before_the_close_code(
        self, stopper: list[Connection]
    ) -> None:
        socket = FakeSocket()
        stopper.append(connection := connection_of(socket, role="participant"))
        connection.send_direct('{"type":"error","code":"PARTICIPANT_REMOVED"}')
        connection.close(CLOSE_REMOVED, "verwijderd")
        await connection.wait_closed()
        assert socket.sent == ['{"type":"error","code":"PARTICIPANT_REMOVED"}']
        assert (socket.close_code, socket.close_reason) == (CLOSE_REMOVED, "verwijderd")

    async def test_drops_aggregates_still_waiting(self, stopper: list[Connection]) -> None:
        socket = FakeSocket()
        stopper.append(connection := connection_of(socket))
        connection.send_latest("tally", "tally-1")
        connection.close(CLOSE_REMOVED)
        await connection.wait_closed()
        assert socket.sent == []
        assert socket.close_code == CLOSE_REMOVED

    async def test_nothing_is_queued_after_it(self, stopper: list[Connection]) -> None:
        socket = FakeSocket()
        stopper.append(connection := connection_of(socket))
        connection.close(CLOSE_REMOVED)
        connection.send_direct("ack-1")
        connection.send_latest("tally", "tally-1")
        await connection.wait_closed()
        assert socket.sent == []

    async def test_the_first_close_code_wins(self, stopper: list[Connection]) -> None:
        socket = FakeSocket()
        stopper.append(connection := connection_of(socket))
        connection.close(CLOSE_REMOVED)
        connection.close(CLOSE_TRY_AGAIN)
        await connection.wait_closed()
        assert socket.close_code == CLOSE_REMOVED


class TestSenderEnd:
    async def test_a_dropped_connection_ends_the_sender_quietly(self) -> None:
        socket = FakeSocket(broken=True)
        connection = connection_of(socket)
        connection.send_direct("ack-1")
        await connection.wait_closed()
        await connection.stop()
        assert socket.sent == []

    async def test_stop_ends_a_hung_sender(self) -> None:
        socket = FakeSocket(flowing=False)
        connection = connection_of(socket)
        connection.send_direct("ack-1")
        await asyncio.wait_for(socket.sending.wait(), WAIT_S)
        await asyncio.wait_for(connection.stop(), WAIT_S)
