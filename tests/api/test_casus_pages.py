"""Writing casussen through the web pages (app/api/casus_pages.py) against the real PostgreSQL.

Forms are posted the way a browser posts them: urlencoded (or multipart for the import) with the
hidden ``csrf_token`` field, never the API's header.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.api.deps import CSRF_HEADER
from app.casussen.models import Casus
from tests.conftest import OtherOrganisation


def _count(db: Session) -> int:
    return db.exec(select(func.count()).select_from(Casus)).one()


def _as_browser(client: TestClient) -> str:
    """Take the CSRF header off (a native form has none) and return the token for the field."""
    token = client.headers.pop(CSRF_HEADER)
    assert token
    return str(token)


def _fields(**changes: Any) -> dict[str, Any]:
    return {
        "title": "Noor wil een taalcursus",
        "situation": (
            "Noor is 34 en woont twee jaar in Nederland.\nZe wil sneller Nederlands leren."
        ),
        "decision_question": "Ken je Noor een taalcursus wel of niet toe?",
        "domain": "Participatiewet",
        "catalogue": "waardenkaart-sociaal-domein",
        "values_in_tension": ["zelfbeschikking", "doeltreffendheid"],
        "tension": "",
        "source_document": "Eigen praktijk",
        "source_note": "Verzonnen voor een training.",
        **changes,
    }


def _post(client: TestClient, url: str, token: str, **fields: Any) -> Any:
    return client.post(url, data={"csrf_token": token, **fields}, follow_redirects=False)


def _own(db: Session, title: str) -> Casus:
    casus = db.exec(select(Casus).where(Casus.title == title)).first()
    assert casus is not None
    return casus


def _builtin_id(db: Session, slug: str = "angela-thuiszorg") -> int:
    casus = db.exec(select(Casus).where(Casus.slug == slug).order_by(col(Casus.id))).first()
    assert casus is not None
    assert casus.id is not None
    return casus.id


@pytest.fixture
def token(client: TestClient) -> str:
    return _as_browser(client)


class TestLibraryPage:
    def test_a_facilitator_is_offered_a_new_casus_and_an_import(self, client: TestClient) -> None:
        page = client.get("/casussen").text
        assert re.search(r'<a[^>]*href="/casussen/nieuw"[^>]*>Nieuwe casus</a>', page)
        assert 'href="/casussen/importeren"' in page
        assert 'action="/casussen/' in page  # "Kopieer" on the built-in casussen

    def test_an_anonymous_visitor_reads_without_any_way_to_change(
        self, anonymous_client: TestClient
    ) -> None:
        page = anonymous_client.get("/casussen").text
        assert "Angela" in page
        assert "Nieuwe casus" not in page
        assert "<form" not in page

    def test_a_viewer_reads_everything_without_forms_or_buttons(
        self, db: Session, other_organisation: OtherOrganisation
    ) -> None:
        _, viewer = other_organisation(role="viewer")
        listing = viewer.get("/casussen").text
        assert "Angela" in listing
        assert "Nieuwe casus" not in listing
        assert 'action="/casussen' not in listing
        detail = viewer.get(f"/casussen/{_builtin_id(db)}").text
        assert "Kopieer" not in detail
        assert "Bewerken" not in detail
        assert 'action="/casussen' not in detail
        assert "download?formaat=yaml" in detail  # reading includes downloading


class TestCreating:
    def test_the_form_offers_every_field_and_the_values_by_cluster(
        self, client: TestClient
    ) -> None:
        response = client.get("/casussen/nieuw")
        assert response.status_code == 200
        page = response.text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert csrf
        assert csrf.group(1) == client.headers[CSRF_HEADER]
        for name in ("title", "situation", "decision_question", "domain", "tension"):
            assert f'name="{name}"' in page
        assert 'placeholder="Ken je ... wel of niet toe?"' in page
        assert 'name="source_note"' in page
        assert page.count('name="values_in_tension"') >= 25  # the Waardenkaart's 25 values
        assert "<legend>Vrijheid</legend>" in page
        assert "<legend>Rechtvaardigheid</legend>" in page
        assert 'title="Voorbeeld: de casus op de telefoon van een deelnemer"' in page

    def test_a_filled_form_makes_an_own_casus_and_the_list_shows_it(
        self, client: TestClient, db: Session, token: str
    ) -> None:
        response = _post(client, "/casussen/nieuw", token, **_fields())
        assert response.status_code == 303
        casus = _own(db, "Noor wil een taalcursus")
        assert response.headers["location"] == f"/casussen?opgeslagen={casus.id}"
        assert casus.values_in_tension == ["zelfbeschikking", "doeltreffendheid"]
        assert casus.situation.splitlines()[1] == "Ze wil sneller Nederlands leren."
        assert casus.source == {
            "seed": "",
            "document": "Eigen praktijk",
            "note": "Verzonnen voor een training.",
        }
        listing = client.get(response.headers["location"]).text
        assert "Casus ‘Noor wil een taalcursus’ is opgeslagen." in listing
        assert f'href="/casussen/{casus.id}/bewerken"' in listing

    def test_a_refused_form_keeps_what_was_typed_and_says_what_is_wrong_where(
        self, client: TestClient, db: Session, token: str
    ) -> None:
        before = _count(db)
        response = _post(client, "/casussen/nieuw", token, **_fields(title="   ", domain=""))
        assert response.status_code == 422
        page = response.text
        assert _count(db) == before
        assert 'role="alert"' in page
        assert "De casus is niet geldig; er is niets opgeslagen." in page
        # the summary links to each field; the field says its problem and points at it
        assert '<a href="#f-title">Titel</a>: vul dit in' in page
        assert '<a href="#f-domain">Wet of regeling</a>: vul dit in' in page
        assert '<span class="field-problem" id="f-title-problem">vul dit in</span>' in page
        title_input = re.search(r'<input id="f-title"[^>]*>', page)
        assert title_input
        assert 'aria-invalid="true"' in title_input.group(0)
        assert "f-title-problem" in title_input.group(0)
        # what was typed is all still there
        assert "Noor is 34 en woont twee jaar in Nederland." in page
        assert 'value="Ken je Noor een taalcursus wel of niet toe?"' in page
        assert 'value="Eigen praktijk"' in page
        assert re.search(r'value="zelfbeschikking" checked', page)
        assert not re.search(r'value="privacy" checked', page)

    def test_an_unknown_value_is_named_next_to_the_values(
        self, client: TestClient, db: Session, token: str
    ) -> None:
        before = _count(db)
        fields = _fields(values_in_tension=["zelfbeschikking", "bestaat-niet"])
        response = _post(client, "/casussen/nieuw", token, **fields)
        assert response.status_code == 422
        assert _count(db) == before
        assert "onbekende waarde &#39;bestaat-niet&#39;" in response.text
        assert 'id="f-values_in_tension-problem"' in response.text

    def test_the_refusal_is_in_english_when_asked(self, client: TestClient, token: str) -> None:
        response = _post(client, "/casussen/nieuw?lang=en", token, **_fields(title=""))
        assert response.status_code == 422
        assert "Title</a>: fill this in" in response.text
        assert "New case" in response.text


class TestEditingCopyingDeleting:
    def _made(self, client: TestClient, db: Session, token: str, **changes: Any) -> Casus:
        assert _post(client, "/casussen/nieuw", token, **_fields(**changes)).status_code == 303
        return _own(db, changes.get("title", "Noor wil een taalcursus"))

    def test_the_edit_form_is_prefilled_and_saves_the_change(
        self, client: TestClient, db: Session, token: str
    ) -> None:
        casus = self._made(client, db, token)
        page = client.get(f"/casussen/{casus.id}/bewerken").text
        assert 'value="Noor wil een taalcursus"' in page
        assert re.search(r'value="doeltreffendheid" checked', page)
        changed = _fields(
            title="Noor wil een betere taalcursus",
            values_in_tension=["zelfbeschikking"],
            source_document="",
            source_note="",
        )
        response = _post(client, f"/casussen/{casus.id}/bewerken", token, **changed)
        assert response.status_code == 303
        db.refresh(casus)
        assert casus.title == "Noor wil een betere taalcursus"
        assert casus.values_in_tension == ["zelfbeschikking"]
        assert casus.source is None

    def test_a_refused_edit_changes_nothing_and_keeps_the_typing(
        self, client: TestClient, db: Session, token: str
    ) -> None:
        casus = self._made(client, db, token)
        fields = _fields(title="Nieuwe titel", situation="")
        response = _post(client, f"/casussen/{casus.id}/bewerken", token, **fields)
        assert response.status_code == 422
        assert 'value="Nieuwe titel"' in response.text
        assert '<a href="#f-situation">Het verhaal</a>: vul dit in' in response.text
        db.refresh(casus)
        assert casus.title == "Noor wil een taalcursus"

    def test_typed_markup_stays_text_in_the_form_and_in_the_previews(
        self, client: TestClient, db: Session, token: str
    ) -> None:
        title = '"><script>alert(1)</script>'
        casus = self._made(client, db, token, title=title)
        page = client.get(f"/casussen/{casus.id}/bewerken").text
        assert "<script>alert" not in page
        frames = re.findall(r'srcdoc="([^"]*)"', page)
        assert len(frames) == 2
        for frame in frames:  # the document the browser makes of the attribute
            document = html.unescape(frame)
            assert "<script>alert" not in document
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document

    def test_a_builtin_casus_cannot_be_edited_but_copied(
        self, client: TestClient, db: Session, token: str
    ) -> None:
        builtin = _builtin_id(db)
        assert client.get(f"/casussen/{builtin}/bewerken").status_code == 403
        assert _post(client, f"/casussen/{builtin}/bewerken", token, **_fields()).status_code == 403
        detail = client.get(f"/casussen/{builtin}").text
        assert ">Kopieer</button>" in detail
        response = _post(client, f"/casussen/{builtin}/kopieer", token)
        assert response.status_code == 303
        copy_id = int(response.headers["location"].split("/")[2])
        copy = db.get(Casus, copy_id)
        assert copy is not None
        assert copy.title.startswith("Angela")
        assert copy.id != builtin
        form = client.get(response.headers["location"]).text
        assert "Dit is je eigen kopie." in form
        assert 'value="Angela wil thuis blijven wonen"' in form

    def test_delete_asks_first_then_deletes(
        self, client: TestClient, db: Session, token: str
    ) -> None:
        casus = self._made(client, db, token)
        confirm = client.get(f"/casussen/{casus.id}/verwijderen").text
        assert "Weet je zeker dat je casus ‘Noor wil een taalcursus’ wilt verwijderen?" in confirm
        response = _post(client, f"/casussen/{casus.id}/verwijderen", token)
        assert response.status_code == 303
        assert db.get(Casus, casus.id) is None
        listing = client.get(response.headers["location"]).text
        assert "De casus is verwijderd." in listing
        assert "Noor wil een taalcursus" not in listing

    def test_delete_is_refused_while_a_denksessie_uses_the_casus(
        self, client: TestClient, db: Session, token: str
    ) -> None:
        casus = self._made(client, db, token)
        made = client.post(
            "/api/v1/denksessies",
            json={"title": "Training maart", "casus_ids": [casus.id]},
            headers={CSRF_HEADER: token},
        )
        assert made.status_code == 201, made.text
        confirm = client.get(f"/casussen/{casus.id}/verwijderen").text
        assert "Deze casus kan niet weg" in confirm
        assert "Training maart" in confirm
        assert "Ja, verwijder" not in confirm
        response = _post(client, f"/casussen/{casus.id}/verwijderen", token)
        assert response.status_code == 409
        assert (
            "Casus &#39;Noor wil een taalcursus&#39; wordt gebruikt in een of meer denksessies "
            "(&#39;Training maart&#39;) en kan niet worden verwijderd; er is niets verwijderd."
        ) in response.text
        assert db.get(Casus, casus.id) is not None
        api = client.delete(f"/api/v1/casussen/{casus.id}?lang=en", headers={CSRF_HEADER: token})
        assert api.status_code == 409
        error = api.json()["error"]
        assert error["code"] == "CASUS_IN_USE"
        assert error["message"].startswith("Case 'Noor wil een taalcursus' is used in")


class TestImportExport:
    def test_a_casus_downloads_as_json_and_yaml_that_import_reads_back(
        self, client: TestClient, db: Session, token: str
    ) -> None:
        builtin = _builtin_id(db)
        as_json = client.get(f"/casussen/{builtin}/download?formaat=json")
        assert as_json.status_code == 200
        assert (
            as_json.headers["content-disposition"]
            == 'attachment; filename="casus-angela-thuiszorg.json"'
        )
        document = json.loads(as_json.text)
        assert document["format"] == "denksessie-casussen/1"
        assert [c["slug"] for c in document["casussen"]] == ["angela-thuiszorg"]
        as_yaml = client.get(f"/casussen/{builtin}/download?formaat=yaml")
        assert yaml.safe_load(as_yaml.text) == document
        before = _count(db)
        response = client.post(
            "/casussen/importeren",
            data={"csrf_token": token},
            files={"bestand": ("angela.yaml", as_yaml.content, "application/yaml")},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        assert _count(db) == before + 1
        assert "1 casus is geïmporteerd." in client.get(response.headers["location"]).text

    def test_a_broken_file_lists_every_problem_and_stores_nothing(
        self, client: TestClient, db: Session, token: str
    ) -> None:
        document = {
            "format": "denksessie-casussen/1",
            "casussen": [
                {**_fields(), "slug": "noor", "source": None, "values_in_tension": ["nee"]},
                {"slug": "noor", "title": ""},
            ],
        }
        for key in ("source_document", "source_note"):
            document["casussen"][0].pop(key)  # type: ignore[attr-defined]
        before = _count(db)
        response = client.post(
            "/casussen/importeren",
            data={"csrf_token": token},
            files={"bestand": ("noor.json", json.dumps(document).encode(), "application/json")},
        )
        assert response.status_code == 422
        assert _count(db) == before
        assert "Het casusbestand is niet geldig; er is niets opgeslagen." in response.text
        assert "Casus 2 · title" in response.text  # where, counted from 1
        assert "Casus 2 · situation: verplicht veld ontbreekt" in response.text
        assert 'aria-invalid="true"' in response.text

    def test_no_file_or_not_a_file_is_said_plainly(
        self, client: TestClient, db: Session, token: str
    ) -> None:
        empty = client.post(
            "/casussen/importeren",
            data={"csrf_token": token},
            files={"bestand": ("", b"", "application/octet-stream")},
        )
        assert empty.status_code == 422
        assert "kies een bestand (JSON of YAML)" in empty.text
        broken = client.post(
            "/casussen/importeren",
            data={"csrf_token": token},
            files={"bestand": ("x.yaml", b"casussen: [", "application/yaml")},
        )
        assert broken.status_code == 422
        assert "Het bestand is geen geldige YAML; er is niets opgeslagen." in broken.text


class TestUploadLimits:
    def test_the_import_form_has_the_apis_upload_limit_not_the_form_limit(
        self, client: TestClient, token: str
    ) -> None:
        """1.5 MB: over the 1 MB of an ordinary form, within the 2 MB of an upload."""
        big = json.dumps({"format": "denksessie-casussen/1", "casussen": [], "x": "a" * 1_500_000})
        response = client.post(
            "/casussen/importeren",
            data={"csrf_token": token},
            files={"bestand": ("groot.json", big.encode(), "application/json")},
        )
        assert response.status_code == 422  # read and judged: an unknown field, nothing stored
        assert "onbekend veld" in response.text
        too_big = client.post(
            "/casussen/importeren",
            data={"csrf_token": token},
            files={"bestand": ("te-groot.json", b"a" * 2_100_000, "application/json")},
        )
        assert too_big.status_code == 413


class TestRefusals:
    def test_a_viewer_gets_no_form_and_every_post_is_refused(
        self, db: Session, other_organisation: OtherOrganisation
    ) -> None:
        _, viewer = other_organisation(role="viewer")
        token = _as_browser(viewer)
        before = _count(db)
        assert viewer.get("/casussen/nieuw").status_code == 403
        assert viewer.get("/casussen/importeren").status_code == 403
        builtin = _builtin_id(db)
        base = f"/casussen/{builtin}"  # a viewer is refused before the casus is looked at
        for url in (
            "/casussen/nieuw",
            f"{base}/kopieer",
            f"{base}/bewerken",
            f"{base}/verwijderen",
        ):
            response = _post(viewer, url, token, **_fields())
            assert response.status_code == 403, url
        upload = viewer.post(
            "/casussen/importeren",
            data={"csrf_token": token},
            files={"bestand": ("a.json", b"{}", "application/json")},
        )
        assert upload.status_code == 403
        assert _count(db) == before

    def test_a_form_without_the_csrf_token_is_refused(
        self, client: TestClient, db: Session, token: str
    ) -> None:
        before = _count(db)
        response = client.post("/casussen/nieuw", data=_fields(), follow_redirects=False)
        assert response.status_code == 403
        assert _count(db) == before
        wrong = _post(client, "/casussen/nieuw", "not-the-token", **_fields())
        assert wrong.status_code == 403
        upload = client.post(
            "/casussen/importeren",
            files={"bestand": ("a.json", b"{}", "application/json")},
        )
        assert upload.status_code == 403
        assert _count(db) == before

    def test_another_organisations_casus_is_not_found(
        self, client: TestClient, db: Session, token: str, other_organisation: OtherOrganisation
    ) -> None:
        _, other = other_organisation()
        other_token = _as_browser(other)
        assert _post(other, "/casussen/nieuw", other_token, **_fields()).status_code == 303
        theirs = _own(db, "Noor wil een taalcursus")
        assert client.get(f"/casussen/{theirs.id}").status_code == 404
        assert client.get(f"/casussen/{theirs.id}/bewerken").status_code == 404
        assert _post(client, f"/casussen/{theirs.id}/verwijderen", token).status_code == 404
