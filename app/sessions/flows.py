"""Facilitator controls: each changes state, bumps ``seq`` and returns the event to publish.

The caller commits first and publishes after, so nothing is announced for a rolled-back change.
A refusal says what went wrong as a code, a reason and facts (``params``); the words, Dutch or
English, are made at the edge (``app/i18n/errors.py``).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select

from app.db import DbSession
from app.errors import NotFound, Rejected
from app.events import MARKER_SEQ, PARTICIPANTS_CHANGED, Event
from app.organisations.models import utcnow
from app.sessions import service as sessions
from app.sessions.kinds import casus
from app.sessions.kinds import open as open_question
from app.sessions.models import (
    CardQuote,
    Denksessie,
    HiddenReason,
    ModerationLog,
    Participant,
    Principle,
    SessionRound,
)


def _event(db: DbSession, denksessie: Denksessie, kind: str, **payload: object) -> Event:
    assert denksessie.id is not None
    seq = sessions.bump_seq(db, denksessie.id)
    return Event(type=kind, denksessie_id=denksessie.id, seq=seq, payload=dict(payload))


def _not_ended(denksessie: Denksessie) -> None:
    if denksessie.status == "ended":
        raise Rejected("DENKSESSIE_ENDED")


def _log(db: DbSession, denksessie: Denksessie, action: str, target: str) -> None:
    assert denksessie.id is not None
    db.add(ModerationLog(denksessie_id=denksessie.id, action=action, target=target))


def round_added(db: DbSession, denksessie: Denksessie, session_round: SessionRound) -> Event:
    return _event(db, denksessie, "round_added", round_id=session_round.id)


def open_round(db: DbSession, *, denksessie: Denksessie, round_id: int) -> Event:
    """Open one round; facilitator-paced, so any other open round is refused first. In a
    self-paced denksessie rounds are open side by side, until it closes (decision 0033)."""
    _not_ended(denksessie)
    if denksessie.closed_at is not None:
        raise Rejected("SELF_PACED_CLOSED")
    target = sessions.get_round(db, denksessie=denksessie, round_id=round_id)
    assert denksessie.id is not None
    other = (
        None
        if denksessie.self_paced
        else db.exec(
            select(SessionRound).where(
                SessionRound.denksessie_id == denksessie.id,
                SessionRound.status == "open",
                col(SessionRound.id) != round_id,
            )
        ).first()
    )
    if other is not None:
        raise Rejected("ANOTHER_ROUND_OPEN", params={"round_id": other.id, "title": other.title})
    if target.status == "open":
        raise Rejected("ROUND_ALREADY_OPEN")
    _open(db, denksessie, target)
    return _event(db, denksessie, "round_opened", round_id=round_id)


def _open(db: DbSession, denksessie: Denksessie, target: SessionRound) -> None:
    if not target.tie_break_order:
        order = sessions.candidates_of(db, denksessie, target)
        secrets.SystemRandom().shuffle(order)
        target.tie_break_order = order
    target.status = "open"
    target.opened_at = target.opened_at or utcnow()
    target.closed_at = None
    denksessie.status = "running"
    db.add_all([target, denksessie])
    db.flush()


def close_round(db: DbSession, *, denksessie: Denksessie, round_id: int) -> Event:
    target = sessions.get_round(db, denksessie=denksessie, round_id=round_id)
    if target.status != "open":
        raise Rejected("ROUND_NOT_OPEN")
    target.status = "closed"
    target.closed_at = utcnow()
    target.deadline_at = None
    db.add(target)
    db.flush()
    return _event(db, denksessie, "round_closed", round_id=round_id)


def reopen_round(db: DbSession, *, denksessie: Denksessie, round_id: int) -> Event:
    target = sessions.get_round(db, denksessie=denksessie, round_id=round_id)
    if target.status != "closed":
        raise Rejected("ROUND_NOT_CLOSED")
    return open_round(db, denksessie=denksessie, round_id=round_id)


def reveal_round(
    db: DbSession, *, denksessie: Denksessie, round_id: int, revealed: bool = True
) -> Event:
    target = sessions.get_round(db, denksessie=denksessie, round_id=round_id)
    target.revealed = revealed
    db.add(target)
    db.flush()
    return _event(db, denksessie, "round_revealed", round_id=round_id, revealed=revealed)


def set_timer(db: DbSession, *, denksessie: Denksessie, round_id: int, seconds: int) -> Event:
    """A visible countdown; 0 stops it. The round is not closed by the clock, the facilitator
    closes it, so nobody loses an answer to a timer that ran out mid-sentence."""
    target = sessions.get_round(db, denksessie=denksessie, round_id=round_id)
    if target.status != "open":
        raise Rejected("ROUND_NOT_OPEN", reason="TIMER")
    target.deadline_at = utcnow() + timedelta(seconds=seconds) if seconds else None
    db.add(target)
    db.flush()
    deadline = target.deadline_at.isoformat() if target.deadline_at else None
    return _event(db, denksessie, "timer_set", round_id=round_id, deadline_at=deadline)


def set_principle_hidden(
    db: DbSession, *, denksessie: Denksessie, principle_id: int, hidden: bool
) -> Event:
    principle = db.get(Principle, principle_id)
    target = db.get(SessionRound, principle.round_id) if principle else None
    if principle is None or target is None or target.denksessie_id != denksessie.id:
        raise NotFound(reason="PRINCIPLE", params={"principle_id": principle_id})
    principle.hidden = hidden
    db.add(principle)
    _log(db, denksessie, "hide_principle" if hidden else "show_principle", str(principle_id))
    db.flush()
    return _event(db, denksessie, "principle_moderated", principle_id=principle_id, hidden=hidden)


def moderate_answers(
    db: DbSession,
    *,
    denksessie: Denksessie,
    round_id: int,
    change: str,
    keys: list[str],
    into: str | None = None,
) -> Event:
    """An open question's moderation (``kinds/open.py``): ``change`` hides or shows the
    answers ``keys``, merges them into ``into``, or unmerges them. Logged like a hidden
    principle; the event says which round, never the answers' words."""
    target = open_question.moderated_round(db, denksessie, round_id)
    if change == "merge":
        open_question.merge(db, target, keys, into=into or keys[0])
    else:
        for key in keys:
            if change == "unmerge":
                open_question.unmerge(db, target, key)
            else:
                open_question.set_hidden(db, target, key, hidden=change == "hide")
    _log(db, denksessie, f"{change}_answer", f"{round_id}:{len(keys)}")
    db.flush()
    return _event(db, denksessie, "answers_moderated", round_id=round_id, change=change)


