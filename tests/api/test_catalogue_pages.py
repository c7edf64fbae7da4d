"""Catalogue authoring through the web pages: native forms with the login's CSRF token.

Every post goes as a browser sends it (urlencoded, or multipart for a file) with the token in the
hidden field and no header, and each test checks what a facilitator would see afterwards: the
page, the catalogue as the API reads it, or that nothing changed.
"""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from app.api.deps import CSRF_HEADER
from app.catalogue.models import Catalogue, CatalogueCluster, CatalogueValue, Opvatting
from tests.api.test_catalogues import _card_on
from tests.catalogue.factories import catalogue_document
from tests.conftest import OtherOrganisation

BUILTIN = "waardenkaart-sociaal-domein"
OWN = "/catalogi/onze-kaart"
OWN_API = "/api/v1/catalogues/onze-kaart"


def _row_counts(db: Session) -> tuple[int, ...]:
    return tuple(
        db.exec(select(func.count()).select_from(model)).one()
        for model in (Catalogue, CatalogueCluster, CatalogueValue, Opvatting)
    )


class Browser:
    """A logged-in client that posts forms like a browser: token in the form, no header."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.token = client.headers.pop(CSRF_HEADER)

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, str] | None = None, **kwargs: Any) -> Any:
        return self.client.post(
            url, data={"csrf_token": self.token, **(data or {})}, follow_redirects=False, **kwargs
        )

    def upload(self, url: str, name: str, content: str) -> Any:
        return self.client.post(
            url,
            data={"csrf_token": self.token},
            files={"bestand": (name, content.encode(), "application/octet-stream")},
            follow_redirects=False,
        )

    def catalogue(self, slug: str = "onze-kaart") -> dict[str, Any]:
        response = self.client.get(f"/api/v1/catalogues/{slug}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def values_of(self, cluster: str) -> list[str]:
        [found] = [c for c in self.catalogue()["clusters"] if c["key"] == cluster]
        return [value["key"] for value in found["values"]]


@pytest.fixture
def browser(client: TestClient) -> Browser:
    return Browser(client)


@pytest.fixture
def own(browser: Browser) -> Browser:
    """The Waardenkaart copied as 'Onze kaart' through its page."""
    response = browser.post(f"/catalogi/{BUILTIN}/kopie", {"name": "Onze kaart"})
    assert response.status_code == 303, response.text
    return browser


def _text(html: str) -> str:
    """The page's text without tags, spaces folded, to find sentences split by markup."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


class TestCopy:
    def test_the_waardenkaart_offers_the_copy_button(self, browser: Browser) -> None:
        page = browser.get("/waardenkaart")
        assert page.status_code == 200
        assert ">Kopieer naar eigen catalogus</button>" in page.text
        assert 'href="/catalogi"' in page.text

    def test_a_visitor_without_login_sees_no_copy_button(
        self, anonymous_client: TestClient
    ) -> None:
        page = anonymous_client.get("/waardenkaart")
        assert page.status_code == 200
        assert "Kopieer naar eigen catalogus" not in page.text

    def test_copies_and_opens_the_editor(self, browser: Browser) -> None:
        response = browser.post(f"/catalogi/{BUILTIN}/kopie", {"name": "Onze kaart"})
        assert response.status_code == 303
        assert response.headers["location"] == "/catalogi/onze-kaart/bewerken?klaar=copied"
        editor = browser.get(response.headers["location"])
        assert "De kopie is gemaakt" in editor.text
        copy = browser.catalogue()
        assert (copy["name"], copy["builtin"]) == ("Onze kaart", False)
        assert sum(len(c["values"]) for c in copy["clusters"]) == 25

    def test_a_second_copy_with_the_same_name_gets_its_own_address(self, own: Browser) -> None:
        response = own.post(f"/catalogi/{BUILTIN}/kopie", {"name": "Onze kaart"})
        assert response.headers["location"].startswith("/catalogi/onze-kaart-2/bewerken")

    def test_without_a_name_nothing_is_made_and_the_page_says_why(
        self, browser: Browser, db: Session
    ) -> None:
        before = _row_counts(db)
        response = browser.post(f"/catalogi/{BUILTIN}/kopie", {"name": "  "})
        assert response.status_code == 422
        assert "de naam van de catalogus is leeg" in response.text
        assert 'role="alert"' in response.text
        assert _row_counts(db) == before

    def test_the_list_shows_own_and_builtin_catalogues(self, own: Browser) -> None:
        page = own.get("/catalogi")
        assert page.status_code == 200
        assert 'href="/catalogi/onze-kaart/bewerken">Onze kaart</a>' in page.text
        assert f'href="/catalogi/{BUILTIN}"' in page.text

    def test_the_console_links_to_the_list(self, browser: Browser) -> None:
        assert 'href="/catalogi"' in browser.get("/console").text


