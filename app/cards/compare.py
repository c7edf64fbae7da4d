"""Comparing Principekaarten: two cards side by side, and a card against the Waardenkaart.

Pure functions over the public shapes (no database, no web), so the API, the page and the tests
compare the same way. Values are matched by their catalogue key: two cards on the same
Waardenkaart name a value the same way even when their principles differ.
"""

from __future__ import annotations

from pydantic import BaseModel

from app.cards.schemas import CardValuePublic, PrincipekaartPublic
from app.catalogue.schemas import CataloguePublic


class CardRef(BaseModel):
    slug: str
    title: str
    version: int
    status: str
    builtin: bool


class SharedValue(BaseModel):
    """A value on both cards; ``same_principles`` is false when the wording differs. The
    differences themselves: whether the headlines differ, and the sub-principles each card has
    that the other lacks (compared as ``normalised`` texts, in any order)."""

    value: str
    name: str
    group: str
    cluster_name: str
    same_principles: bool
    same_headline: bool
    only_a_principles: list[str]
    only_b_principles: list[str]
    a: CardValuePublic
    b: CardValuePublic


class OverlookedValue(BaseModel):
    key: str
    name: str


class OverlookedCluster(BaseModel):
    cluster: str
    cluster_name: str
    group: str
    group_name: str
    colour: str
    values: list[OverlookedValue]


class Onderbelicht(BaseModel):
    """The catalogue values that did not make it onto a card, per cluster in catalogue order."""

    card: CardRef
    catalogue: str
    on_card: int
    total: int
    clusters: list[OverlookedCluster]


class CardComparison(BaseModel):
    a: CardRef
    b: CardRef
    shared: list[SharedValue]
    only_a: list[CardValuePublic]
    only_b: list[CardValuePublic]


def ref(card: PrincipekaartPublic) -> CardRef:
    return CardRef(
        slug=card.slug,
        title=card.title,
        version=card.version,
        status=card.status,
        builtin=card.builtin,
    )


TRAILING = ".,;:!?…" + "\u201d\u2019\"' "


def normalised(text: str | None) -> str:
    """A principle as compared: spacing, case and closing punctuation are not a difference
    ("Ik luister." and "ik luister" say the same); every other character is."""
    return " ".join((text or "").split()).casefold().rstrip(TRAILING)


def _only(texts: list[str], others: list[str]) -> list[str]:
    other = {normalised(t) for t in others}
    return [t for t in texts if normalised(t) not in other]


def same_principles(a: CardValuePublic, b: CardValuePublic) -> bool:
    """Headline and sub-principles alike, in any order; the quote is an illustration, not a
    rule."""
    return (
        normalised(a.headline) == normalised(b.headline)
        and not _only(a.sub_principles, b.sub_principles)
        and not _only(b.sub_principles, a.sub_principles)
    )


def _shared(a: CardValuePublic, b: CardValuePublic) -> SharedValue:
    return SharedValue(
        value=a.value,
        name=a.name,
        group=a.group,
        cluster_name=a.cluster_name,
        same_principles=same_principles(a, b),
        same_headline=normalised(a.headline) == normalised(b.headline),
        only_a_principles=_only(a.sub_principles, b.sub_principles),
        only_b_principles=_only(b.sub_principles, a.sub_principles),
        a=a,
        b=b,
    )


def compare_cards(a: PrincipekaartPublic, b: PrincipekaartPublic) -> CardComparison:
    """Shared values in card A's order, then the values only A has and only B has, each in its
    own card's order."""
    b_values = {value.value: value for value in b.values}
    a_keys = {value.value for value in a.values}
    return CardComparison(
        a=ref(a),
        b=ref(b),
        shared=[
            _shared(value, b_values[value.value]) for value in a.values if value.value in b_values
        ],
        only_a=[value for value in a.values if value.value not in b_values],
        only_b=[value for value in b.values if value.value not in a_keys],
    )


def onderbelicht(card: PrincipekaartPublic, catalogue: CataloguePublic) -> Onderbelicht:
    """Which values of ``catalogue`` the card leaves out; clusters with none left out are
    omitted."""
    on_card = {value.value for value in card.values}
    clusters = [
        OverlookedCluster(
            cluster=cluster.key,
            cluster_name=cluster.name,
            group=cluster.group,
            group_name=cluster.group_name,
            colour=cluster.colour,
            values=[
                OverlookedValue(key=value.key, name=value.name)
                for value in cluster.values
                if value.key not in on_card
            ],
        )
        for cluster in catalogue.clusters
    ]
    total = sum(len(cluster.values) for cluster in catalogue.clusters)
    return Onderbelicht(
        card=ref(card),
        catalogue=catalogue.slug,
        on_card=total - sum(len(cluster.values) for cluster in clusters),
        total=total,
        clusters=[cluster for cluster in clusters if cluster.values],
    )


class ClusterCoverage(BaseModel):
    """One cluster of the Waardenkaart and the card's values from it (none: not represented)."""

    cluster: str
    cluster_name: str
    group: str
    group_name: str
    on_card: list[str]


def coverage(card: PrincipekaartPublic, catalogue: CataloguePublic) -> list[ClusterCoverage]:
    """Every cluster of ``catalogue`` in its order, with the names of the card's values in it."""
    return [
        ClusterCoverage(
            cluster=cluster.key,
            cluster_name=cluster.name,
            group=cluster.group,
            group_name=cluster.group_name,
            on_card=[value.name for value in card.values if value.cluster == cluster.key],
        )
        for cluster in catalogue.clusters
    ]
