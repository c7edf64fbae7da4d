"""The PDF report of a denksessie: rounds and results, no names, no private notes."""

from __future__ import annotations

import io
from pathlib import Path

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlmodel import Session

from app.sessions import service as sessions
from tests.api.test_result_downloads import NAME, PRINCIPLE, _session

NOTE = "Geheime notitie voor de facilitator."
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def write_artifact_bytes(name: str, data: bytes) -> None:
    """Keep the PDF for a person to look at (test-artifacts/, as the browser tests do)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / name).write_bytes(data)


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


class TestReportPdf:
    def test_holds_every_opened_round_with_its_results_and_no_name_or_note(
        self, client: TestClient, db: Session, demo_org_id: int
    ) -> None:
        denksessie = _session(db, demo_org_id)
        assert denksessie.id is not None
        first = sessions.rounds_of(db, denksessie.id)[0]
        first.facilitator_note = NOTE
        db.add(first)
        db.flush()
        response = client.get(f"/console/{denksessie.id}/verslag.pdf")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert "attachment" in response.headers["content-disposition"]
        write_artifact_bytes("denksessie-verslag.pdf", response.content)
        text = " ".join(_text(response.content).split())
        assert "Uitslagen" in text
        assert "Ronde 2" in text
        assert "Waarden kiezen" in text
        assert "Privacy" in text
        assert PRINCIPLE in text
        assert "2 deelnemers" in text
        assert NAME not in text
        assert NOTE not in text

    def test_other_organisation_gets_404(
        self, client: TestClient, db: Session, demo_org_id: int, other_organisation: object
    ) -> None:
        denksessie = _session(db, demo_org_id)
        _org, stranger = other_organisation()  # type: ignore[operator]
        response = stranger.get(f"/console/{denksessie.id}/verslag.pdf")
        assert response.status_code == 404
