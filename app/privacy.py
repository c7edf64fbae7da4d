"""Participant-level data: what is deleted when, and the export of a whole denksessie.

Participant-level data is every ballot, every participant id, display name and role. It is
deleted ``retention_days`` (per organisation, default 30) after a denksessie ends, or at once by
the facilitator. What a group made together stays: each round's result is kept as the snapshot
the facilitator saw, and principle texts stay with no participant attached. docs/privacy.md
says this to participants and organisations.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import col, select

from app.db import DbSession
from app.errors import Rejected
from app.organisations.models import Organisation, utcnow
from app.sessions import results
from app.sessions import service as sessions
from app.sessions.models import (
    Ballot,
    Denksessie,
    ModerationLog,
    Participant,
    Principle,
)

EXPORT_FORMAT = "denksessie-export/1"


def purge(db: DbSession, denksessie: Denksessie, *, now: datetime | None = None) -> int:
    """Delete a denksessie's participant-level data; returns how many participants went.

    Only for an ended denksessie: a live room needs its participants. Idempotent.
    """
    if denksessie.status != "ended":
        raise Rejected(
            "NOT_ENDED",
            "Beëindig de denksessie eerst; daarna kunnen de ruwe gegevens worden gewist.",
        )
    assert denksessie.id is not None
    if denksessie.purged_at is not None:
        return 0
    rounds = sessions.rounds_of(db, denksessie.id)
    for session_round in rounds:
        if session_round.status != "draft":
            session_round.result_snapshot = results.aggregate(
                db, denksessie, session_round, role="facilitator"
            )
            db.add(session_round)
    round_ids = [r.id for r in rounds]
    removed = select(Participant.id).where(
        Participant.denksessie_id == denksessie.id, col(Participant.removed).is_(True)
    )
    # A removed participant's principles were not shown; without a participant they would be.
    db.exec(update(Principle).where(col(Principle.participant_id).in_(removed)).values(hidden=True))
    db.exec(
        update(Principle).where(col(Principle.round_id).in_(round_ids)).values(participant_id=None)
    )
    gone = len(
        db.exec(select(Participant.id).where(Participant.denksessie_id == denksessie.id)).all()
    )
    # Ballots and submissions go with their participant (ON DELETE CASCADE).
    db.exec(delete(Ballot).where(col(Ballot.round_id).in_(round_ids)))
    db.exec(delete(Participant).where(col(Participant.denksessie_id) == denksessie.id))
    db.exec(delete(ModerationLog).where(col(ModerationLog.denksessie_id) == denksessie.id))
    denksessie.purged_at = now or utcnow()
    db.add(denksessie)
    db.flush()
    return gone


def purge_expired(db: DbSession, *, now: datetime | None = None) -> list[int]:
    """Purge every ended denksessie past its organisation's retention; returns their ids."""
    now = now or utcnow()
    candidates = db.exec(
        select(Denksessie, Organisation)
        .join(Organisation, col(Organisation.id) == col(Denksessie.organisation_id))
        .where(
            Denksessie.status == "ended",
            col(Denksessie.purged_at).is_(None),
            col(Denksessie.ended_at).is_not(None),
        )
    ).all()
    purged = []
    for denksessie, organisation in candidates:
        assert denksessie.ended_at is not None
        if _aware(denksessie.ended_at) + timedelta(days=organisation.retention_days) <= now:
            purge(db, denksessie, now=now)
            assert denksessie.id is not None
            purged.append(denksessie.id)
    return purged


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def export(db: DbSession, denksessie: Denksessie) -> dict[str, Any]:
    """Everything stored about a denksessie, as one JSON document (no IP or user agent exists
    to export: they are never stored)."""
    assert denksessie.id is not None
    rounds = sessions.rounds_of(db, denksessie.id)
    round_ids = [r.id for r in rounds]
    participants = db.exec(
        select(Participant)
        .where(Participant.denksessie_id == denksessie.id)
        .order_by(col(Participant.joined_at))
    ).all()
    ballots = db.exec(
        select(Ballot).where(col(Ballot.round_id).in_(round_ids)).order_by(col(Ballot.id))
    ).all()
    principles = db.exec(
        select(Principle).where(col(Principle.round_id).in_(round_ids)).order_by(col(Principle.id))
    ).all()
    log = db.exec(
        select(ModerationLog)
        .where(ModerationLog.denksessie_id == denksessie.id)
        .order_by(col(ModerationLog.id))
    ).all()
    return {
        "format": EXPORT_FORMAT,
        "exported_at": utcnow().isoformat(),
        "denksessie": {
            "id": denksessie.id,
            "title": denksessie.title,
            "join_code": denksessie.join_code,
            "status": denksessie.status,
            "roles": denksessie.roles,
            "casus_ids": denksessie.casus_ids,
            "show_results_live": denksessie.show_results_live,
            "created_at": _iso(denksessie.created_at),
            "ended_at": _iso(denksessie.ended_at),
            "purged_at": _iso(denksessie.purged_at),
        },
        "rounds": [
            {
                "id": r.id,
                "position": r.position,
                "kind": r.kind,
                "title": r.title,
                "status": r.status,
                "config": r.config,
                "tie_break_order": r.tie_break_order,
                "opened_at": _iso(r.opened_at),
                "closed_at": _iso(r.closed_at),
                "result": results.aggregate(db, denksessie, r, role="facilitator")
                if r.status != "draft"
                else None,
            }
            for r in rounds
        ],
        "participants": [
            {
                "id": p.id,
                "display_name": p.display_name,
                "role": p.role,
                "removed": p.removed,
                "joined_at": _iso(p.joined_at),
            }
            for p in participants
        ],
        "ballots": [
            {
                "round_id": b.round_id,
                "participant_id": b.participant_id,
                "answer": b.payload,
                "revision": b.revision,
                "updated_at": _iso(b.updated_at),
            }
            for b in ballots
        ],
        "principles": [
            {
                "id": p.id,
                "round_id": p.round_id,
                "participant_id": p.participant_id,
                "value": p.value_key,
                "text": p.text,
                "rewords_id": p.rewords_id,
                "hidden": p.hidden,
                "created_at": _iso(p.created_at),
            }
            for p in principles
        ],
        "moderation_log": [
            {"action": entry.action, "target": entry.target, "at": _iso(entry.at)} for entry in log
        ],
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
