"""Room-wide updates: a state event does not wait for the tick; a state frame leaves out what
every socket already holds (the catalogue's values and the casus texts unless they changed, the
unchanged results of rounds that are not open); a tally never runs ahead of the state; and the
collector is frozen on a step in the socket count.

The app-level tests run with a tick interval of an hour: a ``state`` that arrives at all arrived
because the state event woke the tick, never by the tick's own timer.
"""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session, col

from app.db import transaction
from app.events import BALLOTS_CHANGED, MARKER_SEQ, Event
from app.main import create_app
from app.realtime import hub as hub_module
from app.realtime.backplane import MemoryBackplane
from app.realtime.connection import Connection
from app.realtime.hub import Hub
from app.sessions import results
from app.sessions.models import Denksessie
from tests.conftest import settings_for, with_committed_login
from tests.realtime.support import Frame, Live, Socket, ballot, casus_payload
from tests.realtime.test_connection import (
    FakeSocket,
    _committed_denksessie,
    connection_of,
    connection_of_unstarted,
    eventually,
)

KEPT = ("values", "casussen")
AN_HOUR = 3600.0


@pytest.fixture
def slow_tick_client(realtime_database: str) -> Iterator[TestClient]:
    """The whole app with a tick interval of an hour (tallies never come by themselves)."""
    settings = settings_for(realtime_database, tick_interval_s=AN_HOUR)
    with TestClient(create_app(settings)) as client:
        yield with_committed_login(client, realtime_database)


@pytest.fixture
def slow_live(slow_tick_client: TestClient) -> Live:
    return Live.create(slow_tick_client)


def state_with(socket: Socket, seq: int) -> Frame:
    return socket.until(lambda frame: frame["type"] == "state" and frame["seq"] >= seq)


class TestStateEventsWakeTheTick:
    def test_a_control_reaches_every_role_long_before_the_next_tick(self, slow_live: Live) -> None:
        with (
            slow_live.connect("screen") as screen,
            slow_live.connect("facilitator") as facilitator,
            slow_live.participant() as (_, phone),
        ):
            round_id = slow_live.add_round("approval")
            seq = slow_live.control(f"rounds/{round_id}/open")
            for socket in (screen.socket, facilitator.socket, phone.socket):
                assert state_with(socket, seq)["current_round_id"] == round_id

    def test_every_control_of_a_sequence_arrives(self, slow_live: Live) -> None:
        round_id = slow_live.open_round("approval")
        with slow_live.connect("screen") as screen:
            for path, body in (
                (f"rounds/{round_id}/timer", {"seconds": 60}),
                (f"rounds/{round_id}/close", None),
                (f"rounds/{round_id}/reopen", None),
            ):
                seq = slow_live.control(path, body)
                assert state_with(screen.socket, seq)["seq"] == seq

    def test_ballots_still_wait_for_the_tick(self, slow_live: Live) -> None:
        """Markers mark the room for a tally; only state events wake the tick."""
        round_id = slow_live.open_round("approval")
        with slow_live.connect("screen") as screen, slow_live.participant() as (_, phone):
            phone.socket.send(
                {
                    "type": "ballot",
                    "msg_id": "wakes-nothing-1",
                    "round_id": round_id,
                    "kind": "approval",
                    "payload": {"approve": ["privacy"]},
                }
            )
            assert phone.socket.of_type("ack")["revision"] == 1
            assert [f["type"] for f in screen.socket.quiet(0.5)] == []


