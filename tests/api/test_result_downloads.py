"""The results of a denksessie as CSV and XLSX: what a spreadsheet opens, aggregates only."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from app.sessions.models import Denksessie
from tests.sessions.factories import (
    cast,
    close,
    make_denksessie,
    make_open_round,
    make_participant,
)

NAME = "Ria Ramdin"
FORMULA = '=HYPERLINK("https://example.org","klik")'
PRINCIPLE = "Ik laat Angela zelf kiezen waar ze woont."


def _session(db: Session, demo_org_id: int) -> Denksessie:
    """A casus round with a principle, an approval round of two voters whose title is a
    formula, and a principle round that puts the principle to the vote."""
    denksessie = make_denksessie(
        db, organisation_id=demo_org_id, title="Uitslagen", roles=["wethouder", "zorg"]
    )
    ria = make_participant(db, denksessie, display_name=NAME, role="wethouder")
    bob = make_participant(db, denksessie)
    casus = make_open_round(db, denksessie, "casus")
    cast(
        db,
        denksessie,
        ria,
        casus,
        {"decision": "toekennen", "values": ["privacy"], "principles": {"privacy": PRINCIPLE}},
    )
    close(db, denksessie, casus)
    approval = make_open_round(
        db, denksessie, "approval", candidates=["privacy", "gelijkheid", "zelfbeschikking"]
    )
    approval.title = FORMULA
    cast(db, denksessie, ria, approval, {"approve": ["privacy", "gelijkheid"]})
    cast(db, denksessie, bob, approval, {"approve": ["privacy"]})
    close(db, denksessie, approval)
    make_open_round(db, denksessie, "principle", value_key="privacy")
    db.flush()
    return denksessie


class TestResultsCsv:
    def test_a_row_per_round_and_value_in_order_without_names(
        self, client: TestClient, db: Session, demo_org_id: int
    ) -> None:
        denksessie = _session(db, demo_org_id)
        response = client.get(f"/api/v1/denksessies/{denksessie.id}/results.csv")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        text = response.content.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        approval = [r for r in rows if r["Soort"] == "Waarden kiezen"]
        assert [(r["Plaats"], r["Waarde of principe"], r["Score"]) for r in approval] == [
            ("1", "Privacy", "2"),
            ("2", "Gelijkheid", "1"),
            ("3", "Zelfbeschikking", "0"),
        ]
        assert {r["Aantal antwoorden"] for r in approval} == {"2"}
        casus = [r for r in rows if r["Soort"] == "Casus"]
        assert any("toekennen: 1" in r["Toelichting"] for r in casus)
        (principle,) = [r for r in rows if r["Soort"] == "Principes kiezen"]
        assert principle["Waarde of principe"] == PRINCIPLE
        assert {r["Titel van de ronde"] for r in approval} == {"'" + FORMULA}  # text, not a formula
        assert NAME not in text
        assert "wethouder" not in text

    def test_english_headings(self, client: TestClient, db: Session, demo_org_id: int) -> None:
        denksessie = _session(db, demo_org_id)
        text = client.get(f"/api/v1/denksessies/{denksessie.id}/results.csv?lang=en").text
        assert text.lstrip("\ufeff").startswith("Round,Round title,Kind,Place,")

    def test_other_organisation_gets_404(
        self, anonymous_client: TestClient, db: Session, demo_org_id: int
    ) -> None:
        denksessie = _session(db, demo_org_id)
        response = anonymous_client.get(f"/api/v1/denksessies/{denksessie.id}/results.csv")
        assert response.status_code in (401, 403, 404)


class TestResultsXlsx:
    def test_a_workbook_a_spreadsheet_opens_with_text_not_formulas(
        self, client: TestClient, db: Session, demo_org_id: int
    ) -> None:
        denksessie = _session(db, demo_org_id)
        response = client.get(f"/api/v1/denksessies/{denksessie.id}/results.xlsx")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet is not None
        values = [[cell.value for cell in row] for row in sheet.iter_rows()]
        assert values[0][:4] == ["Ronde", "Titel van de ronde", "Soort", "Plaats"]
        approval = [row for row in values[1:] if row[2] == "Waarden kiezen"]
        assert [(row[3], row[4], row[5]) for row in approval] == [
            (1, "Privacy", 2),
            (2, "Gelijkheid", 1),
            (3, "Zelfbeschikking", 0),
        ]
        (principle,) = [row for row in values[1:] if row[2] == "Principes kiezen"]
        assert principle[4] == PRINCIPLE
        assert {row[1] for row in approval} == {FORMULA}
        cells = [cell for row in sheet.iter_rows() for cell in row]
        assert all(cell.data_type != "f" for cell in cells)
        assert NAME not in str(values)
