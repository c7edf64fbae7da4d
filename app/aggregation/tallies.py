"""Approval and points rounds, and approval of principles."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def approval_counts(candidates: Sequence[K], approvals: Sequence[Sequence[K]]) -> dict[K, int]:
    """How many ballots approve each candidate; a ballot counts a candidate at most once."""
    counts: Counter[K] = Counter()
    for approved in approvals:
        counts.update(set(approved))
    return {candidate: counts.get(candidate, 0) for candidate in candidates}


def points_totals(
    candidates: Sequence[str], allocations: Sequence[Mapping[str, int]]
) -> dict[str, int]:
    totals = dict.fromkeys(candidates, 0)
    for allocation in allocations:
        for value, points in allocation.items():
            totals[value] += points
    return totals


def order_by_score(
    scores: Mapping[str, float | int], *, tie_break_order: Sequence[str]
) -> list[str]:
    """Highest first; equal scores in the round's tie-break order."""
    rank = {value: index for index, value in enumerate(tie_break_order)}
    return sorted(scores, key=lambda v: (-scores[v], rank.get(v, len(rank)), v))
