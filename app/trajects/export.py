"""All ballots of a traject as CSV, anonymised, for anyone who wants to recount.

Participant ids are replaced by random ids drawn per export (consistent within one file, never
the id a phone's token carries). Display names never appear. A role appears only when at least
``MIN_ROLE_SIZE`` participants of that session hold it; smaller roles are folded into "overig",
which is left empty as well when it is smaller than that, so nobody can be singled out.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections import Counter
from typing import Any

from sqlmodel import col, select

from app.aggregation.methods import MIN_ROLE_SIZE, OTHER_ROLE
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
]


def _roles(participants: list[Participant]) -> dict[str, str]:
    sizes = Counter(p.role for p in participants if p.role)
    folded = {
        p.id: (p.role if p.role and sizes[p.role] >= MIN_ROLE_SIZE else OTHER_ROLE)
        for p in participants
        if p.role
    }
    other = sum(1 for role in folded.values() if role == OTHER_ROLE)
    return {
        pid: role for pid, role in folded.items() if role != OTHER_ROLE or other >= MIN_ROLE_SIZE
    }


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
    }


def ballots_csv(db: DbSession, traject: Traject) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    pseudonyms: dict[str, str] = {}
    for link, denksessie in trajects.sessions_of(db, traject):
        participants = list(
            db.exec(
                select(Participant).where(
                    Participant.denksessie_id == denksessie.id,
                    col(Participant.removed).is_(False),
                )
            ).all()
        )
        roles = _roles(participants)
        rows = db.exec(
            select(SessionRound, Ballot)
            .join(Ballot, col(Ballot.round_id) == col(SessionRound.id))
            .join(Participant, col(Participant.id) == col(Ballot.participant_id))
            .where(SessionRound.denksessie_id == denksessie.id, col(Participant.removed).is_(False))
            .order_by(col(SessionRound.position), col(Ballot.id))
        ).all()
        for session_round, ballot in rows:
            pid = ballot.participant_id
            pseudonyms.setdefault(pid, secrets.token_hex(6))
            writer.writerow(
                {
                    "session": denksessie.title,
                    "stage": link.stage,
                    "round": session_round.position + 1,
                    "round_title": session_round.title,
                    "kind": session_round.kind,
                    "participant": pseudonyms[pid],
                    "role": roles.get(pid, ""),
                    **_answer(dict(ballot.payload)),
                }
            )
    return out.getvalue()
