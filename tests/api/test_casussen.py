"""Casus library endpoints against the real PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from app.casussen.models import Casus


def _count(db: Session) -> int:
    return db.exec(select(func.count()).select_from(Casus)).one()


def _new_casus(**fields: Any) -> dict[str, Any]:
    return {
        "title": "Jan wil een scootmobiel",
        "situation": "Jan is 80 en loopt slecht. Hij wil zelf boodschappen doen.",
        "decision_question": "Ken je Jan een scootmobiel wel of niet toe?",
        "domain": "Wmo 2015",
        "values_in_tension": ["zelfbeschikking", "doeltreffendheid"],
        **fields,
    }


@pytest.fixture
def builtin_id(client: TestClient) -> int:
    casussen = client.get("/api/v1/casussen").json()
    angela = next(c for c in casussen if c["slug"] == "angela-thuiszorg")
    assert angela["builtin"] is True
    return int(angela["id"])


class TestReading:
    def test_lists_the_library(self, client: TestClient) -> None:
        casussen = client.get("/api/v1/casussen").json()
        assert len(casussen) >= 12
        assert {"title", "situation", "decision_question", "domain", "values_in_tension"} <= set(
            casussen[0]
        )

    def test_gets_one_casus(self, client: TestClient, builtin_id: int) -> None:
        casus = client.get(f"/api/v1/casussen/{builtin_id}").json()
        assert casus["title"].startswith("Angela")
        assert casus["source"]["seed"] == "000"

    def test_unknown_casus_is_404(self, client: TestClient) -> None:
        response = client.get("/api/v1/casussen/999999")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "NOT_FOUND"


class TestWriting:
    def test_creates_edits_and_deletes_an_own_casus(self, client: TestClient) -> None:
        created = client.post("/api/v1/casussen", json=_new_casus())
        assert created.status_code == 201, created.text
        casus = created.json()
        assert (casus["slug"], casus["builtin"]) == ("jan-wil-een-scootmobiel", False)
        edited = client.patch(f"/api/v1/casussen/{casus['id']}", json={"domain": "Wlz"})
        assert edited.json()["domain"] == "Wlz"
        assert client.delete(f"/api/v1/casussen/{casus['id']}").status_code == 204
        assert client.get(f"/api/v1/casussen/{casus['id']}").status_code == 404

    def test_an_edit_removes_the_source_with_null_and_keeps_it_when_left_out(
        self, client: TestClient
    ) -> None:
        source = {"seed": "", "document": "Eigen praktijk", "note": ""}
        casus = client.post("/api/v1/casussen", json=_new_casus(source=source)).json()
        kept = client.patch(f"/api/v1/casussen/{casus['id']}", json={"domain": "Wlz"}).json()
        assert kept["source"] == source
        removed = client.patch(f"/api/v1/casussen/{casus['id']}", json={"source": None}).json()
        assert removed["source"] is None

    def test_an_edit_to_an_unknown_catalogue_is_refused(self, client: TestClient) -> None:
        casus = client.post("/api/v1/casussen", json=_new_casus()).json()
        response = client.patch(f"/api/v1/casussen/{casus['id']}", json={"catalogue": "geen"})
        assert response.status_code == 422
        assert response.json()["error"]["problems"][0]["loc"] == "catalogue"

    def test_unknown_value_is_refused_and_nothing_written(
        self, client: TestClient, db: Session
    ) -> None:
        before = _count(db)
        response = client.post(
            "/api/v1/casussen", json=_new_casus(values_in_tension=["moed", "privacy"])
        )
        assert response.status_code == 422
        [problem] = response.json()["error"]["problems"]
        assert problem == {
            "loc": "values_in_tension.0",
            "message": "onbekende waarde 'moed' in 'waardenkaart-sociaal-domein'",
        }
        assert _count(db) == before

    def test_every_missing_field_is_named(self, client: TestClient) -> None:
        response = client.post("/api/v1/casussen", json={"title": ""})
        assert response.status_code == 422
        locs = {p["loc"] for p in response.json()["error"]["problems"]}
        assert locs == {"title", "situation", "decision_question", "domain"}

    def test_builtin_casus_is_read_only(
        self, client: TestClient, builtin_id: int, db: Session
    ) -> None:
        before = _count(db)
        assert client.patch(f"/api/v1/casussen/{builtin_id}", json={"title": "X"}).status_code == (
            403
        )
        assert client.delete(f"/api/v1/casussen/{builtin_id}").status_code == 403
        assert _count(db) == before

    def test_copies_a_builtin_casus_into_an_editable_one(
        self, client: TestClient, builtin_id: int
    ) -> None:
        copy = client.post(f"/api/v1/casussen/{builtin_id}/copy", json={})
        assert copy.status_code == 201
        body = copy.json()
        assert body["builtin"] is False
        assert body["slug"] == "angela-thuiszorg"
        again = client.post(f"/api/v1/casussen/{builtin_id}/copy", json={"title": "Angela 2"})
        assert again.json()["slug"] == "angela-thuiszorg-2"
        edit = client.patch(f"/api/v1/casussen/{body['id']}", json={"title": "Onze Angela"})
        assert edit.status_code == 200

    def test_a_long_title_gets_a_shortened_slug_not_an_error(self, client: TestClient) -> None:
        # 200 characters of title make a slug of about 120; the column holds 80.
        title = "Een heel lange titel over wonen zorg en werk " * 4 + "ja"
        first = client.post("/api/v1/casussen", json=_new_casus(title=title[:200]))
        second = client.post("/api/v1/casussen", json=_new_casus(title=title[:200]))
        assert (first.status_code, second.status_code) == (201, 201), second.text
        slug, again = first.json()["slug"], second.json()["slug"]
        assert len(slug) <= 80
        assert len(again) <= 80
        assert slug.startswith("een-heel-lange-titel")
        assert not slug.endswith("-")
        assert again == slug[: 80 - 2].rstrip("-") + "-2"
        assert first.json()["title"] == title[:200]
        exported = client.get("/api/v1/casussen/export", params={"own_only": True}).json()
        assert {slug, again} <= {casus["slug"] for casus in exported["casussen"]}

    def test_a_copy_of_a_casus_with_the_longest_slug_stays_within_it(
        self, client: TestClient
    ) -> None:
        longest = "a" * 80
        own = client.post("/api/v1/casussen", json=_new_casus(slug=longest)).json()
        copy = client.post(f"/api/v1/casussen/{own['id']}/copy", json={})
        assert copy.status_code == 201, copy.text
        assert copy.json()["slug"] == "a" * 78 + "-2"

    def test_a_slug_over_80_characters_is_a_clear_422(self, client: TestClient) -> None:
        response = client.post("/api/v1/casussen", json=_new_casus(slug="a" * 81))
        assert response.status_code == 422
        [problem] = response.json()["error"]["problems"]
        assert problem == {"loc": "slug", "message": "te lang (hoogstens 80 tekens)"}


class TestImportExport:
    def test_export_yaml_then_import_as_own(self, client: TestClient, db: Session) -> None:
        exported = client.get("/api/v1/casussen/export", params={"format": "yaml"})
        assert exported.status_code == 200
        document = yaml.safe_load(exported.text)
        assert len(document["casussen"]) >= 12
        before = _count(db)
        response = client.post(
            "/api/v1/casussen/import",
            content=exported.text.encode(),
            headers={"Content-Type": "application/yaml"},
        )
        assert response.status_code == 201, response.text
        assert _count(db) == before + len(document["casussen"])

    def test_broken_import_lists_every_problem_and_writes_nothing(
        self, client: TestClient, db: Session
    ) -> None:
        good = {**_new_casus(), "slug": "een"}
        document = {
            "format": "denksessie-casussen/1",
            "casussen": [
                good,
                {**good, "values_in_tension": ["onbekend"]},
                {**good, "slug": "twee", "values_in_tension": ["nergens"]},
            ],
        }
        before = _count(db)
        response = client.post("/api/v1/casussen/import", json=document)
        assert response.status_code == 422
        locs = [p["loc"] for p in response.json()["error"]["problems"]]
        assert locs == [
            "casussen.1.slug",
            "casussen.1.values_in_tension.0",
            "casussen.2.values_in_tension.0",
        ]
        assert _count(db) == before
