"""Export, immediate deletion and the retention setting over HTTP, with roles and CSRF."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.api.deps import CSRF_HEADER
from app.organisations.models import Organisation
from app.sessions.models import Participant
from tests.accounts.support import form_token
from tests.api.test_denksessies import created  # noqa: F401  (fixture)

OtherOrganisation = Callable[..., tuple[Organisation, TestClient]]


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
        assert [p["display_name"] for p in exported.json()["participants"]] == ["Ria"]

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
        assert client.get(f"{base}/export").json()["participants"] == []


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
