"""Principekaart tables; each card value links to the catalogue value it is about."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import foreign_key
from app.db import metadata as _metadata  # noqa: F401  (naming convention first)
from app.organisations.models import utcnow


class Principekaart(SQLModel, table=True):
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