def show_answers_as(db: DbSession, *, denksessie: Denksessie, round_id: int, show: str) -> Event:
    """Switch what the projector shows of an open question: the cloud, the wall, or both."""
    target = open_question.moderated_round(db, denksessie, round_id)
    open_question.show_as(db, target, show)
    return _event(db, denksessie, "answers_display_set", round_id=round_id, show=show)


def _casus_round(db: DbSession, denksessie: Denksessie, round_id: int) -> SessionRound:
    target = sessions.get_round(db, denksessie=denksessie, round_id=round_id)
    if target.kind != casus.NAME:
        raise Rejected("WRONG_ROUND_KIND", reason="REASONS")
    return target


def set_reason_hidden(
    db: DbSession, *, denksessie: Denksessie, round_id: int, reason_id: str, hidden: bool
) -> Event:
    """Hide a reason ("Waarom?") from the room, or show it again; both are logged. A reason is
    named by its id (value and text, ``app.aggregation.reasons``): the same text written twice
    for a value is hidden in both places."""
    target = _casus_round(db, denksessie, round_id)
    row = db.exec(
        select(HiddenReason).where(
            HiddenReason.round_id == round_id, HiddenReason.reason_id == reason_id
        )
    ).first()
    if row is None and reason_id not in casus.written_reasons(db, target):
        raise NotFound(reason="REASON", params={"reason_id": reason_id})
    if hidden and row is None:
        db.add(HiddenReason(round_id=round_id, reason_id=reason_id))
    elif not hidden and row is not None:
        db.delete(row)
    _log(db, denksessie, "hide_reason" if hidden else "show_reason", f"{round_id}:{reason_id}")
    db.flush()
    return _event(
        db, denksessie, "reason_moderated", round_id=round_id, reason_id=reason_id, hidden=hidden
    )


