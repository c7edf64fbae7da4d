"""Small text helpers shared by every domain package."""

from __future__ import annotations

import re
import unicodedata


def slugify(text: str) -> str:
    """'Professionele autonomie' -> 'professionele-autonomie'; 'Continuïteit' -> 'continuiteit'."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")


def fold(text: str) -> str:
    """Compare names the way people do: case, accents and surrounding spaces do not count."""
    return " ".join(slugify(text).split("-"))
