"""The Principekaart Professionals (2024) as built-in reference data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.cards.models import Principekaart, PrincipekaartValue
from app.organisations import service as organisations
from tests.cards.factories import make_draft_card

CARD = "/api/v1/principekaarten/principekaart-professionals-2024"


class TestPrincipekaart2024:
    def test_has_the_central_question(self, client: TestClient) -> None:
        card = client.get(CARD).json()
        assert card["central_question"] == (
            "Welke waarden en principes zijn voor mij als professional leidend bij het toewijzen "
            "van zorg en ondersteuning in het sociaal domein?"
        )
        assert card["year"] == 2024
        assert card["builtin"] is True

    def test_lists_five_values_in_card_order_with_clusters(self, client: TestClient) -> None:
        values = client.get(CARD).json()["values"]
        assert [(v["value"], v["cluster"], v["group"]) for v in values] == [
            ("menselijkheid", "empathie", "sociaal"),
            ("zelfbeschikking", "vrijheid", "ideeel"),
            ("verantwoordelijkheid", "rechtvaardigheid", "ideeel"),
            ("billijkheid", "rechtvaardigheid", "ideeel"),
            ("doeltreffendheid", "nut", "praktisch"),
        ]

    def test_every_value_has_headline_sub_principles_and_quote(self, client: TestClient) -> None:
        for value in client.get(CARD).json()["values"]:
            assert value["headline"].startswith("Ik ")
            assert 3 <= len(value["sub_principles"]) <= 4
            assert all(p.startswith("Ik ") for p in value["sub_principles"])
            assert value["quote"]

    def test_links_each_value_to_the_catalogue(self, client: TestClient) -> None:
        catalogue = client.get("/api/v1/catalogues/waardenkaart-sociaal-domein").json()
        names = {v["key"]: v["name"] for c in catalogue["clusters"] for v in c["values"]}
        for value in client.get(CARD).json()["values"]:
            assert names[value["value"]] == value["name"]
            assert value["catalogue_value_url"].endswith(f"#{value['value']}")

    def test_principles_stand_in_the_publication(self, client: TestClient, seeds: Path) -> None:
        source = " ".join((seeds / "000_26bf3d3617578870.txt").read_text(encoding="utf-8").split())
        for value in client.get(CARD).json()["values"]:
            for text in (value["headline"], *value["sub_principles"], value["quote"]):
                assert text in source, text

    def test_unknown_card_is_404(self, client: TestClient) -> None:
        assert client.get("/api/v1/principekaarten/bestaat-niet").status_code == 404


# --- lifecycle: edit a draft, publish, immutable, new version ----------------------------------

API = "/api/v1/principekaarten"


def _rows(db: Session) -> list[dict[str, Any]]:
    """Every card row and card value row, as stored, to show a refusal wrote nothing."""
    db.expire_all()
    cards = [c.model_dump() for c in db.exec(select(Principekaart).order_by(col(Principekaart.id)))]
    values = [
        v.model_dump()
        for v in db.exec(select(PrincipekaartValue).order_by(col(PrincipekaartValue.id)))
    ]
    return cards + values


def _edit(value: str, headline: str = "Ik doe het samen.") -> dict[str, Any]:
    return {
        "value": value,
        "headline": headline,
        "sub_principles": ["Ik luister eerst.", "Ik leg uit wat ik doe.", "Ik vraag door."],
    }


@pytest.fixture
def draft(db: Session, demo_org_id: int) -> Principekaart:
    return make_draft_card(db, organisation_id=demo_org_id)


class TestEditDraft:
    def test_changes_title_question_principles_and_order(
        self, client: TestClient, draft: Principekaart
    ) -> None:
        body = {
            "title": "Onze kaart",
            "central_question": "Wat vinden wij leidend?",
            "values": [
                {
                    **_edit("billijkheid", "Ik weeg wat nodig is."),
                    "quote": "Gelijk is niet eerlijk.",
                },
                _edit("menselijkheid"),
            ],
        }
        answer = client.patch(f"{API}/{draft.slug}", json=body)
        assert answer.status_code == 200, answer.text
        card = client.get(f"{API}/{draft.slug}").json()
        assert (card["title"], card["central_question"]) == (
            "Onze kaart",
            "Wat vinden wij leidend?",
        )
        assert [v["value"] for v in card["values"]] == ["billijkheid", "menselijkheid"]
        assert card["values"][0]["headline"] == "Ik weeg wat nodig is."
        assert card["values"][0]["quote"] == "Gelijk is niet eerlijk."
        assert card["values"][0]["group"] == "ideeel"
        assert card["status"] == "draft"

    def test_leaves_out_fields_unchanged(self, client: TestClient, draft: Principekaart) -> None:
        client.patch(f"{API}/{draft.slug}", json={"title": "Alleen de titel"}).raise_for_status()
        card = client.get(f"{API}/{draft.slug}").json()
        assert card["title"] == "Alleen de titel"
        assert [v["value"] for v in card["values"]] == [
            "menselijkheid",
            "zelfbeschikking",
            "billijkheid",
        ]

    def test_lists_every_problem_and_writes_nothing(
        self, client: TestClient, db: Session, draft: Principekaart
    ) -> None:
        before = _rows(db)
        body = {"values": [_edit("menselijkheid"), _edit("bestaat-niet"), _edit("menselijkheid")]}
        answer = client.patch(f"{API}/{draft.slug}", json=body)
        assert answer.status_code == 422
        problems = answer.json()["error"]["problems"]
        assert [p["loc"] for p in problems] == ["values.1.value", "values.2.value"]
        assert "bestaat-niet" in problems[0]["message"]
        assert "al op de kaart" in problems[1]["message"]
        assert _rows(db) == before

    def test_refuses_more_values_than_the_catalogue_has(
        self, client: TestClient, db: Session, draft: Principekaart
    ) -> None:
        keys = [
            v["key"]
            for c in client.get("/api/v1/catalogues/waardenkaart-sociaal-domein").json()["clusters"]
            for v in c["values"]
        ]
        before = _rows(db)
        answer = client.patch(
            f"{API}/{draft.slug}", json={"values": [_edit(k) for k in [*keys, keys[0]]]}
        )
        assert answer.status_code == 422
        messages = [p["message"] for p in answer.json()["error"]["problems"]]
        assert (
            f"de kaart heeft {len(keys) + 1} waarden, maar de catalogus heeft er maar {len(keys)}"
            in messages
        )
        assert any("al op de kaart" in m for m in messages)
        assert _rows(db) == before

    def test_refuses_too_many_sub_principles_and_empty_headlines(
        self, client: TestClient, db: Session, draft: Principekaart
    ) -> None:
        before = _rows(db)
        value = {**_edit("menselijkheid"), "headline": "  ", "sub_principles": ["Ik"] * 9}
        answer = client.patch(f"{API}/{draft.slug}", json={"values": [value], "kleur": "rood"})
        assert answer.status_code == 422
        locs = {p["loc"] for p in answer.json()["error"]["problems"]}
        assert {"values.0.headline", "values.0.sub_principles", "kleur"} <= locs
        assert _rows(db) == before


class TestPublish:
    def test_publishes_with_a_public_link(self, client: TestClient, draft: Principekaart) -> None:
        answer = client.post(f"{API}/{draft.slug}/publiceer")
        assert answer.status_code == 200, answer.text
        card = answer.json()
        assert card["status"] == "published"
        assert card["published_at"]
        assert card["public_url"].startswith("/k/")
        assert len(card["public_url"]) >= len("/k/") + 32

    def test_a_draft_has_no_public_link(self, client: TestClient, draft: Principekaart) -> None:
        assert client.get(f"{API}/{draft.slug}").json()["public_url"] is None

    def test_published_card_refuses_every_edit_and_writes_nothing(
        self, client: TestClient, db: Session, draft: Principekaart
    ) -> None:
        client.post(f"{API}/{draft.slug}/publiceer").raise_for_status()
        before = _rows(db)
        for body in ({"title": "Anders"}, {"values": [_edit("menselijkheid")]}, {}):
            answer = client.patch(f"{API}/{draft.slug}", json=body)
            assert answer.status_code == 409
            assert answer.json()["error"]["code"] == "CARD_PUBLISHED"
            assert "gepubliceerd" in answer.json()["error"]["message"]
        again = client.post(f"{API}/{draft.slug}/publiceer")
        assert again.status_code == 409
        assert _rows(db) == before

    def test_an_empty_card_cannot_be_published(
        self, client: TestClient, db: Session, demo_org_id: int
    ) -> None:
        card = make_draft_card(db, organisation_id=demo_org_id, slug="leeg", values=())
        answer = client.post(f"{API}/{card.slug}/publiceer")
        assert answer.status_code == 422
        assert client.get(f"{API}/leeg").json()["status"] == "draft"


class TestNewVersion:
    def test_copies_a_published_card_into_a_new_draft(
        self, client: TestClient, draft: Principekaart
    ) -> None:
        published = client.post(f"{API}/{draft.slug}/publiceer").json()
        answer = client.post(f"{API}/{draft.slug}/nieuwe-versie")
        assert answer.status_code == 201, answer.text
        copy = answer.json()
        assert (copy["slug"], copy["version"], copy["status"]) == ("wijkteam-noord-v2", 2, "draft")
        assert copy["previous"] == "wijkteam-noord"
        assert copy["public_url"] is None
        assert copy["values"] == published["values"]
        assert copy["verantwoording"] == published["verantwoording"]
        client.patch(f"{API}/{copy['slug']}", json={"title": "Versie 2"}).raise_for_status()
        assert client.get(f"{API}/{draft.slug}").json()["title"] == published["title"]

    def test_version_three_gets_its_own_slug(
        self, client: TestClient, draft: Principekaart
    ) -> None:
        client.post(f"{API}/{draft.slug}/publiceer").raise_for_status()
        v2 = client.post(f"{API}/{draft.slug}/nieuwe-versie").json()["slug"]
        client.post(f"{API}/{v2}/publiceer").raise_for_status()
        v3 = client.post(f"{API}/{v2}/nieuwe-versie").json()
        assert (v3["slug"], v3["version"], v3["previous"]) == ("wijkteam-noord-v3", 3, v2)

    def test_refused_for_a_draft_and_twice_for_one_card(
        self, client: TestClient, db: Session, draft: Principekaart
    ) -> None:
        assert client.post(f"{API}/{draft.slug}/nieuwe-versie").status_code == 409
        client.post(f"{API}/{draft.slug}/publiceer").raise_for_status()
        client.post(f"{API}/{draft.slug}/nieuwe-versie").raise_for_status()
        before = _rows(db)
        twice = client.post(f"{API}/{draft.slug}/nieuwe-versie")
        assert twice.status_code == 409
        assert "wijkteam-noord-v2" in twice.json()["error"]["message"]
        assert _rows(db) == before


class TestWhoMayChange:
    def test_builtin_card_is_read_only(self, client: TestClient, db: Session) -> None:
        before = _rows(db)
        slug = "principekaart-professionals-2024"
        for method, url, body in (
            ("PATCH", f"{API}/{slug}", {"title": "Gekaapt"}),
            ("POST", f"{API}/{slug}/publiceer", None),
            ("POST", f"{API}/{slug}/nieuwe-versie", None),
        ):
            answer = client.request(method, url, json=body)
            assert answer.status_code == 403, url
            assert answer.json()["error"]["code"] == "READ_ONLY"
        assert _rows(db) == before

    def test_another_organisations_card_is_not_found(self, client: TestClient, db: Session) -> None:
        other = organisations.ensure(db, slug="andere-gemeente", name="Andere gemeente")
        assert other.id is not None
        card = make_draft_card(db, organisation_id=other.id, slug="kaart-van-een-ander")
        before = _rows(db)
        assert client.get(f"{API}/{card.slug}").status_code == 404
        assert client.patch(f"{API}/{card.slug}", json={"title": "x"}).status_code == 404
        assert client.post(f"{API}/{card.slug}/publiceer").status_code == 404
        assert client.get(f"/principekaarten/{card.slug}").status_code == 404
        assert _rows(db) == before


class TestJsonExport:
    def test_includes_status_version_and_verantwoording(
        self, client: TestClient, draft: Principekaart
    ) -> None:
        card = client.get(f"{API}/{draft.slug}").json()
        assert (card["status"], card["version"], card["previous"]) == ("draft", 1, None)
        verantwoording = card["verantwoording"]
        assert verantwoording["traject_id"] == 7
        assert verantwoording["shortlist_rule"] == {"min_participants": 3, "max_values": 3}
        assert verantwoording["agreement"]["kendall_w"] == 0.62
        assert verantwoording["ties"][0]["taken"] == ["billijkheid"]

    def test_builtin_card_keeps_its_process_and_has_no_verantwoording(
        self, client: TestClient
    ) -> None:
        card = client.get(CARD).json()
        assert card["verantwoording"] is None
        assert card["process"]["summary"]
        assert card["status"] == "published"
