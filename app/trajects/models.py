"""Tables of a traject: the traject, its sessions per stage, the audit trail and the curation.

The audit trail is the source of truth for every facilitator decision: the shortlist and the
selection are recomputed from the ballots and then the audit entries are replayed in order, so
what the card's verantwoording says is exactly what was applied.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import foreign_key
from app.db import metadata as _metadata  # noqa: F401  (naming convention first)
from app.organisations.models import utcnow

STAGES = ("naming", "prioritising", "principles")


class Traject(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(sa_column=foreign_key("organisation.id"))
    catalogue_id: int = Field(sa_column=foreign_key("catalogue.id"))
    title: str = Field(max_length=200)
    central_question: str = Field(max_length=500)
    card_size: int = 5
    method: str = Field(default="schulze_borda", max_length=32)
    min_participants: int = 1
    max_values: int = 12
    # A simulated traject (the replay of 2024): its card says so on every output.
    illustrative: bool = False
    # Drawn once from a secure source over the catalogue's value keys, stored and shown.
    tie_break_order: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    closed_stages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Set when the ranking round is made: the shortlist the room ranks, no longer recomputed.
    shortlist_frozen: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    card_id: int | None = Field(
        default=None, sa_column=foreign_key("principekaart.id", nullable=True)
    )
    created_at: datetime = Field(default_factory=utcnow)


class TrajectSession(SQLModel, table=True):
    """A denksessie in one stage; unique on the denksessie, so it belongs to one traject only."""

    __tablename__ = "traject_session"
    __table_args__ = (UniqueConstraint("denksessie_id"),)

    id: int | None = Field(default=None, primary_key=True)
    traject_id: int = Field(sa_column=foreign_key("traject.id", cascade=True))
    denksessie_id: int = Field(sa_column=foreign_key("denksessie.id", cascade=True, index=False))
    stage: str = Field(max_length=16)
    attached_at: datetime = Field(default_factory=utcnow)


class TrajectAudit(SQLModel, table=True):
    """One facilitator decision with its reason; append-only."""

    __tablename__ = "traject_audit"

    id: int | None = Field(default=None, primary_key=True)
    traject_id: int = Field(sa_column=foreign_key("traject.id", cascade=True))
    stage: str = Field(max_length=16)  # shortlist | selection | principles
    action: str = Field(max_length=32)
    values: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reason: str = Field(default="", max_length=1000)
    at: datetime = Field(default_factory=utcnow)


QUOTE_POSITION = -1


class TrajectPrinciple(SQLModel, table=True):
    """A principle chosen for the card: position 0 is the headline, 1..4 the sub-principles,
    QUOTE_POSITION the participant's words quoted on the card (verbatim).

    ``original`` is a copy of the participant's text (the principle row may later change when
    its author revises a ballot), ``text`` the wording the facilitator settled on."""

    __tablename__ = "traject_principle"
    __table_args__ = (UniqueConstraint("traject_id", "value_key", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    traject_id: int = Field(sa_column=foreign_key("traject.id", cascade=True))
    value_key: str = Field(max_length=80)
    position: int = 0
    principle_id: int
    original: str = Field(max_length=300)
    text: str = Field(max_length=500)
