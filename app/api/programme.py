"""The facilitator's private round notes and duplicating a denksessie (app/sessions/programme.py),
and programmes: saved sequences of rounds to start a denksessie from (app/programmes).

Notes have their own endpoints because every snapshot and event also reaches the projector and
the phones: a note is read here, by the console, and nowhere else.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field, StringConstraints

from app import i18n
from app.api.deps import DbSession, OrganisationId, PathId
from app.api.errors import ERROR_RESPONSES, language_of
from app.programmes import service as programmes
from app.programmes.models import Programme
from app.programmes.schemas import ProgrammeCreate, ProgrammeStart
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


# --- programmes: saved sequences of rounds (app/programmes, decision 0025) --------------------

programmes_router = APIRouter(
    prefix="/api/v1/programmes", tags=["programmes"], responses=ERROR_RESPONSES
)


class ProgrammeStepOut(BaseModel):
    kind: str
    title: str
    config: dict[str, Any]
    open: bool = Field(description="leaves out what the start or the room fills in")
    later: bool = Field(description="made after the ranking, not when starting")


class ProgrammeOut(BaseModel):
    id: int
    name: str
    description: str
    builtin: bool
    rounds: list[ProgrammeStepOut]


class Started(BaseModel):
    id: int
    title: str
    code: str
    console_url: str
    later: int = Field(description="rounds left for after the ranking")


def _programme_out(db: DbSession, programme: Programme) -> ProgrammeOut:
    assert programme.id is not None
    return ProgrammeOut(
        id=programme.id,
        name=programme.name,
        description=programme.description,
        builtin=programmes.is_builtin(db, programme),
        rounds=[
            ProgrammeStepOut(
                kind=step["kind"],
                title=step.get("title", ""),
                config=dict(step["config"]),
                open=programmes.is_open(step),
                later=programmes.later(step),
            )
            for step in programme.rounds
        ],
    )


@programmes_router.get("")
def list_programmes(db: DbSession, organisation_id: OrganisationId) -> list[ProgrammeOut]:
    """The built-in programmes of 2024 first, then the organisation's own."""
    return [
        _programme_out(db, p) for p in programmes.list_visible(db, organisation_id=organisation_id)
    ]


@programmes_router.post("", status_code=status.HTTP_201_CREATED)
def save_programme(
    db: DbSession, organisation_id: OrganisationId, data: ProgrammeCreate
) -> ProgrammeOut:
    """A denksessie's rounds as a programme, without what belongs to that denksessie."""
    denksessie = sessions.get_for_organisation(
        db, denksessie_id=data.denksessie_id, organisation_id=organisation_id
    )
    programme = programmes.save_from(
        db, denksessie=denksessie, organisation_id=organisation_id, data=data
    )
    return _programme_out(db, programme)


@programmes_router.delete("/{programme_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_programme(db: DbSession, organisation_id: OrganisationId, programme_id: PathId) -> None:
    """Only the organisation's own; a built-in programme is 403 READ_ONLY."""
    programme = programmes.get_writable(
        db, programme_id=programme_id, organisation_id=organisation_id
    )
    programmes.delete(db, programme=programme)


@programmes_router.post("/{programme_id}/start", status_code=status.HTTP_201_CREATED)
def start_from_programme(
    db: DbSession, organisation_id: OrganisationId, programme_id: PathId, data: ProgrammeStart
) -> Started:
    """A new denksessie with the programme's rounds as drafts; ``casus`` picks a casus per
    casus round by its index in the programme."""
    programme = programmes.get_visible(
        db, programme_id=programme_id, organisation_id=organisation_id
    )
    started = programmes.start(db, programme=programme, organisation_id=organisation_id, data=data)
    denksessie = started.denksessie
    assert denksessie.id is not None
    return Started(
        id=denksessie.id,
        title=denksessie.title,
        code=denksessie.join_code,
        console_url=f"/console/{denksessie.id}",
        later=started.later,
    )
