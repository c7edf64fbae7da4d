"""A denksessie's results as a spreadsheet: CSV (cells escaped by app/csv_cells.py) and XLSX.

Only aggregates leave here (app/sessions/results_table.py): no participant, pseudonym or answer.
"""

from __future__ import annotations

import io
from typing import Any

from fastapi import APIRouter, Request, Response
from openpyxl import Workbook
from openpyxl.styles import Font

from app import i18n
from app.api.deps import DbSession, OrganisationId, PathId
from app.api.errors import ERROR_RESPONSES, language_of
from app.csv_cells import DictWriter
from app.sessions import results_table
from app.sessions import service as sessions

router = APIRouter(prefix="/api/v1/denksessies", tags=["privacy"], responses=ERROR_RESPONSES)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def labels(request: Request) -> tuple[dict[str, str], dict[str, str]]:
    """Column headings and round kinds in the reader's language."""
    _ = i18n.translations(language_of(request)).gettext
    columns = {
        "round": _("Ronde"),
        "round_title": _("Titel van de ronde"),
        "kind": _("Soort"),
        "place": _("Plaats"),
        "item": _("Waarde of principe"),
        "score": _("Score"),
        "detail": _("Toelichting"),
        "n_ballots": _("Aantal antwoorden"),
    }
    kinds = {
        "casus": _("Casus"),
        "ranking": _("Rangschikken"),
        "points": _("Punten verdelen"),
        "approval": _("Waarden kiezen"),
        "principle": _("Principes kiezen"),
    }
    return columns, kinds


def _table(
    request: Request, db: DbSession, organisation_id: int, denksessie_id: int
) -> tuple[list[str], list[dict[str, Any]]]:
    denksessie = sessions.get_for_organisation(
        db, denksessie_id=denksessie_id, organisation_id=organisation_id
    )
    columns, kinds = labels(request)
    rows = [
        {columns[key]: kinds.get(row[key], row[key]) if key == "kind" else row[key] for key in row}
        for row in results_table.table(db, denksessie)
    ]
    return [columns[key] for key in results_table.COLUMNS], rows


def _download(body: bytes, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/{denksessie_id}/results.csv", response_class=Response)
def results_csv(
    request: Request, db: DbSession, organisation_id: OrganisationId, denksessie_id: PathId
) -> Response:
    """The results table as CSV (UTF-8 with a byte order mark, so Excel reads the accents)."""
    header, rows = _table(request, db, organisation_id, denksessie_id)
    out = io.StringIO()
    writer = DictWriter(out, header)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    body = ("\ufeff" + out.getvalue()).encode("utf-8")
    return _download(body, "text/csv; charset=utf-8", f"denksessie-{denksessie_id}-uitslagen.csv")


@router.get("/{denksessie_id}/results.xlsx", response_class=Response)
def results_xlsx(
    request: Request, db: DbSession, organisation_id: OrganisationId, denksessie_id: PathId
) -> Response:
    """The results table as an Excel workbook; every text cell is text, never a formula."""
    header, rows = _table(request, db, organisation_id, denksessie_id)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Uitslagen"
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row.get(key, "") for key in header])
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # "=..." typed by a participant stays text
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return _download(out.getvalue(), XLSX, f"denksessie-{denksessie_id}-uitslagen.xlsx")
