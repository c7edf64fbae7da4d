"""Intervisie with a Principekaart: an own casus discussed against a published card.

Seed 000 ("Hoe kun je de Principekaart gebruiken?", 1): discuss a casus with colleagues along
the card. Which values were decisive? Which further arguments or options do you see now? Seed
004 adds the intervisie question "Kan je er ook anders naar kijken?". Starting one writes, in
one transaction:

1. the casus, the organisation's own, after the facilitator ticked the anonymisation checklist
   (no names, dates or places; details changed), enforced here, not only on the form;
2. a denksessie that remembers the card (``Denksessie.principekaart_id``);
3. a casus round offering only the card's values plus one other value of the catalogue
   ("een andere waarde", ``CasusConfig.offered`` + ``allow_other``);
4. an approval round "Welke waarde was doorslaggevend?": one choice, a value of the card or
   one other value of the catalogue (``ApprovalConfig.allow_other``).

5. two ``open`` rounds, "Welke aanvullende argumenten of opties zie je nu?" and "Kan je er
   ook anders naar kijken?": answers in the participants' own words, on a wall.

The room's choices against the card are compared by the pure ``app.cards.room``; the result
page "Kaart en zaal" shows them with the answers to the two questions (decision 0034).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import Field, ValidationError

from app.cards import room
from app.cards import service as cards
from app.cards.models import Principekaart
from app.casussen import service as casussen
from app.casussen.schemas import CasusCreate, CasusSource
from app.catalogue.models import Catalogue
from app.db import DbSession
from app.errors import InvalidInput, Problem, Rejected
from app.schemas import StrictModel
from app.sessions import results
from app.sessions import service as sessions
from app.sessions.kinds import approval, casus
from app.sessions.kinds import open as open_question
from app.sessions.models import Denksessie, SessionRound
from app.sessions.schemas import DenksessieCreate, RoundCreate
from app.validation import problems_from_validation_error

# What the facilitator ticks before an own casus is saved (keys; words at the edge).
CHECKLIST = ("geen_namen", "geen_datums", "geen_plaatsen", "details_veranderd")
DECISIVE_TITLE = "Welke waarde was doorslaggevend?"
REFLECTIONS = (
    "Welke aanvullende argumenten of opties zie je nu?",
    "Kan je er ook anders naar kijken?",
)
CASUS_DOMAIN = "Intervisie"
CASUS_VALUES = 3  # values a participant may name in the casus round, as in every casus round
# The reflective questions: up to two answers of a sentence each, shown as a wall (sentences,
# not keywords for a cloud).
REFLECTION_ANSWERS = 2
REFLECTION_LENGTH = 200


class IntervisieCreate(StrictModel):
    """The own casus and the ticked checklist; the casus's limits are those of every casus."""

    title: str = Field(min_length=1, max_length=200)
    situation: str = Field(min_length=1, max_length=3000)
    decision_question: str = Field(min_length=1, max_length=300)
    checklist: list[str] = Field(default_factory=list, max_length=len(CHECKLIST))


# --- the light automatic hint -------------------------------------------------------------------

