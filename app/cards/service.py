"""Reading and storing Principekaarten.

A card value is stored as a reference to the catalogue value, not as a copy of its name, so a
card always shows the value, cluster and group colour exactly as the catalogue has them.
"""

from __future__ import annotations

from sqlmodel import col, select

from app.cards.models import Principekaart, PrincipekaartValue
from app.cards.schemas import (
    CardProcess,
    CardValuePublic,
    PrincipekaartDocument,
    PrincipekaartPublic,
)
from app.catalogue.groups import GROUPS_BY_KEY
from app.catalogue.models import Catalogue, CatalogueCluster, CatalogueValue
from app.catalogue.schemas import SourceDoc
from app.db import DbSession
from app.errors import InvalidInput, NotFound, Problem
from app.organisations import service as organisations


def list_visible(db: DbSession, *, organisation_id: int) -> list[Principekaart]:
    return list(
        db.exec(
            select(Principekaart)
            .where(
                col(Principekaart.organisation_id).in_(
                    organisations.visible_ids(db, organisation_id)
                )
            )
            .order_by(col(Principekaart.id))
        ).all()
    )


def get_visible(db: DbSession, *, slug: str, organisation_id: int) -> Principekaart:
    card = organisations.first_visible(
        db.exec(select(Principekaart).where(Principekaart.slug == slug)).all(),
        owner=lambda row: row.organisation_id,
        order=organisations.visible_ids(db, organisation_id),
    )
    if card is None:
        raise NotFound(f"Principekaart '{slug}' bestaat niet.")
    return card


def to_public(db: DbSession, card: Principekaart) -> PrincipekaartPublic:
    catalogue = db.get(Catalogue, card.catalogue_id)
    assert catalogue is not None
    rows = db.exec(
        select(PrincipekaartValue, CatalogueValue, CatalogueCluster)
        .join(CatalogueValue, col(CatalogueValue.id) == col(PrincipekaartValue.value_id))
        .join(CatalogueCluster, col(CatalogueCluster.id) == col(CatalogueValue.cluster_id))
        .where(PrincipekaartValue.principekaart_id == card.id)
        .order_by(col(PrincipekaartValue.position))
    ).all()
    return PrincipekaartPublic(
        slug=card.slug,
        title=card.title,
        year=card.year,
        builtin=card.organisation_id in organisations.builtin_ids(db),
        catalogue=catalogue.slug,
        central_question=card.central_question,
        source=SourceDoc.model_validate(card.source) if card.source else None,
        process=CardProcess.model_validate(card.process) if card.process else None,
        uses=list(card.uses),
        values=[
            CardValuePublic(
                value=value.key,
                name=value.name,
                cluster=cluster.key,
                cluster_name=cluster.name,
                group=cluster.group,
                group_name=GROUPS_BY_KEY[cluster.group].name_nl,
                colour=GROUPS_BY_KEY[cluster.group].colour,
                headline=card_value.headline,
                sub_principles=list(card_value.sub_principles),
                quote=card_value.quote,
                catalogue_value_url=f"/api/v1/catalogues/{catalogue.slug}#{value.key}",
            )
            for card_value, value, cluster in rows
        ],
    )


def sync_document(
    db: DbSession, *, document: PrincipekaartDocument, organisation_id: int, catalogue: Catalogue
) -> Principekaart:
    """Store ``document`` as the organisation's card with its slug, replacing an older copy.

    Each card value must name a value of the catalogue, in the cluster the card prints; a
    mismatch means the data files disagree and is refused rather than shown wrongly.
    """
    values = {
        value.key: (value, cluster)
        for value, cluster in db.exec(
            select(CatalogueValue, CatalogueCluster)
            .join(CatalogueCluster, col(CatalogueCluster.id) == col(CatalogueValue.cluster_id))
            .where(CatalogueValue.catalogue_id == catalogue.id)
        ).all()
    }
    problems = []
    for index, card_value in enumerate(document.values):
        if card_value.value not in values:
            problems.append(
                Problem(f"values.{index}.value", f"onbekende waarde '{card_value.value}'")
            )
        elif values[card_value.value][1].key != card_value.cluster:
            problems.append(
                Problem(
                    f"values.{index}.cluster",
                    f"'{card_value.value}' staat in cluster "
                    f"'{values[card_value.value][1].key}', niet '{card_value.cluster}'",
                )
            )
    if problems:
        raise InvalidInput("De principekaart past niet bij de catalogus.", problems)
    card = db.exec(
        select(Principekaart).where(
            Principekaart.organisation_id == organisation_id,
            Principekaart.slug == document.slug,
        )
    ).first()
    assert catalogue.id is not None
    if card is None:
        card = Principekaart(
            organisation_id=organisation_id,
            catalogue_id=catalogue.id,
            slug=document.slug,
            title=document.title,
            central_question=document.central_question,
        )
    card.catalogue_id = catalogue.id
    card.title = document.title
    card.year = document.year
    card.central_question = document.central_question
    card.source = document.source.model_dump() if document.source else None
    card.process = document.process.model_dump() if document.process else None
    card.uses = list(document.uses)
    db.add(card)
    db.flush()
    existing = {
        row.value_id: row
        for row in db.exec(
            select(PrincipekaartValue).where(PrincipekaartValue.principekaart_id == card.id)
        ).all()
    }
    assert card.id is not None
    for position, card_value in enumerate(document.values):
        value_id = values[card_value.value][0].id
        assert value_id is not None
        row = existing.pop(value_id, None) or PrincipekaartValue(
            principekaart_id=card.id, value_id=value_id, headline=card_value.headline
        )
        row.position = position
        row.headline = card_value.headline
        row.sub_principles = list(card_value.sub_principles)
        row.quote = card_value.quote
        db.add(row)
    for leftover in existing.values():
        db.delete(leftover)
    db.flush()
    return card
