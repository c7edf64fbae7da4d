"""The organisation table.

Built-in content (the Waardenkaart, the casus library, the 2024 Principekaart) belongs to one
organisation flagged ``is_builtin``: readable by all, writable by none. Giving it a real row keeps
slugs unique per owner with a plain unique constraint on (organisation_id, slug).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Field, SQLModel

from app.db import metadata as _metadata  # noqa: F401  (naming convention first)

BUILTIN_ORGANISATION_SLUG = "denksessie"
DEMO_ORGANISATION_SLUG = "demo"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    is_builtin: bool = Field(default=False)
    # Days after a denksessie ends that its participant-level data is kept (docs/privacy.md).
    retention_days: int = Field(default=30, ge=1, le=3650)
    created_at: datetime = Field(default_factory=utcnow)
