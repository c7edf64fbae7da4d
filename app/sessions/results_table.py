"""A denksessie's results as one flat table, for a spreadsheet (CSV and XLSX downloads).

One row per round and item (a value, or a principle in a principle round), ordered by place.
Only aggregates: no participant, pseudonym, role or answer appears, so the table is safe to
share wherever the results themselves may go (docs/privacy.md). Column names are keys; the
download wording is the edge's job.
"""

from __future__ import annotations

from typing import Any

from app.db import DbSession
from app.sessions import results
from app.sessions import service as sessions
from app.sessions.kinds import kind_of
from app.sessions.models import Denksessie

COLUMNS = ("round", "round_title", "kind", "place", "item", "score", "detail", "n_ballots")


def table(db: DbSession, denksessie: Denksessie) -> list[dict[str, Any]]:
    """Every opened round's result, flattened; draft rounds have none."""
    assert denksessie.id is not None
    names = {v["key"]: v["name"] for v in results.kept_parts(db, denksessie, [])["values"]}
    rows: list[dict[str, Any]] = []
    for session_round in sessions.rounds_of(db, denksessie.id):
        if session_round.status == "draft":
            continue
        result = results.aggregate(db, denksessie, session_round, role="facilitator")
        base = {
            "round": session_round.position + 1,
            "round_title": session_round.title,
            "kind": session_round.kind,
            "n_ballots": result.get("n_ballots", 0),
        }
        rows.extend(
            {**base, **item}
            for item in kind_of(session_round.kind).table_rows(
                db, denksessie, session_round, result, names
            )
        )
    return rows
