"""Words for error codes: the edge's half of "codes in the domain, words at the edge".

Domain errors (``app/errors.py``) and the websocket's own refusals carry a ``code``, sometimes a
``reason`` and ``params``; ``error_text`` makes the sentence in the language of the one asking.
Message ids are the Dutch sentences (``app/i18n/__init__.py``), marked with ``N_`` so the
catalogue test (``tests/test_i18n.py``) requires an English translation of each.

A sentence is chosen in this order: the one for ``code.reason`` (or ``code``) in ``TEXTS`` when
``params`` fill it; else, for Dutch, the sentence an older raise site passed as ``message``, and
for English its translation when the catalogue has that exact sentence (``LEGACY``); else the
plain sentence for the code (``PLAIN``); else one for the HTTP status.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.i18n import N_, Language, translations

# Sentences with facts: filled from an error's params. Keyed by "CODE" or "CODE.REASON".
TEXTS: dict[str, str] = {
    # the websocket handshake (``HANDSHAKE_REFUSED``, by reason)
    "HANDSHAKE_REFUSED.BAD_ORIGIN": N_("Deze pagina mag geen verbinding maken."),
    "HANDSHAKE_REFUSED.BAD_HELLO": N_("Stuur eerst een geldige hello."),
    "HANDSHAKE_REFUSED.PROTOCOL_VERSION": N_("Protocolversie {version} verwacht."),
    "HANDSHAKE_REFUSED.BAD_TOKEN": N_("Ongeldig token."),
    "HANDSHAKE_REFUSED.UNKNOWN_CODE": N_("Onbekende code."),
    "HANDSHAKE_REFUSED.TOO_BIG": N_("Het bericht is te groot."),
    "HANDSHAKE_REFUSED.UNKNOWN_PARTICIPANT": N_("Meld je opnieuw aan met de code."),
    "HANDSHAKE_REFUSED.TOO_MANY_SOCKETS": N_(
        "Deze link is op te veel schermen tegelijk open. Sluit er een en probeer het opnieuw."
    ),
    "HANDSHAKE_REFUSED.PARTICIPANT_REMOVED": N_(
        "De facilitator heeft je uit deze denksessie gehaald."
    ),
    # facilitator controls (``app/sessions/flows.py``)
    "ANOTHER_ROUND_OPEN": N_("Sluit eerst ronde '{title}'."),
    "ROUND_NOT_OPEN.TIMER": N_("Een timer loopt alleen in een open ronde."),
    "NOT_FOUND.PRINCIPLE": N_("Principe {principle_id} bestaat niet in deze denksessie."),
    "NOT_FOUND.PARTICIPANT": N_("Deze deelnemer bestaat niet in deze denksessie."),
}

# One sentence per code, without facts: what every code says when nothing more precise is known.
PLAIN: dict[str, str] = {
    # websocket frames (docs/realtime-protocol.md, "error")
    "HANDSHAKE_REFUSED": N_("De verbinding is geweigerd."),
    "RATE_LIMITED": N_("Je stuurt te veel berichten; wacht even."),
    "REPLACED": N_("Je bent op een ander scherm of tabblad verder gegaan."),
    "BAD_FRAME": N_("Onbekend of ongeldig bericht."),
    "WRONG_ROLE": N_("Alleen deelnemers stemmen."),
    "UNAVAILABLE": N_("Je antwoord is nog niet opgeslagen; we proberen het opnieuw."),
    "ACCESS_REVOKED": N_("Je toegang is ingetrokken."),
    # ballots
    "UNKNOWN_ROUND": N_("Deze ronde bestaat niet."),
    "ROUND_CLOSED": N_("Deze ronde is gesloten; je antwoord is niet opgeslagen."),
    "WRONG_ROUND_KIND": N_("Dit antwoord past niet bij deze ronde; ververs de pagina."),
    "BALLOT_INVALID": N_("Je antwoord klopt niet."),
    "PRINCIPLE_TOO_LONG": N_("Een principe mag hoogstens 200 tekens hebben."),
    "PRINCIPLE_INVALID": N_("Een principe begint met 'Ik ...'."),
    "TOO_MANY_VALUES": N_("Je hebt er te veel gekozen."),
    "UNKNOWN_VALUE": N_("Een gekozen waarde hoort niet bij deze ronde."),
    "DUPLICATE_VALUE": N_("Je hebt iets twee keer gekozen."),
    "POINTS_BUDGET": N_("Je punten passen niet in het budget van deze ronde."),
    "UNKNOWN_PRINCIPLE": N_("Dit principe staat niet in deze ronde."),
    "TEXT_INVALID": N_(
        "Je tekst bevat een teken dat niet kan worden opgeslagen; haal het weg en probeer opnieuw."
    ),
    "UNKNOWN_PARTICIPANT": N_("Meld je opnieuw aan met de code."),
    "PARTICIPANT_REMOVED": N_("De facilitator heeft je uit deze denksessie gehaald."),
    # denksessies, participants, rounds
    "JOIN_LOCKED": N_("De facilitator heeft het aanmelden gesloten."),
    "UNKNOWN_ROLE": N_("Kies een rol uit de lijst."),
    "ROOM_FULL": N_("Deze denksessie is vol. Vraag de facilitator om de zaalgrootte te verhogen."),
    "PIN_REQUIRED": N_("Vul de pincode in. Je vindt die op het scherm in de zaal."),
    "WRONG_PIN": N_("Deze pincode klopt niet. Je vindt de pincode op het scherm in de zaal."),
    "DENKSESSIE_ENDED": N_("Deze denksessie is afgelopen."),
    "ROUND_ALREADY_OPEN": N_("Deze ronde is al open."),
    "ROUND_NOT_OPEN": N_("Deze ronde is niet open."),
    "ROUND_NOT_CLOSED": N_("Alleen een gesloten ronde kan weer open."),
    # general
    "NOT_FOUND": N_("Niet gevonden."),
    "READ_ONLY": N_("Ingebouwde inhoud kan niet worden gewijzigd."),
    "CONFLICT": N_("Dit botst met wat er al is."),
    "VALIDATION_FAILED": N_("Het verzoek is niet geldig; er is niets opgeslagen."),
    "TOO_MANY_ATTEMPTS": N_("Te veel pogingen; probeer het later opnieuw."),
    "UNAUTHENTICATED": N_("Log eerst in."),
}

# Exact sentences older raise sites still pass as ``message`` (app/sessions/service.py,
# app/sessions/ballots.py); listed so English has them until those sites raise with a reason.
LEGACY: tuple[str, ...] = (
    N_("De denksessie is niet aangemaakt."),
    N_("Deze code hoort bij geen lopende denksessie."),
    N_("De ronde is niet geldig."),
    N_("Kies toekennen of niet toekennen."),
    N_("Je hebt een waarde twee keer gekozen."),
    N_("Je hebt een principe twee keer gekozen."),
    N_("Schrijf alleen principes bij gekozen waarden."),
)

# When a code has no sentence at all: by HTTP status.
BY_STATUS: dict[int, str] = {
    400: N_("Ongeldig verzoek."),
    401: N_("Log eerst in."),
    403: N_("Dit mag niet."),
    404: N_("Niet gevonden."),
    405: N_("Deze methode is hier niet toegestaan."),
    409: N_("Dit botst met wat er al is."),
    413: N_("Het verzoek is te groot."),
    415: N_("Dit bestandstype wordt niet ondersteund."),
    422: N_("Het verzoek is niet geldig; er is niets opgeslagen."),
    429: N_("Te veel pogingen; probeer het later opnieuw."),
    500: N_("Er ging iets mis aan onze kant."),
    503: N_("De dienst is tijdelijk niet beschikbaar."),
}


def error_text(
    code: str,
    *,
    language: Language,
    reason: str | None = None,
    params: Mapping[str, object] | None = None,
    message: str = "",
    http_status: int = 400,
) -> str:
    """The sentence for an error in ``language`` (see the module docstring for the order)."""
    gettext = translations(language).gettext
    template = TEXTS.get(f"{code}.{reason}") if reason else None
    template = template or TEXTS.get(code)
    if template is not None:
        try:
            return gettext(template).format(**(params or {}))
        except (KeyError, IndexError, ValueError):
            pass  # a fact is missing: fall back to a plainer sentence
    if message and (language == "nl" or gettext(message) != message):
        return gettext(message)
    plain = PLAIN.get(code)
    if plain is not None:
        return gettext(plain)
    return gettext(BY_STATUS.get(http_status, BY_STATUS[400]))
