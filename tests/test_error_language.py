"""Codes in the domain, words at the edge: the same refusal is Dutch by default and English with
``?lang=en``, its code unchanged (issue 16)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.accounts.support import form_token
from tests.accounts.test_invitations_and_setup import invite
from tests.catalogue.factories import catalogue_document

BASE = "/api/v1/denksessies"


def _both(client: TestClient, method: str, path: str, **kwargs: Any) -> tuple[Any, Any]:
    """The error of the same request asked in Dutch (default) and in English."""
    dutch = client.request(method, path, **kwargs)
    english = client.request(method, f"{path}{'&' if '?' in path else '?'}lang=en", **kwargs)
    assert dutch.status_code == english.status_code >= 400, dutch.text
    return dutch.json()["error"], english.json()["error"]


def _denksessie(client: TestClient, **fields: Any) -> dict[str, Any]:
    response = client.post(BASE, json={"title": "Wijkteam Noord", **fields})
    assert response.status_code == 201, response.text
    return dict(response.json())


class TestSessions:
    def test_an_unknown_role_lists_the_roles_in_either_language(self, client: TestClient) -> None:
        created = _denksessie(client, roles=["welzijn", "zorg"])
        dutch, english = _both(
            client, "POST", f"/api/v1/join/{created['code']}", json={"role": "koning"}
        )
        assert dutch["code"] == english["code"] == "UNKNOWN_ROLE"
        assert dutch["message"] == "Kies een rol uit de lijst: welzijn, zorg."
        assert english["message"] == "Choose a role from the list: welzijn, zorg."

    def test_an_unknown_round_names_its_id(self, client: TestClient) -> None:
        created = _denksessie(client)
        dutch, english = _both(client, "POST", f"{BASE}/{created['id']}/rounds/999999/open")
        assert dutch["code"] == english["code"] == "NOT_FOUND"
        assert dutch["message"] == "Ronde 999999 bestaat niet in deze denksessie."
        assert english["message"] == "Round 999999 does not exist in this denksessie."

    def test_a_bad_round_config_words_each_problem(self, client: TestClient) -> None:
        created = _denksessie(client)
        config = {"candidates": ["privacy", "bestaat-niet"], "max_approvals": 1}
        dutch, english = _both(
            client,
            "POST",
            f"{BASE}/{created['id']}/rounds",
            json={"kind": "approval", "config": config},
        )
        assert dutch["code"] == english["code"] == "VALIDATION_FAILED"
        assert (dutch["message"], english["message"]) == (
            "De ronde is niet geldig.",
            "The round is not valid.",
        )
        assert dutch["problems"] == [
            {"loc": "config.candidates.1", "message": "onbekende waarde 'bestaat-niet'"}
        ]
        assert english["problems"] == [
            {"loc": "config.candidates.1", "message": "unknown value 'bestaat-niet'"}
        ]

    def test_a_request_problem_from_pydantic_is_worded_too(self, client: TestClient) -> None:
        dutch, english = _both(client, "POST", BASE, json={"title": "x" * 500})
        assert [p["loc"] for p in dutch["problems"]] == [p["loc"] for p in english["problems"]]
        assert dutch["problems"][0]["message"].startswith("te lang (hoogstens ")
        assert english["problems"][0]["message"].startswith("too long (at most ")


class TestCasussen:
    def test_a_builtin_casus_is_read_only_in_either_language(self, client: TestClient) -> None:
        builtin = next(c for c in client.get("/api/v1/casussen").json() if c["builtin"])
        path = f"/api/v1/casussen/{builtin['id']}"
        dutch, english = _both(client, "PATCH", path, json={"title": "X"})
        assert dutch["code"] == english["code"] == "READ_ONLY"
        assert dutch["message"] == (
            f"Casus '{builtin['title']}' is ingebouwd en kan niet worden gewijzigd; "
            "maak er een kopie van om hem aan te passen."
        )
        assert english["message"] == (
            f"Casus '{builtin['title']}' is built in and cannot be changed; "
            "make a copy to adapt it."
        )

    def test_an_unknown_casus_names_its_id(self, client: TestClient) -> None:
        dutch, english = _both(client, "GET", "/api/v1/casussen/999999")
        assert dutch["message"] == "Casus 999999 bestaat niet."
        assert english["message"] == "Casus 999999 does not exist."


class TestCatalogue:
    def test_a_catalogue_in_use_says_so_in_either_language(self, client: TestClient) -> None:
        cloned = client.post(
            "/api/v1/catalogues/waardenkaart-sociaal-domein/clone",
            json={"slug": "onze-kaart", "name": "Onze kaart"},
        )
        assert cloned.status_code == 201, cloned.text
        _denksessie(client, catalogue="onze-kaart")
        dutch, english = _both(client, "DELETE", "/api/v1/catalogues/onze-kaart")
        assert dutch["code"] == english["code"] == "CATALOGUE_IN_USE"
        assert dutch["message"] == (
            "Catalogus 'Onze kaart' wordt gebruikt door een denksessie en kan niet worden "
            "verwijderd; er is niets verwijderd."
        )
        assert english["message"] == (
            "Catalogue 'Onze kaart' is used by a denksessie and cannot be deleted; "
            "nothing was deleted."
        )

    def test_a_broken_document_words_each_problem(self, client: TestClient) -> None:
        raw = catalogue_document(slug="kapot", name="")
        dutch, english = _both(client, "POST", "/api/v1/catalogues", json=raw)
        assert (dutch["message"], english["message"]) == (
            "De catalogus is niet geldig; er is niets opgeslagen.",
            "The catalogue is not valid; nothing was saved.",
        )
        assert {"loc": "name", "message": "de naam van de catalogus is leeg"} in dutch["problems"]
        assert {"loc": "name", "message": "the catalogue's name is empty"} in english["problems"]


class TestAccounts:
    def test_the_last_owner_is_told_in_either_language(self, client: TestClient) -> None:
        html = client.get("/account", headers={"accept": "text/html"}).text
        user_id = int(html.split('action="/account/leden/')[1].split("/")[0])
        dutch, english = (
            client.post(f"/account/leden/{user_id}/rol{query}", data={"role": "viewer"})
            for query in ("", "?lang=en")
        )
        assert dutch.status_code == english.status_code == 409
        assert dutch.json()["error"]["code"] == english.json()["error"]["code"] == "LAST_OWNER"
        assert dutch.json()["error"]["message"] == "Een organisatie houdt minstens één eigenaar."
        assert english.json()["error"]["message"] == "An organisation keeps at least one owner."

    def test_an_invitation_form_words_its_problems_in_either_language(
        self, client: TestClient, anonymous_client: TestClient
    ) -> None:
        token = invite(client, "kort@demo.test")
        answers = []
        for query in ("", "?lang=en"):
            csrf = form_token(anonymous_client, f"/uitnodiging/{token}{query}")
            answers.append(
                anonymous_client.post(
                    f"/uitnodiging/{token}{query}",
                    data={"csrf_token": csrf, "name": "Kort", "password": "kort"},
                )
            )
        dutch, english = answers
        assert dutch.status_code == english.status_code == 422
        assert "Kies een wachtwoord van minstens 10 tekens." in dutch.text
        assert "Choose a password of at least 10 characters." in english.text
        assert "Kies een wachtwoord" not in english.text


class TestPrivacyAndFiles:
    def test_raw_data_of_a_live_denksessie_stays_in_either_language(
        self, client: TestClient
    ) -> None:
        created = _denksessie(client)
        dutch, english = _both(client, "DELETE", f"{BASE}/{created['id']}/raw-data")
        assert dutch["code"] == english["code"] == "NOT_ENDED"
        assert dutch["message"] == (
            "Beëindig de denksessie eerst; daarna kunnen de ruwe gegevens worden gewist."
        )
        assert english["message"] == "End the denksessie first; then the raw data can be erased."

    def test_a_file_that_is_no_yaml_is_named_in_either_language(self, client: TestClient) -> None:
        headers = {"Content-Type": "application/yaml"}
        dutch, english = _both(
            client, "POST", "/api/v1/catalogues", content=b"name: [unclosed", headers=headers
        )
        assert dutch["message"] == "Het bestand is geen geldige YAML; er is niets opgeslagen."
        assert english["message"] == "The file is not valid YAML; nothing was saved."
        assert english["problems"][0]["message"].startswith("not valid YAML: ")


class TestTrajects:
    def test_a_closed_stage_is_named_in_either_language(self, client: TestClient) -> None:
        made = client.post("/api/v1/trajects", json={"title": "Principekaart Wijkteams"})
        assert made.status_code == 201, made.text
        path = f"/api/v1/trajects/{made.json()['id']}/stages/prioritising/close"
        assert client.post(path).status_code == 200
        dutch, english = _both(client, "POST", path)
        assert dutch["code"] == english["code"] == "STAGE_CLOSED"
        assert dutch["message"] == "De fase 'prioriteren' is al gesloten."
        assert english["message"] == "The 'prioritising' stage is already closed."

    def test_why_there_is_no_selection_yet_in_either_language(self, client: TestClient) -> None:
        made = client.post("/api/v1/trajects", json={"title": "Principekaart Wijkteams"})
        traject_id = made.json()["id"]
        dutch, english = _both(client, "POST", f"/api/v1/trajects/{traject_id}/card", json={})
        assert dutch["code"] == english["code"] == "NO_SELECTION"
        assert dutch["message"] == "Er is nog geen rangschikronde in de fase prioriteren."
        assert english["message"] == "There is no ranking round in the prioritising stage yet."
        page = client.get(f"/console/trajecten/{traject_id}?lang=en").text
        assert "There is no ranking round in the prioritising stage yet." in page

    def test_an_unknown_traject_names_its_id(self, client: TestClient) -> None:
        dutch, english = _both(client, "GET", "/api/v1/trajects/999999")
        assert dutch["message"] == "Traject 999999 bestaat niet."
        assert english["message"] == "Traject 999999 does not exist."


class TestCards:
    def test_an_unknown_card_names_its_slug(self, client: TestClient) -> None:
        dutch, english = _both(client, "GET", "/api/v1/principekaarten/geen-kaart")
        assert dutch["code"] == english["code"] == "NOT_FOUND"
        assert dutch["message"] == "Principekaart 'geen-kaart' bestaat niet."
        assert english["message"] == "Principekaart 'geen-kaart' does not exist."

    def test_the_built_in_card_is_read_only_in_either_language(self, client: TestClient) -> None:
        dutch, english = _both(
            client,
            "PATCH",
            "/api/v1/principekaarten/principekaart-professionals-2024",
            json={"title": "Anders"},
        )
        assert dutch["code"] == english["code"] == "READ_ONLY"
        assert dutch["message"].startswith("Een ingebouwde principekaart kan niemand wijzigen")
        assert english["message"].startswith("Nobody can change a built-in Principekaart")


class TestHttpEdge:
    def test_a_file_that_is_no_utf8_is_refused_in_either_language(self, client: TestClient) -> None:
        dutch, english = _both(client, "POST", "/api/v1/catalogues", content=b"name: \xff\xfe")
        assert dutch["code"] == english["code"] == "VALIDATION_FAILED"
        assert dutch["message"] == "Het bestand is geen UTF-8-tekst; er is niets opgeslagen."
        assert english["message"] == "The file is not UTF-8 text; nothing was saved."
        assert english["problems"] == [{"loc": "(document)", "message": "use UTF-8 encoding"}]

    def test_a_wrong_login_is_told_in_either_language(
        self, anonymous_client: TestClient, demo_owner: object
    ) -> None:
        answers = []
        for query in ("", "?lang=en"):
            csrf = form_token(anonymous_client, f"/login{query}")
            answers.append(
                anonymous_client.post(
                    f"/login{query}",
                    data={"csrf_token": csrf, "email": "niemand@example.nl", "password": "x" * 12},
                )
            )
        dutch, english = answers
        assert dutch.status_code == english.status_code == 401
        assert "Dit e-mailadres en wachtwoord horen niet bij elkaar." in dutch.text
        assert "This e-mail address and password do not belong together." in english.text
