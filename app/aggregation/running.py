"""Running tallies: a round's numbers kept up to date ballot by ballot, never recounted.

A live round's tally used to be recounted from every stored ballot on every tick, so a tick cost
grew with the room (82 ms at a thousand ballots a second). Here each participant's newest ballot
is held with its revision, and a ballot that replaces it first takes the old one's contribution
out and then puts its own in: the cost of a ballot is the cost of two small updates, and reading
the numbers costs the same whatever the number of ballots (the ranking's Schulze and agreement
come from the pairwise tally, ``methods.aggregate_tally``).

Rules (pinned by tests/aggregation/test_running.py against the from-scratch functions):

- a ballot counts only when its revision is higher than the one held for its participant, so a
  delta that arrives twice, or after a newer one, changes nothing (workers may hear them in any
  order);
- ``withdraw`` takes a participant's ballot out (a removed participant stops counting);
- the numbers equal those of ``casus.tally_casus``, ``tallies.approval_counts``,
  ``tallies.points_totals`` and ``methods.aggregate("schulze_borda", ..., roles=...)`` over the
  held ballots, in the order the participants first voted (the order only matters for nothing:
  every result here is order-independent, ties go by the tie-break order).

No I/O, no clock: the realtime hub feeds it from commits and backplane deltas and rebuilds it
from the database when it may have missed some (app/realtime/rooms.py, decision 0028).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from app.aggregation.casus import DECISIONS, CasusTally, ValueCount
from app.aggregation.methods import (
    MIN_ROLE_SIZE,
    OTHER_ROLE,
    AggregateResult,
    aggregate_tally,
    with_polarisation,
)
from app.aggregation.profile import PairwiseTally, RankingBallot, add_ballot, is_empty

RANKING_METHOD = "schulze_borda"


@dataclass(frozen=True)
class Held:
    """A participant's newest ballot as counted: its revision, payload and role."""

    revision: int
    payload: Mapping[str, Any]
    role: str


def _empty_tally(candidates: Sequence[str]) -> PairwiseTally:
    m = len(candidates)
    return PairwiseTally(tuple(candidates), np.zeros((m, m), dtype=np.int64), 0, 0)


def _sum(tallies: Sequence[PairwiseTally], candidates: Sequence[str]) -> PairwiseTally:
    total = _empty_tally(candidates)
    for part in tallies:
        total = PairwiseTally(
            total.candidates,
            total.support + part.support,
            total.n + part.n,
            total.tie_terms + part.tie_terms,
        )
    return total


# Takes one held ballot's contribution in (sign 1) or out (sign -1).
CountStep = Callable[["RunningTally", Held, int], None]


def count_nothing(tally: RunningTally, ballot: Held, sign: int) -> None:
    """A kind without running numbers: the tally only holds each participant's newest ballot."""


def count_casus(tally: RunningTally, ballot: Held, sign: int) -> None:
    payload = ballot.payload
    decision = str(payload["decision"])
    tally._decisions[decision] += sign
    for value in set(payload["values"]):
        tally._named[value] += sign
        split = tally._split.setdefault(value, Counter())
        split[decision] += sign
        if not tally._named[value]:
            del tally._named[value]
            del tally._split[value]


def count_ranking(tally: RunningTally, ballot: Held, sign: int) -> None:
    ranking = RankingBallot(tuple(ballot.payload["ranking"]))
    if is_empty(ranking):
        tally._n_empty += sign
        return
    current = tally._by_role.get(ballot.role) or _empty_tally(tally.candidates)
    tally._by_role[ballot.role] = add_ballot(current, ranking, sign=sign)


def count_points(tally: RunningTally, ballot: Held, sign: int) -> None:
    for value, points in ballot.payload["points"].items():
        tally._scores[value] += sign * points


def count_approval(tally: RunningTally, ballot: Held, sign: int) -> None:
    """Approval and principle rounds: each item approved counts once."""
    for item in set(ballot.payload["approve"]):
        tally._scores[item] += sign


