"""Principekaart endpoints (read-only for now; cards are made by trajects)."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import DbSession, OrganisationId
from app.api.errors import ERROR_RESPONSES
from app.cards import service
from app.cards.schemas import PrincipekaartPublic

router = APIRouter(
    prefix="/api/v1/principekaarten", tags=["principekaarten"], responses=ERROR_RESPONSES
)


@router.get("")
def list_principekaarten(
    db: DbSession, organisation_id: OrganisationId
) -> list[PrincipekaartPublic]:
    return [
        service.to_public(db, card)
        for card in service.list_visible(db, organisation_id=organisation_id)
    ]


@router.get("/{slug}")
def get_principekaart(
    db: DbSession, organisation_id: OrganisationId, slug: str
) -> PrincipekaartPublic:
    card = service.get_visible(db, slug=slug, organisation_id=organisation_id)
    return service.to_public(db, card)
