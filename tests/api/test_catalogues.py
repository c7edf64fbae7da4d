"""Catalogue endpoints against the real PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from app.cards.models import Principekaart, PrincipekaartValue
from app.catalogue.models import Catalogue, CatalogueCluster, CatalogueValue, Opvatting
from tests.catalogue.factories import catalogue_document

BUILTIN = "/api/v1/catalogues/waardenkaart-sociaal-domein"


def _row_counts(db: Session) -> tuple[int, ...]:
    return tuple(
        db.exec(select(func.count()).select_from(model)).one()
        for model in (Catalogue, CatalogueCluster, CatalogueValue, Opvatting)
    )


def _import(client: TestClient, raw: dict[str, Any]) -> Any:
    return client.post("/api/v1/catalogues", json=raw)


class TestReading:
    def test_lists_the_builtin_waardenkaart(self, client: TestClient) -> None:
        response = client.get("/api/v1/catalogues")
        assert response.status_code == 200
        [builtin] = [c for c in response.json() if c["slug"] == "waardenkaart-sociaal-domein"]
        assert builtin == {
            "slug": "waardenkaart-sociaal-domein",
            "name": "Waardenkaart sociaal domein",
            "description": builtin["description"],
            "builtin": True,
            "n_clusters": 9,
            "n_values": 25,
        }

    def test_shows_clusters_with_group_description_and_values(self, client: TestClient) -> None:
        body = client.get(BUILTIN).json()
        vrijheid = body["clusters"][0]
        assert (vrijheid["key"], vrijheid["group"]) == ("vrijheid", "ideeel")
        assert vrijheid["description"].startswith("In dit waardencluster")
        assert vrijheid["values"][0]["name"] == "Zelfbeschikking"
        assert vrijheid["values"][0]["opvattingen"][1] == (
            "Mensen mogen zijn wie ze zijn, met al hun eigenaardigheden."
        )
        assert sum(len(v["opvattingen"]) for c in body["clusters"] for v in c["values"]) == 67
        assert body["source"]["publisher"] == "De Argumentenfabriek"

    def test_unknown_slug_is_a_404_in_the_shared_error_shape(self, client: TestClient) -> None:
        response = client.get("/api/v1/catalogues/bestaat-niet")
        assert response.status_code == 404
        assert response.json() == {
            "error": {
                "code": "NOT_FOUND",
                "message": "Catalogus 'bestaat-niet' bestaat niet.",
                "problems": [],
            }
        }


class TestImport:
    def test_imports_json(self, client: TestClient) -> None:
        response = _import(client, catalogue_document())
        assert response.status_code == 201
        body = response.json()
        assert body["builtin"] is False
        assert [v["key"] for c in body["clusters"] for v in c["values"]] == [
            "regie",
            "eenvoud",
            "snelheid",
        ]
        assert client.get("/api/v1/catalogues/eigen-waarden").status_code == 200

    def test_imports_yaml(self, client: TestClient) -> None:
        text = yaml.safe_dump(catalogue_document(slug="uit-yaml"), allow_unicode=True)
        response = client.post(
            "/api/v1/catalogues",
            content=text.encode(),
            headers={"Content-Type": "application/yaml"},
        )
        assert response.status_code == 201, response.text
        assert response.json()["slug"] == "uit-yaml"

    def test_broken_file_lists_every_problem_and_writes_nothing(
        self, client: TestClient, db: Session
    ) -> None:
        before = _row_counts(db)
        raw = catalogue_document(
            name="",
            clusters=[
                {"key": "a", "name": "A", "group": "onbekend"},
                {"key": "b", "name": "B", "group": "sociaal"},
            ],
            values=[
                {"key": "v", "name": "V", "cluster": "a"},
                {"key": "v2", "name": "V", "cluster": "b"},
                {"key": "w", "name": "W"},
                {"key": "e", "name": " ", "cluster": "a"},
            ],
        )
        response = _import(client, raw)
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "VALIDATION_FAILED"
        assert "niets opgeslagen" in error["message"]
        locs = {problem["loc"] for problem in error["problems"]}
        assert locs >= {
            "name",
            "clusters.0.group",
            "values.1.name",
            "values.2.cluster",
            "values.3.name",
        }
        assert _row_counts(db) == before

    def test_invalid_yaml_is_a_clear_422(self, client: TestClient, db: Session) -> None:
        before = _row_counts(db)
        response = client.post(
            "/api/v1/catalogues",
            content=b"name: [unclosed",
            headers={"Content-Type": "application/yaml"},
        )
        assert response.status_code == 422
        assert "geen geldige YAML" in response.json()["error"]["problems"][0]["message"]
        assert _row_counts(db) == before

    def test_a_taken_slug_is_refused(self, client: TestClient) -> None:
        assert _import(client, catalogue_document()).status_code == 201
        response = _import(client, catalogue_document())
        assert response.status_code == 422
        assert response.json()["error"]["problems"][0]["loc"] == "slug"

    @pytest.mark.parametrize("fmt", ["json", "yaml"])
    def test_export_then_import_gives_the_same_catalogue(
        self, client: TestClient, fmt: str
    ) -> None:
        exported = client.get(f"{BUILTIN}/export", params={"format": fmt})
        assert exported.status_code == 200
        assert "attachment" in exported.headers["content-disposition"]
        document = yaml.safe_load(exported.text)
        document["slug"] = f"kopie-{fmt}"
        imported = _import(client, document)
        assert imported.status_code == 201, imported.text
        assert _same_content(imported.json(), client.get(BUILTIN).json())


def _same_content(left: dict[str, Any], right: dict[str, Any]) -> bool:
    def strip(body: dict[str, Any]) -> list[Any]:
        return [
            (
                c["key"],
                c["name"],
                c["group"],
                c["description"],
                [(v["key"], v["name"], v["opvattingen"]) for v in c["values"]],
            )
            for c in body["clusters"]
        ]

    return strip(left) == strip(right)


class TestBuiltinIsReadOnly:
    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [
            ("PATCH", BUILTIN, {"name": "Anders"}),
            ("PUT", BUILTIN, catalogue_document()),
            ("DELETE", BUILTIN, None),
            ("POST", f"{BUILTIN}/clusters", {"name": "Nieuw", "group": "sociaal"}),
            ("PATCH", f"{BUILTIN}/clusters/vrijheid", {"name": "Vrij"}),
            ("DELETE", f"{BUILTIN}/clusters/vrijheid", None),
            ("POST", f"{BUILTIN}/values", {"name": "Moed", "cluster": "vrijheid"}),
            ("PATCH", f"{BUILTIN}/values/privacy", {"name": "Privé"}),
            ("DELETE", f"{BUILTIN}/values/privacy", None),
            ("POST", f"{BUILTIN}/values/privacy/opvattingen", {"text": "Nieuw."}),
        ],
    )
    def test_refuses_every_change(
        self, client: TestClient, db: Session, method: str, path: str, body: Any
    ) -> None:
        before = _row_counts(db)
        response = client.request(method, path, json=body)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "READ_ONLY"
        assert _row_counts(db) == before


class TestCloneAndEdit:
    @pytest.fixture
    def own(self, client: TestClient) -> str:
        response = client.post(
            f"{BUILTIN}/clone", json={"slug": "onze-kaart", "name": "Onze waardenkaart"}
        )
        assert response.status_code == 201, response.text
        return "/api/v1/catalogues/onze-kaart"

    def test_clone_copies_everything(self, client: TestClient, own: str) -> None:
        body = client.get(own).json()
        assert body["builtin"] is False
        assert body["name"] == "Onze waardenkaart"
        assert _same_content(body, client.get(BUILTIN).json())

    def test_adds_a_cluster_and_a_value(self, client: TestClient, own: str) -> None:
        assert (
            client.post(
                f"{own}/clusters", json={"name": "Moed", "group": "sociaal", "description": "Durf."}
            ).status_code
            == 201
        )
        response = client.post(
            f"{own}/values",
            json={"name": "Lef", "cluster": "moed", "opvattingen": ["Ik durf nee te zeggen."]},
        )
        assert response.status_code == 201
        moed = next(c for c in response.json()["clusters"] if c["key"] == "moed")
        assert moed["values"][0]["opvattingen"] == ["Ik durf nee te zeggen."]

    def test_moves_a_value_to_another_cluster(self, client: TestClient, own: str) -> None:
        response = client.patch(f"{own}/values/privacy", json={"cluster": "gezag"})
        assert response.status_code == 200
        gezag = next(c for c in response.json()["clusters"] if c["key"] == "gezag")
        assert "privacy" in [v["key"] for v in gezag["values"]]

    def test_refuses_a_duplicate_value_name_and_writes_nothing(
        self, client: TestClient, own: str, db: Session
    ) -> None:
        before = _row_counts(db)
        response = client.post(
            f"{own}/values", json={"name": "privacy ", "cluster": "nut", "key": "privacy-2"}
        )
        assert response.status_code == 422
        assert "staat in twee clusters" in response.json()["error"]["problems"][0]["message"]
        assert _row_counts(db) == before

    def test_refuses_an_unknown_group(self, client: TestClient, own: str) -> None:
        response = client.patch(f"{own}/clusters/nut", json={"group": "spiritueel"})
        assert response.status_code == 422
        assert "onbekende groep" in response.json()["error"]["problems"][0]["message"]

    def test_edits_and_removes_opvattingen(self, client: TestClient, own: str) -> None:
        added = client.post(f"{own}/values/privacy/opvattingen", json={"text": "Mijn data."})
        assert added.status_code == 201
        privacy = _value(added.json(), "privacy")
        new_id = privacy["opvatting_ids"][-1]
        edited = client.patch(f"{own}/opvattingen/{new_id}", json={"text": "Mijn gegevens."})
        assert _value(edited.json(), "privacy")["opvattingen"][-1] == "Mijn gegevens."
        assert client.delete(f"{own}/opvattingen/{new_id}").status_code == 204
        assert "Mijn gegevens." not in _value(client.get(own).json(), "privacy")["opvattingen"]

    def test_a_cluster_with_values_cannot_be_deleted(self, client: TestClient, own: str) -> None:
        response = client.delete(f"{own}/clusters/nut")
        assert response.status_code == 409
        assert "Doeltreffendheid" in response.json()["error"]["message"]

    def test_an_empty_cluster_can_be_deleted(self, client: TestClient, own: str) -> None:
        client.post(f"{own}/clusters", json={"name": "Leeg", "group": "praktisch"})
        assert client.delete(f"{own}/clusters/leeg").status_code == 204

    def test_deletes_the_own_catalogue(self, client: TestClient, own: str) -> None:
        assert client.delete(own).status_code == 204
        assert client.get(own).status_code == 404

    @pytest.mark.parametrize(
        ("path", "what"),
        [("/api/v1/denksessies", "een denksessie"), ("/api/v1/trajects", "een traject")],
    )
    def test_a_catalogue_in_use_is_not_deleted(
        self, client: TestClient, own: str, db: Session, path: str, what: str
    ) -> None:
        made = client.post(path, json={"title": "Wijkteam Noord", "catalogue": "onze-kaart"})
        assert made.status_code == 201, made.text
        before = _row_counts(db)
        response = client.delete(own)
        assert response.status_code == 409
        error = response.json()["error"]
        assert error["code"] == "CATALOGUE_IN_USE"
        assert f"wordt gebruikt door {what}" in error["message"]
        assert _row_counts(db) == before
        assert client.get(own).status_code == 200

    def test_a_value_or_catalogue_on_a_principekaart_is_not_deleted(
        self, client: TestClient, own: str, db: Session
    ) -> None:
        _card_on(db, "onze-kaart", "privacy")
        before = _row_counts(db)
        refused = client.delete(f"{own}/values/privacy")
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "VALUE_IN_USE"
        assert "Privacy" in refused.json()["error"]["message"]
        document = yaml.safe_load(client.get(f"{own}/export").text)
        document["values"] = [v for v in document["values"] if v["key"] != "privacy"]
        replaced = client.put(own, json={**document, "name": "Zonder privacy"})
        assert replaced.status_code == 409
        assert replaced.json()["error"]["code"] == "VALUE_IN_USE"
        whole = client.delete(own)
        assert whole.status_code == 409
        assert "wordt gebruikt door een principekaart" in whole.json()["error"]["message"]
        assert _row_counts(db) == before
        assert client.get(own).json()["name"] == "Onze waardenkaart"
        assert client.delete(f"{own}/values/zelfbeschikking").status_code == 204

    def test_replace_keeps_ids_of_unchanged_values(
        self, client: TestClient, own: str, db: Session
    ) -> None:
        def own_value_id(key: str) -> int | None:
            return db.exec(
                select(CatalogueValue.id)
                .join(Catalogue, Catalogue.id == CatalogueValue.catalogue_id)  # type: ignore[arg-type]
                .where(Catalogue.slug == "onze-kaart", CatalogueValue.key == key)
            ).first()

        before = own_value_id("zelfbeschikking")
        document = yaml.safe_load(client.get(f"{own}/export").text)
        document["values"] = [v for v in document["values"] if v["key"] != "privacy"]
        response = client.put(own, json=document)
        assert response.status_code == 200, response.text
        keys = [v["key"] for c in response.json()["clusters"] for v in c["values"]]
        assert "privacy" not in keys
        assert len(keys) == 24
        assert before is not None
        assert own_value_id("zelfbeschikking") == before
        assert own_value_id("privacy") is None


def _card_on(db: Session, catalogue_slug: str, value_key: str) -> None:
    """A Principekaart of the catalogue's organisation with one value on it."""
    catalogue = db.exec(select(Catalogue).where(Catalogue.slug == catalogue_slug)).one()
    value = db.exec(
        select(CatalogueValue).where(
            CatalogueValue.catalogue_id == catalogue.id, CatalogueValue.key == value_key
        )
    ).one()
    assert catalogue.id is not None
    assert value.id is not None
    card = Principekaart(
        organisation_id=catalogue.organisation_id,
        catalogue_id=catalogue.id,
        slug="onze-principekaart",
        title="Onze principekaart",
        central_question="Wat leidt ons?",
    )
    db.add(card)
    db.flush()
    assert card.id is not None
    db.add(PrincipekaartValue(principekaart_id=card.id, value_id=value.id, headline="Ik..."))
    db.commit()


def _value(body: dict[str, Any], key: str) -> dict[str, Any]:
    return next(v for c in body["clusters"] for v in c["values"] if v["key"] == key)
