"""A room's own bookkeeping, without sockets or a database: whom a tick tells the counts, and
the participant count it shows (decision 0041)."""

from __future__ import annotations

from typing import Any

from app.aggregation.running import RunningTally
from app.realtime.connection import Connection
from app.realtime.rooms import Room
from app.sessions.kinds import kind_of


class _Socket:
    """Stands in for a websocket: nothing is sent in these tests."""

    async def send_text(self, frame: str) -> None:
        raise AssertionError("nothing is sent here")

    async def close(self, code: int = 1000, reason: str = "") -> None:
        return None


def _room_with(phones: int, staff: int = 1) -> Room:
    room = Room(1)
    socket: Any = _Socket()  # shared: nothing is sent
    for n in range(phones):
        room.enter(Connection(socket, role="participant", denksessie_id=1, participant_id=f"p{n}"))
    for _ in range(staff):
        room.enter(Connection(socket, role="screen", denksessie_id=1))
    return room


class TestPhoneTalliesSpreadOverTheInterval:
    def test_a_big_room_is_told_a_share_per_tick_each_phone_once(self) -> None:
        room = _room_with(1_000)
        room.phones_dirty = True
        room.tell_phones(now=5.0, ticks=10)
        told = [room.phones_to_tell(100) for _ in range(10)]
        assert [len(share) for share in told] == [100] * 10
        everyone = [c for share in told for c in share]
        assert len(set(everyone)) == 1_000
        assert all(c.role == "participant" for c in everyone)
        assert room.phones_to_tell(100) == []  # the round is over
        assert not room.phones_dirty
        assert room.last_phone_push == 5.0

    def test_a_small_room_is_told_in_one_tick(self) -> None:
        room = _room_with(30)
        room.tell_phones(now=0.0, ticks=10)
        assert len(room.phones_to_tell(100)) == 30
        assert room.phones_to_tell(100) == []

    def test_a_phone_gone_before_its_turn_is_not_told(self) -> None:
        room = _room_with(300)
        room.tell_phones(now=0.0, ticks=3)
        first = room.phones_to_tell(100)
        waiting = list(room.phones_waiting)
        gone = waiting[0]
        room.leave(gone)
        rest = room.phones_to_tell(100) + room.phones_to_tell(100)
        assert gone not in rest
        assert len(first) + len(rest) == 299


class TestParticipantsShown:
    def test_never_fewer_than_have_answered(self) -> None:
        room = _room_with(0)
        running = RunningTally(kind_of("approval").counter(), candidates=("privacy",))
        for n in range(3):
            running.apply(f"p{n}", 1, {"approve": ["privacy"]}, "inwoner")
        room.tallies = {7: running}
        room.participants = 2  # read a moment before the third joined
        assert room.participants_shown() == 3
        room.participants = 40
        assert room.participants_shown() == 40

    def test_before_any_tally_it_is_the_count_read(self) -> None:
        room = _room_with(0)
        room.participants = 12
        assert room.participants_shown() == 12
