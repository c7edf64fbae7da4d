"""Approval counts, points totals and ordering by score with the round's tie-break order."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from app.aggregation.tallies import approval_counts, order_by_score, points_totals

CANDIDATES = ("privacy", "compassie", "eenvoud")


class TestApprovalCounts:
    @pytest.mark.parametrize(
        ("approvals", "expected"),
        [
            ([], {"privacy": 0, "compassie": 0, "eenvoud": 0}),
            ([["privacy"]], {"privacy": 1, "compassie": 0, "eenvoud": 0}),
            (
                [["privacy", "compassie"], ["compassie"], ["eenvoud", "compassie"]],
                {"privacy": 1, "compassie": 3, "eenvoud": 1},
            ),
        ],
    )
    def test_counts_ballots_per_candidate(
        self, approvals: list[list[str]], expected: dict[str, int]
    ) -> None:
        assert approval_counts(CANDIDATES, approvals) == expected

    def test_a_ballot_approves_a_candidate_once(self) -> None:
        counts = approval_counts(CANDIDATES, [["privacy", "privacy", "privacy"]])
        assert counts["privacy"] == 1

    def test_only_candidates_are_counted(self) -> None:
        counts = approval_counts(CANDIDATES, [["privacy", "autoriteit"]])
        assert counts == {"privacy": 1, "compassie": 0, "eenvoud": 0}

    def test_principle_ids_work_as_candidates(self) -> None:
        assert approval_counts([7, 9], [[9], [9, 7], [9, 9]]) == {7: 1, 9: 3}


class TestPointsTotals:
    @pytest.mark.parametrize(
        ("allocations", "expected"),
        [
            ([], {"privacy": 0, "compassie": 0, "eenvoud": 0}),
            ([{"privacy": 60, "eenvoud": 40}], {"privacy": 60, "compassie": 0, "eenvoud": 40}),
            (
                [{"privacy": 60, "eenvoud": 40}, {"privacy": 10, "compassie": 90}, {"eenvoud": 5}],
                {"privacy": 70, "compassie": 90, "eenvoud": 45},
            ),
            ([{"privacy": 0, "compassie": 100}], {"privacy": 0, "compassie": 100, "eenvoud": 0}),
        ],
    )
    def test_sums_points_per_candidate(
        self, allocations: list[Mapping[str, int]], expected: dict[str, int]
    ) -> None:
        assert points_totals(CANDIDATES, allocations) == expected


class TestOrderByScore:
    @pytest.mark.parametrize(
        ("scores", "order", "expected"),
        [
            ({"privacy": 1, "compassie": 3, "eenvoud": 2}, (), ["compassie", "eenvoud", "privacy"]),
            # Equal scores in the tie-break order, which differs from the alphabet here.
            (
                {"autoriteit": 2, "zelfbeschikking": 2, "compassie": 2},
                ("zelfbeschikking", "autoriteit", "compassie"),
                ["zelfbeschikking", "autoriteit", "compassie"],
            ),
            # Score first; only the tied pair follows the tie-break order.
            (
                {"autoriteit": 1, "zelfbeschikking": 1, "compassie": 5},
                ("zelfbeschikking", "compassie", "autoriteit"),
                ["compassie", "zelfbeschikking", "autoriteit"],
            ),
            # Floats (Borda halves) order the same way.
            ({"a": 0.5, "b": 2.5, "c": 0.5}, ("c", "b", "a"), ["b", "c", "a"]),
            # Values the order does not know come last among equals, by key.
            (
                {"privacy": 0, "compassie": 0, "eenvoud": 0},
                ("eenvoud",),
                [
                    "eenvoud",
                    "compassie",
                    "privacy",
                ],
            ),
            ({}, ("a",), []),
        ],
    )
    def test_highest_first_ties_in_tie_break_order(
        self, scores: dict[str, float], order: tuple[str, ...], expected: list[str]
    ) -> None:
        assert order_by_score(scores, tie_break_order=order) == expected

    def test_zero_ballots_follow_the_tie_break_order(self) -> None:
        order = ("eenvoud", "privacy", "compassie")
        assert order_by_score(points_totals(CANDIDATES, []), tie_break_order=order) == list(order)
