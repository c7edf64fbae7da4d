"""bench/swarm.py at a small scale, with part of the room held by a second process.

The swarm runs as a subprocess (it starts its own uvicorn worker and prints JSON). With
``--held-elsewhere`` a second generator process (``bench/hold.py``) joins and holds more phones
in the same denksessie: how one run passes one process's open-file limit (20,000 phones on four
workers, decision 0041). The assertions are on the JSON: every phone held to the end, the room's
opening reached every one of the swarm's own phones, and every acknowledged ballot is stored
once.
"""

from __future__ import annotations

import sys

from tests.bench.support import run_bench

HELD = 60


def test_phones_held_elsewhere_stay_in_the_room_to_the_end() -> None:
    figures = run_bench(
        [sys.executable, "bench/swarm.py", "--phones", "80", "--rate", "40", "--seconds", "2"]
        + ["--held-elsewhere", str(HELD)]
    )
    elsewhere = figures["held_elsewhere"]
    assert elsewhere["phones"] == HELD
    assert elsewhere["held"] == HELD
    assert elsewhere["still_held"] == HELD
    assert figures["sockets"]["held"] == 80
    # The second round opened to every phone of the swarm's own, counted by its state's seq.
    assert figures["open_round"]["reached"] == figures["open_round"]["phones"] == 80
    assert figures["consistency"]["consistent"] is True
    assert figures["unacknowledged"] == 0
