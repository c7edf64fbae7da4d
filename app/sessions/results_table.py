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
from app.sessions.ballots import round_principles
from app.sessions.models import Denksessie, SessionRound

COLUMNS = ("round", "round_title", "kind", "place", "item", "score", "detail", "n_ballots")


def _scored(order: list[str], score: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {"place": place, "item": names.get(key, key), "score": score.get(key, 0), "detail": ""}
        for place, key in enumerate(order, start=1)
    ]


def _items(
    db: DbSession,
    denksessie: Denksessie,
    session_round: SessionRound,
    result: dict[str, Any],
    names: dict[str, str],
) -> list[dict[str, Any]]:
    kind = session_round.kind
    if kind == "casus":
        decisions = result.get("decisions", {})
        summary = "; ".join(f"{decision}: {n}" for decision, n in decisions.items())
        rows = [{"place": "", "item": "", "score": "", "detail": summary}] if summary else []
        return rows + [
            {
                "place": place,
                "item": names.get(v["value"], v["value"]),
                "score": v["total"],
                "detail": "; ".join(f"{d}: {n}" for d, n in v.get("by_decision", {}).items()),
            }
            for place, v in enumerate(result.get("values", []), start=1)
        ]
    if kind in ("ranking", "points", "approval"):
        return _scored(list(result.get("order", [])), result["scores"], names)
    texts = {
        str(p.id): p.text for p in round_principles(db, denksessie, session_round) if not p.hidden
    }
    counts: dict[str, int] = result.get("counts", {})
    ordered = sorted((key for key in counts if key in texts), key=lambda key: -counts[key])
    return [
        {"place": place, "item": texts[key], "score": counts[key], "detail": ""}
        for place, key in enumerate(ordered, start=1)
    ]


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
            {**base, **item} for item in _items(db, denksessie, session_round, result, names)
        )
    return rows
