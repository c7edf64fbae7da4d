"""Principekaart endpoints: read, compare, edit a draft, publish, start a new version.

Cards are made by trajects (as drafts); here an organisation finishes and publishes them. A
published card is immutable (409 ``CARD_PUBLISHED``); built-in cards are read-only (403).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from app.api.deps import DbSession, OrganisationId, ReaderOrganisationId
from app.api.errors import ERROR_RESPONSES
from app.cards import compare, service
from app.cards.schemas import PrincipekaartPublic, PrincipekaartUpdate

router = APIRouter(
    prefix="/api/v1/principekaarten", tags=["principekaarten"], responses=ERROR_RESPONSES
)

Slug = Annotated[str, Path(min_length=1, max_length=80)]
SlugQuery = Annotated[str, Query(min_length=1, max_length=80)]


class Comparison(compare.CardComparison):
    """Two cards side by side, plus what each leaves out of its Waardenkaart."""

    onderbelicht_a: compare.Onderbelicht
    onderbelicht_b: compare.Onderbelicht


@router.get("")
def list_principekaarten(
    db: DbSession, organisation_id: ReaderOrganisationId
) -> list[PrincipekaartPublic]:
    return [
        service.to_public(db, card)
        for card in service.list_visible(db, organisation_id=organisation_id)
    ]


@router.get("/vergelijk")
def compare_principekaarten(
    db: DbSession, organisation_id: ReaderOrganisationId, a: SlugQuery, b: SlugQuery
) -> Comparison:
    card_a = service.get_visible(db, slug=a, organisation_id=organisation_id)
    card_b = service.get_visible(db, slug=b, organisation_id=organisation_id)
    public_a, public_b = service.to_public(db, card_a), service.to_public(db, card_b)
    return Comparison(
        **compare.compare_cards(public_a, public_b).model_dump(),
        onderbelicht_a=compare.onderbelicht(public_a, service.catalogue_of(db, card_a)),
        onderbelicht_b=compare.onderbelicht(public_b, service.catalogue_of(db, card_b)),
    )


@router.get("/{slug}")
def get_principekaart(
    db: DbSession, organisation_id: ReaderOrganisationId, slug: Slug
) -> PrincipekaartPublic:
    card = service.get_visible(db, slug=slug, organisation_id=organisation_id)
    return service.to_public(db, card)


@router.get("/{slug}/onderbelicht")
def get_onderbelicht(
    db: DbSession, organisation_id: ReaderOrganisationId, slug: Slug
) -> compare.Onderbelicht:
    card = service.get_visible(db, slug=slug, organisation_id=organisation_id)
    return compare.onderbelicht(service.to_public(db, card), service.catalogue_of(db, card))


@router.patch("/{slug}")
def update_principekaart(
    db: DbSession, organisation_id: OrganisationId, slug: Slug, body: PrincipekaartUpdate
) -> PrincipekaartPublic:
    card = service.get_own(db, slug=slug, organisation_id=organisation_id)
    service.update_draft(db, card=card, update=body)
    return service.to_public(db, card)


@router.post("/{slug}/publiceer")
def publish_principekaart(
    db: DbSession, organisation_id: OrganisationId, slug: Slug
) -> PrincipekaartPublic:
    card = service.get_own(db, slug=slug, organisation_id=organisation_id)
    service.publish(db, card=card)
    return service.to_public(db, card)


@router.post("/{slug}/nieuwe-versie", status_code=status.HTTP_201_CREATED)
def new_principekaart_version(
    db: DbSession, organisation_id: OrganisationId, slug: Slug
) -> PrincipekaartPublic:
    card = service.get_own(db, slug=slug, organisation_id=organisation_id)
    return service.to_public(db, service.new_version(db, card=card))