def pick_quote(
    db: DbSession,
    *,
    denksessie: Denksessie,
    round_id: int,
    reason_id: str | None = None,
    side: str | None = None,
    principle_id: int | None = None,
) -> Event:
    """Keep a reason or a principle of a casus round as a quote for the card: a copy of its
    text, without who wrote it. A reason is picked from a side of the decision it was written
    on (``side`` may be left out when there is one). A hidden text cannot be picked; picking one
    twice keeps one."""
    target = _casus_round(db, denksessie, round_id)
    if (reason_id is None) == (principle_id is None):
        raise Rejected("QUOTE_INVALID", http_status=422)
    if reason_id is not None:
        written = casus.written_reasons(db, target)
        value, text, sides = written.get(reason_id, ("", "", set()))
        if not sides or reason_id in casus.hidden_reasons(db, target):
            raise NotFound(reason="REASON", params={"reason_id": reason_id})
        if side is None and len(sides) == 1:
            side = next(iter(sides))
        elif side not in sides:
            raise NotFound(reason="REASON", params={"reason_id": reason_id})
        source = "reason"
    else:
        principle = db.get(Principle, principle_id)
        if principle is None or principle.round_id != round_id or principle.hidden:
            raise NotFound(reason="PRINCIPLE", params={"principle_id": principle_id})
        value, text, source, side = principle.value_key, principle.text, "principle", None
    assert denksessie.id is not None
    known = db.exec(
        select(CardQuote).where(
            CardQuote.denksessie_id == denksessie.id,
            CardQuote.value_key == value,
            CardQuote.text == text,
        )
    ).first()
    if known is None:
        known = CardQuote(
            denksessie_id=denksessie.id,
            round_id=round_id,
            value_key=value,
            source=source,
            side=side,
            text=text,
        )
        db.add(known)
        db.flush()
    _log(db, denksessie, "pick_quote", str(known.id))
    return _event(db, denksessie, "quote_picked", round_id=round_id, quote_id=known.id)


def drop_quote(db: DbSession, *, denksessie: Denksessie, quote_id: int) -> Event:
    """Take a picked quote off the card again."""
    quote = db.get(CardQuote, quote_id)
    if quote is None or quote.denksessie_id != denksessie.id:
        raise NotFound(reason="QUOTE", params={"quote_id": quote_id})
    db.delete(quote)
    _log(db, denksessie, "drop_quote", str(quote_id))
    db.flush()
    return _event(db, denksessie, "quote_dropped", round_id=quote.round_id, quote_id=quote_id)


def remove_participant(db: DbSession, *, denksessie: Denksessie, participant_id: str) -> Event:
    participant = db.get(Participant, participant_id)
    if participant is None or participant.denksessie_id != denksessie.id:
        raise NotFound(reason="PARTICIPANT", params={"participant_id": participant_id})
    participant.removed = True
    db.add(participant)
    _log(db, denksessie, "remove_participant", participant_id)
    db.flush()
    return _event(db, denksessie, "participant_removed", participant_id=participant_id)


def lock_joining(db: DbSession, *, denksessie: Denksessie, locked: bool) -> Event:
    _not_ended(denksessie)
    denksessie.join_locked = locked
    db.add(denksessie)
    db.flush()
    return _event(db, denksessie, "joining_locked", locked=locked)


def participants_changed(denksessie_id: int) -> Event:
    """A marker like ``ballots_changed``: joins are many, so they refresh counts on the next
    tick instead of bumping ``seq`` (which would serialise every join on one row)."""
    return Event(type=PARTICIPANTS_CHANGED, denksessie_id=denksessie_id, seq=MARKER_SEQ)


