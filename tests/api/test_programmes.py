"""Programmes through the pages against the real PostgreSQL: the built-in ones of the 2024
process, saving a denksessie's rounds (without what belongs to that denksessie), starting a new
denksessie from a programme, deleting; refusals keep what was typed and write nothing; viewers,
other organisations and forms without CSRF are refused."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.api.deps import CSRF_HEADER
from app.content import load_builtin_content
from app.organisations import service as organisations
from app.programmes import service as programmes
from app.programmes.models import Programme
from app.sessions import service as sessions
from app.sessions.kinds import KINDS
from app.sessions.models import Denksessie
from tests.conftest import OtherOrganisation, log_in, make_account, sharing
from tests.sessions.factories import CANDIDATES, casus_ids, count, make_denksessie, make_round

LIST = "/console/programmas"
START = "/console/programmas/start"


def _builtin(db: Session, name: str) -> Programme:
    builtin = organisations.ensure_builtin(db)
    found = db.exec(
        select(Programme).where(Programme.organisation_id == builtin.id, Programme.name == name)
    ).one()
    return found


def _post(client: TestClient, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, data=data, follow_redirects=False)


def _new_denksessie(response: Any, db: Session) -> Denksessie:
    assert response.status_code == 303, response.text
    denksessie_id = int(response.headers["location"].rsplit("/", 1)[-1])
    found = db.get(Denksessie, denksessie_id)
    assert found is not None
    return found


@pytest.fixture
def used(db: Session, demo_org_id: int) -> Denksessie:
    """A denksessie with a casus round, a traject-style ranking round (principles shown while
    ranking, an override with its reason) and a principle round on earlier principles."""
    denksessie = make_denksessie(db, organisation_id=demo_org_id, title="Wijkteam Oost")
    make_round(db, denksessie, "casus", max_values=4)
    make_round(
        db,
        denksessie,
        "ranking",
        top_k=3,
        principles={"privacy": ["Ik bescherm gegevens."]},
        override={"values": ["privacy"], "reason": "Toch meenemen"},
    )
    make_round(db, denksessie, "approval", max_approvals=2)
    db.commit()
    return denksessie


class TestRules:
    def test_every_round_kind_has_a_rule(self) -> None:
        """A new round kind must say what a programme carries of it and leaves open."""
        assert set(programmes.STEP_RULES) == set(KINDS)

    def test_what_belongs_to_a_traject_does_not_carry_over(self) -> None:
        config = {"candidates": ["a", "b"], "top_k": 2, "principles": {"a": ["Ik"]}}
        assert programmes.carry("ranking", {**config, "override": None}) == {
            "candidates": ["a", "b"],
            "top_k": 2,
        }
        assert programmes.carry("principle", {"value_key": "a", "principle_ids": [1]}) == {
            "value_key": "a"
        }


class TestBuiltIn:
    def test_the_two_sessions_of_2024_are_there_once_after_loading_twice(self, db: Session) -> None:
        casus = _builtin(db, "Casussessie")
        ids = (casus.id, _builtin(db, "Prioriteringssessie").id)
        load_builtin_content(db)
        assert (_builtin(db, "Casussessie").id, _builtin(db, "Prioriteringssessie").id) == ids
        assert [step["kind"] for step in casus.rounds] == ["casus", "casus"]
        assert all("casus_id" not in step["config"] for step in casus.rounds)
        prioritising = _builtin(db, "Prioriteringssessie")
        assert [step["kind"] for step in prioritising.rounds] == ["ranking", "principle"]
        assert prioritising.rounds[0]["config"] == {"top_k": 5}

    def test_listed_for_every_organisation_and_deleted_by_none(
        self, db: Session, other_organisation: OtherOrganisation
    ) -> None:
        _, other = other_organisation()
        page = other.get(LIST)
        assert page.status_code == 200
        assert "Casussessie" in page.text
        assert "Prioriteringssessie" in page.text
        builtin = _builtin(db, "Casussessie")
        refused = _post(other, f"{LIST}/{builtin.id}/verwijderen", {})
        assert refused.status_code == 403
        assert db.get(Programme, builtin.id) is not None


class TestSave:
    def test_rounds_are_saved_without_what_belongs_to_the_denksessie(
        self, client: TestClient, db: Session, used: Denksessie
    ) -> None:
        response = _post(client, LIST, {"denksessie_id": used.id, "name": "Oost in drie rondes"})
        assert response.status_code == 303, response.text
        programme = db.exec(select(Programme).where(Programme.name == "Oost in drie rondes")).one()
        assert [step["kind"] for step in programme.rounds] == ["casus", "ranking", "approval"]
        casus, ranking, approval = (step["config"] for step in programme.rounds)
        assert casus["casus_id"] == used.casus_ids[0]
        assert casus["max_values"] == 4
        assert "principles" not in ranking
        assert "override" not in ranking
        assert (ranking["candidates"], ranking["top_k"]) == (list(CANDIDATES), 3)
        assert approval["max_approvals"] == 2
        page = client.get(response.headers["location"])
        assert "Oost in drie rondes" in page.text
        assert "Opgeslagen." in page.text

    @pytest.mark.parametrize(
        ("name", "says"),
        [("", "Naam"), ("Casus dubbel", "er is al een programma met deze naam")],
    )
    def test_a_refused_save_shows_what_was_typed_and_writes_nothing(
        self, client: TestClient, db: Session, used: Denksessie, name: str, says: str
    ) -> None:
        assert (
            _post(client, LIST, {"denksessie_id": used.id, "name": "Casus dubbel"}).status_code
            == 303
        )
        before = count(db, Programme)
        response = _post(
            client, LIST, {"denksessie_id": used.id, "name": name, "description": "Mijn uitleg"}
        )
        assert response.status_code == 422
        assert "Mijn uitleg" in response.text
        assert says in response.text or name == ""
        assert count(db, Programme) == before

    def test_a_denksessie_without_rounds_cannot_be_saved(
        self, client: TestClient, db: Session, demo_org_id: int
    ) -> None:
        empty = make_denksessie(db, organisation_id=demo_org_id, title="Leeg")
        db.commit()
        response = _post(client, LIST, {"denksessie_id": empty.id, "name": "Niets"})
        assert response.status_code == 422
        assert "deze denksessie heeft nog geen rondes" in response.text

    def test_another_organisations_denksessie_is_not_found(
        self, db: Session, used: Denksessie, other_organisation: OtherOrganisation
    ) -> None:
        _, other = other_organisation()
        response = _post(other, LIST, {"denksessie_id": used.id, "name": "Gestolen"})
        assert response.status_code == 404
        assert db.exec(select(Programme).where(Programme.name == "Gestolen")).first() is None

    def test_another_organisations_programme_is_not_found(
        self,
        client: TestClient,
        db: Session,
        used: Denksessie,
        other_organisation: OtherOrganisation,
    ) -> None:
        _post(client, LIST, {"denksessie_id": used.id, "name": "Alleen van ons"})
        programme = db.exec(select(Programme).where(Programme.name == "Alleen van ons")).one()
        _, other = other_organisation()
        assert "Alleen van ons" not in other.get(LIST).text
        assert other.get(START, params={"programma": programme.id}).status_code == 404
        assert _post(other, f"{LIST}/{programme.id}/verwijderen", {}).status_code == 404
        started = _post(other, START, {"programma": programme.id, "title": "Van buiten"})
        assert started.status_code == 404
        assert db.get(Programme, programme.id) is not None

    def test_delete_own(self, client: TestClient, db: Session, used: Denksessie) -> None:
        _post(client, LIST, {"denksessie_id": used.id, "name": "Weg ermee"})
        programme = db.exec(select(Programme).where(Programme.name == "Weg ermee")).one()
        response = _post(client, f"{LIST}/{programme.id}/verwijderen", {})
        assert response.status_code == 303
        db.expire_all()
        assert db.get(Programme, programme.id) is None


class TestStart:
    def test_the_casussessie_needs_a_casus_per_round_and_keeps_what_was_typed(
        self, client: TestClient, db: Session
    ) -> None:
        programme = _builtin(db, "Casussessie")
        before = count(db, Denksessie)
        response = _post(
            client, START, {"programma": programme.id, "title": "Wijkteam Zuid", "casus": ""}
        )
        assert response.status_code == 422
        assert "kies een casus voor ronde 1" in response.text
        assert "kies een casus voor ronde 2" in response.text
        assert 'value="Wijkteam Zuid"' in response.text
        assert count(db, Denksessie) == before

    def test_the_casussessie_starts_with_the_chosen_casussen(
        self, client: TestClient, db: Session, demo_org_id: int
    ) -> None:
        programme = _builtin(db, "Casussessie")
        page = client.get(START, params={"programma": programme.id})
        assert page.status_code == 200
        assert "Casus voor ronde 2" in page.text
        first, second = casus_ids(db, organisation_id=demo_org_id, count=2)
        response = client.post(
            START,
            data={"programma": programme.id, "title": "Wijkteam Zuid", "casus": [second, first]},
            follow_redirects=False,
        )
        denksessie = _new_denksessie(response, db)
        assert denksessie.title == "Wijkteam Zuid"
        assert denksessie.casus_ids == [second, first]
        rounds = sessions.rounds_of(db, denksessie.id or 0)
        assert [(r.kind, r.status, r.config["casus_id"]) for r in rounds] == [
            ("casus", "draft", second),
            ("casus", "draft", first),
        ]

    def test_the_prioriteringssessie_ranks_to_five_and_leaves_the_principles_for_later(
        self, client: TestClient, db: Session
    ) -> None:
        programme = _builtin(db, "Prioriteringssessie")
        page = client.get(START, params={"programma": programme.id}).text
        assert "maak je na het rangschikken" in page
        response = _post(client, START, {"programma": programme.id, "title": "Sessie 3"})
        rounds = sessions.rounds_of(db, _new_denksessie(response, db).id or 0)
        assert [r.kind for r in rounds] == ["ranking"]
        assert rounds[0].config["top_k"] == 5
        assert len(rounds[0].config["candidates"]) == 25

    def test_a_saved_programme_starts_the_same_rounds(
        self, client: TestClient, db: Session, used: Denksessie
    ) -> None:
        _post(client, LIST, {"denksessie_id": used.id, "name": "Nog eens"})
        programme = db.exec(select(Programme).where(Programme.name == "Nog eens")).one()
        response = _post(client, START, {"programma": programme.id, "title": "Oost, deel 2"})
        rounds = sessions.rounds_of(db, _new_denksessie(response, db).id or 0)
        original = sessions.rounds_of(db, used.id or 0)
        assert [(r.kind, r.title) for r in rounds] == [(r.kind, r.title) for r in original]
        assert rounds[1].config["principles"] == {}
        assert rounds[1].config["override"] is None

    def test_a_schuur_round_brings_its_casus_along(
        self, client: TestClient, db: Session, demo_org_id: int
    ) -> None:
        denksessie = make_denksessie(db, organisation_id=demo_org_id, title="Schuren")
        casus_id = denksessie.casus_ids[1]
        make_round(db, denksessie, "schuur", casus_id=casus_id, candidates=list(CANDIDATES))
        db.commit()
        _post(client, LIST, {"denksessie_id": denksessie.id, "name": "Alleen schuren"})
        programme = db.exec(select(Programme).where(Programme.name == "Alleen schuren")).one()
        response = _post(client, START, {"programma": programme.id, "title": "Schuren 2"})
        started = _new_denksessie(response, db)
        assert started.casus_ids == [casus_id]
        rounds = sessions.rounds_of(db, started.id or 0)
        assert [(r.kind, r.config["casus_id"]) for r in rounds] == [("schuur", casus_id)]

    def test_the_pages_speak_english_too(self, client: TestClient, db: Session) -> None:
        programme = _builtin(db, "Prioriteringssessie")
        page = client.get(START, params={"programma": programme.id, "lang": "en"}).text
        assert "New denksessie: Prioriteringssessie" in page
        assert "one round per chosen value; made after the ranking" in page
        assert "Save the rounds of a denksessie" in client.get(LIST, params={"lang": "en"}).text

    def test_the_console_offers_the_programmes(self, client: TestClient) -> None:
        page = client.get("/console").text
        assert 'action="/console/programmas/start"' in page
        assert "Prioriteringssessie" in page


class TestApi:
    API = "/api/v1/programmes"

    def test_save_list_start_and_delete(
        self, client: TestClient, db: Session, used: Denksessie, demo_org_id: int
    ) -> None:
        listed = client.get(self.API).json()
        assert [p["name"] for p in listed[:2]] == ["Casussessie", "Prioriteringssessie"]
        assert listed[1]["rounds"][1]["later"] is True
        saved = client.post(self.API, json={"denksessie_id": used.id, "name": "Via de API"})
        assert saved.status_code == 201, saved.text
        programme = saved.json()
        assert "principles" not in programme["rounds"][1]["config"]
        started = client.post(f"{self.API}/{programme['id']}/start", json={"title": "API"})
        assert started.status_code == 201, started.text
        assert started.json()["console_url"] == f"/console/{started.json()['id']}"
        assert len(sessions.rounds_of(db, started.json()["id"])) == 3
        assert client.delete(f"{self.API}/{programme['id']}").status_code == 204
        assert (
            client.get(f"/console/programmas/start?programma={programme['id']}").status_code == 404
        )

    def test_long_names_alike_in_their_first_80_characters_are_taken_not_a_500(
        self, client: TestClient, used: Denksessie
    ) -> None:
        first = client.post(self.API, json={"denksessie_id": used.id, "name": "x" * 90 + "a"})
        assert first.status_code == 201, first.text
        second = client.post(self.API, json={"denksessie_id": used.id, "name": "x" * 90 + "b"})
        assert second.status_code == 422, second.text
        assert second.json()["error"]["problems"][0]["loc"] == "name"

    def test_a_casus_round_without_a_casus_is_a_problem_per_round(
        self, client: TestClient, db: Session, demo_org_id: int
    ) -> None:
        casussessie = _builtin(db, "Casussessie")
        before = count(db, Denksessie)
        refused = client.post(f"{self.API}/{casussessie.id}/start", json={"title": "Zonder"})
        assert refused.status_code == 422
        assert [p["loc"] for p in refused.json()["error"]["problems"]] == ["casus.0", "casus.1"]
        assert count(db, Denksessie) == before
        first, second = casus_ids(db, organisation_id=demo_org_id, count=2)
        body = {"title": "Met", "casus": {"0": first, "1": second}}
        assert client.post(f"{self.API}/{casussessie.id}/start", json=body).status_code == 201

    def test_a_built_in_programme_cannot_be_deleted(self, client: TestClient, db: Session) -> None:
        builtin = _builtin(db, "Prioriteringssessie")
        refused = client.delete(f"{self.API}/{builtin.id}")
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "READ_ONLY"


class TestWhoMay:
    def test_a_viewer_reads_without_forms_and_cannot_write(
        self, client: TestClient, db: Session, used: Denksessie
    ) -> None:
        viewer = make_account(
            db, organisations.ensure_demo(db), email="kijker@demo.test", role="viewer"
        )
        viewer_client = log_in(db, sharing(client), viewer)
        page = viewer_client.get(LIST)
        assert page.status_code == 200
        assert 'id="save-form"' not in page.text
        assert "verwijderen" not in page.text
        programme = _builtin(db, "Prioriteringssessie")
        assert (
            'id="start-form"'
            not in viewer_client.get(START, params={"programma": programme.id}).text
        )
        before = (count(db, Programme), count(db, Denksessie))
        assert (
            _post(viewer_client, LIST, {"denksessie_id": used.id, "name": "Kijker"}).status_code
            == 403
        )
        assert (
            _post(viewer_client, START, {"programma": programme.id, "title": "K"}).status_code
            == 403
        )
        assert (count(db, Programme), count(db, Denksessie)) == before

    def test_a_form_without_the_csrf_token_is_refused(
        self, client: TestClient, db: Session, used: Denksessie
    ) -> None:
        token = client.headers.pop(CSRF_HEADER)
        before = count(db, Programme)
        assert _post(client, LIST, {"denksessie_id": used.id, "name": "Zonder"}).status_code == 403
        assert count(db, Programme) == before
        accepted = _post(
            client, LIST, {"denksessie_id": used.id, "name": "Met", "csrf_token": token}
        )
        assert accepted.status_code == 303
