"""Export, immediate deletion and the retention setting over HTTP, with roles and CSRF; and
no download or API answer that pairs a name with what that person answered."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.api.deps import CSRF_HEADER
from app.organisations.models import Organisation
from app.sessions.models import Participant
from tests.accounts.support import form_token
from tests.api.test_denksessies import created  # noqa: F401  (fixture)
from tests.sessions.factories import cast, make_denksessie, make_open_round

OtherOrganisation = Callable[..., tuple[Organisation, TestClient]]
NAME = "Ria Ramdin"
PRINCIPLE = "Ik laat Angela zelf kiezen waar ze woont."


class TestNoNameNextToAnAnswer:
    def test_export_csv_and_snapshot_keep_the_name_away_from_the_answers(
        self, client: TestClient, db: Session, demo_org_id: int
    ) -> None:
        denksessie = make_denksessie(
            db, organisation_id=demo_org_id, title="Wijkteam Zuid", roles=["wethouder", "zorg"]
        )
        casus = make_open_round(db, denksessie, "casus")
        joined = client.post(
            f"/api/v1/join/{denksessie.join_code}",
            json={"display_name": NAME, "role": "wethouder"},
        )
        assert joined.status_code == 201, joined.text
        ria = db.get(Participant, joined.json()["participant_id"])
        assert ria is not None
        cast(
            db,
            denksessie,
            ria,
            casus,
            {"decision": "toekennen", "values": ["privacy"], "principles": {"privacy": PRINCIPLE}},
        )
        traject = client.post("/api/v1/trajects", json={"title": "Principekaart Zuid"}).json()
        linked = client.post(
            f"/api/v1/trajects/{traject['id']}/sessions",
            json={"denksessie_id": denksessie.id, "stage": "naming"},
        )
        assert linked.status_code in (200, 201), linked.text

        exported = client.get(f"/api/v1/denksessies/{denksessie.id}/export")
        ballots_csv = client.get(f"/api/v1/trajects/{traject['id']}/ballots.csv")
        snapshot = client.get(f"/api/v1/denksessies/{denksessie.id}").json()
        assert exported.status_code == ballots_csv.status_code == 200

        # The answers are there, under a pseudonym and a folded role ...
        document = exported.json()
        (ballot,) = document["ballots"]
        assert ballot["answer"]["principles"] == {"privacy": PRINCIPLE}
        assert document["participants"] == [
            {"participant": ballot["participant"], "role": "overig"}
        ]
        (row,) = csv.DictReader(io.StringIO(ballots_csv.text))
        assert (row["decision"], row["role"]) == ("toekennen", "overig")
        assert row["participant"] == ballot["participant"]
        # ... but neither the name, nor the id the console knows the name by, nor the lone role.
        for text in (exported.text, ballots_csv.text):
            assert NAME not in text
            assert ria.id not in text
        assert "wethouder" not in json.dumps(document["participants"] + document["ballots"])
        assert "wethouder" not in ballots_csv.text
        # The facilitator's snapshot names Ria only in the moderation list, which holds no
        # answer and whose id is found nowhere else: not in the snapshot, export or CSV.
        assert snapshot["participant_list"] == [
            {"id": ria.id, "display_name": NAME, "role": "overig"}
        ]
        rest = json.dumps({k: v for k, v in snapshot.items() if k != "participant_list"})
        assert PRINCIPLE in rest
        assert NAME not in rest
        assert ria.id not in rest
        assert ballot["participant"] not in json.dumps(snapshot)


class TestExportAndDelete:
    def test_export_then_delete_after_the_end(
        self,
        client: TestClient,
        db: Session,
        created: dict[str, Any],  # noqa: F811
    ) -> None:
        base = f"/api/v1/denksessies/{created['id']}"
        client.post(f"/api/v1/join/{created['code']}", json={"display_name": "Ria"})
        exported = client.get(f"{base}/export")
        assert exported.status_code == 200
        assert "attachment" in exported.headers["Content-Disposition"]
        assert exported.json()["denksessie"]["participant_count"] == 1
        assert "Ria" not in exported.text

        live = client.delete(f"{base}/raw-data")
        assert live.status_code == 409
        assert live.json()["error"]["code"] == "NOT_ENDED"
        assert (
            len(
                db.exec(select(Participant).where(Participant.denksessie_id == created["id"])).all()
            )
            == 1
        )

        assert client.post(f"{base}/end").status_code == 200
        purged = client.delete(f"{base}/raw-data")
        assert purged.status_code == 200, purged.text
        assert purged.json()["participants_deleted"] == 1
        assert client.get(f"{base}/export").json()["denksessie"]["participant_count"] == 0


class TestRetention:
    def test_owner_sets_it_others_cannot(
        self, client: TestClient, other_organisation: OtherOrganisation
    ) -> None:
        assert client.get("/api/v1/organisation/retention").json() == {"retention_days": 30}
        changed = client.put("/api/v1/organisation/retention", json={"retention_days": 10})
        assert changed.json() == {"retention_days": 10}
        refused = client.put("/api/v1/organisation/retention", json={"retention_days": 0})
        assert refused.status_code == 422
        assert client.get("/api/v1/organisation/retention").json() == {"retention_days": 10}

        _org, facilitator = other_organisation("andere-gemeente", "facilitator")
        denied = facilitator.put("/api/v1/organisation/retention", json={"retention_days": 5})
        assert denied.status_code == 403
        assert facilitator.get("/api/v1/organisation/retention").json() == {"retention_days": 30}

    def test_the_account_page_form_sets_it(self, client: TestClient) -> None:
        token = form_token(client, "/account")
        headers = {k: v for k, v in client.headers.items() if k.lower() != CSRF_HEADER.lower()}
        saved = client.post(
            "/account/bewaartermijn",
            data={"csrf_token": token, "retention_days": "90"},
            headers=headers,
            follow_redirects=False,
        )
        assert saved.status_code == 303
        assert client.get("/api/v1/organisation/retention").json() == {"retention_days": 90}


class TestCsvCells:
    def test_a_title_that_is_a_formula_arrives_as_text(
        self, client: TestClient, db: Session, demo_org_id: int
    ) -> None:
        formula = '=HYPERLINK("https://aanvaller.example","Klik")'
        denksessie = make_denksessie(db, organisation_id=demo_org_id, title=formula)
        casus = make_open_round(db, denksessie, "casus")
        joined = client.post(f"/api/v1/join/{denksessie.join_code}", json={})
        person = db.get(Participant, joined.json()["participant_id"])
        assert person is not None
        cast(db, denksessie, person, casus, {"decision": "twijfel", "values": ["privacy"]})
        traject = client.post("/api/v1/trajects", json={"title": "Formules"}).json()
        client.post(
            f"/api/v1/trajects/{traject['id']}/sessions",
            json={"denksessie_id": denksessie.id, "stage": "naming"},
        )
        text = client.get(f"/api/v1/trajects/{traject['id']}/ballots.csv").text
        (row,) = csv.DictReader(io.StringIO(text))
        assert row["session"] == "'" + formula
