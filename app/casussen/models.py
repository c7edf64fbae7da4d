"""The casus table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import foreign_key
from app.db import metadata as _metadata  # noqa: F401  (naming convention first)
from app.organisations.models import utcnow


class Casus(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("organisation_id", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(sa_column=foreign_key("organisation.id"))
    slug: str = Field(max_length=80)
    title: str = Field(max_length=200)
    situation: str = Field(sa_column=Column(Text, nullable=False))
    decision_question: str = Field(max_length=300)
    domain: str = Field(max_length=120)
    catalogue_slug: str = Field(default="waardenkaart-sociaal-domein", max_length=80)
    # Keys of catalogue values that plausibly clash in this casus.
    values_in_tension: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    tension: str = Field(default="", max_length=500)
    source: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
