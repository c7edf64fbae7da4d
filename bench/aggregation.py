"""The aggregation engine on large profiles: prints JSON timings in milliseconds.

* pairwise matrix + schulze_borda on 25 candidates x 10,000 random ranking ballots;
* the incremental update of that live aggregate after one new ballot (``add_ballot`` on the
  tally, then ``aggregate_tally``), and the ``add_ballot`` step alone;
* exact kemeny on 12 candidates x 1,000 random ranking ballots.

Ballots are random full or truncated rankings from a seeded generator (the randomness lives
here, never in the engine). Each figure is the median of several runs. Usage:
python bench/aggregation.py
"""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import Callable

from app.aggregation.methods import aggregate, aggregate_tally
from app.aggregation.profile import RankingBallot, add_ballot, tally

SEED = 20261123
REPEAT = 7


def _ballots(rng: random.Random, candidates: list[str], n: int) -> list[RankingBallot]:
    ballots = []
    for _ in range(n):
        ranking = rng.sample(candidates, len(candidates))
        ballots.append(RankingBallot(tuple(ranking[: rng.randint(1, len(candidates))])))
    return ballots


def _median_ms(run: Callable[[], object], repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 3)


def main() -> None:
    rng = random.Random(SEED)
    big = [f"v{i:02d}" for i in range(25)]
    ballots = _ballots(rng, big, 10_000)
    order = rng.sample(big, len(big))
    current = tally(big, ballots)
    extra = _ballots(rng, big, 1)[0]

    def incremental() -> None:
        aggregate_tally("schulze_borda", add_ballot(current, extra), tie_break_order=order)

    small = [f"v{i:02d}" for i in range(12)]
    kemeny_ballots = _ballots(rng, small, 1_000)
    kemeny_order = rng.sample(small, len(small))
    figures = {
        "candidates_25_ballots_10000": {
            "pairwise_matrix_ms": _median_ms(lambda: tally(big, ballots)),
            "schulze_borda_from_ballots_ms": _median_ms(
                lambda: aggregate("schulze_borda", big, ballots, tie_break_order=order)
            ),
            "incremental_add_ballot_ms": _median_ms(lambda: add_ballot(current, extra), 51),
            "incremental_add_ballot_and_schulze_borda_ms": _median_ms(incremental, 51),
        },
        "kemeny_candidates_12_ballots_1000_ms": _median_ms(
            lambda: aggregate("kemeny", small, kemeny_ballots, tie_break_order=kemeny_order)
        ),
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
