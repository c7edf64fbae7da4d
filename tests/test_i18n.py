"""Every Dutch interface text has an English translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

from app import i18n

ROOT = Path(__file__).resolve().parents[1]


def _message_ids() -> set[str]:
    method_map = [("app/templates/**.html", "jinja2"), ("app/**.py", "python")]
    options = {"app/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    ids: set[str] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options
    ):
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


class TestEnglishCatalogue:
    def test_every_message_is_translated(self) -> None:
        english = i18n.translations("en")
        ids = _message_ids()
        assert len(ids) > 20
        untranslated = sorted(
            m for m in ids if english.gettext(m) == m and m not in {"Start", "Clusters"}
        )
        assert untranslated == []

    def test_dutch_is_the_source_language(self) -> None:
        assert i18n.translations("nl").gettext("Casusbibliotheek") == "Casusbibliotheek"
