"""Comparing cards: shared values, values unique to each, differing principles, and what a
card leaves out of the Waardenkaart ("onderbelicht")."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.cards import compare
from app.cards.models import Principekaart
from app.cards.schemas import CardValuePublic, PrincipekaartPublic
from tests.cards.factories import CardValueSpec, make_draft_card

BUILTIN = "principekaart-professionals-2024"
API = "/api/v1/principekaarten/vergelijk"
PAGE = "/principekaarten/vergelijk"
# The 2024 card's own headline for Menselijkheid, so one shared value has the same principles.
MENSELIJKHEID_2024 = "Ik zorg dat mensen zich gezien, gehoord en geholpen voelen"


def _value(key: str, headline: str, *subs: str) -> CardValuePublic:
    return CardValuePublic(
        value=key,
        name=key.title(),
        cluster="c",
        cluster_name="C",
        group="sociaal",
        group_name="Sociaal",
        colour="#cfe3f3",
        headline=headline,
        sub_principles=list(subs),
        quote=None,
        catalogue_value_url="",
    )


def _card(slug: str, *values: CardValuePublic) -> PrincipekaartPublic:
    return PrincipekaartPublic(
        slug=slug,
        title=slug,
        year=None,
        builtin=False,
        catalogue="w",
        central_question="?",
        source=None,
        values=list(values),
        process=None,
        uses=[],
        status="draft",
        version=1,
        previous=None,
        published_at=None,
        public_url=None,
        verantwoording=None,
    )


class TestCompareCards:
    def test_shared_and_unique_values_in_card_order(self) -> None:
        a = _card("a", _value("x", "Ik X."), _value("y", "Ik Y."), _value("z", "Ik Z."))
        b = _card("b", _value("w", "Ik W."), _value("z", "Ik Z."), _value("x", "Ik anders."))
        result = compare.compare_cards(a, b)
        assert [s.value for s in result.shared] == ["x", "z"]
        assert [v.value for v in result.only_a] == ["y"]
        assert [v.value for v in result.only_b] == ["w"]

    def test_differing_principles_keep_both_wordings(self) -> None:
        a = _card("a", _value("x", "Ik luister.", "Ik vraag door."))
        b = _card("b", _value("x", "Ik luister.", "Ik beslis snel."))
        [shared] = compare.compare_cards(a, b).shared
        assert shared.same_principles is False
        assert shared.a.sub_principles == ["Ik vraag door."]
        assert shared.b.sub_principles == ["Ik beslis snel."]

    def test_spacing_and_case_are_not_a_difference(self) -> None:
        a = _card("a", _value("x", "Ik  luister.", "Ik vraag door."))
        b = _card("b", _value("x", "ik luister.", " Ik vraag  door."))
        assert compare.compare_cards(a, b).shared[0].same_principles is True

    def test_trailing_punctuation_is_not_a_difference(self) -> None:
        a = _card("a", _value("x", "Ik luister.", "Ik vraag door.", "Ik kijk verder!"))
        b = _card("b", _value("x", "Ik luister", "ik vraag door", "Ik kijk verder"))
        [shared] = compare.compare_cards(a, b).shared
        assert shared.same_principles is True
        assert shared.only_a_principles == shared.only_b_principles == []

    def test_the_real_differences_are_named(self) -> None:
        a = _card("a", _value("x", "Ik luister.", "Ik vraag door.", "Ik beslis samen."))
        b = _card("b", _value("x", "Ik luister", "Ik beslis samen", "Ik beslis snel."))
        [shared] = compare.compare_cards(a, b).shared
        assert shared.same_principles is False
        assert shared.same_headline is True
        assert shared.only_a_principles == ["Ik vraag door."]
        assert shared.only_b_principles == ["Ik beslis snel."]

    def test_other_punctuation_inside_a_principle_still_counts(self) -> None:
        a = _card("a", _value("x", "Ik help, niet oordelen."))
        b = _card("b", _value("x", "Ik help niet, oordelen."))
        assert compare.compare_cards(a, b).shared[0].same_headline is False

    def test_a_card_against_itself_shares_everything(self) -> None:
        a = _card("a", _value("x", "Ik X."), _value("y", "Ik Y."))
        result = compare.compare_cards(a, a)
        assert [s.same_principles for s in result.shared] == [True, True]
        assert result.only_a == result.only_b == []


@pytest.fixture
def own(db: Session, demo_org_id: int) -> Principekaart:
    values = (
        CardValueSpec("menselijkheid", MENSELIJKHEID_2024, ("Ik luister eerst.",)),
        CardValueSpec("billijkheid", "Ik weeg wat nodig is.", ("Ik maak verschil.",)),
        CardValueSpec("vertrouwen", "Ik ga uit van goede trouw.", ("Ik controleer achteraf.",)),
    )
    return make_draft_card(db, organisation_id=demo_org_id, slug="eigen-kaart", values=values)


class TestCompareApi:
    def test_own_card_against_the_2024_card(self, client: TestClient, own: Principekaart) -> None:
        answer = client.get(API, params={"a": own.slug, "b": BUILTIN})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert [s["value"] for s in body["shared"]] == ["menselijkheid", "billijkheid"]
        assert [s["same_principles"] for s in body["shared"]] == [False, False]
        assert [v["value"] for v in body["only_a"]] == ["vertrouwen"]
        assert [v["value"] for v in body["only_b"]] == [
            "zelfbeschikking",
            "verantwoordelijkheid",
            "doeltreffendheid",
        ]

    def test_onderbelicht_lists_every_other_catalogue_value_by_cluster(
        self, client: TestClient, own: Principekaart
    ) -> None:
        report = client.get(f"/api/v1/principekaarten/{own.slug}/onderbelicht").json()
        assert (report["on_card"], report["total"]) == (3, 25)
        left_out = [v["key"] for c in report["clusters"] for v in c["values"]]
        assert len(left_out) == 22
        assert not {"menselijkheid", "billijkheid", "vertrouwen"} & set(left_out)
        first = report["clusters"][0]
        assert (first["cluster"], first["group"], first["colour"]) == (
            "vrijheid",
            "ideeel",
            "#f6d5c7",
        )

    def test_unknown_or_foreign_cards_are_not_found(
        self, client: TestClient, own: Principekaart
    ) -> None:
        assert client.get(API, params={"a": own.slug, "b": "bestaat-niet"}).status_code == 404

    def test_both_cards_are_required(self, client: TestClient) -> None:
        answer = client.get(API, params={"a": BUILTIN})
        assert answer.status_code == 422
        assert answer.json()["error"]["problems"][0]["loc"].endswith("b")


class TestComparePage:
    def test_a_copy_that_differs_only_in_full_stops_is_the_same(
        self, client: TestClient, db: Session, demo_org_id: int
    ) -> None:
        values = (
            CardValueSpec(
                "menselijkheid",
                MENSELIJKHEID_2024 + ".",
                (
                    "Ik sluit aan bij de behoeften, wensen en plannen van degene die ik help, "
                    "ook als de hulpvraag diffuus is",
                    "Ik realiseer me dat mensen soms weinig kunnen doen aan de situatie waarin "
                    "ze zijn terechtgekomen",
                    "ik vraag mensen alleen om dingen te doen of beslissen als ze daartoe in "
                    "staat zijn.",
                ),
            ),
        )
        card = make_draft_card(db, organisation_id=demo_org_id, slug="kopie", values=values)
        answer = client.get(PAGE, params={"a": card.slug, "b": BUILTIN})
        text = " ".join(re.sub(r"<[^>]+>", " ", answer.text).split())
        assert "De principes verschillen" not in text
        assert "Beide kaarten hebben hier dezelfde principes." in text

    def test_shows_both_wordings_unique_values_and_onderbelicht(
        self, client: TestClient, own: Principekaart
    ) -> None:
        answer = client.get(PAGE, params={"a": own.slug, "b": BUILTIN})
        assert answer.status_code == 200
        text = " ".join(re.sub(r"<[^>]+>", " ", answer.text).split())
        assert "De principes verschillen" in text
        assert "het kopprincipe is anders, 1 subprincipe staat alleen op A" in text
        assert "Ik luister eerst. alleen op deze kaart" in text
        assert "Ik weeg wat nodig is." in text
        assert "Alleen op kaart A Vrijheid" not in text
        assert "Vertrouwen" in text
        assert "Onderbelicht op" in text
        assert "Van de 25 waarden op de Waardenkaart staan er 3 op deze kaart" in text
        assert 'class="onderbelicht-cluster group-ideeel"' in answer.text
        assert f'<option value="{own.slug}" selected>' in answer.text

    def test_defaults_to_the_newest_own_card_against_2024(
        self, client: TestClient, own: Principekaart
    ) -> None:
        answer = client.get(PAGE)
        assert answer.status_code == 200
        assert f'<option value="{own.slug}" selected>' in answer.text
        assert f'<option value="{BUILTIN}" selected>' in answer.text