class TestValues:
    def test_adds_a_value_with_opvattingen(self, own: Browser) -> None:
        response = own.post(
            f"{OWN}/waarden",
            {"name": "Lef", "cluster": "vrijheid", "opvattingen": "Ik durf.\n\nIk zeg nee."},
        )
        assert response.status_code == 303
        assert response.headers["location"].endswith("?klaar=value-added#waarde-lef")
        [lef] = [v for c in own.catalogue()["clusters"] for v in c["values"] if v["key"] == "lef"]
        assert (lef["cluster"], lef["opvattingen"]) == ("vrijheid", ["Ik durf.", "Ik zeg nee."])
        assert own.values_of("vrijheid")[-1] == "lef"

    def test_renames_a_value_and_keeps_its_key(self, own: Browser) -> None:
        response = own.post(
            f"{OWN}/waarden/privacy", {"name": "Persoonlijke levenssfeer", "cluster": "vrijheid"}
        )
        assert response.status_code == 303
        [value] = [
            v for c in own.catalogue()["clusters"] for v in c["values"] if v["key"] == "privacy"
        ]
        assert value["name"] == "Persoonlijke levenssfeer"

    def test_moves_a_value_to_the_end_of_another_cluster(self, own: Browser) -> None:
        assert "privacy" in own.values_of("vrijheid")
        response = own.post(f"{OWN}/waarden/privacy", {"name": "Privacy", "cluster": "empathie"})
        assert response.status_code == 303
        assert "privacy" not in own.values_of("vrijheid")
        assert own.values_of("empathie")[-1] == "privacy"

    def test_moves_a_value_up_and_down_within_its_cluster(self, own: Browser) -> None:
        first, second, *rest = own.values_of("vrijheid")
        up = own.post(f"{OWN}/waarden/{second}/verplaatsen", {"direction": "up"})
        assert up.status_code == 303
        assert up.headers["location"].endswith(f"?klaar=value-moved#waarde-{second}")
        assert own.values_of("vrijheid") == [second, first, *rest]
        own.post(f"{OWN}/waarden/{second}/verplaatsen", {"direction": "down"})
        assert own.values_of("vrijheid") == [first, second, *rest]

    def test_the_first_value_cannot_go_higher(self, own: Browser) -> None:
        order = own.values_of("vrijheid")
        own.post(f"{OWN}/waarden/{order[0]}/verplaatsen", {"direction": "up"})
        assert own.values_of("vrijheid") == order

    def test_the_move_buttons_name_their_value_for_screen_readers(self, own: Browser) -> None:
        page = own.get(f"{OWN}/bewerken")
        assert 'Lager<span class="sr-only">: Zelfbeschikking</span>' in page.text
        assert 'id="waarde-zelfbeschikking"' in page.text

    def test_deletes_a_value(self, own: Browser) -> None:
        response = own.post(f"{OWN}/waarden/privacy/verwijderen")
        assert response.status_code == 303
        assert "privacy" not in own.values_of("vrijheid")

    def test_a_refused_value_writes_nothing_and_keeps_what_was_typed(
        self, own: Browser, db: Session
    ) -> None:
        before = _row_counts(db)
        response = own.post(
            f"{OWN}/waarden",
            {"name": "privacy", "cluster": "empathie", "opvattingen": "Mijn eigen zin."},
        )
        assert response.status_code == 409
        assert "Er is al een waarde met deze naam" in _text(response.text)
        assert "Mijn eigen zin.</textarea>" in response.text
        assert 'value="privacy"' in response.text
        assert _row_counts(db) == before

    def test_a_value_name_used_twice_is_refused_with_the_validators_words(
        self, own: Browser, db: Session
    ) -> None:
        before = _row_counts(db)
        response = own.post(f"{OWN}/waarden/compassie", {"name": "Privacy", "cluster": "empathie"})
        assert response.status_code == 422
        text = _text(response.text)
        assert "De catalogus is niet geldig; er is niets opgeslagen." in text
        assert "waarde 'Privacy' staat in twee clusters: 'Vrijheid' en 'Empathie'" in text
        assert _row_counts(db) == before
        [compassie] = [c for c in own.catalogue()["clusters"] if c["key"] == "empathie"]
        assert [v["name"] for v in compassie["values"]] == ["Menselijkheid", "Compassie"]

    def test_an_empty_value_name_names_the_problem_once(self, own: Browser) -> None:
        response = own.post(f"{OWN}/waarden", {"name": "", "cluster": "empathie"})
        assert response.status_code == 422
        assert "de naam van de waarde is leeg" in response.text
        assert "kleine letters" not in response.text

    def test_a_too_long_name_says_which_field(self, own: Browser) -> None:
        response = own.post(f"{OWN}/waarden", {"name": "x" * 130, "cluster": "empathie"})
        assert response.status_code == 422
        assert "Naam: te lang (hoogstens 120 tekens)" in response.text


