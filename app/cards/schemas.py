"""Principekaart schemas: the built-in data file and the public shape."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from app.catalogue.schemas import SourceDoc
from app.schemas import StrictModel


class CardValueDoc(StrictModel):
    value: str = Field(max_length=80)
    name: str = Field(max_length=120)
    cluster: str = Field(max_length=80)
    headline: str = Field(min_length=1, max_length=500)
    sub_principles: list[str] = Field(min_length=1, max_length=8)
    quote: str | None = Field(default=None, max_length=1000)


class CardProcess(StrictModel):
    sessions: int | None = None
    summary: str = ""
    values_named: list[str] = Field(default_factory=list)
    participants: str | None = None


class PrincipekaartDocument(StrictModel):
    format: Literal["denksessie-principekaart/1"] = "denksessie-principekaart/1"
    slug: str = Field(max_length=80)
    title: str = Field(max_length=200)
    year: int | None = None
    catalogue: str = Field(max_length=80)
    central_question: str = Field(max_length=500)
    source: SourceDoc | None = None
    values: list[CardValueDoc] = Field(min_length=1, max_length=25)
    process: CardProcess | None = None
    uses: list[str] = Field(default_factory=list)


class CardValuePublic(BaseModel):
    value: str
    name: str
    cluster: str
    cluster_name: str
    group: str
    group_name: str
    colour: str
    headline: str
    sub_principles: list[str]
    quote: str | None
    catalogue_value_url: str


class PrincipekaartPublic(BaseModel):
    slug: str
    title: str
    year: int | None
    builtin: bool
    catalogue: str
    central_question: str
    source: SourceDoc | None
    values: list[CardValuePublic]
    process: CardProcess | None
    uses: list[str]
    status: Literal["draft", "published"]
    version: int
    previous: str | None = Field(description="slug of the version this one was made from")
    published_at: datetime | None
    public_url: str | None = Field(description="read-only link without login; published only")
    verantwoording: Verantwoording | None

    @property
    def display_title(self) -> str:
        """The title with its year in brackets, unless the title already names a year (the
        replay card "... (naspel 2024)" made in 2026 must not read "(naspel 2024) (2026)")."""
        if self.year is None or YEAR_IN_TITLE.search(self.title):
            return self.title
        return f"{self.title} ({self.year})"


YEAR_IN_TITLE = re.compile(r"\b(19|20)\d\d\b")

# --- Editing a draft ----------------------------------------------------------------------------

Principle = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]

# A guard against absurd payloads; the real limit (the catalogue's size) is checked by the
# service, which lists every problem at once.
MAX_VALUES_IN_REQUEST = 100


class CardValueEdit(StrictModel):
    """One value of a draft card, in card order: the catalogue value key and its principles."""

    value: str = Field(min_length=1, max_length=80)
    headline: Principle
    # As in curation: 1 to 4 sub-principles, usually 3 or 4 (the editor says so).
    sub_principles: list[Principle] = Field(min_length=1, max_length=4)
    quote: str | None = Field(default=None, max_length=1000)


class PrincipekaartUpdate(StrictModel):
    """A change to a draft card; a field left out stays as it is, ``values`` replaces all."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    central_question: str | None = Field(default=None, min_length=1, max_length=500)
    values: list[CardValueEdit] | None = Field(default=None, max_length=MAX_VALUES_IN_REQUEST)


# --- Verantwoording: how a traject made a card --------------------------------------------------
# Written by the traject (app/trajects) when it makes a card and stored on
# Principekaart.verantwoording; rendered on the card page, the print layouts, the PDF and the
# JSON export. Every number on a card is explained by one of these fields.

StageKind = Literal["naming", "prioritising", "principles"]


class RoleCount(StrictModel):
    """How many participants of a session chose a role; ``overig`` groups the roles (and the
    participants without a role) too few people chose (``anonymity.role_labels``), so nobody
    stands out."""

    role: str
    count: int = Field(ge=0)