class TestCoalescing:
    async def test_a_burst_of_state_events_gives_one_state_push(
        self, realtime_engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        denksessie_id = _committed_denksessie(realtime_engine)
        hub = Hub(realtime_engine, MemoryBackplane(), screen_interval=AN_HOUR)
        pushed: list[int] = []

        async def push_state(room: hub_module.Room) -> None:
            pushed.append(room.denksessie_id)

        monkeypatch.setattr(hub, "_push_state", push_state)
        await hub.start()
        try:
            await hub.add(connection_of_unstarted(FakeSocket(), denksessie_id))
            for seq in (2, 3, 4):
                hub.on_event(Event("round_opened", denksessie_id, seq, {}))
            await eventually(lambda: pushed == [denksessie_id])
            await asyncio.sleep(0.2)
            assert pushed == [denksessie_id]
            hub.on_event(Event("round_closed", denksessie_id, 5, {}))
            await eventually(lambda: pushed == [denksessie_id, denksessie_id])
        finally:
            await hub.stop()

    async def test_a_marker_does_not_wake_the_tick(
        self, realtime_engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        denksessie_id = _committed_denksessie(realtime_engine)
        hub = Hub(realtime_engine, MemoryBackplane(), screen_interval=AN_HOUR)
        pushed: list[str] = []

        async def push(room: hub_module.Room) -> None:
            pushed.append("push")

        monkeypatch.setattr(hub, "_push", push)
        await hub.start()
        try:
            await hub.add(connection_of_unstarted(FakeSocket(), denksessie_id))
            hub.on_event(Event(BALLOTS_CHANGED, denksessie_id, MARKER_SEQ, {"round_id": 0}))
            await asyncio.sleep(0.2)
            assert pushed == []
        finally:
            await hub.stop()


class TestLightStateFrames:
    def test_the_snapshot_carries_values_and_casussen(self, live: Live) -> None:
        live.add_round("casus")
        with live.participant() as (_, phone):
            assert len(phone.snapshot["values"]) == 25
            assert set(phone.snapshot["casussen"]) == {str(live.casus_ids[0])}

    def test_a_state_after_the_snapshot_leaves_them_out(self, live: Live) -> None:
        round_id = live.add_round("casus")
        with live.connect("screen") as screen, live.participant() as (_, phone):
            seq = live.control(f"rounds/{round_id}/open")
            for socket in (screen.socket, phone.socket):
                state = state_with(socket, seq)
                assert state["current_round_id"] == round_id
                assert not set(KEPT) & set(state)

    def test_a_round_with_a_new_casus_brings_them_in_the_next_state(self, live: Live) -> None:
        first, second = live.casus_ids
        live.add_round("casus", casus_id=first)
        with live.participant() as (_, phone):
            round_id = live.add_round("casus", casus_id=second)
            state = phone.socket.until(
                lambda frame: (
                    frame["type"] == "state" and round_id in {r["id"] for r in frame["rounds"]}
                )
            )
            assert set(state["casussen"]) == {str(first), str(second)}
            assert state["casussen"][str(second)]["situation"]
            assert len(state["values"]) == 25
            # Unchanged again: the next state leaves them out.
            seq = live.control(f"rounds/{round_id}/open")
            assert not set(KEPT) & set(state_with(phone.socket, seq))

    def test_a_round_without_a_casus_changes_nothing_kept(self, live: Live) -> None:
        live.add_round("casus")
        with live.participant() as (_, phone):
            round_id = live.add_round("ranking")
            state = state_with(phone.socket, live.control(f"rounds/{round_id}/open"))
            assert [r["id"] for r in state["rounds"]][-1] == round_id
            assert not set(KEPT) & set(state)

    def test_a_resync_gets_them_whole(self, live: Live) -> None:
        round_id = live.add_round("casus")
        with live.participant() as (_, phone):
            state_with(phone.socket, live.control(f"rounds/{round_id}/open"))
            phone.socket.send({"type": "resync"})
            snapshot = phone.socket.of_type("snapshot")
            assert len(snapshot["values"]) == 25
            assert set(snapshot["casussen"]) == {str(live.casus_ids[0])}

    def test_the_final_state_is_whole(self, live: Live) -> None:
        live.add_round("casus")
        with live.participant() as (_, phone):
            live.control("end")
            frames, _code = phone.socket.closed()
        final = [f for f in frames if f["type"] == "state"][-1]
        assert final["denksessie"]["status"] == "ended"
        assert len(final["values"]) == 25


class TestResultsKept:
    """Results of rounds that are not open change only with a state event: a state leaves out
    those every socket already holds, and lists them in ``results_kept``."""

    def test_a_closed_rounds_results_are_listed_not_sent_again(self, live: Live) -> None:
        done = live.open_round("approval")
        live.control(f"rounds/{done}/reveal", {"revealed": True})
        live.control(f"rounds/{done}/close")
        with live.connect("screen") as screen:
            assert str(done) in screen.snapshot["results"]
            seq = live.control(f"rounds/{live.add_round('points')}/open")
            state = state_with(screen.socket, seq)
        assert state["results_kept"] == [str(done)]
        assert str(done) not in state["results"]

    def test_an_open_rounds_results_always_travel(self, live: Live) -> None:
        round_id = live.open_round("approval")
        live.control(f"rounds/{round_id}/reveal", {"revealed": True})
        with live.connect("screen") as screen:
            seq = live.control(f"rounds/{round_id}/timer", {"seconds": 60})
            state = state_with(screen.socket, seq)
        assert str(round_id) in state["results"]
        assert "results_kept" not in state

    def test_changed_results_of_a_closed_round_travel(self, live: Live) -> None:
        round_id = live.open_round("casus")
        live.control(f"rounds/{round_id}/reveal", {"revealed": True})
        with live.participant() as (_, me):
            me.socket.send(ballot(round_id, "casus", casus_payload("privacy")))
            me.socket.of_type("ack")
        live.control(f"rounds/{round_id}/close")
        with live.connect("screen") as screen:
            written = screen.snapshot["results"][str(round_id)]["principles"]["privacy"]
            seq = live.control(f"principles/{written[0]['id']}/hide")
            state = state_with(screen.socket, seq)
        assert state["results"][str(round_id)]["principles"] == {}
        assert "results_kept" not in state

    def test_results_hidden_again_are_neither_sent_nor_kept(self, live: Live) -> None:
        round_id = live.open_round("approval")
        live.control(f"rounds/{round_id}/reveal", {"revealed": True})
        live.control(f"rounds/{round_id}/close")
        with live.connect("screen") as screen:
            seq = live.control(f"rounds/{round_id}/reveal", {"revealed": False})
            state = state_with(screen.socket, seq)
        assert str(round_id) not in state["results"]
        assert str(round_id) not in state.get("results_kept", [])

    def test_the_facilitator_keeps_its_own_variant(self, live: Live) -> None:
        done = live.open_round("approval")
        live.control(f"rounds/{done}/close")
        with live.connect("facilitator") as facilitator, live.connect("screen") as screen:
            seq = live.control(f"rounds/{live.add_round('points')}/open")
            for_facilitator = state_with(facilitator.socket, seq)
            on_screen = state_with(screen.socket, seq)
        assert for_facilitator["results_kept"] == [str(done)]  # the facilitator sees it always
        assert "results_kept" not in on_screen  # never revealed: the screen has none to keep


class TestWhatSocketsHold:
    async def test_a_socket_whose_snapshot_had_other_values_gets_them_whole(
        self, realtime_engine: Engine
    ) -> None:
        """Two snapshots with different kept parts (one read before a change): the room can no
        longer tell what every socket holds, so its next state carries them."""
        denksessie_id = _committed_denksessie(realtime_engine)
        hub = Hub(realtime_engine, MemoryBackplane(), screen_interval=AN_HOUR)
        await hub.start()
        sockets = [FakeSocket(), FakeSocket()]
        try:
            current = _snapshot_in_db(realtime_engine, denksessie_id)
            older = {**current, "values": current["values"][:-1]}
            for socket, given in zip(sockets, (current, older), strict=True):
                connection = connection_of_unstarted(socket, denksessie_id)
                await hub.add(connection)
                hub.snapshot_begins(connection)
                hub.snapshot_given(connection, given)
                hub.ready(connection)
            hub.on_event(Event("round_added", denksessie_id, 2, {}))
            await eventually(lambda: all(_states(s) for s in sockets))
        finally:
            await hub.stop()
        for socket in sockets:
            assert len(_states(socket)[0]["values"]) == 25

    async def test_sockets_that_all_hold_the_current_ones_get_a_light_state(
        self, realtime_engine: Engine
    ) -> None:
        denksessie_id = _committed_denksessie(realtime_engine)
        hub = Hub(realtime_engine, MemoryBackplane(), screen_interval=AN_HOUR)
        await hub.start()
        sockets = [FakeSocket(), FakeSocket()]
        try:
            for socket in sockets:
                connection = connection_of_unstarted(socket, denksessie_id)
                await hub.add(connection)
                hub.snapshot_begins(connection)
                hub.snapshot_given(connection, _snapshot_in_db(realtime_engine, denksessie_id))
                hub.ready(connection)
            hub.on_event(Event("timer_set", denksessie_id, 2, {}))
            await eventually(lambda: all(_states(s) for s in sockets))
        finally:
            await hub.stop()
        for socket in sockets:
            assert not set(KEPT) & set(_states(socket)[0])

    async def test_a_socket_still_reading_its_snapshot_gets_a_whole_state(
        self, realtime_engine: Engine
    ) -> None:
        denksessie_id = _committed_denksessie(realtime_engine)
        hub = Hub(realtime_engine, MemoryBackplane(), screen_interval=AN_HOUR)
        await hub.start()
        settled, reading = FakeSocket(), FakeSocket()
        try:
            first = connection_of_unstarted(settled, denksessie_id)
            await hub.add(first)
            hub.snapshot_begins(first)
            hub.snapshot_given(first, _snapshot_in_db(realtime_engine, denksessie_id))
            hub.ready(first)
            second = connection_of_unstarted(reading, denksessie_id)
            await hub.add(second)
            hub.snapshot_begins(second)  # its snapshot is not given yet
            second.start()
            hub.on_event(Event("timer_set", denksessie_id, 2, {}))
            await eventually(lambda: bool(_states(settled) and _states(reading)))
        finally:
            await hub.stop()
        assert "values" not in _states(settled)[0]
        assert len(_states(reading)[0]["values"]) == 25


class TestWholeFrameInTheSlot:
    async def test_a_light_state_does_not_replace_an_unsent_whole_one(self) -> None:
        socket = FakeSocket(flowing=False)
        connection = connection_of(socket)
        try:
            connection.send_direct("ack-0")
            await asyncio.wait_for(socket.sending.wait(), 2.0)  # held: the phone is not reading
            connection.send_latest("state", "whole-1", drop=("tally",))
            connection.send_latest("state", "light-2", drop=("tally",), whole="whole-2")
            connection.send_latest("state", "light-3", drop=("tally",), whole="whole-3")
            socket.gate.set()
            await eventually(lambda: len(socket.sent) == 2)
            await asyncio.sleep(0.05)
            assert socket.sent == ["ack-0", "whole-3"]
        finally:
            await connection.stop()

    async def test_a_light_state_never_replaces_an_unsent_one(self) -> None:
        """What the light frame leaves out is relative to the frame before it, which this
        client never got."""
        socket = FakeSocket(flowing=False)
        connection = connection_of(socket)
        try:
            connection.send_direct("ack-0")
            await asyncio.wait_for(socket.sending.wait(), 2.0)
            connection.send_latest("state", "light-1", whole="whole-1")
            connection.send_latest("state", "light-2", whole="whole-2")
            socket.gate.set()
            await eventually(lambda: len(socket.sent) == 2)
            await asyncio.sleep(0.05)
            assert socket.sent == ["ack-0", "whole-2"]
        finally:
            await connection.stop()

    async def test_once_sent_the_next_light_state_goes_light(self) -> None:
        socket = FakeSocket()
        connection = connection_of(socket)
        try:
            connection.send_latest("state", "whole-1")
            await eventually(lambda: socket.sent == ["whole-1"])
            connection.send_latest("state", "light-2", whole="whole-2")
            await eventually(lambda: len(socket.sent) == 2)
            assert socket.sent == ["whole-1", "light-2"]
        finally:
            await connection.stop()


class TestGcFreeze:
    @pytest.fixture
    def frozen(self, monkeypatch: pytest.MonkeyPatch) -> list[str]:
        """What the hub asked of the collector (the test process's own collector is untouched)."""
        calls: list[str] = []
        monkeypatch.setattr(
            gc, "collect", lambda generation=2: calls.append(f"collect{generation}")
        )
        monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
        monkeypatch.setattr(gc, "get_threshold", lambda: (700, 10, 10))
        monkeypatch.setattr(gc, "set_threshold", lambda *t: calls.append(f"threshold{t}"))
        return calls

    async def _hub_with_joins(
        self, engine: Engine, joins: int, **options: Any
    ) -> tuple[Hub, list[Connection]]:
        denksessie_id = _committed_denksessie(engine)
        hub = Hub(engine, MemoryBackplane(), **options)
        connections = [connection_of_unstarted(FakeSocket(), denksessie_id) for _ in range(joins)]
        for connection in connections:
            await hub.add(connection)
        return hub, connections

    async def test_freezes_on_a_step_in_the_socket_count_without_quiet(
        self, realtime_engine: Engine, frozen: list[str]
    ) -> None:
        """Joins every tick and never an hour of quiet: every third new socket freezes (the
        start-up itself counts as one, so the first step comes after two joins)."""
        hub, _ = await self._hub_with_joins(
            realtime_engine, 0, gc_freeze_after=AN_HOUR, gc_freeze_every=3
        )
        denksessie_id = _committed_denksessie(realtime_engine)
        counts = []
        for _ in range(8):
            await hub.add(connection_of_unstarted(FakeSocket(), denksessie_id))
            hub.gc.maybe_freeze()
            counts.append(frozen.count("freeze"))
        assert counts == [0, 1, 1, 1, 2, 2, 2, 3]
        assert frozen[:3] == ["collect1", "freeze", "threshold(700, 10, 100)"]

    async def test_freezes_after_quiet_as_before(
        self, realtime_engine: Engine, frozen: list[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        hub, _ = await self._hub_with_joins(
            realtime_engine, 2, gc_freeze_after=5.0, gc_freeze_every=1000
        )
        hub.gc.maybe_freeze()
        assert "freeze" not in frozen  # joined just now
        monkeypatch.setattr(hub.gc, "_last_join", hub.gc._last_join - 6.0)
        hub.gc.maybe_freeze()
        assert frozen.count("freeze") == 1

    async def test_never_freezes_when_off(self, realtime_engine: Engine, frozen: list[str]) -> None:
        hub, _ = await self._hub_with_joins(
            realtime_engine, 5, gc_freeze_after=0.0, gc_freeze_every=2
        )
        hub.gc.maybe_freeze()
        assert frozen == []

    def test_the_test_environment_keeps_freezing_off(self, live_client: TestClient) -> None:
        hub: Hub = live_client.app.state.hub  # type: ignore[attr-defined]
        assert hub.gc.after == 0.0


def _states(socket: FakeSocket) -> list[Frame]:
    return [json.loads(f) for f in socket.sent if f.startswith('{"type":"state"')]


def _snapshot_in_db(engine: Engine, denksessie_id: int) -> Frame:
    """A screen's snapshot as a fresh read gives it."""
    with Session(engine) as db:
        denksessie = db.get(Denksessie, denksessie_id)
        assert denksessie is not None
        return results.snapshot(db, denksessie, role="screen")


class TestTallyAheadOfState:
    async def test_a_tally_read_after_an_unheard_state_event_becomes_a_state(
        self, realtime_engine: Engine
    ) -> None:
        """A control committed (seq bumped) whose event has not reached this worker: a tally
        read now would carry a seq no client has a state for, and every client would ask for a
        snapshot. The room gets the state instead."""
        denksessie_id = _committed_denksessie(realtime_engine)
        hub = Hub(realtime_engine, MemoryBackplane(), screen_interval=0.02)
        await hub.start()
        socket = FakeSocket()
        try:
            connection = connection_of_unstarted(socket, denksessie_id)
            await hub.add(connection)
            hub.snapshot_begins(connection)
            snapshot = _snapshot_in_db(realtime_engine, denksessie_id)
            hub.snapshot_given(connection, snapshot)
            hub.ready(connection)
            with transaction(realtime_engine) as db:
                db.execute(
                    update(Denksessie)
                    .where(col(Denksessie.id) == denksessie_id)
                    .values(seq=Denksessie.seq + 1)
                )
            hub.on_event(Event(BALLOTS_CHANGED, denksessie_id, MARKER_SEQ, {"round_id": 0}))
            await eventually(lambda: bool(_states(socket)))
        finally:
            await hub.stop()
        frames = [json.loads(f) for f in socket.sent]
        assert frames[0]["type"] == "state"
        assert frames[0]["seq"] == snapshot["seq"] + 1
