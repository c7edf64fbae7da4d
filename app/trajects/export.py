"""All ballots of a traject as CSV, anonymised, for anyone who wants to recount.

Each participant appears under a pseudonym (app/anonymity.py): the same as in the denksessie's
JSON export, meaningless outside that denksessie, never the id the console or a phone's token
carries. Display names never appear. Roles are folded per session as app/anonymity.py says
(a role only for a group of at least ``MIN_ROLE_SIZE`` who answered, "overig" for the rest), so
nobody can be singled out. Removed participants' ballots are left out, as they do not count.
Cells are escaped against spreadsheet formulas (app/csv_cells.py).
"""

from __future__ import annotations

import io
from typing import Any

from sqlmodel import col, select

from app.anonymity import pseudonym, role_labels
from app.csv_cells import DictWriter
from app.db import DbSession
from app.sessions.models import Ballot, Participant, SessionRound
from app.trajects import service as trajects
from app.trajects.models import Traject

COLUMNS = [
    "session",
    "stage",
    "round",
    "round_title",
    "kind",
    "participant",
    "role",
    "decision",
    "values",
    "principles",
    "ranking",
    "approve",
    "points",
    "rewording",
    "pairs",
]


def _answer(payload: dict[str, Any]) -> dict[str, str]:
    rewording = payload.get("rewording") or {}
    return {
        "decision": str(payload.get("decision", "")),
        "values": ";".join(payload.get("values", [])),
        "principles": " | ".join(f"{k}: {v}" for k, v in payload.get("principles", {}).items()),
        "ranking": ";".join(payload.get("ranking", [])),
        "approve": ";".join(str(v) for v in payload.get("approve", [])),
        "points": ";".join(f"{k}={v}" for k, v in payload.get("points", {}).items()),
        "rewording": (
            f"{rewording.get('principle_id')}: {rewording.get('text')}" if rewording else ""
        ),
        "pairs": ";".join(f"{a}+{b}" for a, b in payload.get("pairs", [])),
    }


def ballots_csv(db: DbSession, traject: Traject, *, secret_key: str) -> str:
    out = io.StringIO()
    writer = DictWriter(out, COLUMNS)
    writer.writeheader()
    for link, denksessie in trajects.sessions_of(db, traject):
        assert denksessie.id is not None
        rows = db.exec(
            select(SessionRound, Ballot, Participant.role)
            .join(Ballot, col(Ballot.round_id) == col(SessionRound.id))
            .join(Participant, col(Participant.id) == col(Ballot.participant_id))
            .where(SessionRound.denksessie_id == denksessie.id, col(Participant.removed).is_(False))
            .order_by(col(SessionRound.position), col(Ballot.id))
        ).all()
        # Folded over the people whose answers are in the file: only they give each other cover.
        roles = role_labels({ballot.participant_id: role for _, ballot, role in rows})
        for session_round, ballot, _role in rows:
            pid = ballot.participant_id
            writer.writerow(
                {
                    "session": denksessie.title,
                    "stage": link.stage,
                    "round": session_round.position + 1,
                    "round_title": session_round.title,
                    "kind": session_round.kind,
                    "participant": pseudonym(
                        secret_key, denksessie_id=denksessie.id, participant_id=pid
                    ),
                    "role": roles[pid] or "",
                    **_answer(dict(ballot.payload)),
                }
            )
    return out.getvalue()
