"""What a facilitator prepares around the rounds: private notes per round, and a copy of a
denksessie's programme to run it again.

A note is the facilitator's alone: it is read only by ``notes_of`` for the console and never
enters a snapshot, event or download (tests/api/test_programme.py holds every channel to it).
"""

from __future__ import annotations

from sqlmodel import col, select

from app.db import DbSession
from app.errors import NotFound
from app.sessions import service as sessions
from app.sessions.models import Denksessie, SessionRound
from app.sessions.schemas import DenksessieCreate, RoundCreate

NOTE_MAX = 2000


def notes_of(db: DbSession, denksessie_id: int) -> dict[int, str]:
    """The notes of a denksessie's rounds, by round id (rounds without a note left out)."""
    rows = db.exec(
        select(SessionRound.id, SessionRound.facilitator_note).where(
            SessionRound.denksessie_id == denksessie_id,
            col(SessionRound.facilitator_note).is_not(None),
        )
    ).all()
    return {round_id: note for round_id, note in rows if round_id is not None and note}


def set_note(db: DbSession, *, denksessie: Denksessie, round_id: int, note: str) -> str | None:
    """Replace a round's note; blank removes it. Allowed after the end too: notes are the
    facilitator's own, not part of what the room answered."""
    session_round = db.get(SessionRound, round_id)
    if session_round is None or session_round.denksessie_id != denksessie.id:
        raise NotFound(reason="ROUND", params={"round_id": round_id})
    session_round.facilitator_note = note.strip() or None
    db.add(session_round)
    db.flush()
    return session_round.facilitator_note


def duplicate(
    db: DbSession, *, denksessie: Denksessie, organisation_id: int, title: str
) -> Denksessie:
    """A new denksessie with the same settings and rounds (as drafts, with their notes), and
    none of its participants, answers or results; a new join code and, if asked, a new PIN."""
    assert denksessie.id is not None
    catalogue = sessions.catalogue_of(db, denksessie)
    copy = sessions.create(
        db,
        organisation_id=organisation_id,
        data=DenksessieCreate(
            title=title[:200],
            catalogue=catalogue.slug,
            roles=list(denksessie.roles),
            casus_ids=list(denksessie.casus_ids),
            show_results_live=denksessie.show_results_live,
            room_size=denksessie.room_size,
            require_pin=denksessie.room_pin is not None,
        ),
    )
    for session_round in sessions.rounds_of(db, denksessie.id):
        added = sessions.add_round(
            db,
            denksessie=copy,
            data=RoundCreate.model_validate(
                {
                    "kind": session_round.kind,
                    "title": session_round.title,
                    "config": dict(session_round.config),
                }
            ),
        )
        added.facilitator_note = session_round.facilitator_note
        db.add(added)
    db.flush()
    return copy
