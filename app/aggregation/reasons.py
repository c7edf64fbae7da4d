"""Reasons ("Waarom?") of a casus round, per value and per side of the decision.

A participant may write one short reason beside each value they chose (decision 0031). Per
value, the reasons of the toekenners and the niet-toekenners stand side by side (twijfel apart);
a value named on both sides of the decision is where the conversation is ("beide kanten").

A reason is named by a digest of its value and text (``reason_id``): the same text written by
two people for the same value is one reason written twice, and hiding it (moderation) hides it
wherever it stands. Pure: no I/O, clock or randomness.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from app.aggregation.casus import DECISIONS

# The two sides the projector sets side by side; "twijfel" is counted apart.
GRANT, REFUSE = "toekennen", "niet_toekennen"
# Reasons listed per value and side (most written first); the count covers all of them.
REASONS_SHOWN = 6


@dataclass(frozen=True)
class ReasonBallot:
    decision: str
    values: tuple[str, ...]
    reasons: Mapping[str, str]  # value -> reason, for chosen values only


@dataclass(frozen=True)
class Reason:
    id: str
    text: str
    count: int  # how many people wrote this text for this value on this side
    hidden: bool


@dataclass(frozen=True)
class Side:
    n: int  # reasons written on this side and shown (hidden ones not counted)
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class ValueReasons:
    value: str
    sides: dict[str, Side]  # by decision, every decision present
    both_sides: bool


@lru_cache(maxsize=1 << 14)
def reason_id(value: str, text: str) -> str:
    """A stable name for a reason: the same value and text give the same id (remembered: the
    same texts come back every time a round is counted again)."""
    return hashlib.sha256(f"{value}\x00{text}".encode()).hexdigest()[:16]


def both_sides(ballots: Iterable[ReasonBallot]) -> set[str]:
    """Values chosen by at least one toekenner and at least one niet-toekenner."""
    granted: set[str] = set()
    refused: set[str] = set()
    for ballot in ballots:
        if ballot.decision == GRANT:
            granted.update(ballot.values)
        elif ballot.decision == REFUSE:
            refused.update(ballot.values)
    return granted & refused


def reasons_by_value(
    ballots: Sequence[ReasonBallot],
    *,
    order: Sequence[str],
    hidden: frozenset[str] = frozenset(),
    include_hidden: bool = False,
    shown: int = REASONS_SHOWN,
    contested: set[str] | None = None,
) -> list[ValueReasons]:
    """Per value (in ``order``, then by key), the reasons on each side: identical texts once
    with their count, most written first, then first written; at most ``shown`` per side.

    Hidden reasons are left out, or (``include_hidden``, for the facilitator) listed and
    flagged but not counted. A value appears when it has a reason or was named on both sides.

    ``contested``: the values named on both sides when the caller has them counted already
    (a casus tally does); then ``ballots`` need only be those with a reason, which in a room
    of thousands is a few: the live results of a casus round are built from them every tick.
    """
    counts: dict[tuple[str, str], dict[str, int]] = {}  # (value, side) -> text -> count
    for ballot in ballots:
        for value, text in ballot.reasons.items():
            if value not in ballot.values or not text:
                continue
            texts = counts.setdefault((value, ballot.decision), {})
            texts[text] = texts.get(text, 0) + 1
    if contested is None:
        contested = both_sides(ballots)
    named = {value for value, _ in counts} | contested
    rank = {value: index for index, value in enumerate(order)}
    out = []
    for value in sorted(named, key=lambda v: (rank.get(v, len(rank)), v)):
        sides = {}
        for decision in DECISIONS:
            texts = counts.get((value, decision), {})
            # Most written first; ties keep the order written (dicts keep insertion order).
            ordered = sorted(texts.items(), key=lambda item: -item[1])
            hidden_n = (
                sum(n for text, n in ordered if reason_id(value, text) in hidden) if hidden else 0
            )
            listed: list[Reason] = []
            for text, n in ordered:
                if len(listed) == shown:
                    break
                rid = reason_id(value, text)
                if include_hidden or rid not in hidden:
                    listed.append(Reason(id=rid, text=text, count=n, hidden=rid in hidden))
            visible = sum(texts.values()) - hidden_n
            sides[decision] = Side(n=visible, reasons=tuple(listed))
        out.append(ValueReasons(value=value, sides=sides, both_sides=value in contested))
    return out


def reason_rows(
    ballots: Iterable[tuple[str, ReasonBallot]],
) -> list[tuple[str, str, str, str]]:
    """(author, value, side, text) of every reason, for a pseudonymous export; ``author`` is
    whatever the caller keys its ballots by."""
    return [
        (author, value, ballot.decision, text)
        for author, ballot in ballots
        for value, text in sorted(ballot.reasons.items())
        if value in ballot.values and text
    ]
