"""Schuur-matrix: which pairs of values clash, counted over the ballots of a schuur round.

A ballot names one or two unordered pairs of distinct values. The count of a pair is the number
of ballots that name it (a ballot counts a pair once, whichever way round it wrote it); the
matrix is symmetric with an empty diagonal. Pairs are ranked by count with competition ranks
(1, 1, 3): pairs with the same count share a rank and are marked ``tied``, so no order among them
is claimed that the room did not give. Within a rank the round's tie-break order decides only
where a pair is listed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

Pair = tuple[str, str]

# The projector's matrix shows at most this many values: those most often named in a pair.
MATRIX_MAX = 8


def pair_key(a: str, b: str) -> Pair:
    """The pair the same whichever way round it was written."""
    return (a, b) if a <= b else (b, a)


@dataclass(frozen=True)
class RankedPair:
    a: str
    b: str
    count: int
    rank: int  # 1 for the most named; pairs with equal counts share a rank
    tied: bool  # another pair has the same count


def clash_counts(ballots: Sequence[Sequence[Sequence[str]]]) -> dict[Pair, int]:
    """How many ballots name each pair (only pairs named at least once)."""
    counts: Counter[Pair] = Counter()
    for pairs in ballots:
        counts.update({pair_key(p[0], p[1]) for p in pairs if p[0] != p[1]})
    return dict(counts)


def involvement(candidates: Sequence[str], counts: dict[Pair, int]) -> dict[str, int]:
    """How often each value is named in a pair: the sum of its row in the matrix."""
    total = dict.fromkeys(candidates, 0)
    for (a, b), n in counts.items():
        for value in (a, b):
            if value in total:
                total[value] += n
    return total


def matrix_values(
    candidates: Sequence[str],
    counts: dict[Pair, int],
    *,
    tie_break_order: Sequence[str],
    limit: int = MATRIX_MAX,
) -> list[str]:
    """The values the matrix shows: all candidates when they fit, else the ``limit`` most named
    (equal ones in the tie-break order); most named first either way."""
    named = involvement(candidates, counts)
    place = {value: index for index, value in enumerate(tie_break_order)}
    order = sorted(
        candidates, key=lambda v: (-named[v], place.get(v, len(place)), candidates.index(v))
    )
    return order[:limit]


def clash_matrix(values: Sequence[str], counts: dict[Pair, int]) -> list[list[int]]:
    """Symmetric counts for the given values; zero on the diagonal."""
    return [[0 if a == b else counts.get(pair_key(a, b), 0) for b in values] for a in values]


def ranked_pairs(counts: dict[Pair, int], *, tie_break_order: Sequence[str]) -> list[RankedPair]:
    """Every named pair, most named first, with competition ranks and ties marked."""
    place = {value: index for index, value in enumerate(tie_break_order)}

    def listed(pair: Pair) -> tuple[int, int, int, str, str]:
        first, second = sorted(pair, key=lambda v: (place.get(v, len(place)), v))
        return (
            -counts[pair],
            place.get(first, len(place)),
            place.get(second, len(place)),
            first,
            second,
        )

    ordered = sorted(counts, key=listed)
    how_many = Counter(counts.values())
    ranked: list[RankedPair] = []
    for index, pair in enumerate(ordered):
        n = counts[pair]
        rank = ranked[-1].rank if ranked and ranked[-1].count == n else index + 1
        ranked.append(RankedPair(pair[0], pair[1], n, rank, how_many[n] > 1))
    return ranked


def top_pairs(ranked: Sequence[RankedPair], *, places: int) -> list[RankedPair]:
    """The pairs ranked within the first ``places`` places: a tie at the edge is kept whole, so
    the list can be longer than ``places`` but never leaves out a pair named as often as one in
    it."""
    return [pair for pair in ranked if pair.rank <= places]
