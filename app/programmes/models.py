"""The programme table: a named sequence of rounds owned by an organisation.

Built-in programmes (the two kinds of denksessie of the 2024 process) belong to the built-in
organisation: readable by all, writable by none, loaded by ``app/content.py`` by slug.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import foreign_key
from app.db import metadata as _metadata  # noqa: F401  (naming convention first)
from app.organisations.models import utcnow


class Programme(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("organisation_id", "slug"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(sa_column=foreign_key("organisation.id"))
    # From the name; one name per organisation (a second "Casussessie" would be confusing).
    slug: str = Field(max_length=80)
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=1000)
    # Each step: {"kind", "title", "config"} with only what carries over to a new denksessie
    # (``app.programmes.service.carry``); parts left out are filled in when it is started.
    rounds: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow)
