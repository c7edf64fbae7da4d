"""Words for error codes: the edge's half of "codes in the domain, words at the edge".

Domain errors (``app/errors.py``) and the websocket's own refusals carry a ``code``, sometimes a
``reason`` and ``params``; ``error_text`` makes the sentence in the language of the one asking.
Message ids are the Dutch sentences (``app/i18n/__init__.py``), marked with ``N_`` so the
catalogue test (``tests/test_i18n.py``) requires an English translation of each.

A sentence is chosen in this order: the one for ``code.reason`` (or ``code``) in ``TEXTS`` when
``params`` fill it (a fact named in ``WORDS`` is itself worded); else, for Dutch, the sentence a
raise site passed as ``message`` (the framework's ``HTTPException`` details, and the few sites in
``app/cards`` not converted yet), and for English its translation when the catalogue has that
exact sentence; else the plain sentence for the code (``PLAIN``); else one for the HTTP status.

A ``Problem`` (one thing wrong with the input) is worded the same way from ``PROBLEMS``, keyed by
its code (pydantic's error type for request and document validation, an upper-case code of our
own for the rest); without words for its code, its ``message`` is used.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from app.errors import Problem
from app.i18n import N_, Language, translations

# Why a traject has no selection yet: a problem on the traject page, a 422 when a card is asked.
NO_RANKING_ROUND = N_("Er is nog geen rangschikronde in de fase prioriteren.")
CARD_LARGER_THAN_CANDIDATES = N_(
    "Een kaart kan niet meer waarden hebben dan er kandidaten zijn "
    "({card_size} waarden, {candidates} kandidaten)."
)
RANKING_NOT_COUNTED = N_("De rangschikking kan niet worden berekend: {codes}")

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
    # denksessies, participants, rounds (``app/sessions/service.py``)
    "VALIDATION_FAILED.DENKSESSIE": N_("De denksessie is niet aangemaakt."),
    "VALIDATION_FAILED.ROUND": N_("De ronde is niet geldig."),
    "NOT_FOUND.DENKSESSIE": N_("Denksessie {denksessie_id} bestaat niet."),
    "NOT_FOUND.JOIN_CODE": N_("Deze code hoort bij geen lopende denksessie."),
    "NOT_FOUND.ROUND": N_("Ronde {round_id} bestaat niet in deze denksessie."),
    "UNKNOWN_ROLE": N_("Kies een rol uit de lijst: {roles}."),
    # casussen (``app/casussen/service.py``)
    "NOT_FOUND.CASUS": N_("Casus {casus_id} bestaat niet."),
    "READ_ONLY.CASUS": N_(
        "Casus '{title}' is ingebouwd en kan niet worden gewijzigd; "
        "maak er een kopie van om hem aan te passen."
    ),
    "VALIDATION_FAILED.CASUS": N_("De casus is niet geldig; er is niets opgeslagen."),
    "VALIDATION_FAILED.CASUS_FILE": N_("Het casusbestand is niet geldig; er is niets opgeslagen."),
    "CASUS_IN_USE": N_(
        "Casus '{title}' wordt gebruikt in een of meer denksessies ({denksessies}) en kan "
        "niet worden verwijderd; er is niets verwijderd."
    ),
    # catalogues (``app/catalogue/``)
    "NOT_FOUND.CATALOGUE": N_("Catalogus '{slug}' bestaat niet."),
    "NOT_FOUND.CLUSTER": N_("Cluster '{key}' bestaat niet in deze catalogus."),
    "NOT_FOUND.VALUE": N_("Waarde '{key}' bestaat niet in deze catalogus."),
    "NOT_FOUND.CATALOGUE_KEY": N_("'{key}' bestaat niet in deze catalogus."),
    "NOT_FOUND.OPVATTING": N_("Opvatting {opvatting_id} bestaat niet in deze catalogus."),
    "READ_ONLY.CATALOGUE": N_(
        "Catalogus '{name}' is ingebouwd en kan niet worden gewijzigd; "
        "maak er een kopie van om hem aan te passen."
    ),
    "VALIDATION_FAILED.CATALOGUE": N_("De catalogus is niet geldig; er is niets opgeslagen."),
    "CONFLICT.CLUSTER_KEY": N_(
        "Er is al een cluster met deze naam, of met een naam die bijna hetzelfde is "
        "(sleutel '{key}'). Kies een andere naam."
    ),
    "CONFLICT.VALUE_KEY": N_(
        "Er is al een waarde met deze naam, of met een naam die bijna hetzelfde is "
        "(sleutel '{key}'). Kies een andere naam."
    ),
    "CONFLICT.CLUSTER_NOT_EMPTY": N_(
        "Cluster '{key}' bevat nog waarden ({values}); verplaats of verwijder die eerst."
    ),
    "VALUE_IN_USE": N_(
        "Waarde(n) {values} staan op een principekaart en kunnen niet worden verwijderd; "
        "er is niets gewijzigd."
    ),
    "VALUE_IN_USE.PRINCIPEKAART": N_(
        "Waarde(n) {values} staan op principekaart '{title}' en kunnen niet worden "
        "verwijderd; er is niets gewijzigd."
    ),
    "VALUE_IN_USE.TRAJECT": N_(
        "Waarde(n) {values} worden gebruikt in traject '{title}' en kunnen niet worden "
        "verwijderd; er is niets gewijzigd. Maak een kopie van de catalogus als je een "
        "versie zonder deze waarde wilt."
    ),
    "VALUE_IN_USE.DENKSESSIE": N_(
        "Waarde(n) {values} worden gebruikt in denksessie '{title}' en kunnen niet worden "
        "verwijderd; er is niets gewijzigd. Maak een kopie van de catalogus als je een "
        "versie zonder deze waarde wilt."
    ),
    "CATALOGUE_IN_USE.DENKSESSIE": N_(
        "Catalogus '{name}' wordt gebruikt door een denksessie en kan niet worden verwijderd; "
        "er is niets verwijderd."
    ),
    "CATALOGUE_IN_USE.TRAJECT": N_(
        "Catalogus '{name}' wordt gebruikt door een traject en kan niet worden verwijderd; "
        "er is niets verwijderd."
    ),
    "CATALOGUE_IN_USE.PRINCIPEKAART": N_(
        "Catalogus '{name}' wordt gebruikt door een principekaart en kan niet worden "
        "verwijderd; er is niets verwijderd."
    ),
    # accounts and invitations (``app/accounts/service.py``)
    "VALIDATION_FAILED.ACCOUNT": N_("Het account is niet aangemaakt; er is niets opgeslagen."),
    "VALIDATION_FAILED.INVITATION": N_("De uitnodiging is niet gemaakt."),
    "VALIDATION_FAILED.INVITATION_REFUSED": N_("De uitnodiging is niet aangenomen."),
    "VALIDATION_FAILED.SETUP": N_("Er is niets aangemaakt; verbeter de velden hieronder."),
    "CONFLICT.ACCOUNT_EXISTS": N_("Er bestaat al een account met dit e-mailadres."),
    "CONFLICT.INVITATION_USED": N_("Deze uitnodiging is net al gebruikt."),
    "NOT_FOUND.ORGANISATION": N_("Deze organisatie bestaat niet."),
    "NOT_FOUND.ACCOUNT": N_("Er is geen account met e-mailadres {email}."),
    "NOT_FOUND.MEMBER": N_("Dit lid bestaat niet."),
    "NOT_FOUND.INVITATION": N_("Deze uitnodiging bestaat niet."),
    "NOT_FOUND.INVITATION_GONE": N_(
        "Deze uitnodiging is niet (meer) geldig. Vraag om een nieuwe link."
    ),
    # organisations, files (``app/organisations/``, ``app/exchange.py``)
    "NOT_FOUND.ORGANISATION_SLUG": N_("Organisatie '{slug}' bestaat niet."),
    "VALIDATION_FAILED.NOT_PARSED": N_(
        "Het bestand is geen geldige {format}; er is niets opgeslagen."
    ),
    # trajects (``app/trajects/``; ``{stage}`` is worded from ``WORDS``)
    "NOT_FOUND.TRAJECT": N_("Traject {traject_id} bestaat niet."),
    "NOT_FOUND.STAGE": N_("Fase '{stage}' bestaat niet."),
    "VALIDATION_FAILED.TRAJECT": N_("Het traject is niet opgeslagen."),
    "VALIDATION_FAILED.CARD": N_("De kaart is niet gemaakt."),
    "VALIDATION_FAILED.SHORTLIST": N_("De shortlist is niet gewijzigd."),
    "VALIDATION_FAILED.TIE": N_("De gelijke stand is niet beslist."),
    "VALIDATION_FAILED.CURATION": N_("De principes zijn niet opgeslagen."),
    "NO_SELECTION.NO_RANKING_ROUND": NO_RANKING_ROUND,
    "NO_SELECTION.CARD_LARGER_THAN_CANDIDATES": CARD_LARGER_THAN_CANDIDATES,
    "NO_SELECTION.RANKING_NOT_COUNTED": RANKING_NOT_COUNTED,
    # cards (``app/cards/``)
    "NOT_FOUND.CARD": N_("Principekaart '{slug}' bestaat niet."),
    "NOT_FOUND.CARD_LINK": N_("Deze link naar een principekaart bestaat niet (meer)."),
    "READ_ONLY.BUILTIN_CARD": N_(
        "Een ingebouwde principekaart kan niemand wijzigen; maak een eigen kaart in een traject."
    ),
    "CARD_PUBLISHED.EDIT": N_(
        "Deze principekaart is gepubliceerd en verandert niet meer; er is niets opgeslagen. "
        "Maak een nieuwe versie om hem aan te passen."
    ),
    "CARD_NOT_PUBLISHED": N_(
        "Deze principekaart is nog een concept; pas hem aan in plaats van een nieuwe versie "
        "te maken."
    ),
    "VALIDATION_FAILED.CARD_INVALID": N_(
        "De principekaart is niet geldig; er is niets opgeslagen."
    ),
    "VALIDATION_FAILED.CARD_EMPTY": N_("Een lege principekaart kan niet gepubliceerd worden."),
    "VALIDATION_FAILED.INTERVISIE": N_(
        "De intervisie is niet gestart; er is niets opgeslagen. Verbeter wat hieronder staat."
    ),
    "NOT_INTERVISIE": N_(
        "Deze denksessie is niet gestart vanaf een Principekaart, dus er is geen kaart om mee "
        "te vergelijken."
    ),
    "CARD_NOT_PUBLISHED.INTERVISIE": N_(
        "Deze principekaart is nog een concept. Start een intervisie met een gepubliceerde kaart."
    ),
    "CARD_TOO_SMALL.INTERVISIE": N_(
        "Deze principekaart heeft {n} waarde; voor een intervisie zijn er minstens 2 nodig."
    ),
    "VALIDATION_FAILED.CARD_CATALOGUE": N_("De principekaart past niet bij de catalogus."),
    "CONFLICT.NO_FREE_VERSION_SLUG": N_("Er is geen vrije naam voor de nieuwe versie."),
    "CONFLICT.CARD_HAS_SUCCESSOR": N_("Van deze kaart bestaat al een nieuwe versie: '{slug}'."),
    "VALIDATION_FAILED.SPLIT": N_("De groep is niet gesplitst of samengevoegd."),
    "NOT_PRIORITISING": N_("Deze denksessie hoort niet bij de fase {stage} van dit traject."),
    "NOT_IN_STAGE": N_("Deze denksessie hoort niet bij de fase {stage} van dit traject."),
    "CHOOSE_SESSION": N_("Koppel eerst één denksessie aan de fase {stage}, of kies er een."),
    "OUTSIDE_SHORTLIST": N_(
        "Deze waarden staan niet op de shortlist: {values}. "
        "Geef een reden om ze toch te laten rangschikken."
    ),
    "CARD_TOO_LARGE": N_(
        "Een kaart kan niet meer waarden hebben dan er kandidaten zijn "
        "({card_size} waarden, {candidates} kandidaten)."
    ),
    "SHORTLIST_FROZEN.RULE": N_(
        "De shortlist ligt vast sinds de rangschikronde is gemaakt; "
        "de regel kan niet meer veranderen."
    ),
    "STAGE_CLOSED.ATTACH": N_("De fase '{stage}' is gesloten; er kan geen denksessie meer bij."),
    "STAGE_CLOSED": N_("De fase '{stage}' is al gesloten."),
    "SESSION_IN_TRAJECT.OTHER": N_(
        "Denksessie '{title}' hoort al bij een ander traject; een denksessie hoort bij één traject."
    ),
    "SESSION_IN_TRAJECT.THIS": N_(
        "Denksessie '{title}' hoort al bij dit traject; een denksessie hoort bij één traject."
    ),
    "SESSION_IN_TRAJECT.NAMED": N_(
        "Denksessie '{title}' hoort al bij traject '{traject}'; "
        "een denksessie hoort bij één traject."
    ),
    "STAGE_HAS_OPEN_ROUNDS": N_("Sluit eerst de open rondes van deze fase: {rounds}."),
    # the HTTP edge's own refusals (``app/api/``)
    "NOT_FOUND.PAGE": N_("Deze pagina bestaat niet."),
    "SETUP_LINK_NEEDED": N_(
        "Open de link die de server bij het starten liet zien "
        "(of maak een nieuwe met: denksessie setup-link)."
    ),
    "TOO_MANY_ATTEMPTS.AGGREGATE": N_(
        "Te veel telverzoeken vanaf dit adres. Wacht even en probeer het dan opnieuw."
    ),
    "TOO_MANY_ATTEMPTS.JOIN_CODES": N_(
        "Te veel onbekende codes geprobeerd. Wacht even en probeer het dan opnieuw."
    ),
    "TOO_MANY_ATTEMPTS.JOINS": N_(
        "Er melden zich nu te veel mensen tegelijk aan. Probeer het zo nog eens."
    ),
    "VALIDATION_FAILED.AGGREGATE_TOO_BIG": N_(
        "Dit telverzoek is te groot om hier te tellen; er is niets berekend."
    ),
    "VALIDATION_FAILED.AGGREGATE": N_(
        "De stemmen konden niet worden geteld; er is niets berekend."
    ),
    "VALIDATION_FAILED.FILE_TOO_LARGE": N_("Het bestand is te groot; er is niets opgeslagen."),
    "VALIDATION_FAILED.NOT_UTF8": N_("Het bestand is geen UTF-8-tekst; er is niets opgeslagen."),
    "CROSS_ORIGIN": N_("Verzoeken van een andere site worden geweigerd."),
    "CSRF_FAILED": N_(
        "Het beveiligingstoken ontbreekt of klopt niet; er is niets opgeslagen. "
        "Herlaad de pagina en probeer het opnieuw."
    ),
    "FORBIDDEN.OWNER_ONLY": N_("Alleen een eigenaar van de organisatie mag dit."),
    "FORBIDDEN.VIEWER": N_(
        "Je kunt in deze organisatie alleen meekijken; vraag een eigenaar om meer rechten."
    ),
    "FORBIDDEN.SCREEN_LINK": N_(
        "Deze schermlink is niet (meer) geldig. Open het scherm opnieuw vanaf de console."
    ),
    "REPLAY_FAILED": N_("Het naspel liep vast: {detail}"),
    # ballots (``app/sessions/ballots.py``; the phone keys on the code, never on these words)
    "PRINCIPLE_TOO_LONG": N_("Een principe mag hoogstens {max} tekens hebben."),
    "BALLOT_INVALID.FIELDS": N_("Je antwoord klopt niet (bij {fields})."),
    "BALLOT_INVALID.TWIJFEL": N_("Kies toekennen of niet toekennen."),
    "BALLOT_INVALID.PRINCIPLE_WITHOUT_VALUE": N_("Schrijf alleen principes bij gekozen waarden."),
    "DUPLICATE_VALUE.VALUE": N_("Je hebt een waarde twee keer gekozen."),
    "DUPLICATE_VALUE.PRINCIPLE": N_("Je hebt een principe twee keer gekozen."),
    "TOO_MANY_VALUES.VALUES": N_("Kies hoogstens {max} waarden."),
    "TOO_MANY_VALUES.RANKING": N_("Rangschik hoogstens {max} waarden."),
    "TOO_MANY_VALUES.PRINCIPLES": N_("Kies hoogstens {max} principes."),
    "UNKNOWN_VALUE.CASUS": N_("Onbekende waarde: {values}."),
    "UNKNOWN_VALUE.CANDIDATE": N_("Geen kandidaat in deze ronde: {values}."),
    "UNKNOWN_VALUE.OFFERED": N_("Deze ronde biedt deze waarde niet aan: {values}."),
    "TOO_MANY_VALUES.OTHER": N_("Kies hoogstens één andere waarde."),
    "POINTS_BUDGET": N_("Verdeel samen tussen 1 en {budget} punten."),
    "TOO_MANY_PAIRS": N_("Kies hoogstens {max} paar."),
    # open question (``app/sessions/kinds/open.py``)
    "TOO_MANY_VALUES.ANSWERS": N_("Geef hoogstens {max} antwoorden."),
    "ANSWER_TOO_LONG": N_("Een antwoord mag hoogstens {max} tekens hebben."),
    "NOT_FOUND.ANSWER": N_("Dit antwoord bestaat niet in deze ronde."),
    # reasons ("Waarom?") and quotes for the card (``app/sessions/kinds/casus.py``, ``flows.py``)
    "REASON_TOO_LONG": N_("Een reden mag hoogstens {max} tekens hebben."),
    "NOT_FOUND.REASON": N_("Deze reden staat niet (meer) in deze ronde."),
    "NOT_FOUND.QUOTE": N_("Dit citaat bestaat niet in deze denksessie."),
    "WRONG_ROUND_KIND.REASONS": N_("Redenen en citaten horen bij een casusronde."),
    # self-paced denksessies (docs/decisions/0033)
    "ROUND_CLOSED.SELF_PACED": N_(
        "De sluitingstijd van deze denksessie is voorbij; je antwoord is niet opgeslagen."
    ),
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
    "BODY_TOO_LARGE": N_("Het verzoek is te groot; er is niets gelezen of opgeslagen."),
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
    "PAIR_OF_ONE_VALUE": N_("Een paar bestaat uit twee verschillende waarden."),
    "DUPLICATE_PAIR": N_("Je hebt hetzelfde paar twee keer gekozen."),
    "TOO_MANY_PAIRS": N_("Je hebt te veel paren gekozen."),
    "UNKNOWN_PRINCIPLE": N_("Dit principe staat niet in deze ronde."),
    "ANSWER_EMPTY": N_("Een antwoord is leeg; schrijf iets of haal het weg."),
    "ANSWER_TOO_LONG": N_("Je antwoord is te lang."),
    "MERGE_NEEDS_TWO": N_("Kies minstens twee verschillende antwoorden om samen te voegen."),
    "REASON_TOO_LONG": N_("Een reden mag hoogstens 280 tekens hebben."),
    "REASON_WITHOUT_VALUE": N_("Schrijf alleen een reden bij een waarde die je hebt gekozen."),
    "REASONS_OFF": N_("In deze ronde worden geen redenen gevraagd."),
    "QUOTE_INVALID": N_("Kies één reden of één principe als citaat."),
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
    # self-paced denksessies (docs/decisions/0033)
    "SELF_PACED_CLOSED": N_("Deze denksessie in eigen tempo is al gesloten."),
    "NOT_SELF_PACED": N_("Dit kan alleen bij een denksessie in eigen tempo."),
    "SELF_PACED_STARTED": N_("Deze denksessie is al gestart."),
    "SELF_PACED_NOT_RUNNING": N_("Deze denksessie loopt niet; er valt niets te sluiten."),
    "NO_ROUNDS": N_("Voeg eerst een ronde toe."),
    # general
    "NOT_FOUND": N_("Niet gevonden."),
    "READ_ONLY": N_("Ingebouwde inhoud kan niet worden gewijzigd."),
    "CONFLICT": N_("Dit botst met wat er al is."),
    "VALIDATION_FAILED": N_("Het verzoek is niet geldig; er is niets opgeslagen."),
    "TOO_MANY_ATTEMPTS": N_("Te veel pogingen; probeer het later opnieuw."),
    "UNAUTHENTICATED": N_("Log eerst in."),
    "NO_ORGANISATION": N_("Dit account hoort bij geen organisatie."),
    "LAST_OWNER": N_("Een organisatie houdt minstens één eigenaar."),
    "NO_SELECTION": N_("Er is nog geen selectie: rangschik eerst de shortlist."),
    "NO_PRINCIPLES": N_("Bij de gekozen waarden zijn nog geen principes geschreven."),
    "CASUS_IN_USE": N_(
        "Deze casus wordt gebruikt in een denksessie en kan niet worden verwijderd."
    ),
    "SHORTLIST_TOO_SHORT": N_("Er zijn minstens twee waarden nodig om te rangschikken."),
    "CARD_PUBLISHED": N_(
        "De kaart van dit traject is al gepubliceerd; maak een nieuwe versie van die kaart "
        "in plaats van opnieuw een kaart uit het traject."
    ),
    "SHORTLIST_FROZEN": N_("De shortlist ligt vast: de rangschikronde is al gemaakt."),
    "WRONG_CATALOGUE": N_("Deze denksessie gebruikt een andere waardenkaart dan het traject."),
    "NO_TIE": N_("Er staan geen waarden gelijk bij de grens van de kaart."),
    "VALUE_NOT_SELECTED": N_("Deze waarde staat niet (meer) in de selectie voor de kaart."),
    "NOT_ENDED": N_("Beëindig de denksessie eerst; daarna kunnen de ruwe gegevens worden gewist."),
}

# Facts that are words themselves: a param named here holds a key, worded in the language.
WORDS: dict[str, dict[str, str]] = {
    "stage": {
        "naming": N_("benoemen"),
        "prioritising": N_("prioriteren"),
        "principles": N_("principes"),
    },
}

# One problem with the input (``Problem.code``), filled from ``Problem.params``.
PROBLEMS: dict[str, str] = {
    # the anonymisation checklist of an intervisie's own casus (``app/cards/intervisie.py``)
    "NOT_TICKED": N_("nog niet aangevinkt: controleer je casus hierop en vink het aan"),
    # pydantic's error types (``app/validation.py``), params from the error's context
    "missing": N_("verplicht veld ontbreekt"),
    "extra_forbidden": N_("onbekend veld"),
    "string_type": N_("moet tekst zijn"),
    "int_type": N_("moet een geheel getal zijn"),
    "int_parsing": N_("moet een geheel getal zijn"),
    "bool_type": N_("moet waar of onwaar zijn"),
    "list_type": N_("moet een lijst zijn"),
    "dict_type": N_("moet een object zijn"),
    "model_type": N_("moet een object zijn"),
    "model_attributes_type": N_("moet een object zijn"),
    "string_pattern_mismatch": N_("alleen kleine letters, cijfers en koppeltekens"),
    "json_invalid": N_("ongeldige JSON"),
    "ballot_kind": N_("een stembiljet heeft precies een van ranking, approve of points"),
    "string_too_long": N_("te lang (hoogstens {max_length} tekens)"),
    "string_too_short": N_("te kort (minstens {min_length} tekens)"),
    "too_long": N_("te veel items (hoogstens {max_length})"),
    "too_short": N_("te weinig items (minstens {min_length})"),
    "literal_error": N_("moet een van deze waarden zijn: {expected}"),
    "greater_than_equal": N_("buiten het toegestane bereik (minstens {ge})"),
    "less_than_equal": N_("buiten het toegestane bereik (hoogstens {le})"),
    "greater_than": N_("buiten het toegestane bereik (meer dan {gt})"),
    "less_than": N_("buiten het toegestane bereik (minder dan {lt})"),
    # denksessies and rounds (``app/sessions/service.py``)
    "UNKNOWN_CASUS": N_("casus {casus_id} bestaat niet"),
    "DUPLICATE_ROLE": N_("een rol staat er twee keer in"),
    "CLOSES_AT_REQUIRED": N_("kies wanneer de denksessie sluit"),
    "CLOSES_AT_PAST": N_("de sluitingstijd moet in de toekomst liggen"),
    "CLOSES_AT_TOO_FAR": N_("de sluitingstijd mag hoogstens {days} dagen vooruit liggen"),
    "CASUS_NOT_IN_DENKSESSIE": N_("deze casus hoort niet bij de denksessie"),
    "UNKNOWN_VALUE": N_("onbekende waarde '{key}'"),
    "MORE_THAN_CANDIDATES": N_("meer dan er kandidaten zijn"),
    "NOT_A_CANDIDATE": N_("geen kandidaat"),
    "UNKNOWN_PRINCIPLE": N_("onbekend principe {principle_id}"),
    "DUPLICATE_PRINCIPLE": N_("een principe staat er twee keer in"),
    "SCHUUR_TOO_FEW_VALUES": N_(
        "kies minstens 2 waarden, of een casus met minstens 2 waarden in spanning"
    ),
    # casussen (``app/casussen/service.py``)
    "UNKNOWN_VALUE_IN_CATALOGUE": N_("onbekende waarde '{key}' in '{catalogue}'"),
    "SLUG_TAKEN": N_("slug '{slug}' is al in gebruik"),
    "DUPLICATE_VALUE": N_("een waarde staat er twee keer in"),
    "UNKNOWN_CATALOGUE": N_("onbekende catalogus '{slug}'"),
    "SLUG_TWICE_IN_FILE": N_("slug '{slug}' staat twee keer in het bestand"),
    "NOT_PARSED": N_("geen geldige {format}: {detail}"),
    "FIELD_EMPTY": N_("vul dit in"),
    "NO_FILE": N_("kies een bestand (JSON of YAML)"),
    # uploaded files (``app/api/files.py``)
    "FILE_TOO_LARGE": N_("hoogstens {mb} MB"),
    "NOT_UTF8": N_("gebruik UTF-8-codering"),
    # trajects (``app/trajects/``)
    "VALUE_NOT_IN_CATALOGUE": N_("deze waarde staat niet in de catalogus"),
    "CURATION_INCOMPLETE": N_(
        "kies eerst een kopprincipe en minstens 1 subprincipe (meestal 3 of 4)"
    ),
    "CARD_LARGER_THAN_SHORTLIST": N_("de kaart kan niet meer waarden hebben dan de shortlist"),
    "ON_SHORTLIST": N_("'{key}' staat al op de shortlist"),
    "NOT_ON_SHORTLIST": N_("'{key}' staat niet op de shortlist"),
    "NO_TIE": N_("er staan geen waarden gelijk bij de grens"),
    "NOT_TIED": N_("'{key}' staat niet gelijk bij de grens"),
    "TAKE_EXACTLY": N_("kies precies {places} van de gelijke waarden"),
    "PRINCIPLE_NOT_OF_VALUE": N_("dit principe hoort niet bij deze waarde"),
    "CARD_MORE_THAN_CATALOGUE": N_(
        "de kaart heeft {n} waarden, maar de catalogus heeft er maar {known}"
    ),
    "VALUE_ALREADY_ON_CARD": N_("'{key}' staat al op de kaart (waarde {position})"),
    "CARD_WITHOUT_VALUES": N_("de kaart heeft nog geen waarden"),
    "BODY_LIMIT": N_("hoogstens {limit} bytes"),
    "VALUE_IN_OTHER_CLUSTER": N_("'{key}' staat in cluster '{cluster}', niet '{given}'"),
    # why a traject has no selection yet (``SelectionState.problem``)
    "NO_RANKING_ROUND": NO_RANKING_ROUND,
    "CARD_LARGER_THAN_CANDIDATES": CARD_LARGER_THAN_CANDIDATES,
    "RANKING_NOT_COUNTED": RANKING_NOT_COUNTED,
    # account forms (``app/accounts/``)
    "INVALID_EMAIL": N_("Vul een geldig e-mailadres in."),
    "NAME_REQUIRED": N_("Vul je naam in (hoogstens {max} tekens)."),
    "ORGANISATION_NAME_REQUIRED": N_("Vul de naam van de organisatie in (hoogstens {max} tekens)."),
    "PASSWORD_TOO_SHORT": N_("Kies een wachtwoord van minstens {min} tekens."),
    "PASSWORD_TOO_LONG": N_("Een wachtwoord mag hoogstens {max} tekens hebben."),
    "WRONG_PASSWORD": N_(
        "Dit wachtwoord hoort niet bij dit e-mailadres. Heb je hier nog geen account? "
        "Kies dan een wachtwoord van minstens {min} tekens."
    ),
    # catalogue documents (``app/catalogue/validation.py``, ``app/catalogue/service.py``)
    "CATALOGUE_SLUG_TAKEN": N_("uw organisatie heeft al een catalogus '{slug}'"),
    "CATALOGUE_NOT_AN_OBJECT": N_("een catalogus moet een object zijn"),
    "EMPTY_CATALOGUE_NAME": N_("de naam van de catalogus is leeg"),
    "UNKNOWN_GROUP": N_("onbekende groep '{group}' (kies uit: {choices})"),
    "DUPLICATE_GROUP": N_("groep '{group}' staat er twee keer"),
    "EMPTY_CLUSTER_NAME": N_("de naam van het cluster is leeg"),
    "DUPLICATE_CLUSTER_NAME": N_("clusternaam '{name}' komt twee keer voor (ook bij {other})"),
    "DUPLICATE_CLUSTER_KEY": N_("clustersleutel '{key}' komt twee keer voor"),
    "CLUSTER_WITHOUT_GROUP": N_("het cluster hoort bij geen groep"),
    "EMPTY_VALUE_NAME": N_("de naam van de waarde is leeg"),
    "VALUE_IN_CLUSTERS": N_(
        "waarde '{value}' staat in {count} clusters; een waarde hoort in precies één cluster"
    ),
    "VALUE_WITHOUT_CLUSTER": N_("waarde '{value}' staat in geen cluster"),
    "UNKNOWN_CLUSTER": N_("waarde '{value}' verwijst naar onbekend cluster '{cluster}'"),
    "VALUE_IN_TWO_CLUSTERS": N_("waarde '{value}' staat in twee clusters: '{first}' en '{second}'"),
    "DUPLICATE_VALUE_NAME": N_("waarde '{value}' komt twee keer voor (ook bij {other})"),
    "DUPLICATE_VALUE_KEY": N_("waardesleutel '{key}' komt twee keer voor"),
    "EMPTY_OPVATTING": N_("lege opvatting bij waarde '{value}'"),
    "DUPLICATE_OPVATTING": N_("opvatting staat twee keer bij waarde '{value}'"),
}

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


def _facts(params: Mapping[str, object], gettext: Callable[[str], str]) -> dict[str, object]:
    """``params`` with the facts that are words (``WORDS``) in the language."""
    facts = dict(params)
    for name, words in WORDS.items():
        value = facts.get(name)
        if isinstance(value, str) and value in words:
            facts[name] = gettext(words[value])
    return facts


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
            return gettext(template).format(**_facts(params or {}, gettext))
        except (KeyError, IndexError, ValueError):
            pass  # a fact is missing: fall back to a plainer sentence
    if message and (language == "nl" or gettext(message) != message):
        return gettext(message)
    plain = PLAIN.get(code)
    if plain is not None:
        return gettext(plain)
    return gettext(BY_STATUS.get(http_status, BY_STATUS[400]))


def problem_text(problem: Problem, *, language: Language) -> str:
    """What is wrong at ``problem.loc``, in ``language``."""
    gettext = translations(language).gettext
    template = PROBLEMS.get(problem.code) if problem.code else None
    if template is not None:
        try:
            return gettext(template).format(**problem.params)
        except (KeyError, IndexError, ValueError):
            pass  # a fact is missing: the sentence the problem carries instead
    if problem.message:
        return gettext(problem.message)
    return gettext(BY_STATUS[422])


def dutch_problem(code: str, params: Mapping[str, object]) -> str:
    """The Dutch words for a problem's code, else its code and facts (``Problem.message``)."""
    template = PROBLEMS.get(code)
    if template is not None:
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):
            pass
    facts = ", ".join(f"{key}={value}" for key, value in params.items())
    return " ".join(part for part in (code, facts) if part)