MONTHS = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
DATE_PATTERNS = (
    re.compile(r"\b\d{1,2}[-/.]\d{1,2}(?:[-/.]\d{2,4})?\b"),
    re.compile(rf"\b\d{{1,2}} (?:{MONTHS})\b", re.IGNORECASE),
    re.compile(r"\b(?:19|20)\d{2}\b"),
)
WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][\w'’-]*")
SENTENCE_END = re.compile(r"[.!?:;\"“”‘’(]\s*$|^\s*$")


@dataclass(frozen=True)
class Hint:
    """Something in the text that may point at a real person: ``NAMES`` (capitalised words
    inside a sentence) or ``DATES`` (digits that look like a date or a year). A hint, never a
    refusal: "de Wmo" is capitalised and harmless."""

    code: str
    words: tuple[str, ...]


def privacy_hints(text: str, *, most: int = 5) -> list[Hint]:
    names: list[str] = []
    for match in WORD.finditer(text):
        word = match.group(0)
        before = text[: match.start()]
        if (
            word[0].isupper()
            and not word.isupper()
            and not SENTENCE_END.search(before.split("\n")[-1])
            and word not in names
        ):
            names.append(word)
    dates: list[str] = []
    for pattern in DATE_PATTERNS:
        for match in pattern.finditer(text):
            if match.group(0) not in dates:
                dates.append(match.group(0))
    hints = []
    if names:
        hints.append(Hint("NAMES", tuple(names[:most])))
    if dates:
        hints.append(Hint("DATES", tuple(dates[:most])))
    return hints


# --- starting one --------------------------------------------------------------------------------


def check(data: IntervisieCreate) -> None:
    """Every item of the checklist ticked, or a refusal naming the ones that are not."""
    missing = [item for item in CHECKLIST if item not in data.checklist]
    if missing:
        raise InvalidInput(
            reason="INTERVISIE",
            problems=[Problem(f"checklist.{item}", code="NOT_TICKED") for item in missing],
        )


def validated(raw: dict[str, object]) -> IntervisieCreate:
    try:
        data = IntervisieCreate.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput(
            reason="INTERVISIE", problems=problems_from_validation_error(exc)
        ) from exc
    check(data)
    return data


def card_values(db: DbSession, card: Principekaart) -> list[str]:
    return [value.value for value in cards.to_public(db, card).values]


def start(
    db: DbSession, *, card: Principekaart, organisation_id: int, data: IntervisieCreate
) -> Denksessie:
    """The casus, the denksessie and its two rounds, or a refusal that writes nothing."""
    check(data)
    if card.status != "published":
        raise Rejected("CARD_NOT_PUBLISHED", reason="INTERVISIE")
    values = card_values(db, card)
    if len(values) < 2:
        raise Rejected("CARD_TOO_SMALL", reason="INTERVISIE", params={"n": len(values)})
    catalogue = db.get(Catalogue, card.catalogue_id)
    assert catalogue is not None
    own = casussen.create(
        db,
        data=CasusCreate(
            title=data.title,
            situation=data.situation.replace("\r\n", "\n").replace("\r", "\n"),
            decision_question=data.decision_question,
            domain=CASUS_DOMAIN,
            catalogue=catalogue.slug,
            values_in_tension=[],
            source=CasusSource(note="Eigen casus, geanonimiseerd (intervisie)"),
        ),
        organisation_id=organisation_id,
    )
    assert own.id is not None
    denksessie = sessions.create(
        db,
        organisation_id=organisation_id,
        data=DenksessieCreate(
            title=f"Intervisie: {data.title}"[:200],
            catalogue=catalogue.slug,
            casus_ids=[own.id],
            room_size=20,
        ),
    )
    denksessie.principekaart_id = card.id
    db.add(denksessie)
    sessions.add_round(
        db,
        denksessie=denksessie,
        data=RoundCreate(
            kind=casus.NAME,
            config={
                "casus_id": own.id,
                "max_values": CASUS_VALUES,
                "offered": values,
                "allow_other": True,
            },
        ),
    )
    sessions.add_round(
        db,
        denksessie=denksessie,
        data=RoundCreate(
            kind=approval.NAME,
            title=DECISIVE_TITLE,
            config={"candidates": values, "max_approvals": 1, "allow_other": True},
        ),
    )
    for question in REFLECTIONS:
        sessions.add_round(
            db,
            denksessie=denksessie,
            data=RoundCreate(
                kind=open_question.NAME,
                config={
                    "question": question,
                    "max_answers": REFLECTION_ANSWERS,
                    "max_length": REFLECTION_LENGTH,
                    "show": "wall",
                },
            ),
        )
    return denksessie


def of_card(db: DbSession, *, card: Principekaart, organisation_id: int) -> list[Denksessie]:
    """The organisation's intervisies with this card, newest first."""
    return [
        d
        for d in sessions.list_recent(db, organisation_id=organisation_id)
        if d.principekaart_id == card.id
    ]


def _rounds(db: DbSession, denksessie: Denksessie) -> tuple[SessionRound | None, ...]:
    assert denksessie.id is not None
    rounds = sessions.rounds_of(db, denksessie.id)
    first = {r.kind: r for r in reversed(rounds)}
    return first.get(casus.NAME), first.get(approval.NAME)


@dataclass(frozen=True)
class Reflection:
    """One reflective question and what the room answered, most given first (as the
    projector shows it once revealed: hidden answers left out)."""

    question: str
    answers: tuple[tuple[str, int], ...]
    n_ballots: int


def reflections(db: DbSession, *, denksessie: Denksessie, most: int = 4) -> list[Reflection]:
    """The intervisie's open rounds with their answers; a question still in draft has none."""
    assert denksessie.id is not None
    found = []
    for session_round in sessions.rounds_of(db, denksessie.id):
        if session_round.kind != open_question.NAME:
            continue
        answers: tuple[tuple[str, int], ...] = ()
        n_ballots = 0
        if session_round.status != "draft":
            result = results.aggregate(db, denksessie, session_round, role="screen")
            shown = [e for e in result.get("entries", []) if not e.get("hidden")]
            answers = tuple((e["text"], int(e["count"])) for e in shown[:most])
            n_ballots = int(result.get("n_ballots", 0))
        found.append(Reflection(session_round.config["question"], answers, n_ballots))
    return found


def card_of(db: DbSession, denksessie: Denksessie) -> Principekaart:
    """The card an intervisie was started from; a denksessie started otherwise has none to
    compare with (a 409 that says so, not a 404 that would say the denksessie is missing)."""
    card = db.get(Principekaart, denksessie.principekaart_id or 0)
    if card is None:
        raise Rejected("NOT_INTERVISIE", params={"denksessie_id": denksessie.id})
    return card


def compare(db: DbSession, *, denksessie: Denksessie, card: Principekaart) -> room.RoomComparison:
    """The room's choices (from the rounds' aggregates, as the facilitator sees them) against
    the card's values; a round still in draft counts nothing."""
    casus_round, decisive_round = _rounds(db, denksessie)
    chosen: dict[str, int] = {}
    decisive: dict[str, int] = {}
    n_casus = n_decisive = 0
    if casus_round is not None and casus_round.status != "draft":
        result = results.aggregate(db, denksessie, casus_round, role="facilitator")
        chosen = {v["value"]: int(v["total"]) for v in result.get("values", [])}
        n_casus = int(result.get("n_ballots", 0))
    if decisive_round is not None and decisive_round.status != "draft":
        result = results.aggregate(db, denksessie, decisive_round, role="facilitator")
        decisive = {k: int(n) for k, n in result.get("scores", {}).items()}
        n_decisive = int(result.get("n_ballots", 0))
    return room.compare_room(
        card_values(db, card),
        chosen=chosen,
        decisive=decisive,
        n_casus=n_casus,
        n_decisive=n_decisive,
    )
