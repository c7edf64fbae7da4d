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


# NUL and lone surrogates: PostgreSQL stores neither in text nor in jsonb (SQLite would, so a
# text accepted in development must not fail in production).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(value: object) -> bool:
    """Whether every string in a JSON-like value (keys included) can be stored as text."""
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is None
    if isinstance(value, dict):
        return all(storable(key) and storable(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return all(storable(item) for item in value)
    return True