def worded(problems: list[Problem], *, language: Language) -> list[Problem]:
    """The same problems, each with its sentence in ``language`` as ``message``."""
    return [
        Problem(problem.loc, problem_text(problem, language=language), problem.code, problem.params)
        for problem in problems
    ]


# --- trajprog: traject settings (app/trajects/settings.py) and programmes (app/programmes) ---
# Appended as one block so merging stays easy; the same tables as above.
TEXTS.update(
    {
        "SETTING_LOCKED.NAMING_STARTED": N_(
            "Staat vast: de fase benoemen is begonnen, en deelnemers werkten al aan deze vraag."
        ),
        "SETTING_LOCKED.SESSIONS_ATTACHED": N_(
            "Staat vast: er is al een denksessie gekoppeld, en die gebruikt deze waardenkaart."
        ),
        "SETTING_LOCKED.SHORTLIST_FROZEN": N_(
            "Staat vast: de rangschikronde is gemaakt; de shortlist verandert niet meer."
        ),
        "SETTING_LOCKED.PRIORITISING_STARTED": N_(
            "Staat vast: de fase prioriteren is begonnen met de huidige shortlist."
        ),
        "SETTING_LOCKED.PRINCIPLES_STARTED": N_(
            "Staat vast: de fase principes is begonnen met de huidige selectie."
        ),
        "SETTING_LOCKED.CURATION_STARTED": N_(
            "Staat vast: er zijn al principes voor de kaart gekozen bij de huidige selectie."
        ),
        "SETTING_LOCKED.CARD_PUBLISHED": N_("Staat vast: de kaart is gepubliceerd."),
        "NOT_FOUND.PROGRAMME": N_("Programma {programme_id} bestaat niet."),
        "VALIDATION_FAILED.PROGRAMME": N_("Het programma is niet opgeslagen."),
        "VALIDATION_FAILED.PROGRAMME_START": N_("De denksessie is niet aangemaakt."),
        "READ_ONLY.PROGRAMME": N_(
            "Dit is een ingebouwd programma; dat kan niemand veranderen of verwijderen."
        ),
    }
)
PLAIN.update(
    {
        "SETTING_LOCKED": N_("Deze instelling staat vast: de fase waarin ze meetelt is begonnen."),
    }
)
PROBLEMS.update(
    {
        "PROGRAMME_NAME_TAKEN": N_("er is al een programma met deze naam"),
        "NO_ROUNDS": N_("deze denksessie heeft nog geen rondes"),
        "CASUS_NEEDED": N_("kies een casus voor ronde {position}"),
        "TOO_MANY_VALUES": N_(
            "de waardenkaart heeft {n} waarden; een ronde kan er hoogstens 25 vergelijken"
        ),
    }
)
