"""bench/room_update.py at a small scale: every room-wide update it times reaches every socket
(the bench gives up otherwise), and the timer and the reveal are built without a database
visit (decision 0037)."""

from __future__ import annotations

import sys

from tests.bench.support import run_bench

PHONES = 30
REPEATS = 2


def test_every_update_reaches_every_socket_and_the_light_ones_come_from_memory() -> None:
    figures = run_bench(
        [
            sys.executable,
            "bench/room_update.py",
            "--phones",
            str(PHONES),
            "--repeats",
            str(REPEATS),
            "--rate",
            "200",
        ]
    )
    assert figures["phones"] == PHONES
    for update in ("timer", "timer_voting", "reveal"):
        assert figures[update]["from_memory"] == REPEATS, update
        assert figures[update]["cpu_ms"] > 0
    # A phone's reveal carries the casus round's counts, not the principles written.
    assert 0 < figures["reveal"]["last_frame_chars"] < 8_000
