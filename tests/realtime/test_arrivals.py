"""Sockets that arrive together are let in by one database visit (``realtime/arrivals.py``): the
membership of each is still checked on its own, so one removed participant in a batch is refused
while the others come in with their own ballots; and the shared snapshot is read once for all."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest
from sqlmodel import Session
from starlette.websockets import WebSocketDisconnect

from app.realtime import arrivals, views
from app.realtime.protocol import CLOSE_NOT_FOUND, CLOSE_REMOVED
from app.realtime.views import Role
from tests.realtime.support import CANDIDATES, TIMEOUT_S, Live, Socket, ballot, hello, poll


class Gate:
    """Once armed, holds the next batch in its thread until released, so the sockets that
    arrive meanwhile wait for the following batch together. Counts the sockets of every batch
    and the reads of a shared snapshot."""

    def __init__(self) -> None:
        self.armed = False
        self.released = threading.Event()
        self.batches: list[int] = []
        self.shared_reads = 0

    def hold_next(self) -> None:
        self.released.clear()
        self.batches.clear()
        self.shared_reads = 0
        self.armed = True


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    held = Gate()
    read_batch = arrivals.read_batch
    shared_part = views.shared_part

    def gated(db: Session, asks: Any, known: Any) -> arrivals.BatchRead:
        held.batches.append(len(asks))
        if held.armed:
            held.armed = False
            held.released.wait(TIMEOUT_S)
        return read_batch(db, asks, known)

    def counted(db: Session, denksessie_id: int, role: Role) -> dict[str, Any] | None:
        held.shared_reads += 1
        return shared_part(db, denksessie_id, role)

    monkeypatch.setattr(arrivals, "read_batch", gated)
    monkeypatch.setattr(views, "shared_part", counted)
    yield held
    held.released.set()


def _snapshot(socket: Socket) -> dict[str, Any]:
    """The snapshot after ``welcome``; ``WebSocketDisconnect`` when the socket was refused."""
    first = socket.receive()
    if first["type"] == "error":
        socket.receive()  # the close that follows the refusal
    assert first["type"] == "welcome", first
    snapshot = socket.receive()
    assert snapshot["type"] == "snapshot", snapshot
    return snapshot


@contextmanager
def _arriving_together(live: Live, gate: Gate, tokens: list[str]) -> Iterator[list[Socket]]:
    """Sockets whose hellos wait for one batch: the first one's batch is held until the others
    are queued behind it."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(live.raw_socket()) for _ in tokens]
        gate.hold_next()
        sockets[0].send(hello("participant", tokens[0]))
        poll(lambda: len(gate.batches) == 1)
        for socket, token in zip(sockets[1:], tokens[1:], strict=True):
            socket.send(hello("participant", token))
        queue = live.client.app.state.arrivals  # type: ignore[attr-defined]
        poll(lambda: queue.waiting == len(tokens) - 1)
        gate.released.set()
        yield sockets


class TestABatchOfArrivals:
    def test_refuses_the_removed_participant_and_lets_the_others_in(
        self, live: Live, gate: Gate
    ) -> None:
        round_id = live.open_round("approval")
        members = [live.join(f"p{i}") for i in range(4)]
        for index, member in enumerate(members):
            with live.connect("participant", member.token) as phone:
                phone.socket.send(ballot(round_id, "approval", {"approve": [CANDIDATES[index]]}))
                phone.socket.of_type("ack")
        live.control(f"participants/{members[2].participant_id}/remove")

        with _arriving_together(live, gate, [m.token for m in members]) as sockets:
            for index in (0, 1, 3):
                snapshot = _snapshot(sockets[index])
                assert snapshot["you"]["participant_id"] == members[index].participant_id
                own = snapshot["own_ballots"][str(round_id)]
                assert own["payload"] == {"approve": [CANDIDATES[index]]}
            with pytest.raises(WebSocketDisconnect) as refused:
                _snapshot(sockets[2])
        assert refused.value.code == CLOSE_REMOVED
        assert gate.batches == [1, 3]  # the removed one was in the batch with two others

    def test_a_code_that_is_not_the_tokens_refuses_only_that_socket(
        self, live: Live, gate: Gate
    ) -> None:
        mine, also = live.join("a"), live.join("b")
        stranger = Live.create(live.client).join("c")  # a participant of another denksessie
        tokens = [mine.token, stranger.token, also.token]
        with _arriving_together(live, gate, tokens) as sockets:
            assert _snapshot(sockets[0])["you"]["participant_id"] == mine.participant_id
            assert _snapshot(sockets[2])["you"]["participant_id"] == also.participant_id
            with pytest.raises(WebSocketDisconnect) as refused:
                _snapshot(sockets[1])
        assert refused.value.code == CLOSE_NOT_FOUND
        assert gate.batches == [1, 2]

    def test_a_wave_reads_the_shared_snapshot_once(self, live: Live, gate: Gate) -> None:
        members = [live.join(f"p{i}") for i in range(5)]
        with _arriving_together(live, gate, [m.token for m in members]) as sockets:
            for socket, member in zip(sockets, members, strict=True):
                assert _snapshot(socket)["you"]["participant_id"] == member.participant_id
        assert gate.batches == [1, 4]
        assert gate.shared_reads == 1
