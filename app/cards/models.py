"""Principekaart tables; each card value links to the catalogue value it is about."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import foreign_key
from app.db import metadata as _metadata  # noqa: F401  (naming convention first)
from app.organisations.models import utcnow

CARD_STATUSES = ("draft", "published")


class Principekaart(SQLModel, table=True):
    """A card. A published card never changes; a new version is a new row pointing back.

    ``verantwoording`` holds the account of how a traject made the card (shape:
    ``app.cards.schemas.Verantwoording``); cards loaded from a file have ``process`` instead.
    ``public_token`` is the unguessable part of the public read-only link of a published card.
    """

    __table_args__ = (UniqueConstraint("organisation_id", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(sa_column=foreign_key("organisation.id"))
    catalogue_id: int = Field(sa_column=foreign_key("catalogue.id"))
    slug: str = Field(max_length=80)
    title: str = Field(max_length=200)
    year: int | None = None
    central_question: str = Field(max_length=500)
    source: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    process: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    uses: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="published", max_length=16)
    version: int = 1
    previous_id: int | None = Field(
        default=None, sa_column=foreign_key("principekaart.id", nullable=True)
    )
    public_token: str | None = Field(default=None, max_length=64, unique=True)
    published_at: datetime | None = None
    verantwoording: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
    created_at: datetime = Field(default_factory=utcnow)


class PrincipekaartValue(SQLModel, table=True):
    __tablename__ = "principekaart_value"
    __table_args__ = (UniqueConstraint("principekaart_id", "value_id"),)

    id: int | None = Field(default=None, primary_key=True)
    principekaart_id: int = Field(sa_column=foreign_key("principekaart.id", cascade=True))
    value_id: int = Field(sa_column=foreign_key("catalogue_value.id"))
    position: int = 0
    headline: str = Field(max_length=500)
    sub_principles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    quote: str | None = Field(default=None, max_length=1000)
