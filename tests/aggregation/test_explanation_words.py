"""The aggregation explains in codes; app/i18n/explain.py words them in Dutch or English."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import i18n
from app.aggregation.methods import METHODS, Explanation, aggregate
from app.aggregation.profile import InputProblem, RankingBallot
from app.i18n.explain import PROBLEMS, SENTENCES, explanation_text, problem_text

NAMES = {"v0": "Privacy", "v1": "Eenvoud", "v2": "Compassie"}


@pytest.fixture
def english() -> Iterator[None]:
    i18n.set_language("en")
    yield
    i18n.set_language("nl")


class TestWords:
    def test_the_maths_holds_no_dutch(self) -> None:
        # v2 beats v1; v0 and v2 are level: the tie-break order put v2 first.
        ballots = [RankingBallot(("v0", "v2")), RankingBallot(("v2", "v1"))]
        result = aggregate(
            "schulze", ("v0", "v1", "v2"), ballots, tie_break_order=("v2", "v1", "v0")
        )
        assert result.explanation == Explanation("tiebreak", "v2", tied=("v2", "v0"))

    def test_dutch_names_every_tied_value(self) -> None:
        explanation = Explanation("tiebreak", "v2", tied=("v2", "v0", "v1"))
        assert explanation_text(explanation, NAMES) == (
            "Compassie, Privacy en Eenvoud staan gelijk; de vooraf getoonde loting zet "
            "Compassie bovenaan."
        )

    @pytest.mark.usefixtures("english")
    def test_english(self) -> None:
        explanation = Explanation("schulze_then_borda", "v1", tied=("v1", "v0"), score=4.5)
        assert explanation_text(explanation, NAMES) == (
            "Schulze cannot separate Eenvoud and Privacy; Eenvoud is on average highest on the "
            "ballots (Borda score 4.5)."
        )

    def test_dutch_decimal_comma(self) -> None:
        assert explanation_text(Explanation("borda", "v0", score=4.5), NAMES).endswith(
            "(Borda-score 4,5)."
        )

    def test_every_method_has_a_sentence(self) -> None:
        # schulze_borda explains by "schulze" or "schulze_then_borda".
        assert set(METHODS) - {"schulze_borda"} <= set(SENTENCES)


class TestProblemWords:
    def test_every_problem_code_has_a_sentence(self) -> None:
        source = "".join(
            (Path(__file__).resolve().parents[2] / "app" / "aggregation" / name).read_text()
            for name in ("methods.py", "profile.py")
        )
        codes = set(re.findall(r'(?:InputProblem|P)\(\s*"(\w+)"', source))
        assert len(codes) >= 14
        assert codes <= set(PROBLEMS)

    @pytest.mark.usefixtures("english")
    def test_english(self) -> None:
        problem = InputProblem("over_budget", 3, limit=100)
        assert problem_text(problem) == "More points than the budget (100)."