def end_denksessie(db: DbSession, *, denksessie: Denksessie) -> Event:
    _not_ended(denksessie)
    assert denksessie.id is not None
    for session_round in sessions.rounds_of(db, denksessie.id):
        if session_round.status == "open":
            session_round.status = "closed"
            session_round.closed_at = utcnow()
            session_round.deadline_at = None
            db.add(session_round)
    denksessie.status = "ended"
    denksessie.ended_at = utcnow()
    db.add(denksessie)
    db.flush()
    return _event(db, denksessie, "denksessie_ended")


# --- self-paced (docs/decisions/0033) -----------------------------------------------------------


def start_self_paced(db: DbSession, *, denksessie: Denksessie) -> Event:
    """Open every round at once: participants answer them on their own phone, in any order,
    until ``closes_at``."""
    _not_ended(denksessie)
    if not denksessie.self_paced:
        raise Rejected("NOT_SELF_PACED")
    if denksessie.status != "lobby":
        raise Rejected("SELF_PACED_STARTED")
    if denksessie.closes_at is not None and denksessie.closes_at <= utcnow():
        raise Rejected("SELF_PACED_CLOSED")
    assert denksessie.id is not None
    drafts = [r for r in sessions.rounds_of(db, denksessie.id) if r.status == "draft"]
    if not drafts:
        raise Rejected("NO_ROUNDS")
    for session_round in drafts:
        _open(db, denksessie, session_round)
    return _event(db, denksessie, "self_paced_started", rounds=len(drafts))


def close_self_paced(
    db: DbSession, *, denksessie_id: int, now: datetime | None = None
) -> Event | None:
    """Close a running self-paced denksessie: every open round closed, every round that ran
    revealed, joining locked. Once only: a conditional update claims it, so of two workers (or
    the job and "Nu sluiten") one closes it and the other gets ``None``. The denksessie keeps
    running, so phones and the projector show the results until the facilitator ends it."""
    now = now or utcnow()
    claimed = db.execute(
        update(Denksessie)
        .where(
            col(Denksessie.id) == denksessie_id,
            col(Denksessie.self_paced).is_(True),
            col(Denksessie.status) == "running",
            col(Denksessie.closed_at).is_(None),
        )
        .values(closed_at=now, join_locked=True)
        .returning(col(Denksessie.id))
    ).first()
    if claimed is None:
        return None
    denksessie = db.get(Denksessie, denksessie_id)
    assert denksessie is not None
    db.refresh(denksessie)
    if denksessie.closes_at is None or denksessie.closes_at > now:
        denksessie.closes_at = now  # closed early ("Nu sluiten"): the phones show when
        db.add(denksessie)
    for session_round in sessions.rounds_of(db, denksessie_id):
        if session_round.status == "open":
            session_round.status = "closed"
            session_round.closed_at = now
            session_round.deadline_at = None
        if session_round.status == "closed":
            session_round.revealed = True
        db.add(session_round)
    db.flush()
    return _event(db, denksessie, "self_paced_closed")


def close_now(db: DbSession, *, denksessie: Denksessie) -> Event:
    """The facilitator's "Nu sluiten"."""
    assert denksessie.id is not None
    if not denksessie.self_paced:
        raise Rejected("NOT_SELF_PACED")
    event = close_self_paced(db, denksessie_id=denksessie.id)
    if event is None:
        raise Rejected("SELF_PACED_NOT_RUNNING")
    return event


def close_due(db: DbSession, *, now: datetime | None = None) -> list[Event]:
    """Close every self-paced denksessie past its closing time (the periodic job in
    ``app.main``); the events are to be published after the commit."""
    now = now or utcnow()
    due = db.exec(
        select(Denksessie.id).where(
            col(Denksessie.self_paced).is_(True),
            col(Denksessie.status) == "running",
            col(Denksessie.closed_at).is_(None),
            col(Denksessie.closes_at) <= now,
        )
    ).all()
    events = []
    for denksessie_id in due:
        if denksessie_id is None:
            continue
        event = close_self_paced(db, denksessie_id=denksessie_id, now=now)
        if event is not None:
            events.append(event)
    return events
