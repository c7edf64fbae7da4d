"""Casus tallies: the decision split, values named once per ballot, ties in tie-break order."""

from __future__ import annotations

import pytest

from app.aggregation.casus import CasusBallot, CasusTally, tally_casus


def _ballot(decision: str, *values: str) -> CasusBallot:
    return CasusBallot(decision=decision, values=values)


def _tally(ballots: list[CasusBallot], order: tuple[str, ...] = ()) -> CasusTally:
    return tally_casus(ballots, tie_break_order=order)


class TestDecisionSplit:
    @pytest.mark.parametrize(
        ("decisions", "expected"),
        [
            ([], {"toekennen": 0, "niet_toekennen": 0, "twijfel": 0}),
            (["toekennen"], {"toekennen": 1, "niet_toekennen": 0, "twijfel": 0}),
            (
                ["toekennen", "twijfel", "toekennen", "niet_toekennen"],
                {"toekennen": 2, "niet_toekennen": 1, "twijfel": 1},
            ),
            (["twijfel", "twijfel"], {"toekennen": 0, "niet_toekennen": 0, "twijfel": 2}),
        ],
    )
    def test_counts_every_decision_including_zeros(
        self, decisions: list[str], expected: dict[str, int]
    ) -> None:
        tally = _tally([_ballot(decision, "privacy") for decision in decisions])
        assert tally.decisions == expected
        assert tally.n_ballots == len(decisions)


class TestZeroBallots:
    def test_nothing_is_named(self) -> None:
        tally = _tally([], ("privacy", "compassie"))
        assert tally == CasusTally(
            n_ballots=0,
            decisions={"toekennen": 0, "niet_toekennen": 0, "twijfel": 0},
            values=(),
        )


class TestValuesCountedOncePerBallot:
    @pytest.mark.parametrize(
        ("ballots", "expected_totals"),
        [
            ([_ballot("toekennen", "privacy", "privacy")], {"privacy": 1}),
            (
                [_ballot("toekennen", "privacy", "privacy", "compassie")],
                {"privacy": 1, "compassie": 1},
            ),
            (
                [
                    _ballot("toekennen", "privacy", "privacy"),
                    _ballot("twijfel", "privacy"),
                ],
                {"privacy": 2},
            ),
        ],
    )
    def test_total_is_the_number_of_ballots_naming_it(
        self, ballots: list[CasusBallot], expected_totals: dict[str, int]
    ) -> None:
        tally = _tally(ballots)
        assert {v.value: v.total for v in tally.values} == expected_totals

    def test_a_repeated_value_counts_once_in_its_decision(self) -> None:
        [count] = _tally([_ballot("niet_toekennen", "privacy", "privacy")]).values
        assert count.by_decision == {"toekennen": 0, "niet_toekennen": 1, "twijfel": 0}


class TestSplitByDecision:
    @pytest.mark.parametrize(
        ("ballots", "value", "expected"),
        [
            (
                [
                    _ballot("toekennen", "privacy"),
                    _ballot("toekennen", "privacy", "compassie"),
                    _ballot("niet_toekennen", "privacy"),
                    _ballot("twijfel", "compassie"),
                ],
                "privacy",
                {"toekennen": 2, "niet_toekennen": 1, "twijfel": 0},
            ),
            (
                [
                    _ballot("toekennen", "privacy"),
                    _ballot("toekennen", "privacy", "compassie"),
                    _ballot("niet_toekennen", "privacy"),
                    _ballot("twijfel", "compassie"),
                ],
                "compassie",
                {"toekennen": 1, "niet_toekennen": 0, "twijfel": 1},
            ),
        ],
    )
    def test_by_decision_lists_every_decision(
        self, ballots: list[CasusBallot], value: str, expected: dict[str, int]
    ) -> None:
        counts = {v.value: v for v in _tally(ballots).values}
        assert counts[value].by_decision == expected
        assert counts[value].total == sum(expected.values())


class TestOrdering:
    @pytest.mark.parametrize(
        ("ballots", "order", "expected"),
        [
            # Most named first, whatever the tie-break order says.
            (
                [
                    _ballot("toekennen", "privacy"),
                    _ballot("toekennen", "compassie", "privacy"),
                    _ballot("toekennen", "compassie", "privacy", "eenvoud"),
                ],
                ("eenvoud", "compassie", "privacy"),
                ("privacy", "compassie", "eenvoud"),
            ),
            # Equal counts follow the tie-break order, which here is reverse alphabetical.
            (
                [_ballot("toekennen", "autoriteit", "compassie", "zelfbeschikking")],
                ("zelfbeschikking", "compassie", "autoriteit"),
                ("zelfbeschikking", "compassie", "autoriteit"),
            ),
            # ... and a different shuffle gives a different, still non-alphabetical, order.
            (
                [_ballot("toekennen", "autoriteit", "compassie", "zelfbeschikking")],
                ("compassie", "zelfbeschikking", "autoriteit"),
                ("compassie", "zelfbeschikking", "autoriteit"),
            ),
            # Only tied values are reordered; the count still comes first.
            (
                [
                    _ballot("toekennen", "autoriteit", "zelfbeschikking", "privacy"),
                    _ballot("twijfel", "privacy"),
                ],
                ("zelfbeschikking", "privacy", "autoriteit"),
                ("privacy", "zelfbeschikking", "autoriteit"),
            ),
            # Values missing from the tie-break order come after those in it, by key.
            (
                [_ballot("toekennen", "privacy", "compassie", "zorgvuldigheid")],
                ("zorgvuldigheid",),
                ("zorgvuldigheid", "compassie", "privacy"),
            ),
        ],
    )
    def test_count_then_tie_break_order(
        self,
        ballots: list[CasusBallot],
        order: tuple[str, ...],
        expected: tuple[str, ...],
    ) -> None:
        assert tuple(v.value for v in _tally(ballots, order).values) == expected

    def test_tie_break_order_is_not_alphabetical(self) -> None:
        values = ("autoriteit", "compassie", "zelfbeschikking")
        order = ("zelfbeschikking", "autoriteit", "compassie")
        listed = tuple(v.value for v in _tally([_ballot("toekennen", *values)], order).values)
        assert listed == order
        assert listed != tuple(sorted(values))
