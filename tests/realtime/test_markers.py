"""Markers coalesce: a burst of ballots gives one ``ballots_changed``, and none is ever lost."""

from __future__ import annotations

import asyncio

from app.events import BALLOTS_CHANGED, MARKER_SEQ, PARTICIPANTS_CHANGED, Event
from app.realtime.markers import MarkerCoalescer


def _marker(denksessie_id: int, kind: str = BALLOTS_CHANGED) -> Event:
    return Event(kind, denksessie_id, MARKER_SEQ, {"round_id": 1})


class Recorder:
    def __init__(self) -> None:
        self.published: list[tuple[str, int]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.entered = asyncio.Event()

    async def publish(self, event: Event) -> None:
        self.entered.set()
        await self.gate.wait()
        self.published.append((event.type, event.denksessie_id))


async def test_a_burst_of_ballots_publishes_one_marker_per_denksessie_and_kind() -> None:
    recorder = Recorder()
    markers = MarkerCoalescer(recorder.publish)
    for _ in range(50):
        markers.mark(_marker(1))
    markers.mark(_marker(2))
    markers.mark(_marker(1, PARTICIPANTS_CHANGED))
    await markers.flush()
    assert sorted(recorder.published) == [
        (BALLOTS_CHANGED, 1),
        (BALLOTS_CHANGED, 2),
        (PARTICIPANTS_CHANGED, 1),
    ]


async def test_a_ballot_after_the_marker_left_gets_a_marker_of_its_own() -> None:
    """A ballot committed while the previous marker is being published is not covered by it."""
    recorder = Recorder()
    recorder.gate.clear()  # the first marker's publish hangs until released
    markers = MarkerCoalescer(recorder.publish, window=0.0)
    markers.mark(_marker(1))
    await asyncio.wait_for(recorder.entered.wait(), 5)  # the first marker is publishing
    markers.mark(_marker(1))
    recorder.gate.set()
    await markers.flush()
    assert recorder.published == [(BALLOTS_CHANGED, 1), (BALLOTS_CHANGED, 1)]


async def test_marks_while_one_waits_join_it() -> None:
    recorder = Recorder()
    markers = MarkerCoalescer(recorder.publish, window=0.5)
    markers.mark(_marker(1))
    await asyncio.sleep(0)  # the first marker's task starts and waits out its window
    assert not recorder.entered.is_set()
    markers.mark(_marker(1))  # still inside the first marker's window
    await markers.flush()
    assert recorder.published == [(BALLOTS_CHANGED, 1)]
