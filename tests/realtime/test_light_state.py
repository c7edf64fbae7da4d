"""States built in memory (decision 0037): after a timer, a reveal or a lock, every socket gets a
``state`` built from the room's last state without a database visit, and it reads exactly as a
snapshot read from the database a moment later; whenever memory might be wrong (an event missed
or out of order, a result not known here), the state is read from the database as before.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from app.aggregation.running import RunningTally
from app.events import Event
from app.realtime import hub as hub_module
from app.realtime.hub import Hub
from app.realtime.rooms import Room
from app.realtime.views import OpenRound
from app.sessions import results
from app.sessions.kinds import kind_of
from app.sessions.models import Denksessie, SessionRound
from tests.realtime.support import (
    Connected,
    Frame,
    Live,
    Socket,
    aggregate_in_db,
    ballot,
    casus_payload,
    poll,
)

ZB, PR, CO = "zelfbeschikking", "privacy", "compassie"
VOTES = [
    casus_payload(ZB, PR),
    {**casus_payload(PR, principle="Ik vraag eerst."), "decision": "niet_toekennen"},
    casus_payload(CO, ZB, principle="Ik luister."),
]
# What a state and a snapshot of the same seq share (a state may leave out the kept parts and
# the unchanged results of settled rounds, listed in ``results_kept``).
SHARED = ("seq", "denksessie", "participants", "rounds", "current_round_id", "principles")


def states_from_memory(live: Live) -> float:
    metrics = live.client.app.state.metrics  # type: ignore[attr-defined]
    found: float | None = metrics.registry.get_sample_value("denksessie_states_from_memory_total")
    return found or 0.0


def hub_of(live: Live) -> Hub:
    hub: Hub = live.client.app.state.hub  # type: ignore[attr-defined]
    return hub


def listed(live: Live) -> list[Frame]:
    """The facilitator's participant list as the hub last read it."""
    people = hub_of(live).rooms[live.id].people
    return [] if people is None else people[2]


def state_at(socket: Socket, seq: int) -> Frame:
    return socket.until(lambda frame: frame["type"] == "state" and frame["seq"] >= seq)


def as_read(socket: Socket, state: Frame) -> None:
    """The state equals a snapshot the socket asks for now (read from the database)."""
    socket.send({"type": "resync"})
    snapshot = socket.of_type("snapshot")
    for part in SHARED:
        assert state.get(part) == snapshot.get(part), part
    kept = set(state.get("results_kept", []))
    assert state["results"] == {
        key: value for key, value in snapshot["results"].items() if key not in kept
    }
    if "participant_list" in snapshot:
        assert state["participant_list"] == snapshot["participant_list"]


def vote(live: Live, round_id: int) -> None:
    """Three participants vote (and leave), before the watchers connect."""
    for payload in VOTES:
        with live.participant() as (_, phone):
            phone.socket.send(ballot(round_id, "casus", payload))
            assert phone.socket.until(lambda f: f["type"] in ("ack", "error"))["type"] == "ack"


def room_result(engine: Engine, live: Live, round_id: int) -> Frame:
    with Session(engine) as db:
        denksessie = db.get(Denksessie, live.id)
        session_round = db.get(SessionRound, round_id)
        assert denksessie is not None
        assert session_round is not None
        computed = results.aggregate(db, denksessie, session_round, role="screen")
    found: Frame = json.loads(json.dumps(computed))
    return found


def results_in(frame: Frame, round_id: int) -> Any:
    if frame["type"] == "tally":
        return frame["rounds"].get(str(round_id), {}).get("results")
    return frame.get("results", {}).get(str(round_id))


class TestATimerWhileVoting:
    def test_is_built_in_memory_and_reads_as_the_database(
        self, live: Live, realtime_engine: Engine
    ) -> None:
        round_id = live.add_round("casus")
        with (
            live.connect("facilitator") as facilitator,
            live.connect("screen") as screen,
            live.participant() as (_, phone),
        ):
            # A room's first state is read from the database; the ones after it need not be.
            state_at(phone.socket, live.control(f"rounds/{round_id}/open"))
            vote(live, round_id)
            own = aggregate_in_db(realtime_engine, live.id, round_id)
            # The facilitator's live results are current (the principles written read), and
            # so is the participant list.
            poll(lambda: len(listed(live)) == 4)
            facilitator.socket.until(lambda frame: results_in(frame, round_id) == own)
            before = states_from_memory(live)
            seq = live.control(f"rounds/{round_id}/timer", {"seconds": 90})
            for connected in (facilitator, screen, phone):
                state = state_at(connected.socket, seq)
                timed = next(r for r in state["rounds"] if r["id"] == round_id)
                assert timed["deadline_at"]
                as_read(connected.socket, state)
            assert states_from_memory(live) == before + 1


