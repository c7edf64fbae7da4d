"""A casus round: the decision split, how often each value was named, split by decision."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

DECISIONS = ("toekennen", "niet_toekennen", "twijfel")


@dataclass(frozen=True)
class CasusBallot:
    decision: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class ValueCount:
    value: str
    total: int
    by_decision: dict[str, int]


@dataclass(frozen=True)
class CasusTally:
    n_ballots: int
    decisions: dict[str, int]
    values: tuple[ValueCount, ...]  # most named first; ties in tie-break order


def tally_casus(ballots: Sequence[CasusBallot], *, tie_break_order: Sequence[str]) -> CasusTally:
    """Count decisions and named values; a value counts once per ballot (distinct participants).

    Values named equally often are listed in the round's tie-break order, then (for values not
    in that order, e.g. from a catalogue edited later) by key, so the result is deterministic.
    """
    decisions = Counter(dict.fromkeys(DECISIONS, 0))
    named: Counter[str] = Counter()
    split: dict[str, Counter[str]] = {}
    for ballot in ballots:
        decisions[ballot.decision] += 1
        for value in set(ballot.values):
            named[value] += 1
            split.setdefault(value, Counter())[ballot.decision] += 1
    rank = {value: index for index, value in enumerate(tie_break_order)}
    ordered = sorted(named, key=lambda v: (-named[v], rank.get(v, len(rank)), v))
    return CasusTally(
        n_ballots=len(ballots),
        decisions=dict(decisions),
        values=tuple(
            ValueCount(
                value=value,
                total=named[value],
                by_decision={d: split[value].get(d, 0) for d in DECISIONS},
            )
            for value in ordered
        ),
    )
