"""bench/room_update.py at a small scale: every room-wide update it times reaches every socket
(the bench gives up otherwise), and the timer and the reveal are built without a database
visit (decision 0037)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PHONES = 30
REPEATS = 2


def test_every_update_reaches_every_socket_and_the_light_ones_come_from_memory() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "bench/room_update.py",
            "--phones",
            str(PHONES),
            "--repeats",
            str(REPEATS),
            "--rate",
            "200",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    figures: dict[str, Any] = json.loads(done.stdout)
    assert figures["phones"] == PHONES
    for update in ("timer", "timer_voting", "reveal"):
        assert figures[update]["from_memory"] == REPEATS, update
        assert figures[update]["cpu_ms"] > 0
    # A phone's reveal carries the casus round's counts, not the principles written.
    assert 0 < figures["reveal"]["last_frame_chars"] < 8_000
