"""Finding and creating organisations."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlmodel import col, select

from app.db import DbSession
from app.errors import NotFound
from app.organisations.models import (
    BUILTIN_ORGANISATION_SLUG,
    DEMO_ORGANISATION_SLUG,
    Organisation,
)

T = TypeVar("T")


def get_by_slug(db: DbSession, slug: str) -> Organisation:
    organisation = db.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if organisation is None:
        raise NotFound(reason="ORGANISATION_SLUG", params={"slug": slug})
    return organisation


def ensure(db: DbSession, *, slug: str, name: str, is_builtin: bool = False) -> Organisation:
    """Return the organisation with this slug, creating it when missing (idempotent)."""
    organisation = db.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if organisation is None:
        organisation = Organisation(slug=slug, name=name, is_builtin=is_builtin)
        db.add(organisation)
        db.flush()
    return organisation


def ensure_builtin(db: DbSession) -> Organisation:
    return ensure(db, slug=BUILTIN_ORGANISATION_SLUG, name="Denksessie", is_builtin=True)


def ensure_demo(db: DbSession) -> Organisation:
    return ensure(db, slug=DEMO_ORGANISATION_SLUG, name="Demo-organisatie")


def builtin_ids(db: DbSession) -> list[int]:
    """Ids of the organisations whose content every organisation may read."""
    rows = db.exec(select(Organisation.id).where(col(Organisation.is_builtin).is_(True))).all()
    return [row for row in rows if row is not None]


def visible_ids(db: DbSession, organisation_id: int) -> list[int]:
    """Own first, then built-in: the order in which a slug is looked up."""
    return [organisation_id, *builtin_ids(db)]


def first_visible(rows: Sequence[T], *, owner: Callable[[T], int], order: list[int]) -> T | None:
    """The row of the earliest organisation in ``order`` (own content shadows built-in)."""
    ranked = [row for row in rows if owner(row) in order]
    return min(ranked, key=lambda row: order.index(owner(row)), default=None)
