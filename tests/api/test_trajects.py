"""Traject endpoints over HTTP against the real PostgreSQL: the funnel, refusals that write
nothing, 404 for ids of other organisations, and the anonymised ballots CSV."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.aggregation.methods import RANKING_METHODS
from app.cards.models import Principekaart, PrincipekaartValue
from app.organisations import service as organisations
from app.sessions.models import Denksessie, SessionRound
from app.trajects import service as trajects
from app.trajects.models import Traject, TrajectAudit, TrajectSession
from tests.sessions.factories import (
    cast,
    close,
    count,
    make_denksessie,
    make_open_round,
    make_participant,
    open_,
)
from tests.trajects.factories import make_traject, naming_session

BASE = "/api/v1/trajects"


def _create(client: TestClient, **fields: Any) -> dict[str, Any]:
    response = client.post(BASE, json={"title": "Principekaart Wijkteams", **fields})
    assert response.status_code == 201, response.text
    return dict(response.json())


def _traject(db: Session, traject_id: int) -> Traject:
    found = db.get(Traject, traject_id)
    assert found is not None
    return found


class TestCreate:
    def test_defaults_follow_the_2024_traject(self, client: TestClient) -> None:
        created = _create(client)
        assert created["central_question"].startswith("Welke waarden en principes zijn voor mij")
        assert (created["card_size"], created["method"]) == (5, "schulze_borda")
        assert (created["min_participants"], created["max_values"]) == (1, 12)
        assert len(created["tie_break_order"]) == 25
        assert [s["stage"] for s in created["stages"]] == ["naming", "prioritising", "principles"]
        assert client.get(BASE).json()[0]["id"] == created["id"]

    @pytest.mark.parametrize(
        ("fields", "loc"),
        [
            ({"card_size": 13}, "card_size"),
            ({"method": "dobbelsteen"}, "method"),
            ({"catalogue": "bestaat-niet"}, None),
        ],
    )
    def test_bad_settings_are_refused_and_nothing_written(
        self, client: TestClient, db: Session, fields: dict[str, Any], loc: str | None
    ) -> None:
        before = count(db, Traject)
        response = client.post(BASE, json={"title": "X", **fields})
        assert response.status_code in (404, 422)
        error = response.json()["error"]
        assert error["message"]
        if loc is not None:
            assert error["problems"][0]["loc"] == loc
        assert count(db, Traject) == before


class TestNotFound:
    def test_unknown_id(self, client: TestClient) -> None:
        response = client.get(f"{BASE}/999999")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "NOT_FOUND"

    def test_another_organisations_traject_is_not_found(
        self, client: TestClient, db: Session
    ) -> None:
        other = organisations.ensure(db, slug="andere-gemeente", name="Andere gemeente")
        assert other.id is not None
        theirs = make_traject(db, organisation_id=other.id)
        db.commit()  # a refused request rolls back to here, not further
        for method, path in (
            ("GET", ""),
            ("GET", "/shortlist"),
            ("GET", "/ballots.csv"),
            ("POST", "/card"),
        ):
            response = client.request(method, f"{BASE}/{theirs.id}{path}", json={})
            assert response.status_code == 404, path


class TestStages:
    def test_a_session_in_two_trajects_is_refused_and_nothing_written(
        self, client: TestClient, db: Session, demo_org_id: int
    ) -> None:
        first, second = _create(client, title="Een"), _create(client, title="Twee")
        denksessie = make_denksessie(db, organisation_id=demo_org_id)
        body = {"denksessie_id": denksessie.id, "stage": "naming"}
        assert client.post(f"{BASE}/{first['id']}/sessions", json=body).status_code == 201
        before = count(db, TrajectSession)
        response = client.post(f"{BASE}/{second['id']}/sessions", json=body)
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "SESSION_IN_TRAJECT"
        assert "traject 'Een'" in response.json()["error"]["message"]
        assert count(db, TrajectSession) == before

    def test_another_organisations_denksessie_cannot_be_attached(
        self, client: TestClient, db: Session
    ) -> None:
        other = organisations.ensure(db, slug="andere-gemeente", name="Andere gemeente")
        assert other.id is not None
        theirs = make_denksessie(db, organisation_id=other.id)
        db.commit()  # a refused request rolls back to here, not further
        created = _create(client)
        response = client.post(
            f"{BASE}/{created['id']}/sessions",
            json={"denksessie_id": theirs.id, "stage": "naming"},
        )
        assert response.status_code == 404

    def test_a_new_session_is_created_in_the_stage(self, client: TestClient, db: Session) -> None:
        created = _create(client)
        response = client.post(
            f"{BASE}/{created['id']}/sessions/new",
            json={"stage": "naming", "title": "Wijkteam Zuid"},
        )
        assert response.status_code == 201, response.text
        assert response.json()["console_url"] == f"/console/{response.json()['id']}"
        naming = client.get(f"{BASE}/{created['id']}").json()["stages"][0]
        assert [s["title"] for s in naming["sessions"]] == ["Wijkteam Zuid"]

    def test_closing_a_stage_with_an_open_round_is_refused(
        self, client: TestClient, db: Session, demo_org_id: int
    ) -> None:
        created = _create(client)
        traject = _traject(db, created["id"])
        denksessie, casus_round = naming_session(
            db, traject, [["privacy"]], organisation_id=demo_org_id, keep_open=True
        )
        db.commit()  # a refused request rolls back to here, not further
        path = f"{BASE}/{created['id']}/stages/naming/close"
        response = client.post(path)
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "STAGE_HAS_OPEN_ROUNDS"
        assert "Sluit eerst" in response.json()["error"]["message"]
        assert _traject(db, created["id"]).closed_stages == []
        close(db, denksessie, casus_round)
        assert client.post(path).json()["closed_stages"] == ["naming"]
        late = make_denksessie(db, organisation_id=demo_org_id)
        refused = client.post(
            f"{BASE}/{created['id']}/sessions", json={"denksessie_id": late.id, "stage": "naming"}
        )
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "STAGE_CLOSED"


@pytest.fixture
def funnel(client: TestClient, db: Session, demo_org_id: int) -> dict[str, Any]:
    """A traject (card of 2, at most 3 on the shortlist) with one naming session."""
    created = _create(client, card_size=2, max_values=3)
    traject = _traject(db, created["id"])
    traject.tie_break_order = ["privacy", "compassie", "eenvoud"] + [
        v for v in traject.tie_break_order if v not in ("privacy", "compassie", "eenvoud")
    ]
    db.add(traject)
    naming_session(
        db,
        traject,
        [
            {"privacy": "Ik bescherm gegevens.", "compassie": "Ik leef mee."},
            {"privacy": "Ik vraag toestemming.", "eenvoud": "Ik houd het simpel."},
            {"compassie": "Ik luister.", "vertrouwen": "Ik geef vertrouwen."},
            {"eenvoud": "Ik schrap regels.", "vertrouwen": "Ik vertrouw de inwoner."},
        ],
        organisation_id=demo_org_id,
    )
    db.commit()  # a refused request rolls back to here, not further
    return created


class TestShortlist:
    def test_counts_the_rule_and_the_tie_at_the_cut(
        self, client: TestClient, funnel: dict[str, Any]
    ) -> None:
        shortlist = client.get(f"{BASE}/{funnel['id']}/shortlist").json()
        assert shortlist["rule"]["max_values"] == 3
        counts = {row["value"]: (row["count"], row["sessions"]) for row in shortlist["named"]}
        assert counts == dict.fromkeys(("privacy", "compassie", "eenvoud", "vertrouwen"), (2, 1))
        assert shortlist["values"] == ["privacy", "compassie", "eenvoud"]
        assert shortlist["tie"]["values"] == ["privacy", "compassie", "eenvoud", "vertrouwen"]
        assert shortlist["tie"]["places"] == 3
        assert shortlist["tie"]["decided_by"] == "tiebreak"
        tied = [row["value"] for row in shortlist["named"] if row["tied"]]
        assert len(tied) == 4

    def test_a_change_without_a_reason_writes_nothing(
        self, client: TestClient, db: Session, funnel: dict[str, Any]
    ) -> None:
        before = count(db, TrajectAudit)
        response = client.post(
            f"{BASE}/{funnel['id']}/shortlist/changes",
            json={"action": "drop", "values": ["eenvoud"], "reason": "  "},
        )
        assert response.status_code == 422
        assert count(db, TrajectAudit) == before

    def test_drop_with_a_reason_is_shown_with_the_decision(
        self, client: TestClient, funnel: dict[str, Any]
    ) -> None:
        response = client.post(
            f"{BASE}/{funnel['id']}/shortlist/changes",
            json={"action": "drop", "values": ["eenvoud"], "reason": "Valt onder privacy"},
        )
        assert response.status_code == 201, response.text
        shortlist = response.json()
        assert shortlist["values"] == ["privacy", "compassie"]
        assert shortlist["tie"]["decided_by"] == "facilitator"
        assert shortlist["changes"][0]["reason"] == "Valt onder privacy"


def _ranking_round(
    client: TestClient, db: Session, funnel: dict[str, Any], demo_org_id: int, **body: Any
) -> tuple[Denksessie, dict[str, Any]]:
    denksessie = make_denksessie(db, organisation_id=demo_org_id, title="Prioriteren")
    client.post(
        f"{BASE}/{funnel['id']}/sessions",
        json={"denksessie_id": denksessie.id, "stage": "prioritising"},
    )
    response = client.post(f"{BASE}/{funnel['id']}/ranking-round", json=body)
    assert response.status_code == 201, response.text
    return denksessie, dict(response.json()["round"])


class TestRankingRound:
    def test_carries_the_shortlist_and_its_principles(
        self, client: TestClient, db: Session, funnel: dict[str, Any], demo_org_id: int
    ) -> None:
        _, ranking = _ranking_round(client, db, funnel, demo_org_id)
        assert ranking["config"]["candidates"] == ["privacy", "compassie", "eenvoud"]
        assert sorted(ranking["config"]["principles"]["privacy"]) == [
            "Ik bescherm gegevens.",
            "Ik vraag toestemming.",
        ]
        assert client.get(f"{BASE}/{funnel['id']}/shortlist").json()["frozen"] is True

    def test_outside_the_shortlist_without_reason_is_refused_and_writes_nothing(
        self, client: TestClient, db: Session, funnel: dict[str, Any], demo_org_id: int
    ) -> None:
        denksessie = make_denksessie(db, organisation_id=demo_org_id)
        client.post(
            f"{BASE}/{funnel['id']}/sessions",
            json={"denksessie_id": denksessie.id, "stage": "prioritising"},
        )
        before = (count(db, SessionRound), count(db, TrajectAudit))
        response = client.post(
            f"{BASE}/{funnel['id']}/ranking-round",
            json={"candidates": ["privacy", "compassie", "vertrouwen"]},
        )
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "OUTSIDE_SHORTLIST"
        assert "vertrouwen" in response.json()["error"]["message"]
        assert (count(db, SessionRound), count(db, TrajectAudit)) == before
        assert _traject(db, funnel["id"]).shortlist_frozen is None


def _run_to_card(
    client: TestClient, db: Session, funnel: dict[str, Any], demo_org_id: int
) -> dict[str, Any]:
    denksessie, ranking = _ranking_round(client, db, funnel, demo_org_id)
    ranking_round = db.get(SessionRound, ranking["id"])
    assert ranking_round is not None
    open_(db, denksessie, ranking_round)
    for order in (["compassie", "privacy", "eenvoud"], ["compassie", "eenvoud", "privacy"]):
        cast(db, denksessie, make_participant(db, denksessie), ranking_round, {"ranking": order})
    close(db, denksessie, ranking_round)
    selection = client.get(f"{BASE}/{funnel['id']}/selection").json()
    assert selection["selection"][0] == "compassie"
    # privacy and eenvoud are level for the second place: resolve with a reason.
    assert selection["tie"]["values"] == ["privacy", "eenvoud"]
    response = client.post(
        f"{BASE}/{funnel['id']}/selection/resolve",
        json={"take": ["eenvoud"], "reason": "De groep koos eenvoud na overleg"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["selection"] == ["compassie", "eenvoud"]
    # Principles for both values come from a principles-stage session.
    traject = _traject(db, funnel["id"])
    extra = make_denksessie(db, organisation_id=demo_org_id, title="Principes")
    client.post(
        f"{BASE}/{funnel['id']}/sessions", json={"denksessie_id": extra.id, "stage": "principles"}
    )
    casus_round = make_open_round(db, extra, "casus", max_values=10)
    for n in ("een", "twee", "drie", "vier"):
        cast(
            db,
            extra,
            make_participant(db, extra),
            casus_round,
            {
                "decision": "toekennen",
                "values": ["compassie", "eenvoud"],
                "principles": {
                    "compassie": f"Ik toon compassie op manier {n} voor iedereen.",
                    "eenvoud": f"Ik maak het eenvoudig op manier {n} voor iedereen.",
                },
            },
        )
    close(db, extra, casus_round)
    for value in ("compassie", "eenvoud"):
        curation = client.get(f"{BASE}/{funnel['id']}/curation/{value}").json()
        ids = [p["id"] for g in curation["groups"] for p in g["principles"]]
        body = {
            "headline": {"principle_id": ids[0], "text": f"Ik kies voor {value}."},
            "subs": [{"principle_id": i} for i in ids[1:4]],
        }
        response = client.put(f"{BASE}/{funnel['id']}/curation/{value}", json=body)
        assert response.status_code == 200, response.text
        chosen = response.json()["chosen"]
        assert chosen[0]["edited"] is True
        assert chosen[0]["original"] != chosen[0]["text"]
    assert traject.card_id is None
    response = client.post(f"{BASE}/{funnel['id']}/card", json={"title": "Onze kaart"})
    assert response.status_code == 201, response.text
    return dict(response.json())


class TestSplittingAGroup:
    def test_split_and_fold_again_through_the_api_and_the_page(
        self, client: TestClient, db: Session, funnel: dict[str, Any], demo_org_id: int
    ) -> None:
        _run_to_card(client, db, funnel, demo_org_id)
        url = f"{BASE}/{funnel['id']}/curation/compassie"
        groups = client.get(url).json()["groups"]
        group = max(groups, key=lambda g: len(g["principles"]))
        ids = [p["id"] for p in group["principles"]]
        assert len(ids) == 4  # "Ik toon compassie op manier een/twee/drie/vier ..." fold
        page = client.get(f"/console/trajecten/{funnel['id']}").text
        assert "Groep splitsen: elke formulering apart" in page
        split = client.post(f"{url}/split", json={"principle_ids": ids})
        assert split.status_code == 200, split.text
        after = split.json()["groups"]
        assert len(after) == len(groups) + 3
        assert sorted(
            [p["id"] for p in g["principles"]] for g in after if g["principles"][0]["split"]
        ) == [[i] for i in sorted(ids)]
        assert "Weer laten samenvoegen" in client.get(f"/console/trajecten/{funnel['id']}").text
        again = client.post(f"{url}/split", json={"principle_ids": ids, "apart": False})
        assert len(again.json()["groups"]) == len(groups)

    def test_a_principle_of_another_value_is_refused_and_nothing_written(
        self, client: TestClient, db: Session, funnel: dict[str, Any], demo_org_id: int
    ) -> None:
        _run_to_card(client, db, funnel, demo_org_id)
        other = client.get(f"{BASE}/{funnel['id']}/curation/eenvoud").json()["groups"]
        before = count(db, TrajectAudit)
        response = client.post(
            f"{BASE}/{funnel['id']}/curation/compassie/split",
            json={"principle_ids": [other[0]["principles"][0]["id"]]},
        )
        assert response.status_code == 422
        assert count(db, TrajectAudit) == before


class TestCard:
    def test_the_funnel_ends_in_a_draft_card_with_its_verantwoording(
        self, client: TestClient, db: Session, funnel: dict[str, Any], demo_org_id: int
    ) -> None:
        card = _run_to_card(client, db, funnel, demo_org_id)
        assert (card["status"], card["url"]) == ("draft", "/principekaarten/onze-kaart")
        account = card["verantwoording"]
        assert account["traject_title"] == "Principekaart Wijkteams"
        assert [s["stage"] for s in account["sessions"]] == ["naming", "prioritising", "principles"]
        assert account["sessions"][0]["participants"] == 4
        assert account["sessions"][1]["ballots"] == 2
        assert account["shortlist"] == ["privacy", "compassie", "eenvoud"]
        assert account["selection"] == ["compassie", "eenvoud"]
        assert account["ranking_ballots"] == 2
        assert account["method_explanation"]
        ties = {t["stage"]: t for t in account["ties"]}
        assert ties["shortlist"]["decided_by"] == "tiebreak"
        assert ties["selection"]["decided_by"] == "facilitator"
        assert ties["selection"]["reason"] == "De groep koos eenvoud na overleg"
        actions = {e["action"] for e in account["audit"]}
        assert "resolve_tie" in actions
        assert not {"edit", "choose"} & actions  # told as rewordings, without principle ids
        assert {r["value"] for r in account["rewordings"]} == {"compassie", "eenvoud"}
        overview = client.get(f"{BASE}/{funnel['id']}").json()
        assert overview["card"]["slug"] == "onze-kaart"

    def test_a_published_card_is_not_made_twice(
        self, client: TestClient, db: Session, funnel: dict[str, Any], demo_org_id: int
    ) -> None:
        card = _run_to_card(client, db, funnel, demo_org_id)
        row = db.get(Principekaart, _traject(db, funnel["id"]).card_id)
        assert row is not None
        assert row.slug == card["slug"]
        row.status = "published"
        db.add(row)
        db.commit()  # a refused request rolls back to here, not further
        before = (count(db, Principekaart), count(db, PrincipekaartValue))
        response = client.post(f"{BASE}/{funnel['id']}/card", json={})
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "CARD_PUBLISHED"
        assert (count(db, Principekaart), count(db, PrincipekaartValue)) == before

    def test_no_card_before_there_is_a_ranking(
        self, client: TestClient, funnel: dict[str, Any]
    ) -> None:
        response = client.post(f"{BASE}/{funnel['id']}/card", json={})
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "NO_SELECTION"


class TestBallotsCsv:
    def test_anonymised_ballots_with_roles_of_three_or_more_only(
        self, client: TestClient, db: Session, demo_org_id: int
    ) -> None:
        created = _create(client)
        traject = _traject(db, created["id"])
        denksessie = make_denksessie(db, organisation_id=demo_org_id, title="Wijkteam")
        client.post(
            f"{BASE}/{created['id']}/sessions",
            json={"denksessie_id": denksessie.id, "stage": "naming"},
        )
        casus_round = make_open_round(db, denksessie, "casus")
        people = [make_participant(db, denksessie, role="welzijn") for _ in range(3)]
        people.append(make_participant(db, denksessie, role="gemeente", display_name="Anna"))
        for person in people:
            cast(
                db, denksessie, person, casus_round, {"decision": "twijfel", "values": ["privacy"]}
            )
        response = client.get(f"{BASE}/{created['id']}/ballots.csv")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert len(rows) == 4
        assert {r["session"] for r in rows} == {"Wijkteam"}
        # "gemeente" alone would be "overig" of one, pointing at Anna: welzijn is folded too.
        assert [r["role"] for r in rows] == ["overig"] * 4
        assert {r["values"] for r in rows} == {"privacy"}
        assert len({r["participant"] for r in rows}) == 4
        assert "Anna" not in response.text
        assert not any(person.id in response.text for person in people)
        assert trajects.sessions_of(db, traject)[0][1].id == denksessie.id


class TestConsolePages:
    def test_the_list_offers_the_create_form(self, client: TestClient) -> None:
        created = _create(client, title="Traject Oost")
        page = client.get("/console/trajecten")
        assert page.status_code == 200
        assert 'data-kind="create-traject"' in page.text
        assert created["url"] in page.text
        assert "/console/trajecten" in client.get("/console").text

    def test_the_method_picker_names_every_method_in_plain_words(self, client: TestClient) -> None:
        page = client.get("/console/trajecten").text
        options = re.findall(r'<option value="([a-z_]+)"[^>]*>([^<]+)</option>', page)
        methods = {key: label for key, label in options if key in RANKING_METHODS}
        assert set(methods) == set(RANKING_METHODS)
        assert all(label != key for key, label in methods.items())  # no raw keys shown
        assert methods["schulze_borda"] == "Schulze, gelijke standen via Borda (aanbevolen)"
        assert "Welke methode kies ik?" in page
        english = client.get("/console/trajecten?lang=en").text
        assert "Schulze, ties by Borda (recommended)" in english
        assert "Which method do I choose?" in english
        traject = _create(client, title="Traject Zuid", method="irv")
        assert "Afvalrace (instant runoff)" in client.get(f"{traject['url']}?lang=nl").text

    def test_the_funnel_page_shows_the_shortlist_and_the_tie(
        self, client: TestClient, funnel: dict[str, Any]
    ) -> None:
        page = client.get(funnel["url"])
        assert page.status_code == 200
        assert 'id="shortlist-table"' in page.text
        assert "gelijk bij de grens" in page.text
        assert "Alle gelijke waarden meenemen" in page.text
        assert "/static/js/api.js" in page.text
        english = client.get(funnel["url"] + "?lang=en")
        assert "tied at the cut" in english.text

    def test_the_selection_is_explained_in_the_readers_language(
        self, client: TestClient, db: Session, funnel: dict[str, Any], demo_org_id: int
    ) -> None:
        denksessie, ranking = _ranking_round(client, db, funnel, demo_org_id)
        ranking_round = db.get(SessionRound, ranking["id"])
        assert ranking_round is not None
        open_(db, denksessie, ranking_round)
        for order in (["compassie", "privacy", "eenvoud"], ["compassie", "eenvoud", "privacy"]):
            cast(
                db, denksessie, make_participant(db, denksessie), ranking_round, {"ranking": order}
            )
        close(db, denksessie, ranking_round)
        selection = client.get(f"{BASE}/{funnel['id']}/selection").json()
        assert selection["explanation"]["code"] == "condorcet"
        dutch = client.get(funnel["url"]).text
        assert "Compassie wint in een-op-eenvergelijking van elke andere waarde." in dutch
        english = client.get(funnel["url"] + "?lang=en").text
        assert "Compassie beats every other value head to head." in english

    def test_the_page_of_another_organisations_traject_is_not_found(
        self, client: TestClient, db: Session
    ) -> None:
        other = organisations.ensure(db, slug="andere-gemeente", name="Andere gemeente")
        assert other.id is not None
        theirs = make_traject(db, organisation_id=other.id)
        db.commit()
        response = client.get(f"/console/trajecten/{theirs.id}", headers={"accept": "text/html"})
        assert response.status_code == 404
