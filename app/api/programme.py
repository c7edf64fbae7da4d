"""The facilitator's private round notes and duplicating a denksessie (app/sessions/programme.py).

Notes have their own endpoints because every snapshot and event also reaches the projector and
the phones: a note is read here, by the console, and nowhere else.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, StringConstraints

from app import i18n
from app.api.deps import DbSession, OrganisationId, PathId
from app.api.errors import ERROR_RESPONSES, language_of
from app.schemas import StrictModel
from app.sessions import programme
from app.sessions import service as sessions

router = APIRouter(prefix="/api/v1/denksessies", tags=["denksessies"], responses=ERROR_RESPONSES)


class NoteUpdate(StrictModel):
    note: Annotated[str, StringConstraints(max_length=programme.NOTE_MAX)]


class RoundNote(BaseModel):
    round_id: int
    note: str | None


class RoundNotes(BaseModel):
    notes: dict[int, str]


class Duplicated(BaseModel):
    id: int
    title: str
    code: str
    console_url: str


@router.get("/{denksessie_id}/notes")
def get_notes(db: DbSession, organisation_id: OrganisationId, denksessie_id: PathId) -> RoundNotes:
    """The console's private notes per round; never in a snapshot, event or download."""
    sessions.get_for_organisation(db, denksessie_id=denksessie_id, organisation_id=organisation_id)
    return RoundNotes(notes=programme.notes_of(db, denksessie_id))


@router.put("/{denksessie_id}/rounds/{round_id}/note")
def put_note(
    db: DbSession,
    organisation_id: OrganisationId,
    denksessie_id: PathId,
    round_id: PathId,
    data: NoteUpdate,
) -> RoundNote:
    denksessie = sessions.get_for_organisation(
        db, denksessie_id=denksessie_id, organisation_id=organisation_id
    )
    note = programme.set_note(db, denksessie=denksessie, round_id=round_id, note=data.note)
    return RoundNote(round_id=round_id, note=note)


@router.post("/{denksessie_id}/duplicate", status_code=status.HTTP_201_CREATED)
def duplicate(
    request: Request, db: DbSession, organisation_id: OrganisationId, denksessie_id: PathId
) -> Duplicated:
    """The same programme again: settings and rounds (as drafts, with their notes), no
    participants, answers or results."""
    original = sessions.get_for_organisation(
        db, denksessie_id=denksessie_id, organisation_id=organisation_id
    )
    _ = i18n.translations(language_of(request)).gettext
    copy = programme.duplicate(
        db,
        denksessie=original,
        organisation_id=organisation_id,
        title=_("%(title)s (kopie)") % {"title": original.title},
    )
    assert copy.id is not None
    return Duplicated(
        id=copy.id, title=copy.title, code=copy.join_code, console_url=f"/console/{copy.id}"
    )