class TestOpvattingen:
    def _ids(self, own: Browser, key: str) -> list[int]:
        return [
            i
            for c in own.catalogue()["clusters"]
            for v in c["values"]
            if v["key"] == key
            for i in v["opvatting_ids"]
        ]

    def _texts(self, own: Browser, key: str) -> list[str]:
        texts: list[str]
        [texts] = [
            v["opvattingen"]
            for c in own.catalogue()["clusters"]
            for v in c["values"]
            if v["key"] == key
        ]
        return texts

    def test_adds_edits_and_deletes_an_opvatting(self, own: Browser) -> None:
        page = own.get(f"{OWN}/waarden/privacy")
        assert page.status_code == 200
        added = own.post(f"{OWN}/waarden/privacy/opvattingen", {"text": "Mijn data is van mij."})
        assert added.status_code == 303
        assert self._texts(own, "privacy")[-1] == "Mijn data is van mij."
        new_id = self._ids(own, "privacy")[-1]
        edited = own.post(f"{OWN}/opvattingen/{new_id}", {"text": "Mijn gegevens zijn van mij."})
        assert edited.status_code == 303
        assert self._texts(own, "privacy")[-1] == "Mijn gegevens zijn van mij."
        deleted = own.post(f"{OWN}/opvattingen/{new_id}/verwijderen")
        assert deleted.status_code == 303
        assert "Mijn gegevens zijn van mij." not in self._texts(own, "privacy")

    def test_an_empty_opvatting_is_refused_on_the_value_page(self, own: Browser) -> None:
        before = self._texts(own, "privacy")
        response = own.post(f"{OWN}/waarden/privacy/opvattingen", {"text": "   "})
        assert response.status_code == 422
        assert "lege opvatting bij waarde 'Privacy'" in _text(response.text)
        assert self._texts(own, "privacy") == before


