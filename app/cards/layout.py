"""How big the card is printed: the base font size that puts the whole card on one sheet.

A poster that spills onto a second page is not a poster. The print layout sizes everything on
the card's sheet in em from one base size; here we choose that size. ``estimate`` guesses it from
the amount of text (used as is by the browser's print view), and ``fit`` searches for the
largest size at which a renderer says the sheet is one page (used for the PDF).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from app.cards.schemas import PrincipekaartPublic

Format = Literal["a4", "a3"]


@dataclass(frozen=True)
class SheetSize:
    largest: float  # pt: a short card is printed this big
    smallest: float  # pt: never smaller, even when it no longer fits
    chars_at_largest: int  # about how many characters fit at the largest size


# Measured with WeasyPrint on the 2024 card and on cards of 3 to 7 values with long principles;
# the guess errs on the small side, so the browser's print view fits too.
SHEETS: dict[str, SheetSize] = {
    "a3": SheetSize(largest=20.0, smallest=6.0, chars_at_largest=900),
    "a4": SheetSize(largest=12.0, smallest=5.0, chars_at_largest=900),
}
STEP = 0.5  # pt: the precision of the search
REACH = 4.0  # pt: how far from the guess the search looks first


def columns(n_values: int, formaat: Format) -> int:
    """Tiles per row: on A3 one or two side by side, four as two by two, otherwise three; an A4
    page is too narrow for three (a value's name would break mid-word)."""
    if n_values <= 2:
        return max(n_values, 1)
    if formaat == "a4":
        return 2
    return 2 if n_values == 4 else 3


def text_length(card: PrincipekaartPublic) -> int:
    """The characters on the sheet, with a little extra per value for its name and labels."""
    per_value = sum(
        len(v.headline) + sum(len(p) for p in v.sub_principles) + len(v.quote or "") + 60
        for v in card.values
    )
    return len(card.title) + len(card.central_question) + per_value


def estimate(card: PrincipekaartPublic, formaat: Format) -> float:
    """A first guess: text area grows with the square of the font size."""
    sheet = SHEETS[formaat]
    ratio = (sheet.chars_at_largest / max(text_length(card), 1)) ** 0.5
    return _snap(min(sheet.largest, max(sheet.smallest, sheet.largest * ratio)))


def fit(pages_at: Callable[[float], int], *, formaat: Format, guess: float) -> float:
    """The largest size (in STEP increments, at most REACH above ``guess``) at which
    ``pages_at`` gives one page.

    Binary search around ``guess`` (within REACH first, a handful of renders); the smallest
    size when even that does not fit."""
    sheet = SHEETS[formaat]
    fits = pages_at(guess) == 1
    if fits:
        low, high = guess, min(sheet.largest, guess + REACH)
    else:
        low, high = max(sheet.smallest, guess - REACH), guess - STEP
        if low > high:
            return sheet.smallest
        if pages_at(low) > 1:
            if low == sheet.smallest:
                return low
            low, high = sheet.smallest, low - STEP
            if pages_at(low) > 1:
                return low
    while high - low >= STEP:
        middle = _snap(low + (high - low + STEP) / 2)
        if pages_at(middle) == 1:
            low = middle
        else:
            high = middle - STEP
    return low


def _snap(size: float) -> float:
    return round(size / STEP) * STEP
