"""Kaart en zaal: what a room chose in an intervisie, next to the card it was started from.

PURE: counts in, a frozen comparison out; no database, clock or randomness, so the result page
and the tests read the same numbers (decision 0034). The counts come from the rounds'
aggregates (``casus`` values per ballot, ``approval`` scores), which stay after the raw
ballots are deleted (app/privacy.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ValueInRoom:
    """One value: how many named it in the casus round and how many found it decisive."""

    value: str
    chosen: int
    decisive: int


@dataclass(frozen=True)
class RoomComparison:
    """``on_card`` in card order; ``others`` are values the room named that are not on the
    card (the "een andere waarde" picks), most named first, then by key; ``unchosen`` are card
    values nobody named in the casus round nor found decisive, in card order."""

    on_card: tuple[ValueInRoom, ...]
    others: tuple[ValueInRoom, ...]
    unchosen: tuple[str, ...]
    n_casus: int
    n_decisive: int


def compare_room(
    card_values: Sequence[str],
    *,
    chosen: Mapping[str, int],
    decisive: Mapping[str, int],
    n_casus: int,
    n_decisive: int,
) -> RoomComparison:
    """Compare the room's counts with the card's values (matched by catalogue key). A value
    counted 0 is the same as a value not counted."""
    on_card = tuple(
        ValueInRoom(key, chosen.get(key, 0), decisive.get(key, 0)) for key in card_values
    )
    card = set(card_values)
    other_keys = {k for k, n in chosen.items() if n > 0 and k not in card} | {
        k for k, n in decisive.items() if n > 0 and k not in card
    }
    others = sorted(
        (ValueInRoom(key, chosen.get(key, 0), decisive.get(key, 0)) for key in other_keys),
        key=lambda row: (-row.chosen, -row.decisive, row.value),
    )
    return RoomComparison(
        on_card=on_card,
        others=tuple(others),
        unchosen=tuple(row.value for row in on_card if row.chosen == 0 and row.decisive == 0),
        n_casus=n_casus,
        n_decisive=n_decisive,
    )
