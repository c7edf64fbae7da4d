"""A live round under load, kept for its old command line: now a small swarm.

``python bench/live_round.py PHONES RATE`` runs ``bench/swarm.py`` with every phone casting
about one ballot per round (no revisions, no drops) on one SQLite worker, and prints its JSON.
The swarm replaced this script's own load generator, which predated facilitator logins.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.swarm import Options, run  # noqa: E402


def main() -> None:
    phones = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    rate = float(sys.argv[2]) if len(sys.argv) > 2 else 200.0
    options = Options(
        phones=phones, rate=rate, seconds=phones / rate, revise=0.0, drop=0.0, label="live_round"
    )
    print(json.dumps(run(options), indent=2))


if __name__ == "__main__":
    main()
