"""Traject settings through the page and the API: each setting editable until the stage it
affects has started, the consequence of a rule or method computed from the real ballots before
saving, refusals that keep what was typed and write nothing, viewers and CSRF refused."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.api.deps import CSRF_HEADER
from app.organisations import service as organisations
from app.sessions.models import SessionRound
from app.trajects.models import Traject
from tests.conftest import OtherOrganisation, log_in, make_account, sharing
from tests.sessions.factories import make_denksessie, make_round, open_
from tests.trajects.factories import attach, naming_session, rank

BASE = "/api/v1/trajects"
A, B, C = "privacy", "compassie", "eenvoud"


def _page(traject_id: int) -> str:
    return f"/console/trajecten/{traject_id}"


def _traject(db: Session, traject_id: int) -> Traject:
    db.expire_all()
    found = db.get(Traject, traject_id)
    assert found is not None
    return found


def _form(client: TestClient, traject_id: int, **fields: Any) -> Any:
    return client.post(
        f"{_page(traject_id)}/instellingen",
        data={k: str(v) for k, v in fields.items()},
        follow_redirects=False,
    )


@pytest.fixture
def named(client: TestClient, db: Session, demo_org_id: int) -> int:
    """A traject (card of 1, shortlist of at most 3) whose naming session is done: privacy
    named by 3 people, compassie by 2, eenvoud by 1."""
    response = client.post(BASE, json={"title": "Instellingen", "card_size": 1, "max_values": 3})
    assert response.status_code == 201, response.text
    traject_id = int(response.json()["id"])
    naming_session(
        db,
        _traject(db, traject_id),
        [[A, B], [A, B], [A, C]],
        organisation_id=demo_org_id,
    )
    db.commit()
    return traject_id


@pytest.fixture
def ranked(client: TestClient, db: Session, demo_org_id: int, named: int) -> int:
    """``named`` plus a ranking round of 9 ballots where Schulze picks compassie (it beats
    both others head to head) and the instant runoff privacy (most first choices after
    eenvoud's votes move)."""
    denksessie = make_denksessie(db, organisation_id=demo_org_id, title="Prioriteren")
    attach(db, _traject(db, named), denksessie, "prioritising", organisation_id=demo_org_id)
    db.commit()
    made = client.post(f"{BASE}/{named}/ranking-round", json={})
    assert made.status_code == 201, made.text
    ranking_round = db.get(SessionRound, made.json()["round"]["id"])
    assert ranking_round is not None
    rank(db, denksessie, ranking_round, [[A, B, C]] * 4 + [[C, B, A]] * 3 + [[B, A, C]] * 2)
    db.commit()
    return named


class TestConsequence:
    def test_the_rule_preview_counts_the_real_ballots_and_saves_nothing(
        self, client: TestClient, db: Session, named: int
    ) -> None:
        response = _form(
            client, named, action="preview", min_participants=2, max_values=3, card_size=1
        )
        assert response.status_code == 200
        assert "Met deze regel komen nu 2 waarden op de shortlist" in response.text
        assert "Eraf: Eenvoud" in response.text
        assert _traject(db, named).min_participants == 1
        # what the page typed stays in the form
        assert (
            'name="min_participants" type="number" min="1" max="1000" inputmode="numeric" value="2"'
            in response.text
        )

    def test_the_fragment_for_the_script_says_the_same(
        self, client: TestClient, named: int
    ) -> None:
        response = client.get(
            f"{_page(named)}/instellingen/gevolg",
            params={"min_participants": 3, "max_values": 3, "method": "borda", "card_size": 1},
        )
        assert response.status_code == 200
        assert "Met deze regel komen nu 1 waarden op de shortlist" in response.text

    def test_the_method_preview_is_what_saving_gives(
        self, client: TestClient, db: Session, ranked: int
    ) -> None:
        before = client.get(f"{BASE}/{ranked}/selection").json()["selection"]
        assert before == [B]
        preview = _form(client, ranked, action="preview", method="irv", card_size=1)
        assert "komen nu op de kaart:</strong> Privacy" in preview.text
        assert "Eraf: Compassie" in preview.text
        saved = _form(client, ranked, action="save", method="irv", card_size=1)
        assert saved.status_code == 303
        assert client.get(f"{BASE}/{ranked}/selection").json()["selection"] == [A]


class TestWhatMayChange:
    def test_before_anything_started_every_setting_changes(
        self, client: TestClient, db: Session
    ) -> None:
        traject_id = int(client.post(BASE, json={"title": "Leeg"}).json()["id"])
        response = _form(
            client,
            traject_id,
            action="save",
            title="Nieuw",
            central_question="Wat vinden wij belangrijk?",
            catalogue="waardenkaart-sociaal-domein",
            card_size=4,
            min_participants=2,
            max_values=10,
            method="borda",
        )
        assert response.status_code == 303
        traject = _traject(db, traject_id)
        assert (traject.title, traject.central_question) == ("Nieuw", "Wat vinden wij belangrijk?")
        assert (traject.card_size, traject.min_participants, traject.max_values) == (4, 2, 10)
        assert traject.method == "borda"

    def test_the_question_is_fixed_once_naming_started_and_the_form_keeps_what_was_typed(
        self, client: TestClient, db: Session, named: int
    ) -> None:
        page = client.get(_page(named)).text
        assert 'name="central_question"' not in page
        assert "Staat vast: de fase benoemen is begonnen" in page
        response = _form(
            client, named, action="save", title="Anders", central_question="Iets anders?"
        )
        assert response.status_code == 409
        assert "Staat vast: de fase benoemen is begonnen" in response.text
        assert 'value="Anders"' in response.text
        traject = _traject(db, named)
        assert traject.title == "Instellingen"
        assert traject.central_question != "Iets anders?"

    def test_the_reasons_are_worded_in_english_too(self, client: TestClient, named: int) -> None:
        page = client.get(_page(named), params={"lang": "en"}).text
        assert "Fixed: the naming stage has started" in page
        refused = client.patch(
            f"{BASE}/{named}", json={"central_question": "Other?"}, params={"lang": "en"}
        )
        assert refused.json()["error"]["message"].startswith("Fixed: the naming stage")

    def test_the_catalogue_is_fixed_once_a_session_is_attached(
        self, client: TestClient, named: int
    ) -> None:
        response = client.patch(f"{BASE}/{named}", json={"catalogue": "bestaat-niet"})
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "SETTING_LOCKED"

    def test_the_rule_is_fixed_once_the_ranking_round_exists(
        self, client: TestClient, db: Session, ranked: int
    ) -> None:
        page = client.get(_page(ranked)).text
        assert 'name="max_values"' not in page
        response = client.patch(f"{BASE}/{ranked}", json={"max_values": 5})
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "SHORTLIST_FROZEN"
        assert _traject(db, ranked).max_values == 3
        # the same value again is not a change
        assert client.patch(f"{BASE}/{ranked}", json={"max_values": 3}).status_code == 200

    def test_method_and_card_size_are_fixed_once_the_principles_stage_started(
        self, client: TestClient, db: Session, demo_org_id: int, ranked: int
    ) -> None:
        assert client.patch(f"{BASE}/{ranked}", json={"method": "borda"}).status_code == 200
        principles = make_denksessie(db, organisation_id=demo_org_id, title="Principes")
        attach(db, _traject(db, ranked), principles, "principles", organisation_id=demo_org_id)
        open_(db, principles, make_round(db, principles, "approval"))
        db.commit()
        response = client.patch(f"{BASE}/{ranked}", json={"method": "copeland"})
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "SETTING_LOCKED"
        assert "fase principes is begonnen" in response.json()["error"]["message"]
        refused = _form(client, ranked, action="save", card_size=2)
        assert refused.status_code == 409
        assert _traject(db, ranked).card_size == 1

    def test_a_card_larger_than_the_shortlist_is_refused_with_the_typed_values(
        self, client: TestClient, db: Session, named: int
    ) -> None:
        response = _form(client, named, action="save", card_size=3, max_values=2)
        assert response.status_code == 422
        assert "Aantal waarden op de kaart:" in response.text
        assert _traject(db, named).max_values == 3

    def test_a_preview_of_a_number_that_is_not_one_says_so(
        self, client: TestClient, named: int
    ) -> None:
        response = _form(client, named, action="preview", min_participants="nul", max_values=3)
        assert response.status_code == 422
        assert "Shortlist: minimaal aantal deelnemers dat een waarde noemt (N):" in response.text
        assert 'value="nul"' in response.text

    def test_a_number_that_is_not_one_is_refused_and_shown_again(
        self, client: TestClient, named: int
    ) -> None:
        response = _form(client, named, action="save", max_values="twaalf")
        assert response.status_code == 422
        assert 'value="twaalf"' in response.text


class TestWhoMay:
    def test_a_viewer_reads_without_a_form_and_cannot_save(
        self, client: TestClient, db: Session, named: int
    ) -> None:
        viewer = make_account(
            db, organisations.ensure_demo(db), email="kijker@demo.test", role="viewer"
        )
        viewer_client = log_in(db, sharing(client), viewer)
        page = viewer_client.get(_page(named))
        assert page.status_code == 200
        assert 'id="settings-form"' not in page.text
        assert 'data-kind="shortlist-change"' not in page.text
        assert "Je kunt dit traject alleen bekijken." in page.text
        refused = _form(viewer_client, named, action="save", title="Door kijker")
        assert refused.status_code == 403
        assert _traject(db, named).title == "Instellingen"
        listing = viewer_client.get("/console/trajecten")
        assert listing.status_code == 200
        assert 'id="traject-create"' not in listing.text
        assert "Je kunt trajecten alleen bekijken." in listing.text
        assert 'id="traject-create"' in client.get("/console/trajecten").text

    def test_another_organisation_finds_no_traject(
        self, db: Session, named: int, other_organisation: OtherOrganisation
    ) -> None:
        _, other = other_organisation()
        assert other.get(_page(named)).status_code == 404
        assert _form(other, named, action="save", title="Van buiten").status_code == 404
        consequence = other.get(f"{_page(named)}/instellingen/gevolg")
        assert consequence.status_code == 404
        assert _traject(db, named).title == "Instellingen"

    def test_a_form_without_the_csrf_token_is_refused(
        self, client: TestClient, db: Session, named: int
    ) -> None:
        token = client.headers.pop(CSRF_HEADER)
        refused = _form(client, named, action="save", title="Zonder token")
        assert refused.status_code == 403
        assert _traject(db, named).title == "Instellingen"
        accepted = _form(client, named, action="save", title="Met token", csrf_token=token)
        assert accepted.status_code == 303
        assert _traject(db, named).title == "Met token"
