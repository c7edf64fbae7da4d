"""The size that puts a card on one sheet: the search, the first guess, and the stylesheet that
must have a class for every size the search can choose (the CSP allows no inline style)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.cards import layout
from tests.cards.test_compare import _card, _value

CSS = Path(__file__).resolve().parents[2] / "app" / "static" / "css" / "card-print.css"


def _sizes(formaat: layout.Format) -> list[float]:
    sheet = layout.SHEETS[formaat]
    n = round((sheet.largest - sheet.smallest) / layout.STEP)
    return [sheet.smallest + i * layout.STEP for i in range(n + 1)]


class TestFit:
    @pytest.mark.parametrize("fits_up_to", [6.0, 8.5, 11.0, 14.0, 30.0, 3.0])
    @pytest.mark.parametrize("guess", [6.0, 10.0, 12.0])
    def test_the_largest_size_near_the_guess_that_fits(
        self, fits_up_to: float, guess: float
    ) -> None:
        tried: list[float] = []

        def pages_at(size: float) -> int:
            tried.append(size)
            return 1 if size <= fits_up_to else 2

        chosen = layout.fit(pages_at, formaat="a3", guess=guess)
        sheet = layout.SHEETS["a3"]
        expected = min(max(fits_up_to, sheet.smallest), guess + layout.REACH, sheet.largest)
        assert chosen == expected
        assert len(tried) <= 8  # a handful of renders, not one per size

    def test_every_size_it_can_choose_has_a_class(self) -> None:
        css = CSS.read_text()
        for formaat in ("a3", "a4"):
            for size in _sizes(formaat):
                assert re.search(
                    rf"\.sheet\.pt-{round(size * 10)} \{{ font-size: {size:g}pt; \}}", css
                )


class TestGuess:
    def test_more_text_gives_a_smaller_size_within_the_bounds(self) -> None:
        short = _card("a", _value("x", "Ik luister.", "Ik vraag door."))
        long = _card(
            "b",
            *[
                _value(f"v{i}", "Ik " + "luister " * 40, *["Ik " + "help " * 30] * 4)
                for i in range(7)
            ],
        )
        for formaat in ("a3", "a4"):
            small, big = layout.estimate(long, formaat), layout.estimate(short, formaat)
            assert layout.SHEETS[formaat].smallest <= small < big == layout.SHEETS[formaat].largest

    def test_columns(self) -> None:
        assert [layout.columns(n, "a3") for n in (1, 2, 3, 4, 5, 7)] == [1, 2, 3, 2, 3, 3]
        assert [layout.columns(n, "a4") for n in (1, 2, 3, 5, 7)] == [1, 2, 2, 2, 2]
