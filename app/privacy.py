"""Participant-level data: what is deleted when, and the export of a whole denksessie.

Participant-level data is every ballot, every participant id, display name and role. It is
deleted ``retention_days`` (per organisation, default 30) after a denksessie's last activity
(``last_activity``), or at once by the facilitator. A denksessie nobody ended is ended by that
same purge once it has been idle that long, so no room keeps names and ballots for ever. What a
group made together stays: each round's result is kept as the snapshot the facilitator saw, and
principle texts stay with no participant attached.

The export never holds a name: answers stand next to a pseudonym and a folded role only
(app/anonymity.py). docs/privacy.md says all this to participants and organisations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, update
from sqlmodel import col, select

from app.accounts.models import Invitation, LoginSession
from app.aggregation.reasons import ReasonBallot, reason_id, reason_rows
from app.anonymity import pseudonym, role_labels
from app.db import DbSession
from app.errors import Rejected
from app.events import Event
from app.organisations.models import Organisation, utcnow
from app.sessions import flows, results
from app.sessions import service as sessions
from app.sessions.kinds import open as open_question
from app.sessions.kinds.casus import hidden_reasons
from app.sessions.models import (
    Ballot,
    Denksessie,
    ModerationLog,
    Participant,
    Principle,
    SessionRound,
)

EXPORT_FORMAT = "denksessie-export/2"
# Moderation log actions whose target is a participant id: exported without it.
PARTICIPANT_TARGETS = frozenset({"remove_participant"})
_ID_CHUNK = 500


def purge(db: DbSession, denksessie: Denksessie, *, now: datetime | None = None) -> int:
    """Delete a denksessie's participant-level data; returns how many participants went.

    Only for an ended denksessie: a live room needs its participants. Idempotent.
    """
    if denksessie.status != "ended":
        raise Rejected("NOT_ENDED")
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


@dataclass(frozen=True)
class Expired:
    """What ``purge_expired`` did: the denksessies purged, the ``denksessie_ended`` events of
    those it ended for idleness (publish them after the commit, so their sockets close), and
    how many expired login sessions and invitation links it deleted."""

    purged: list[int]
    ended: list[Event]
    logins: int = 0
    invitations: int = 0


def purge_expired(db: DbSession, *, now: datetime | None = None) -> Expired:
    """Purge every denksessie idle for longer than its organisation's retention, ending it
    first when nobody did (a live room that idle has nobody left to need its participants).
    One that was never joined is not ended: it holds no personal data."""
    now = now or utcnow()
    candidates = [
        (denksessie, organisation)
        for denksessie, organisation in db.exec(
            select(Denksessie, Organisation)
            .join(Organisation, col(Organisation.id) == col(Denksessie.organisation_id))
            .where(col(Denksessie.purged_at).is_(None))
        ).all()
        # Creation is activity too: what was made within the retention cannot have expired.
        if _aware(denksessie.created_at) + timedelta(days=organisation.retention_days) <= now
    ]
    ids = [d.id for d, _ in candidates if d.id is not None]
    latest = last_activity(db, ids)
    peopled = {
        denksessie_id
        for start in range(0, len(ids), _ID_CHUNK)
        for denksessie_id in db.exec(
            select(Participant.denksessie_id)
            .where(col(Participant.denksessie_id).in_(ids[start : start + _ID_CHUNK]))
            .distinct()
        ).all()
    }
    purged: list[int] = []
    ended: list[Event] = []
    for denksessie, organisation in candidates:
        assert denksessie.id is not None
        if latest[denksessie.id] + timedelta(days=organisation.retention_days) > now:
            continue
        # One prepared long in advance, that nobody joined yet, holds nobody's data: left be.
        if denksessie.status != "ended" and denksessie.id not in peopled:
            continue
        if denksessie.status != "ended":
            ended.append(flows.end_denksessie(db, denksessie=denksessie))
        purge(db, denksessie, now=now)
        purged.append(denksessie.id)
    # Past their expiry these rows open nothing (a login is refused, a link is "gone"), but an
    # invitation still holds the e-mail address of someone who may never have answered.
    logins = db.exec(delete(LoginSession).where(col(LoginSession.expires_at) <= now))
    invitations = db.exec(delete(Invitation).where(col(Invitation.expires_at) <= now))
    return Expired(
        purged=purged,
        ended=ended,
        logins=logins.rowcount,
        invitations=invitations.rowcount,
    )


def last_activity(db: DbSession, denksessie_ids: Sequence[int]) -> dict[int, datetime]:
    """Per denksessie, the latest of: its creation and end, a join, a ballot written or
    changed, a principle written, a round opened or closed, a moderation action. Read from the
    rows themselves, so no write on the hot paths (joins, ballots) is needed to keep it."""
    latest: dict[int, datetime] = {}

    def note(rows: Iterable[tuple[int, datetime | None]]) -> None:
        for denksessie_id, moment in rows:
            if moment is not None:
                moment = _aware(moment)
                if denksessie_id not in latest or moment > latest[denksessie_id]:
                    latest[denksessie_id] = moment

    for start in range(0, len(denksessie_ids), _ID_CHUNK):
        ids = list(denksessie_ids[start : start + _ID_CHUNK])
        rows = db.exec(
            select(Denksessie.id, Denksessie.created_at, Denksessie.ended_at).where(
                col(Denksessie.id).in_(ids)
            )
        ).all()
        note((d, created) for d, created, _ in rows if d is not None)
        note((d, ended) for d, _, ended in rows if d is not None)
        note(_latest(db, Participant.denksessie_id, col(Participant.joined_at), ids))
        note(_latest(db, ModerationLog.denksessie_id, col(ModerationLog.at), ids))
        for moment in (
            col(SessionRound.opened_at),
            col(SessionRound.closed_at),
        ):
            note(_latest(db, SessionRound.denksessie_id, moment, ids))
        for table, moment in (
            (Ballot, col(Ballot.updated_at)),
            (Principle, col(Principle.created_at)),
        ):
            note(
                db.exec(
                    select(SessionRound.denksessie_id, func.max(moment))
                    .join(table, col(table.round_id) == col(SessionRound.id))
                    .where(col(SessionRound.denksessie_id).in_(ids))
                    .group_by(col(SessionRound.denksessie_id))
                ).all()
            )
    return latest


def _latest(
    db: DbSession, owner: Any, moment: Any, ids: list[int]
) -> list[tuple[int, datetime | None]]:
    return list(
        db.exec(
            select(owner, func.max(moment)).where(col(owner).in_(ids)).group_by(col(owner))
        ).all()
    )


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def export(db: DbSession, denksessie: Denksessie, *, secret_key: str) -> dict[str, Any]:
    """Everything about a denksessie a download may hold, as one JSON document.

    Answers stand next to a pseudonym and a folded role, never a name or the participant id the
    console shows; no time per answer either (it could name whoever pressed send at that
    moment). Ballots of removed participants are left out (they do not count, and the
    facilitator knows whom they removed); their principles stay, without participant. No IP
    address or user agent exists to export: they are never stored.
    """
    assert denksessie.id is not None
    rounds = sessions.rounds_of(db, denksessie.id)
    round_ids = [r.id for r in rounds]
    participants = db.exec(
        select(Participant.id, Participant.role, Participant.removed).where(
            Participant.denksessie_id == denksessie.id
        )
    ).all()
    active = {pid: role for pid, role, removed in participants if not removed}
    ballots = db.exec(
        select(Ballot).where(
            col(Ballot.round_id).in_(round_ids), col(Ballot.participant_id).in_(list(active))
        )
    ).all()
    principles = db.exec(
        select(Principle).where(col(Principle.round_id).in_(round_ids)).order_by(col(Principle.id))
    ).all()
    answering = {b.participant_id for b in ballots} | {
        p.participant_id for p in principles if p.participant_id in active
    }
    labels = role_labels({pid: active[pid] for pid in answering})

    aliases = {
        pid: pseudonym(secret_key, denksessie_id=denksessie.id, participant_id=pid)
        for pid in answering
    }
    hidden = {r.id: hidden_reasons(db, r) for r in rounds}
    reasons = [
        {
            "round_id": b.round_id,
            "participant": aliases[author],
            "role": labels[author],
            "value": value,
            "side": side,
            "text": text,
            "hidden": reason_id(value, text) in hidden[b.round_id],
        }
        for b in ballots
        if b.payload.get("reasons")
        for author, value, side, text in reason_rows(
            [
                (
                    b.participant_id,
                    ReasonBallot(
                        b.payload["decision"], tuple(b.payload["values"]), b.payload["reasons"]
                    ),
                )
            ]
        )
    ]
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
            "self_paced": denksessie.self_paced,
            "closes_at": _iso(denksessie.closes_at),
            "closed_at": _iso(denksessie.closed_at),
            "participant_count": len(active),
            "removed_participant_count": len(participants) - len(active),
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
        "participants": sorted(
            ({"participant": aliases[pid], "role": labels[pid]} for pid in answering),
            key=lambda p: str(p["participant"]),
        ),
        "ballots": sorted(
            (
                {
                    "round_id": b.round_id,
                    "participant": aliases[b.participant_id],
                    "answer": b.payload,
                    "revision": b.revision,
                }
                for b in ballots
            ),
            key=lambda b: (int(b["round_id"]), str(b["participant"])),
        ),
        "principles": [
            {
                "id": p.id,
                "round_id": p.round_id,
                "participant": aliases.get(p.participant_id) if p.participant_id else None,
                "value": p.value_key,
                "text": p.text,
                "rewords_id": p.rewords_id,
                # A removed participant's principles were never shown.
                "hidden": p.hidden
                or (p.participant_id is not None and p.participant_id not in active),
            }
            for p in principles
        ],
        # Open questions, one row per answer (``sessions/kinds/open.py``).
        "open_answers": open_question.export_rows(db, rounds, list(ballots), labels, aliases),
        # Reasons ("Waarom?") of casus rounds, beside the side of the decision they were written on.
        "reasons": sorted(
            reasons, key=lambda r: (r["round_id"], r["value"], r["side"], r["participant"])
        ),
        "moderation_log": [
            {
                "action": entry.action,
                "target": None if entry.action in PARTICIPANT_TARGETS else entry.target,
                "at": _iso(entry.at),
            }
            for entry in log
        ],
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
