"""Interface text through gettext catalogues (Babel), Dutch first, English second.

Message ids are the Dutch text, so Dutch needs no catalogue and English lives in
``app/i18n/en/LC_MESSAGES/messages.po``. The .po file is compiled in memory at first use, so
there is no build step and nothing compiled is committed.
"""

from __future__ import annotations

import gettext as stdlib_gettext
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

Language = Literal["nl", "en"]
LANGUAGES: tuple[Language, ...] = ("nl", "en")
I18N_DIR = Path(__file__).resolve().parent

_current: ContextVar[Language] = ContextVar("language", default="nl")


@cache
def translations(language: Language) -> stdlib_gettext.NullTranslations:
    po_path = I18N_DIR / language / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def N_(message: str) -> str:  # noqa: N802 (the name gettext tools look for)
    """Mark ``message`` for the catalogue without translating it here (it is translated where
    the language is known)."""
    return message


def pick_language(candidates: Iterable[str | None], default: Language) -> Language:
    """The first candidate that is a supported language (say ``?lang=``, then the ``lang``
    cookie), else ``default``."""
    for candidate in candidates:
        for language in LANGUAGES:
            if candidate == language:
                return language
    return default


def set_language(language: Language) -> None:
    _current.set(language)


def current_language() -> Language:
    return _current.get()


def gettext(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


DISPLAY_ZONE = ZoneInfo("Europe/Amsterdam")


def long_date(moment: date | datetime | str | None) -> str:
    """A date as people write it ("4 december 2026", "4 December 2026"), in Dutch time.

    Accepts a date, a datetime (naive ones are UTC, as the database stores them) or an ISO
    string as a verantwoording keeps it; an empty or unreadable value gives an empty string."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        try:
            moment = (
                date.fromisoformat(moment) if len(moment) == 10 else datetime.fromisoformat(moment)
            )
        except ValueError:
            return ""
    if isinstance(moment, datetime):
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        moment = aware.astimezone(DISPLAY_ZONE).date()
    return format_date(moment, format="long", locale=_current.get())