class RunningTally:
    """One round's numbers, counted by ``count`` (``count_casus``, ``count_ranking``,
    ``count_points``, ``count_approval``; ``count_nothing`` only holds the ballots). The round's
    kind chooses it (``Kind.counter``, app/sessions/kinds).

    ``candidates`` and ``tie_break_order`` are the round's (unused for casus and principle
    rounds, whose items are the catalogue's values and the principles shown)."""

    def __init__(
        self,
        count: CountStep,
        *,
        candidates: Sequence[str] = (),
        tie_break_order: Sequence[str] = (),
    ) -> None:
        self.count = count
        self.candidates = tuple(candidates)
        self.tie_break_order = tuple(tie_break_order)
        self.held: dict[str, Held] = {}
        # Bumped by every change, so a reader can tell whether its last result still holds.
        self.changes = 0
        self._decisions: Counter[str] = Counter(dict.fromkeys(DECISIONS, 0))
        self._named: Counter[str] = Counter()
        self._split: dict[str, Counter[str]] = {}
        self._scores: Counter[Any] = Counter()
        self._n_empty = 0
        self._by_role: dict[str, PairwiseTally] = {}

    # --- changes -------------------------------------------------------------------------------

    def apply(
        self, participant_id: str, revision: int, payload: Mapping[str, Any], role: str
    ) -> bool:
        """Count this ballot instead of the participant's older one; False (nothing changes)
        when the held one is as new or newer."""
        old = self.held.get(participant_id)
        if old is not None and old.revision >= revision:
            return False
        if old is not None:
            self._count(old, -1)
        self.changes += 1
        new = Held(revision, payload, role)
        self.held[participant_id] = new
        self._count(new, 1)
        return True

    def withdraw(self, participant_id: str) -> bool:
        old = self.held.pop(participant_id, None)
        if old is None:
            return False
        self.changes += 1
        self._count(old, -1)
        return True

    def _count(self, ballot: Held, sign: int) -> None:
        self.count(self, ballot, sign)

    # --- numbers -------------------------------------------------------------------------------

    @property
    def n_ballots(self) -> int:
        return len(self.held)

    def casus(self) -> CasusTally:
        """As ``casus.tally_casus``: most named first, ties in tie-break order, then by key."""
        rank = {value: index for index, value in enumerate(self.tie_break_order)}
        named = self._named
        ordered = sorted(named, key=lambda v: (-named[v], rank.get(v, len(rank)), v))
        return CasusTally(
            n_ballots=self.n_ballots,
            decisions={d: self._decisions.get(d, 0) for d in DECISIONS},
            values=tuple(
                ValueCount(
                    value=value,
                    total=named[value],
                    by_decision={d: self._split[value].get(d, 0) for d in DECISIONS},
                )
                for value in ordered
            ),
        )

    def counted(self) -> list[Any]:
        """Every item some held ballot counts (an approval round's "andere waarde" among them)."""
        return [item for item, n in self._scores.items() if n > 0]

    def scores(self, items: Sequence[Any] | None = None) -> dict[Any, int]:
        """Per item (the round's candidates unless given: a principle round's principle ids)
        its approvals or points, as ``tallies.approval_counts`` / ``points_totals``."""
        keys = self.candidates if items is None else items
        return {key: self._scores.get(key, 0) for key in keys}

    def ranking(self) -> AggregateResult:
        """As ``methods.aggregate("schulze_borda", candidates, ballots, roles=...)``: the role
        groups of at least ``MIN_ROLE_SIZE`` non-empty ballots, the rest folded into "overig"
        (left out below that size too), give the divisiveness its polarisation."""
        order = self.tie_break_order
        overall = _sum(list(self._by_role.values()), self.candidates)
        result = aggregate_tally(
            RANKING_METHOD, overall, tie_break_order=order, n_empty=self._n_empty
        )
        folded: dict[str, list[PairwiseTally]] = {}
        for role, part in self._by_role.items():
            key = role if part.n >= MIN_ROLE_SIZE and role != OTHER_ROLE else OTHER_ROLE
            folded.setdefault(key, []).append(part)
        by_role = {}
        for role, parts in sorted(folded.items()):
            group = _sum(parts, self.candidates)
            if group.n >= MIN_ROLE_SIZE:
                by_role[role] = aggregate_tally(RANKING_METHOD, group, tie_break_order=order)
        divisive = with_polarisation(result.divisive, by_role.values(), order)
        return replace(result, by_role=by_role, divisive=divisive)
