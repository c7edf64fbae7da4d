"""Draft Principekaarten as a traject would leave them, with a realistic verantwoording.

Cards are made in the demo organisation on the built-in Waardenkaart, the way the traject
engineer's code makes them; the ``client`` fixture acts for that organisation.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from app.cards.models import Principekaart, PrincipekaartValue
from app.cards.schemas import (
    Agreement,
    AuditEntry,
    NamedValue,
    ShortlistRule,
    TieAtCut,
    Verantwoording,
    VerantwoordingSession,
)
from app.catalogue.models import Catalogue, CatalogueValue
from app.catalogue.service import BUILTIN_SLUG


@dataclass(frozen=True)
class CardValueSpec:
    value: str
    headline: str
    sub_principles: tuple[str, ...]
    quote: str | None = None


DEFAULT_VALUES = (
    CardValueSpec(
        "menselijkheid",
        "Ik zie eerst de mens achter de vraag.",
        (
            "Ik neem de tijd om te luisteren.",
            "Ik kijk naar wat iemand wél kan.",
            "Ik spreek mensen aan als gelijke.",
        ),
        "Een mens is geen dossier.",
    ),
    CardValueSpec(
        "zelfbeschikking",
        "Ik laat inwoners zelf kiezen waar het kan.",
        (
            "Ik leg keuzes uit in gewone taal.",
            "Ik respecteer een besluit waar ik het niet mee eens ben.",
            "Ik vraag wat iemand zelf wil bereiken.",
        ),
    ),
    CardValueSpec(
        "billijkheid",
        "Ik weeg wat nodig is, niet wat gelijk is.",
        (
            "Ik maak verschil waar de situatie verschilt.",
            "Ik leg uit waarom iemand meer of minder krijgt.",
            "Ik let op wie buiten beeld blijft.",
        ),
    ),
)


def realistic_verantwoording(*, traject_id: int | None = 7) -> Verantwoording:
    """Three sessions (naming, prioritising, principles) with a tie at the shortlist cut."""
    return Verantwoording(
        traject_id=traject_id,
        traject_title="Wijkteam Noord 2026",
        sessions=[
            VerantwoordingSession(
                title="Waarden noemen",
                stage="naming",
                date="2026-03-02",
                participants=14,
                ballots=14,
                casussen=["Mevrouw De Vries wil thuis blijven wonen"],
            ),
            VerantwoordingSession(
                title="Waarden wegen",
                stage="prioritising",
                date="2026-03-16",
                participants=12,
                ballots=12,
                casussen=["Een jongere zonder vaste woonplek"],
            ),
            VerantwoordingSession(
                title="Principes schrijven",
                stage="principles",
                date="2026-03-30",
                participants=11,
                ballots=33,
            ),
        ],
        values_named=[
            NamedValue(value="menselijkheid", name="Menselijkheid", count=11, sessions=1),
            NamedValue(value="zelfbeschikking", name="Zelfbeschikking", count=9, sessions=1),
            NamedValue(value="billijkheid", name="Billijkheid", count=6, sessions=1),
            NamedValue(value="doeltreffendheid", name="Doeltreffendheid", count=6, sessions=1),
            NamedValue(value="preventie", name="Preventie", count=2, sessions=1),
        ],
        shortlist_rule=ShortlistRule(min_participants=3, max_values=3),
        shortlist=["menselijkheid", "zelfbeschikking", "billijkheid"],
        method="schulze_borda",
        method_explanation=(
            "Elke waarde wordt met elke andere vergeleken; wie vaker de voorkeur krijgt, "
            "komt hoger."
        ),
        ranking_ballots=12,
        group_order=["menselijkheid", "zelfbeschikking", "billijkheid"],
        selection=["menselijkheid", "zelfbeschikking", "billijkheid"],
        agreement=Agreement(kendall_w=0.62, mean_kendall_distance=0.8),
        ties=[
            TieAtCut(
                stage="shortlist",
                values=["billijkheid", "doeltreffendheid"],
                places=1,
                decided_by="facilitator",
                taken=["billijkheid"],
                reason="Billijkheid kwam in beide casussen terug.",
            )
        ],
        audit=[
            AuditEntry(
                stage="shortlist",
                action="resolve_tie",
                values=["billijkheid"],
                reason="Billijkheid kwam in beide casussen terug.",
                at="2026-03-02T16:05:00+01:00",
            )
        ],
        illustrative=False,
    )


def builtin_catalogue(db: Session) -> Catalogue:
    catalogue = db.exec(select(Catalogue).where(Catalogue.slug == BUILTIN_SLUG)).first()
    assert catalogue is not None
    assert catalogue.id is not None
    return catalogue


def make_draft_card(
    db: Session,
    *,
    organisation_id: int,
    slug: str = "wijkteam-noord",
    values: tuple[CardValueSpec, ...] = DEFAULT_VALUES,
    verantwoording: Verantwoording | None = None,
    title: str = "Principekaart Wijkteam Noord",
) -> Principekaart:
    """A draft card with ``values`` (in that order) and, by default, a realistic verantwoording."""
    catalogue = builtin_catalogue(db)
    assert catalogue.id is not None
    card = Principekaart(
        organisation_id=organisation_id,
        catalogue_id=catalogue.id,
        slug=slug,
        title=title,
        year=2026,
        central_question="Welke waarden en principes zijn voor ons leidend bij de toegang?",
        status="draft",
        verantwoording=(verantwoording or realistic_verantwoording()).model_dump(mode="json"),
    )
    db.add(card)
    db.flush()
    assert card.id is not None
    for position, spec in enumerate(values):
        value = db.exec(
            select(CatalogueValue).where(
                CatalogueValue.catalogue_id == catalogue.id, CatalogueValue.key == spec.value
            )
        ).one()
        assert value.id is not None
        db.add(
            PrincipekaartValue(
                principekaart_id=card.id,
                value_id=value.id,
                position=position,
                headline=spec.headline,
                sub_principles=list(spec.sub_principles),
                quote=spec.quote,
            )
        )
    db.commit()  # in tests: releases a savepoint, so a refused request cannot roll it back
    return card


LONG_VALUE_KEYS = (
    "menselijkheid",
    "zelfbeschikking",
    "verantwoordelijkheid",
    "billijkheid",
    "preventie",
    "vertrouwen",
    "saamhorigheid",
)
_LONG = (
    "Ik neem de tijd om samen met de inwoner, zijn naasten en de andere betrokken professionals "
    "uit te zoeken wat er werkelijk nodig is, ook als de vraag eerst anders klinkt"
)


def long_values(n: int) -> tuple[CardValueSpec, ...]:
    """``n`` values (at most 7) with long principles: a headline, four subs and a quote, each
    as long as the longest on real cards."""
    return tuple(
        CardValueSpec(
            key,
            f"{_LONG} ({key}).",
            tuple(f"{_LONG}, punt {i}." for i in range(1, 5)),
            "Als we dit niet belangrijk vonden, hoefde het sociaal domein niet te bestaan; "
            "dat zeggen professionals die hier elke dag mee werken.",
        )
        for key in LONG_VALUE_KEYS[:n]
    )
