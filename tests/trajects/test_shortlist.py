"""The shortlist rule, pinned by tables: N, M, the cap order and ties at the cut."""

from __future__ import annotations

import pytest

from app.trajects.shortlist import Change, CutTie, Named, apply_rule, replay

ORDER = ["e", "d", "c", "b", "a"]  # the traject's tie-break order


def named(*rows: tuple[str, int, int]) -> list[Named]:
    return [Named(value, count, sessions) for value, count, sessions in rows]


class TestApplyRule:
    @pytest.mark.parametrize(
        ("rows", "n", "m", "shortlist", "tie"),
        [
            # N: named by fewer than N people stays off.
            ([("a", 3, 1), ("b", 1, 1)], 2, 12, ("a",), None),
            # M caps by count first.
            ([("a", 1, 1), ("b", 3, 1), ("c", 2, 1)], 1, 2, ("b", "c"), None),
            # Equal counts: more sessions first.
            ([("a", 2, 2), ("b", 2, 1), ("c", 2, 2)], 1, 2, ("c", "a"), None),
            # Equal counts and sessions: the tie-break order decides, and it is a tie at the cut.
            ([("a", 2, 1), ("b", 2, 1), ("c", 1, 1)], 1, 1, ("b",), CutTie(("b", "a"), 1)),
            # A tie above the cut is no tie at the cut.
            ([("a", 3, 1), ("b", 3, 1), ("c", 1, 1)], 1, 2, ("b", "a"), None),
        ],
    )
    def test_rule(
        self,
        rows: list[tuple[str, int, int]],
        n: int,
        m: int,
        shortlist: tuple[str, ...],
        tie: CutTie | None,
    ) -> None:
        result = apply_rule(named(*rows), min_participants=n, max_values=m, tie_break_order=ORDER)
        assert result.shortlist == shortlist
        assert result.tie == tie

    def test_tie_straddling_the_cut_counts_the_places_inside(self) -> None:
        rows = named(("a", 2, 1), ("b", 2, 1), ("c", 2, 1), ("d", 5, 2))
        result = apply_rule(rows, min_participants=1, max_values=3, tie_break_order=ORDER)
        assert result.shortlist == ("d", "c", "b")
        assert result.tie == CutTie(("c", "b", "a"), 2)


class TestReplay:
    def test_take_all_tied_then_drop_and_add(self) -> None:
        rows = named(("a", 2, 1), ("b", 2, 1), ("c", 1, 1), ("d", 1, 1))
        result = apply_rule(rows, min_participants=1, max_values=1, tie_break_order=ORDER)
        changes = [
            Change("take_all_tied", ("b", "a")),
            Change("drop", ("b",)),
            Change("add", ("d",)),
        ]
        assert replay(result, changes) == ["a", "d"]
