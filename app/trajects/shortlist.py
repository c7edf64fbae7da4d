"""The shortlist rule and the facilitator's changes to it; pure, so it is pinned by tables.

Rule: a value is eligible when at least N distinct participants named it across the naming
stage. Eligible values are ordered by that count, then by the number of sessions it was named
in, then by the traject's tie-break order (drawn at creation). The first M form the shortlist.
When the M-th and the (M+1)-th value have the same count and session count, the values level
with them form the *tie at the cut*; by default the tie-break order decides it.

The facilitator's decisions (audit entries, in order) are replayed on top: ``take_all_tied``
adds every tied value, ``add`` appends values, ``drop`` removes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Named:
    value: str
    count: int  # distinct participants who named it
    sessions: int  # naming sessions it was named in


@dataclass(frozen=True)
class CutTie:
    values: tuple[str, ...]  # level at the cut, in tie-break order
    places: int  # how many of them the rule's cut lets in


@dataclass(frozen=True)
class RuleResult:
    ordered: tuple[Named, ...]  # every named value, in shortlist order
    eligible: tuple[str, ...]  # named by at least N
    shortlist: tuple[str, ...]  # the first M eligible
    tie: CutTie | None


@dataclass(frozen=True)
class Change:
    action: str  # add | drop | take_all_tied
    values: tuple[str, ...]


def apply_rule(
    named: Sequence[Named],
    *,
    min_participants: int,
    max_values: int,
    tie_break_order: Sequence[str],
) -> RuleResult:
    rank = {value: index for index, value in enumerate(tie_break_order)}
    ordered = tuple(
        sorted(named, key=lambda n: (-n.count, -n.sessions, rank.get(n.value, len(rank)), n.value))
    )
    eligible = [n for n in ordered if n.count >= min_participants]
    tie = None
    if len(eligible) > max_values:
        last = eligible[max_values - 1]
        level = [n.value for n in eligible if (n.count, n.sessions) == (last.count, last.sessions)]
        if eligible[max_values].value in level:
            inside = {n.value for n in eligible[:max_values]}
            tie = CutTie(values=tuple(level), places=sum(v in inside for v in level))
    return RuleResult(
        ordered=ordered,
        eligible=tuple(n.value for n in eligible),
        shortlist=tuple(n.value for n in eligible[:max_values]),
        tie=tie,
    )


def replay(result: RuleResult, changes: Sequence[Change]) -> list[str]:
    """The shortlist after the facilitator's changes, in order."""
    values = list(result.shortlist)
    for change in changes:
        if change.action == "take_all_tied" and result.tie is not None:
            values += [v for v in result.tie.values if v not in values]
        elif change.action == "add":
            values += [v for v in change.values if v not in values]
        elif change.action == "drop":
            values = [v for v in values if v not in change.values]
    return values
