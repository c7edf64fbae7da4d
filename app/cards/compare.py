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
    """A value on both cards; ``same_principles`` is false when the wording differs."""

    value: str
    name: str
    group: str
    cluster_name: str
    same_principles: bool
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


def _words(text: str | None) -> str:
    """Text compared without differences in spacing or case, which nobody reads as different."""
    return " ".join((text or "").split()).casefold()


def same_principles(a: CardValuePublic, b: CardValuePublic) -> bool:
    """Headline and sub-principles alike (in order); the quote is an illustration, not a rule."""
    return _words(a.headline) == _words(b.headline) and [_words(p) for p in a.sub_principles] == [
        _words(p) for p in b.sub_principles
    ]


def compare_cards(a: PrincipekaartPublic, b: PrincipekaartPublic) -> CardComparison:
    """Shared values in card A's order, then the values only A has and only B has, each in its
    own card's order."""
    b_values = {value.value: value for value in b.values}
    a_keys = {value.value for value in a.values}
    return CardComparison(
        a=ref(a),
        b=ref(b),
        shared=[
            SharedValue(
                value=value.value,
                name=value.name,
                group=value.group,
                cluster_name=value.cluster_name,
                same_principles=same_principles(value, b_values[value.value]),
                a=value,
                b=b_values[value.value],
            )
            for value in a.values
            if value.value in b_values
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