class TestClusters:
    def test_adds_edits_and_deletes_a_cluster(self, own: Browser) -> None:
        added = own.post(
            f"{OWN}/clusters", {"name": "Moed", "group": "sociaal", "description": "Durven."}
        )
        assert added.status_code == 303
        assert added.headers["location"].endswith("#cluster-moed")
        edited = own.post(
            f"{OWN}/clusters/moed", {"name": "Lef", "group": "ideeel", "description": "Durf."}
        )
        assert edited.status_code == 303
        [moed] = [c for c in own.catalogue()["clusters"] if c["key"] == "moed"]
        assert (moed["name"], moed["group"], moed["description"]) == ("Lef", "ideeel", "Durf.")
        assert own.post(f"{OWN}/clusters/moed/verwijderen").status_code == 303
        assert "moed" not in [c["key"] for c in own.catalogue()["clusters"]]

    def test_a_cluster_with_values_is_not_deleted(self, own: Browser, db: Session) -> None:
        before = _row_counts(db)
        response = own.post(f"{OWN}/clusters/vrijheid/verwijderen")
        assert response.status_code == 409
        assert "bevat nog waarden" in response.text
        assert _row_counts(db) == before

    def test_an_unknown_group_is_refused_and_the_form_stays_open(self, own: Browser) -> None:
        response = own.post(f"{OWN}/clusters/vrijheid", {"name": "Vrijheid!", "group": "kosmisch"})
        assert response.status_code == 422
        assert "onbekende groep 'kosmisch'" in _text(response.text)
        assert 'value="Vrijheid!"' in response.text
        assert '<details class="edit-details" open>' in response.text
        [vrijheid] = [c for c in own.catalogue()["clusters"] if c["key"] == "vrijheid"]
        assert vrijheid["name"] == "Vrijheid"

    def test_saves_name_and_description(self, own: Browser) -> None:
        response = own.post(f"{OWN}/gegevens", {"name": "Kaart van Noord", "description": "Ons."})
        assert response.status_code == 303
        assert own.catalogue()["name"] == "Kaart van Noord"


class TestInUse:
    def _denksessie_with_round(self, own: Browser, config: dict[str, Any], kind: str) -> None:
        made = own.client.post(
            "/api/v1/denksessies",
            json={"title": "Wijkteam Noord", "catalogue": "onze-kaart"},
            headers={CSRF_HEADER: own.token},
        )
        assert made.status_code == 201, made.text
        added = own.client.post(
            f"/api/v1/denksessies/{made.json()['id']}/rounds",
            json={"kind": kind, "title": "Ronde", "config": config},
            headers={CSRF_HEADER: own.token},
        )
        assert added.status_code == 201, added.text

    def test_a_value_a_round_names_is_not_deleted(self, own: Browser, db: Session) -> None:
        self._denksessie_with_round(own, {"candidates": ["privacy", "compassie"]}, "ranking")
        before = _row_counts(db)
        response = own.post(f"{OWN}/waarden/privacy/verwijderen")
        assert response.status_code == 409
        assert "Privacy worden gebruikt in denksessie 'Wijkteam Noord'" in _text(response.text)
        assert _row_counts(db) == before
        assert "privacy" in own.values_of("vrijheid")
        assert own.post(f"{OWN}/waarden/zelfbeschikking/verwijderen").status_code == 303

    def test_the_api_gives_the_same_409_in_english(self, own: Browser) -> None:
        self._denksessie_with_round(own, {"value_key": "privacy"}, "principle")
        response = own.client.delete(
            f"{OWN_API}/values/privacy?lang=en", headers={CSRF_HEADER: own.token}
        )
        assert response.status_code == 409
        error = response.json()["error"]
        assert error["code"] == "VALUE_IN_USE"
        assert "used in denksessie 'Wijkteam Noord'" in error["message"]

    def test_a_value_in_use_is_marked_and_offers_no_delete_button(self, own: Browser) -> None:
        self._denksessie_with_round(own, {"candidates": ["privacy", "compassie"]}, "ranking")
        page = own.get(f"{OWN}/waarden/privacy")
        assert "Daarom kan ze niet weg" in page.text
        assert "Verwijder deze waarde" not in page.text

    def test_a_replacing_file_cannot_drop_a_value_in_use(self, own: Browser, db: Session) -> None:
        self._denksessie_with_round(own, {"candidates": ["privacy", "compassie"]}, "ranking")
        document = yaml.safe_load(own.get(f"{OWN_API}/export?format=yaml").text)
        document["values"] = [v for v in document["values"] if v["key"] != "privacy"]
        before = _row_counts(db)
        response = own.upload(f"{OWN}/vervangen", "kaart.yaml", yaml.safe_dump(document))
        assert response.status_code == 409
        assert "wordt gebruikt" in response.text or "worden gebruikt" in response.text
        assert _row_counts(db) == before

    def test_a_value_on_a_principekaart_is_not_deleted(self, own: Browser, db: Session) -> None:
        _card_on(db, "onze-kaart", "privacy")
        response = own.post(f"{OWN}/waarden/privacy/verwijderen")
        assert response.status_code == 409
        assert "staan op principekaart 'Onze principekaart'" in _text(response.text)

    def test_a_catalogue_in_use_is_not_deleted(self, own: Browser, db: Session) -> None:
        self._denksessie_with_round(own, {"candidates": ["privacy", "compassie"]}, "ranking")
        confirm = own.get(f"{OWN}/verwijderen")
        assert confirm.status_code == 200
        assert "Ja, verwijder deze catalogus" in confirm.text
        before = _row_counts(db)
        response = own.post(f"{OWN}/verwijderen")
        assert response.status_code == 409
        assert "wordt gebruikt door een denksessie" in response.text
        assert _row_counts(db) == before

    def test_a_catalogue_not_in_use_is_deleted_after_confirmation(self, own: Browser) -> None:
        response = own.post(f"{OWN}/verwijderen")
        assert response.status_code == 303
        assert response.headers["location"] == "/catalogi?klaar=deleted"
        assert own.client.get(OWN_API).status_code == 404


