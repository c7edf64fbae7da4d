"""The Principekaart Professionals (2024) as built-in reference data."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

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