class CasusDecision(StrictModel):
    """How a session's participants decided a casus: grant, not grant, or in doubt."""

    casus: str
    session: str
    toekennen: int = Field(default=0, ge=0)
    niet_toekennen: int = Field(default=0, ge=0)
    twijfel: int = Field(default=0, ge=0)


class VerantwoordingSession(StrictModel):
    """One denksessie of the traject, without any participant identity."""

    title: str
    stage: StageKind
    date: str | None = Field(default=None, description="ISO date the session ended (or began)")
    participants: int = Field(ge=0)
    ballots: int = Field(default=0, ge=0)
    casussen: list[str] = Field(default_factory=list, description="casus titles used")
    roles: list[RoleCount] = Field(default_factory=list, description="privacy floor applied")


class NamedValue(StrictModel):
    """How often a value was named in the naming stage: distinct participants, sessions."""

    value: str
    name: str
    count: int = Field(ge=0)
    sessions: int = Field(ge=0)


class ShortlistRule(StrictModel):
    min_participants: int = Field(ge=1, description="N: named by at least this many people")
    max_values: int = Field(ge=1, description="M: at most this many values on the shortlist")


class AuditEntry(StrictModel):
    """A facilitator's decision with its reason: add/drop on the shortlist, a tie resolved, an
    override, an edited principle."""

    stage: Literal["shortlist", "selection", "principles"]
    action: str = Field(description="add, drop, take_all_tied, resolve_tie, override, edit")
    values: list[str] = Field(default_factory=list, description="value keys concerned")
    reason: str = ""
    at: str | None = None


class TieAtCut(StrictModel):
    """A tie at a cut (shortlist or selection) and how it was decided."""

    stage: Literal["shortlist", "selection"]
    values: list[str] = Field(description="the values level at the cut")
    places: int = Field(ge=0, description="how many of them fit above the cut")
    decided_by: Literal["facilitator", "tiebreak", "take_all"]
    taken: list[str]
    reason: str = ""


class PrincipleRewording(StrictModel):
    """A principle the facilitator reworded in curation: the participant's text and the card's."""

    value: str
    original: str
    text: str


class Agreement(StrictModel):
    kendall_w: float | None = None
    mean_kendall_distance: float | None = None


class VerantwoordingClash(StrictModel):
    """A pair of values that clashed in the traject's schuur rounds (decision 0032)."""

    a: str
    b: str
    count: int = Field(ge=0, description="ballots that named the pair")
    rank: int = Field(ge=1, description="place; equal counts share a place")
    tied: bool = False


class Verantwoording(StrictModel):
    traject_id: int | None = Field(default=None, description="the traject that made the card")
    traject_title: str | None = None
    sessions: list[VerantwoordingSession] = Field(default_factory=list)
    values_named: list[NamedValue] = Field(default_factory=list)
    shortlist_rule: ShortlistRule | None = None
    shortlist: list[str] = Field(default_factory=list)
    method: str = "schulze_borda"
    method_explanation: str = ""
    ranking_ballots: int = Field(default=0, ge=0)
    group_order: list[str] = Field(default_factory=list, description="order of the shortlist")
    selection: list[str] = Field(default_factory=list)
    agreement: Agreement = Field(default_factory=Agreement)
    ties: list[TieAtCut] = Field(default_factory=list)
    audit: list[AuditEntry] = Field(default_factory=list)
    casus_decisions: list[CasusDecision] = Field(default_factory=list)
    principles_written: dict[str, int] = Field(
        default_factory=dict, description="value key -> principles written for it in the sessions"
    )
    rewordings: list[PrincipleRewording] = Field(default_factory=list)
    clashes: list[VerantwoordingClash] = Field(
        default_factory=list, description="the top pairs of values that clashed (schuur rounds)"
    )
    illustrative: bool = Field(
        default=False, description="true for the simulated replay of 2024: not real ballots"
    )


PrincipekaartPublic.model_rebuild()  # it names Verantwoording, defined below it