class TestFiles:
    def test_imports_a_yaml_file_as_a_new_catalogue(self, browser: Browser) -> None:
        response = browser.upload("/catalogi", "waarden.yaml", yaml.safe_dump(catalogue_document()))
        assert response.status_code == 303
        assert response.headers["location"] == "/catalogi/eigen-waarden/bewerken?klaar=imported"
        assert browser.catalogue("eigen-waarden")["name"] == "Eigen waarden"

    def test_a_broken_file_names_every_problem_and_stores_nothing(
        self, browser: Browser, db: Session
    ) -> None:
        document = catalogue_document(
            values=[
                {"key": "regie", "name": "Regie", "cluster": "nergens"},
                {"key": "eenvoud", "name": "", "cluster": "nut"},
            ]
        )
        before = _row_counts(db)
        response = browser.upload("/catalogi", "waarden.json", json.dumps(document))
        assert response.status_code == 422
        text = _text(response.text)
        assert "verwijst naar onbekend cluster 'nergens'" in text
        assert "de naam van de waarde is leeg" in text
        assert _row_counts(db) == before

    def test_a_file_that_is_no_json_is_refused(self, browser: Browser) -> None:
        response = browser.upload("/catalogi", "waarden.json", "{niet af")
        assert response.status_code == 422
        assert "geen geldige JSON" in response.text

    def test_a_file_over_the_body_limit_gets_the_upload_limit(self, browser: Browser) -> None:
        """1.5 MB: more than a form body may be (1 MB), less than an upload (2 MB)."""
        response = browser.upload("/catalogi", "waarden.json", "x" * 1_500_000)
        assert response.status_code == 422
        assert "geen geldige JSON" in response.text

    def test_replaces_an_own_catalogue_from_a_file(self, own: Browser) -> None:
        document = json.loads(own.get(f"{OWN_API}/export?format=json").text)
        document["name"] = "Uit een bestand"
        response = own.upload(f"{OWN}/vervangen", "kaart.json", json.dumps(document))
        assert response.status_code == 303
        assert own.catalogue()["name"] == "Uit een bestand"

    @pytest.mark.parametrize("fmt", ["json", "yaml"])
    def test_the_editor_links_the_downloads_and_they_read_back(
        self, own: Browser, fmt: str
    ) -> None:
        link = f"{OWN_API}/export?format={fmt}"
        assert f'href="{link}"' in own.get(f"{OWN}/bewerken").text
        download = own.get(link)
        assert download.status_code == 200
        assert "attachment" in download.headers["content-disposition"]
        document = yaml.safe_load(download.text)  # JSON is YAML too
        assert document["name"] == "Onze kaart"
        assert len(document["values"]) == 25


