"""Reading, storing and the lifecycle of Principekaarten.

A card value is stored as a reference to the catalogue value, not as a copy of its name, so a
card always shows the value, cluster and group colour exactly as the catalogue has them.

Lifecycle: a card is a ``draft`` (editable by its organisation) until it is published; a
``published`` card never changes, so a printed poster and its public link keep meaning what they
said. Changing it means a new version: a new draft row with ``previous_id`` pointing back.
Built-in cards are read-only for everyone.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlmodel import col, func, select

from app.cards.models import Principekaart, PrincipekaartValue
from app.cards.schemas import (
    CardProcess,
    CardValuePublic,
    PrincipekaartDocument,
    PrincipekaartPublic,
    PrincipekaartUpdate,
    Verantwoording,
)
from app.catalogue import service as catalogues
from app.catalogue.groups import GROUPS_BY_KEY
from app.catalogue.models import Catalogue, CatalogueCluster, CatalogueValue
from app.catalogue.schemas import CataloguePublic, SourceDoc
from app.db import DbSession
from app.errors import Conflict, InvalidInput, NotFound, Problem, ReadOnly, Rejected
from app.organisations import service as organisations
from app.organisations.models import utcnow

SLUG_MAX = 80


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
        raise NotFound(reason="CARD", params={"slug": slug})
    return card


def get_published_by_token(db: DbSession, *, token: str) -> Principekaart:
    """The card behind a public link; drafts and unknown tokens look the same (404)."""
    card = db.exec(
        select(Principekaart).where(
            Principekaart.public_token == token, Principekaart.status == "published"
        )
    ).first()
    if card is None or not token:
        raise NotFound(reason="CARD_LINK")
    return card


def get_own(db: DbSession, *, slug: str, organisation_id: int) -> Principekaart:
    """The organisation's own card, locked for the rest of the transaction.

    Another organisation's card is 404 (its existence is not ours to know); a built-in card is
    403. The row lock makes a concurrent publish and edit run one after the other, so an edit
    never lands on a card that was published in between.
    """
    card = get_visible(db, slug=slug, organisation_id=organisation_id)
    if card.organisation_id != organisation_id:
        raise ReadOnly(reason="BUILTIN_CARD")
    db.refresh(card, with_for_update=True)
    return card


def ensure_draft(card: Principekaart) -> None:
    """Refuse any change to a published card (409 ``CARD_PUBLISHED``); trajects that remake a
    card call this too, so a published card is immutable for every writer."""
    if card.status != "draft":
        raise Rejected("CARD_PUBLISHED", reason="EDIT")


@dataclass(frozen=True)
class _ValueRow:
    value_id: int
    headline: str
    sub_principles: list[str]
    quote: str | None


def _catalogue_values(
    db: DbSession, catalogue_id: int
) -> dict[str, tuple[CatalogueValue, CatalogueCluster]]:
    return {
        value.key: (value, cluster)
        for value, cluster in db.exec(
            select(CatalogueValue, CatalogueCluster)
            .join(CatalogueCluster, col(CatalogueCluster.id) == col(CatalogueValue.cluster_id))
            .where(CatalogueValue.catalogue_id == catalogue_id)
        ).all()
    }


def update_draft(
    db: DbSession, *, card: Principekaart, update: PrincipekaartUpdate
) -> Principekaart:
    """Apply ``update`` to a draft card; every problem is listed and nothing is written.

    ``values`` replaces the card's values in the given order: each must be a value of the
    card's catalogue, none twice, and never more than the catalogue has.
    """
    ensure_draft(card)
    rows: list[_ValueRow] | None = None
    if update.values is not None:
        known = _catalogue_values(db, card.catalogue_id)
        problems: list[Problem] = []
        if len(update.values) > len(known):
            problems.append(
                Problem(
                    "values",
                    code="CARD_MORE_THAN_CATALOGUE",
                    params={"n": len(update.values), "known": len(known)},
                )
            )
        seen: dict[str, int] = {}
        for index, edit in enumerate(update.values):
            if edit.value not in known:
                problems.append(
                    Problem(
                        f"values.{index}.value", code="UNKNOWN_VALUE", params={"key": edit.value}
                    )
                )
            elif edit.value in seen:
                problems.append(
                    Problem(
                        f"values.{index}.value",
                        code="VALUE_ALREADY_ON_CARD",
                        params={"key": edit.value, "position": seen[edit.value] + 1},
                    )
                )
            seen.setdefault(edit.value, index)
        if problems:
            raise InvalidInput(reason="CARD_INVALID", problems=problems)
        rows = []
        for edit in update.values:
            value_id = known[edit.value][0].id
            assert value_id is not None
            rows.append(
                _ValueRow(value_id, edit.headline, list(edit.sub_principles), edit.quote or None)
            )
    if update.title is not None:
        card.title = update.title
    if update.central_question is not None:
        card.central_question = update.central_question
    db.add(card)
    db.flush()
    if rows is not None:
        _replace_values(db, card=card, rows=rows)
    return card


def publish(db: DbSession, *, card: Principekaart) -> Principekaart:
    """Freeze a draft and give it its public link. A card without values cannot be published."""
    ensure_draft(card)
    if not _value_count(db, card):
        raise InvalidInput(
            reason="CARD_EMPTY", problems=[Problem("values", code="CARD_WITHOUT_VALUES")]
        )
    card.status = "published"
    card.public_token = secrets.token_urlsafe(24)
    card.published_at = utcnow()
    db.add(card)
    db.flush()
    return card


def _value_count(db: DbSession, card: Principekaart) -> int:
    count: int = db.exec(
        select(func.count())
        .select_from(PrincipekaartValue)
        .where(PrincipekaartValue.principekaart_id == card.id)
    ).one()
    return count


def _version_slug(db: DbSession, *, card: Principekaart, version: int) -> str:
    """``<slug>-v<version>``, the old ``-vN`` dropped first; a taken slug gets ``-2``, ``-3``."""
    base = re.sub(r"-v\d+$", "", card.slug)
    for attempt in range(1, 100):
        suffix = f"-v{version}" + (f"-{attempt}" if attempt > 1 else "")
        candidate = base[: SLUG_MAX - len(suffix)] + suffix
        taken = db.exec(
            select(Principekaart.id).where(
                Principekaart.organisation_id == card.organisation_id,
                Principekaart.slug == candidate,
            )
        ).first()
        if taken is None:
            return candidate
    raise Conflict(reason="NO_FREE_VERSION_SLUG")


def new_version(db: DbSession, *, card: Principekaart) -> Principekaart:
    """Copy a published card into a new draft (version + 1) that points back to it.

    One successor per version: a second "new version" of the same card would fork the history,
    so it is refused with the slug of the draft that already exists.
    """
    if card.status != "published":
        raise Rejected("CARD_NOT_PUBLISHED")
    successor = db.exec(select(Principekaart).where(Principekaart.previous_id == card.id)).first()
    if successor is not None:
        raise Conflict(reason="CARD_HAS_SUCCESSOR", params={"slug": successor.slug})
    copy = Principekaart(
        organisation_id=card.organisation_id,
        catalogue_id=card.catalogue_id,
        slug=_version_slug(db, card=card, version=card.version + 1),
        title=card.title,
        year=card.year,
        central_question=card.central_question,
        source=card.source,
        process=card.process,
        uses=list(card.uses),
        status="draft",
        version=card.version + 1,
        previous_id=card.id,
        verantwoording=card.verantwoording,
    )
    db.add(copy)
    db.flush()
    _replace_values(
        db,
        card=copy,
        rows=[
            _ValueRow(row.value_id, row.headline, list(row.sub_principles), row.quote)
            for row in db.exec(
                select(PrincipekaartValue)
                .where(PrincipekaartValue.principekaart_id == card.id)
                .order_by(col(PrincipekaartValue.position))
            ).all()
        ],
    )
    return copy


def _replace_values(db: DbSession, *, card: Principekaart, rows: list[_ValueRow]) -> None:
    """Make the card's values exactly ``rows``, in order, reusing rows of values it keeps.

    Reusing (not delete-then-insert) matters: the unit of work inserts before it deletes, so a
    value that stays would otherwise hit the (card, value) unique constraint.
    """
    assert card.id is not None
    existing = {
        row.value_id: row
        for row in db.exec(
            select(PrincipekaartValue).where(PrincipekaartValue.principekaart_id == card.id)
        ).all()
    }
    for position, wanted in enumerate(rows):
        row = existing.pop(wanted.value_id, None) or PrincipekaartValue(
            principekaart_id=card.id, value_id=wanted.value_id, headline=wanted.headline
        )
        row.position = position
        row.headline = wanted.headline
        row.sub_principles = list(wanted.sub_principles)
        row.quote = wanted.quote
        db.add(row)
    for leftover in existing.values():
        db.delete(leftover)
    db.flush()


def value_names(db: DbSession, card: Principekaart) -> dict[str, str]:
    """Catalogue value key -> name, to print the keys a verantwoording refers to."""
    return {key: value.name for key, (value, _) in _catalogue_values(db, card.catalogue_id).items()}


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
        status="draft" if card.status == "draft" else "published",
        version=card.version,
        previous=_slug_of(db, card.previous_id),
        published_at=card.published_at,
        public_url=(
            f"/k/{card.public_token}" if card.status == "published" and card.public_token else None
        ),
        verantwoording=(
            Verantwoording.model_validate(card.verantwoording) if card.verantwoording else None
        ),
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


def _slug_of(db: DbSession, card_id: int | None) -> str | None:
    previous = db.get(Principekaart, card_id) if card_id is not None else None
    return previous.slug if previous else None


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
                Problem(
                    f"values.{index}.value", code="UNKNOWN_VALUE", params={"key": card_value.value}
                )
            )
        elif values[card_value.value][1].key != card_value.cluster:
            problems.append(
                Problem(
                    f"values.{index}.cluster",
                    code="VALUE_IN_OTHER_CLUSTER",
                    params={
                        "key": card_value.value,
                        "cluster": values[card_value.value][1].key,
                        "given": card_value.cluster,
                    },
                )
            )
    if problems:
        raise InvalidInput(reason="CARD_CATALOGUE", problems=problems)
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
    _replace_values(
        db,
        card=card,
        rows=[
            _ValueRow(
                _id(values[card_value.value][0]),
                card_value.headline,
                list(card_value.sub_principles),
                card_value.quote,
            )
            for card_value in document.values
        ],
    )
    return card


def _id(value: CatalogueValue) -> int:
    assert value.id is not None
    return value.id


def catalogue_of(db: DbSession, card: Principekaart) -> CataloguePublic:
    """The catalogue the card was made on, for the comparison with the whole Waardenkaart."""
    catalogue = db.get(Catalogue, card.catalogue_id)
    assert catalogue is not None
    return catalogues.to_public(db, catalogue)
