"""Reasons per value and side of a casus decision, and the values named on both sides."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.aggregation.casus import DECISIONS, CasusBallot, tally_casus
from app.aggregation.reasons import (
    GRANT,
    REFUSE,
    ReasonBallot,
    both_sides,
    reason_id,
    reasons_by_value,
)


def _ballot(decision: str, reasons: dict[str, str], *extra: str) -> ReasonBallot:
    return ReasonBallot(decision, (*reasons, *extra), reasons)


BALLOTS = [
    _ballot("toekennen", {"privacy": "Ze wil niet dat de buren het weten."}),
    _ballot("toekennen", {"privacy": "Ze wil niet dat de buren het weten."}, "eenvoud"),
    _ballot("toekennen", {"privacy": "Het is haar leven."}),
    _ballot("niet_toekennen", {"privacy": "Zonder gegevens kunnen we niet helpen."}),
    _ballot("twijfel", {"eenvoud": "Het formulier is te lang."}),
    _ballot("niet_toekennen", {}, "compassie"),
]


class TestSides:
    def test_reasons_stand_per_side_identical_texts_once_with_their_count(self) -> None:
        [privacy, *_] = reasons_by_value(BALLOTS, order=["privacy", "eenvoud"])
        assert privacy.value == "privacy"
        grant = privacy.sides["toekennen"]
        assert [(r.text, r.count) for r in grant.reasons] == [
            ("Ze wil niet dat de buren het weten.", 2),
            ("Het is haar leven.", 1),
        ]
        assert grant.n == 3
        assert [r.text for r in privacy.sides["niet_toekennen"].reasons] == [
            "Zonder gegevens kunnen we niet helpen."
        ]
        assert privacy.sides["twijfel"].n == 0

    def test_both_sides_means_chosen_by_a_toekenner_and_a_niet_toekenner(self) -> None:
        assert both_sides(BALLOTS) == {"privacy"}
        by_value = {r.value: r for r in reasons_by_value(BALLOTS, order=[])}
        assert by_value["privacy"].both_sides is True
        assert by_value["eenvoud"].both_sides is False  # toekennen and twijfel only
        assert "compassie" not in by_value  # named by one side, no reason

    def test_a_value_on_both_sides_shows_even_without_reasons(self) -> None:
        ballots = [_ballot("toekennen", {}, "moed"), _ballot("niet_toekennen", {}, "moed")]
        [moed] = reasons_by_value(ballots, order=[])
        assert (moed.value, moed.both_sides, moed.sides["toekennen"].n) == ("moed", True, 0)

    def test_values_follow_the_given_order_then_their_key(self) -> None:
        values = [r.value for r in reasons_by_value(BALLOTS, order=["eenvoud"])]
        assert values == ["eenvoud", "privacy"]


class TestHiddenAndCut:
    def test_a_hidden_reason_leaves_the_room_and_the_count(self) -> None:
        hidden = frozenset({reason_id("privacy", "Het is haar leven.")})
        [privacy, _] = reasons_by_value(BALLOTS, order=["privacy"], hidden=hidden)
        assert [r.text for r in privacy.sides["toekennen"].reasons] == [
            "Ze wil niet dat de buren het weten."
        ]
        assert privacy.sides["toekennen"].n == 2

    def test_the_facilitator_sees_it_flagged(self) -> None:
        hidden = frozenset({reason_id("privacy", "Het is haar leven.")})
        [privacy, _] = reasons_by_value(
            BALLOTS, order=["privacy"], hidden=hidden, include_hidden=True
        )
        flags = [(r.text, r.hidden) for r in privacy.sides["toekennen"].reasons]
        assert ("Het is haar leven.", True) in flags
        assert privacy.sides["toekennen"].n == 2

    def test_at_most_shown_per_side_the_count_covers_all(self) -> None:
        ballots = [_ballot("toekennen", {"privacy": f"Reden {i}."}) for i in range(20)]
        [privacy] = reasons_by_value(ballots, order=[], shown=5)
        assert len(privacy.sides["toekennen"].reasons) == 5
        assert privacy.sides["toekennen"].n == 20

    def test_a_reason_for_a_value_not_chosen_is_ignored(self) -> None:
        stray = ReasonBallot("toekennen", ("eenvoud",), {"privacy": "Los."})
        assert reasons_by_value([stray], order=[]) == []


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(DECISIONS),
            st.lists(st.sampled_from(["privacy", "eenvoud", "compassie"]), max_size=3),
            st.dictionaries(
                st.sampled_from(["privacy", "eenvoud", "compassie"]),
                st.sampled_from(["", "Het is haar leven.", "Te lang."]),
                max_size=2,
            ),
        ),
        max_size=30,
    )
)
def test_the_ballots_with_a_reason_and_the_tallys_contested_values_are_enough(
    drawn: list[tuple[str, list[str], dict[str, str]]],
) -> None:
    """What the live casus results pass (only ballots with a reason, the values named on both
    sides from the tally) gives what all ballots give."""
    ballots = [
        ReasonBallot(decision, tuple(values), reasons) for decision, values, reasons in drawn
    ]
    tally = tally_casus(
        [CasusBallot(b.decision, b.values) for b in ballots], tie_break_order=["privacy"]
    )
    contested = {v.value for v in tally.values if v.by_decision[GRANT] and v.by_decision[REFUSE]}
    order = [v.value for v in tally.values]
    assert reasons_by_value(
        [b for b in ballots if b.reasons], order=order, contested=contested
    ) == reasons_by_value(ballots, order=order)