class TestWhoMay:
    def test_a_viewer_reads_but_is_refused_every_change(
        self, own: Browser, db: Session, other_organisation: OtherOrganisation
    ) -> None:
        organisation, _ = other_organisation("organisatie-b", role="owner")
        _, viewer_client = other_organisation("organisatie-b", role="viewer")
        viewer = Browser(viewer_client)
        made = viewer.get(f"/catalogi/{BUILTIN}")
        assert made.status_code == 200
        assert "Kopieer naar eigen catalogus" not in made.text
        refused = viewer.post(f"/catalogi/{BUILTIN}/kopie", {"name": "Van de kijker"})
        assert refused.status_code == 403
        assert (
            db.exec(select(Catalogue).where(Catalogue.organisation_id == organisation.id)).all()
            == []
        )

    def test_a_viewer_sees_the_editor_without_forms(
        self, own: Browser, db: Session, demo_owner: Any, running_app: TestClient
    ) -> None:
        from tests.conftest import log_in, make_account, sharing

        account = make_account(db, demo_owner.organisation, email="kijker@demo.test", role="viewer")
        viewer = Browser(log_in(db, sharing(running_app), account))
        page = viewer.get(f"{OWN}/bewerken")
        assert page.status_code == 200
        assert "Je kunt deze catalogus alleen bekijken." in page.text
        assert "<form" not in page.text.split("</header>", 1)[1]
        refused = viewer.post(f"{OWN}/waarden/privacy/verwijderen")
        assert refused.status_code == 403
        assert "privacy" in own.values_of("vrijheid")

    def test_another_organisation_cannot_open_the_editor(
        self, own: Browser, other_organisation: OtherOrganisation
    ) -> None:
        _, stranger = other_organisation("organisatie-c")
        assert stranger.get(f"{OWN}/bewerken").status_code == 404

    def test_the_builtin_waardenkaart_has_no_editor(self, browser: Browser) -> None:
        assert browser.get(f"/catalogi/{BUILTIN}/bewerken").status_code == 403

    def test_a_form_without_csrf_token_is_refused(self, own: Browser, db: Session) -> None:
        before = _row_counts(db)
        response = own.client.post(
            f"{OWN}/waarden/privacy/verwijderen", data={}, follow_redirects=False
        )
        assert response.status_code == 403
        assert _row_counts(db) == before

    def test_a_file_without_csrf_token_is_refused(self, browser: Browser, db: Session) -> None:
        before = _row_counts(db)
        response = browser.client.post(
            "/catalogi",
            files={"bestand": ("w.yaml", yaml.safe_dump(catalogue_document()).encode())},
            follow_redirects=False,
        )
        assert response.status_code == 403
        assert _row_counts(db) == before

    def test_a_visitor_without_login_is_sent_to_the_login(
        self, anonymous_client: TestClient
    ) -> None:
        response = anonymous_client.get(
            "/catalogi", headers={"accept": "text/html"}, follow_redirects=False
        )
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")


class TestEnglish:
    def test_the_editor_speaks_english(self, own: Browser) -> None:
        page = own.get(f"{OWN}/bewerken?lang=en")
        assert "Add a value" in page.text
        assert "Move up" in page.text

    def test_a_refusal_is_worded_in_english(self, own: Browser) -> None:
        response = own.post(f"{OWN}/waarden?lang=en", {"name": "Privacy", "cluster": "nut"})
        assert response.status_code == 409
        text = _text(response.text)
        assert "There already is a value with this name" in text
        assert "That did not work" in text
