"""A denksessie's report as a PDF (WeasyPrint, as the Principekaart): its rounds and results.

Aggregates only, like the results spreadsheet (app/sessions/results_table.py): no participant,
pseudonym, role, answer or private note. WeasyPrint fetches nothing: the stylesheet is read from
disk and only ``data:`` URLs are allowed, so no text in a denksessie makes the server load a URL.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.api.deps import DbSession, OrganisationId, PathId
from app.api.pages import TEMPLATES_DIR, render
from app.api.result_downloads import labels
from app.sessions import results_table
from app.sessions import service as sessions

router = APIRouter(include_in_schema=False)

REPORT_STYLESHEET = TEMPLATES_DIR.parent / "static" / "css" / "report-print.css"


@router.get("/console/{denksessie_id}/verslag.pdf")
def report_pdf(
    request: Request, db: DbSession, organisation_id: OrganisationId, denksessie_id: PathId
) -> Response:
    from weasyprint import CSS, HTML  # type: ignore[import-untyped]  # heavy: load on first PDF
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    denksessie = sessions.get_for_organisation(
        db, denksessie_id=denksessie_id, organisation_id=organisation_id
    )
    assert denksessie.id is not None
    _columns, kinds = labels(request)
    rows = [
        {**row, "kind": kinds.get(row["kind"], row["kind"])}
        for row in results_table.table(db, denksessie)
    ]
    rounds: list[dict[str, Any]] = []
    for _position, items in groupby(rows, key=lambda row: row["round"]):
        listed = list(items)
        rounds.append({**listed[0], "items": listed})
    html = render(
        request,
        "console/report.html",
        denksessie=denksessie,
        participants=sessions.participant_count(db, denksessie.id),
        rounds=rounds,
        n_rounds=len(sessions.rounds_of(db, denksessie.id)),
    ).body
    fetcher = URLFetcher(allowed_protocols=("data",))
    pdf_bytes: bytes = HTML(string=bytes(html).decode("utf-8"), url_fetcher=fetcher).write_pdf(
        stylesheets=[CSS(filename=str(REPORT_STYLESHEET), url_fetcher=fetcher)]
    )
    return Response(
        pdf_bytes,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="denksessie-{denksessie_id}-verslag.pdf"',
            "Cache-Control": "no-store",
        },
    )