class TestAReveal:
    def _voted(self, live: Live) -> int:
        round_id = live.open_round("casus")
        vote(live, round_id)
        return round_id

    def _watched(
        self, live: Live, engine: Engine, round_id: int, *, from_memory: bool
    ) -> dict[str, Frame]:
        """Close the round and reveal it with a facilitator, a screen and a phone watching; each
        one's state of the reveal, checked against a snapshot read after it."""
        with (
            live.connect("facilitator") as facilitator,
            live.connect("screen") as screen,
            live.participant() as (_, phone),
        ):
            watchers: dict[str, Connected] = {
                "facilitator": facilitator,
                "screen": screen,
                "participant": phone,
            }
            seq = live.control(f"rounds/{round_id}/close")  # read from the database
            for connected in watchers.values():
                state_at(connected.socket, seq)
            if from_memory:  # the results the room will see were read ahead
                room = hub_of(live).rooms[live.id]
                poll(lambda: (round_id, False) in room.known_results)
            before = states_from_memory(live)
            seq = live.control(f"rounds/{round_id}/reveal", {"revealed": True})
            states = {role: state_at(c.socket, seq) for role, c in watchers.items()}
            for role, connected in watchers.items():
                as_read(connected.socket, states[role])
            assert states_from_memory(live) == before + (1 if from_memory else 0)
        return states

    def test_of_a_closed_round_shows_the_results_read_ahead(
        self, live: Live, realtime_engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(hub_module, "READ_AHEAD_AFTER_S", 0.0)
        round_id = self._voted(live)
        states = self._watched(live, realtime_engine, round_id, from_memory=True)
        room = room_result(realtime_engine, live, round_id)
        assert states["screen"]["results"][str(round_id)] == room
        sized = json.loads(json.dumps(kind_of("casus").phone_result(room)))
        assert states["participant"]["results"][str(round_id)] == sized
        assert "principles" not in sized

    def test_of_a_round_closed_just_before_the_next_opened_is_read_ahead_too(
        self, live: Live, realtime_engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The next round's opening comes while the read ahead of the close still waits: what
        that read finds is stale, and it reads again rather than give up."""
        monkeypatch.setattr(hub_module, "READ_AHEAD_AFTER_S", 0.5)
        round_id = self._voted(live)
        next_round = live.add_round("casus")
        with live.connect("screen") as screen, live.participant() as (_, phone):
            state_at(phone.socket, live.control(f"rounds/{round_id}/close"))
            seq = live.control(f"rounds/{next_round}/open")  # the read ahead is waiting
            state_at(phone.socket, seq)
            room = hub_of(live).rooms[live.id]
            poll(lambda: (round_id, False) in room.known_results)
            before = states_from_memory(live)
            seq = live.control(f"rounds/{round_id}/reveal", {"revealed": True})
            for connected in (screen, phone):
                as_read(connected.socket, state_at(connected.socket, seq))
            assert states_from_memory(live) == before + 1

    def test_before_the_read_ahead_reads_the_database(
        self, live: Live, realtime_engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(hub_module, "READ_AHEAD_AFTER_S", 3600.0)
        round_id = self._voted(live)
        states = self._watched(live, realtime_engine, round_id, from_memory=False)
        room = room_result(realtime_engine, live, round_id)
        assert states["screen"]["results"][str(round_id)] == room

    def test_of_an_open_round_shows_its_running_results(
        self, live: Live, realtime_engine: Engine
    ) -> None:
        round_id = live.add_round("casus")
        with live.connect("facilitator") as facilitator, live.connect("screen") as screen:
            state_at(screen.socket, live.control(f"rounds/{round_id}/open"))
            vote(live, round_id)
            own = aggregate_in_db(realtime_engine, live.id, round_id)
            room = room_result(realtime_engine, live, round_id)
            facilitator.socket.until(lambda frame: results_in(frame, round_id) == own)
            before = states_from_memory(live)
            seq = live.control(f"rounds/{round_id}/reveal", {"revealed": True})
            state = state_at(screen.socket, seq)
            assert state["results"][str(round_id)] == room
            as_read(screen.socket, state)
            assert states_from_memory(live) == before + 1

    def test_undone_takes_the_results_off_the_screen_and_the_phones(self, live: Live) -> None:
        round_id = self._voted(live)
        with (
            live.connect("facilitator") as facilitator,
            live.connect("screen") as screen,
            live.participant() as (_, phone),
        ):
            seq = live.control(f"rounds/{round_id}/close")
            state_at(phone.socket, seq)
            seq = live.control(f"rounds/{round_id}/reveal", {"revealed": True})
            assert str(round_id) in state_at(phone.socket, seq)["results"]
            before = states_from_memory(live)
            seq = live.control(f"rounds/{round_id}/reveal", {"revealed": False})
            for connected in (screen, phone):
                state = state_at(connected.socket, seq)
                assert str(round_id) not in state["results"]
                assert str(round_id) not in state.get("results_kept", [])
                as_read(connected.socket, state)
            as_read(facilitator.socket, state_at(facilitator.socket, seq))
            assert states_from_memory(live) == before + 1


class TestLockingTheDoor:
    def test_is_built_in_memory(self, live: Live) -> None:
        round_id = live.add_round("approval")
        with live.participant() as (_, phone):
            state_at(phone.socket, live.control(f"rounds/{round_id}/open"))
            before = states_from_memory(live)
            seq = live.control("lock", {"locked": True})
            state = state_at(phone.socket, seq)
            assert state["denksessie"]["join_locked"] is True
            as_read(phone.socket, state)
            assert states_from_memory(live) == before + 1


class TestAFailureInMemory:
    def test_reads_the_state_instead_and_the_room_keeps_hearing_events(
        self, live: Live, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """``on_event`` builds the state for the relay that calls it: a bug there must cost a
        database read, never the relay (every later event) or the state."""

        def broken(self: Room, heard: list[Event], server_time: str) -> None:
            raise RuntimeError("a bug in the state from memory")

        round_id = live.add_round("approval")
        with live.participant() as (_, phone):
            state_at(phone.socket, live.control(f"rounds/{round_id}/open"))
            monkeypatch.setattr(Room, "light_state", broken)
            seq = live.control(f"rounds/{round_id}/timer", {"seconds": 60})
            timed = state_at(phone.socket, seq)
            assert next(r for r in timed["rounds"] if r["id"] == round_id)["deadline_at"]
            seq = live.control(f"rounds/{round_id}/close")
            closed = state_at(phone.socket, seq)
            assert next(r for r in closed["rounds"] if r["id"] == round_id)["status"] == "closed"


# --- when memory is not enough -------------------------------------------------------------------


def _room_at(seq: int) -> Room:
    """A room whose last state (seq ``seq``) shows one open round without results."""
    frame: Frame = {
        "type": "state",
        "seq": seq,
        "denksessie": {"id": 1, "show_results_live": False, "join_locked": False},
        "participants": 0,
        "rounds": [{"id": 5, "kind": "approval", "status": "open", "revealed": False}],
        "results": {},
    }
    running = RunningTally(kind_of("approval").counter(), candidates=(PR, ZB), tie_break_order=())
    return Room(
        1,
        tallies={5: running},
        open_rounds={5: OpenRound(5, "approval", (PR, ZB), (), False, None)},
        last_state={"facilitator": frame},
        last_state_seq=seq,
    )


def _timer(seq: int, deadline: str = "2026-12-05T10:00:00+00:00") -> Event:
    return Event("timer_set", 1, seq, {"round_id": 5, "deadline_at": deadline})


class TestTheDatabaseIsReadWhen:
    def test_an_event_was_missed(self) -> None:
        assert _room_at(3).light_state([_timer(5)], "now") is None

    def test_events_came_out_of_order(self) -> None:
        assert _room_at(3).light_state([_timer(5), _timer(4)], "now") is None

    def test_the_tallies_await_a_reconcile(self) -> None:
        room = _room_at(3)
        room.reconcile_due = True
        assert room.light_state([_timer(4)], "now") is None

    def test_a_heavy_event_came_between(self) -> None:
        room = _room_at(3)
        room.heard_state_event(_timer(4))
        room.heard_state_event(Event("participant_removed", 1, 5, {"participant_id": "x"}))
        assert room.full_state_due

    def test_a_round_revealed_has_results_not_known_here(self) -> None:
        room = _room_at(3)
        frame = room.last_state["facilitator"]  # type: ignore[index]
        frame["rounds"].append({"id": 6, "kind": "casus", "status": "closed", "revealed": False})
        room.last_state = {"room": frame}
        reveal = Event("round_revealed", 1, 4, {"round_id": 6, "revealed": True})
        assert room.light_state([reveal], "now") is None


class TestMemoryIsEnoughWhen:
    def test_the_next_event_is_light(self) -> None:
        room = _room_at(3)
        built = room.light_state([_timer(4)], "now")
        assert built is not None
        assert built["facilitator"]["seq"] == 4
        assert built["facilitator"]["rounds"][0]["deadline_at"] == "2026-12-05T10:00:00+00:00"
        assert built["facilitator"]["results"]["5"]["n_ballots"] == 0
        assert room.last_state_seq == 4

    def test_the_last_state_already_holds_the_events(self) -> None:
        """Read from the database after they were committed: nothing more to send."""
        assert _room_at(6).light_state([_timer(4), _timer(5)], "now") == {}
