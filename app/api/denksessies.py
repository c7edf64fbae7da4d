"""Facilitator endpoints: create a denksessie, add rounds, and every control.

Each control commits (``get_db``), then publishes its event as a background task, which runs
only after the commit succeeded and the response went out: nothing is announced for a change
that rolled back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

import segno
from fastapi import APIRouter, BackgroundTasks, Depends, Path, Request, Response, status
from pydantic import BaseModel, Field, StringConstraints

from app.accounts import service as accounts
from app.accounts.service import Login
from app.api.deps import AppSettings, CurrentLogin, DbSession, OrganisationId, PathId
from app.api.errors import ERROR_RESPONSES
from app.config import Settings
from app.events import Event
from app.schemas import DbId, StrictModel
from app.sessions import flows, results
from app.sessions import service as sessions
from app.sessions.models import Denksessie
from app.sessions.schemas import DenksessieCreate, DenksessieUpdate, RoundCreate, TimerRequest
from app.tokens import Grant, sign, staff_token

router = APIRouter(prefix="/api/v1/denksessies", tags=["denksessies"], responses=ERROR_RESPONSES)


class DenksessieCreated(BaseModel):
    id: int
    title: str
    code: str
    join_url: str
    console_url: str
    screen_url: str
    facilitator_token: str
    screen_token: str
    room_size: int
    join_budget: int
    room_pin: str | None
    self_paced: bool = False
    closes_at: datetime | None = None


class DenksessieRoom(BaseModel):
    """Joining settings (docs/decisions/0011): the PIN is for the facilitator and the
    projector, never for participants."""

    room_size: int
    join_budget: int
    joined: int
    room_pin: str | None


class LockRequest(StrictModel):
    locked: bool


class RevealRequest(StrictModel):
    revealed: bool = True


class QuotePick(StrictModel):
    """A reason (by its id and the side it stands on) or a principle of a casus round."""

    round_id: DbId
    reason_id: Annotated[str, StringConstraints(pattern="^[0-9a-f]{16}$")] | None = None
    side: Literal["toekennen", "niet_toekennen", "twijfel"] | None = None
    principle_id: DbId | None = None


def join_url(request: Request, code: str) -> str:
    return str(request.base_url).rstrip("/") + f"/j/{code}"


def _publish(request: Request, background: BackgroundTasks, event: Event) -> None:
    background.add_task(request.app.state.hub.publish_safely, event)


def _own(db: DbSession, organisation_id: int, denksessie_id: int) -> Denksessie:
    return sessions.get_for_organisation(
        db, denksessie_id=denksessie_id, organisation_id=organisation_id
    )


def facilitator_tokens(settings: Settings, login: Login, denksessie_id: int) -> tuple[str, str]:
    """The console's token (a viewer's is read-only) and the projector's, both for this
    denksessie only, expiring, and revoked with this login (docs/security.md)."""
    session_id = login.session.id
    assert session_id is not None

    def token(grant: Grant) -> str:
        scoped = staff_token(
            grant,
            denksessie_id,
            login_session_id=session_id,
            lifetime_s=settings.staff_token_hours * 3600,
        )
        return sign(settings.secret_key, scoped)

    return token("facilitator" if accounts.may(login.role, "facilitator") else "viewer"), token(
        "screen"
    )


@router.post("", status_code=status.HTTP_201_CREATED)
def create_denksessie(
    request: Request,
    db: DbSession,
    organisation_id: OrganisationId,
    login: CurrentLogin,
    settings: AppSettings,
    data: DenksessieCreate,
) -> DenksessieCreated:
    denksessie = sessions.create(db, organisation_id=organisation_id, data=data)
    assert denksessie.id is not None
    facilitator, screen = facilitator_tokens(settings, login, denksessie.id)
    return DenksessieCreated(
        id=denksessie.id,
        title=denksessie.title,
        code=denksessie.join_code,
        join_url=join_url(request, denksessie.join_code),
        console_url=f"/console/{denksessie.id}",
        screen_url=f"/scherm/{denksessie.id}?token={screen}",
        facilitator_token=facilitator,
        screen_token=screen,
        room_size=denksessie.room_size,
        join_budget=sessions.join_budget(denksessie.room_size),
        room_pin=denksessie.room_pin,
        self_paced=denksessie.self_paced,
        closes_at=denksessie.closes_at,
    )


@router.patch("/{denksessie_id}")
def update_denksessie(
    db: DbSession, organisation_id: OrganisationId, denksessie_id: PathId, data: DenksessieUpdate
) -> DenksessieRoom:
    """Change the expected room size or switch the room PIN on (a new one) or off. The
    projector shows a new PIN once its page is reloaded."""
    denksessie = sessions.update_room(
        db, denksessie=_own(db, organisation_id, denksessie_id), data=data
    )
    return DenksessieRoom(
        room_size=denksessie.room_size,
        join_budget=sessions.join_budget(denksessie.room_size),
        joined=denksessie.joined,
        room_pin=denksessie.room_pin,
    )


@router.get("/{denksessie_id}")
def get_denksessie(
    db: DbSession, organisation_id: OrganisationId, denksessie_id: PathId
) -> dict[str, Any]:
    """The facilitator's snapshot: everything, with results of every opened round."""
    return results.snapshot(db, _own(db, organisation_id, denksessie_id), role="facilitator")


@router.get("/{denksessie_id}/qr.svg", response_class=Response)
def join_qr(
    request: Request, db: DbSession, organisation_id: OrganisationId, denksessie_id: PathId
) -> Response:
    denksessie = _own(db, organisation_id, denksessie_id)
    qr = segno.make(join_url(request, denksessie.join_code), error="m")
    return Response(
        qr.svg_inline(scale=10, dark="#000", light="#fff", title="QR-code om mee te doen"),
        media_type="image/svg+xml",
    )


@router.post("/{denksessie_id}/rounds", status_code=status.HTTP_201_CREATED)
def add_round(
    request: Request,
    background: BackgroundTasks,
    db: DbSession,
    organisation_id: OrganisationId,
    denksessie_id: PathId,
    data: RoundCreate,
) -> dict[str, Any]:
    denksessie = _own(db, organisation_id, denksessie_id)
    new_round = sessions.add_round(db, denksessie=denksessie, data=data)
    _publish(request, background, flows.round_added(db, denksessie, new_round))
    return results.round_public(db, new_round)


class Control:
    """Runs one facilitator control: find the own denksessie, apply, publish after commit."""

    def __init__(
        self, request: Request, background: BackgroundTasks, db: DbSession, organisation_id: int
    ) -> None:
        self._request = request
        self._background = background
        self._db = db
        self._organisation_id = organisation_id

    def __call__(
        self, denksessie_id: int, action: Callable[..., Event], **arguments: Any
    ) -> dict[str, Any]:
        denksessie = _own(self._db, self._organisation_id, denksessie_id)
        event = action(self._db, denksessie=denksessie, **arguments)
        _publish(self._request, self._background, event)
        return {"event": event.type, "seq": event.seq}


async def control_runner(
    request: Request, background: BackgroundTasks, db: DbSession, organisation_id: OrganisationId
) -> Control:
    return Control(request, background, db, organisation_id)


ControlRunner = Annotated[Control, Depends(control_runner)]


@router.post("/{denksessie_id}/rounds/{round_id}/reveal")
def reveal_round(
    control: ControlRunner, denksessie_id: PathId, round_id: PathId, data: RevealRequest
) -> dict[str, Any]:
    return control(denksessie_id, flows.reveal_round, round_id=round_id, revealed=data.revealed)


@router.post("/{denksessie_id}/rounds/{round_id}/timer")
def set_timer(
    control: ControlRunner, denksessie_id: PathId, round_id: PathId, data: TimerRequest
) -> dict[str, Any]:
    return control(denksessie_id, flows.set_timer, round_id=round_id, seconds=data.seconds)


class AnswersDisplay(StrictModel):
    show: Literal["both", "cloud", "wall"]


@router.post("/{denksessie_id}/rounds/{round_id}/display")
def show_answers_as(
    control: ControlRunner, denksessie_id: PathId, round_id: PathId, data: AnswersDisplay
) -> dict[str, Any]:
    """An open question: what the projector shows once revealed (cloud, wall or both).
    Before the route of the round actions, which would take ``display`` for one."""
    return control(denksessie_id, flows.show_answers_as, round_id=round_id, show=data.show)


ROUND_ACTIONS = {
    "open": flows.open_round,
    "close": flows.close_round,
    "reopen": flows.reopen_round,
}


@router.post("/{denksessie_id}/rounds/{round_id}/{action}")
def control_round(
    control: ControlRunner,
    denksessie_id: PathId,
    round_id: PathId,
    action: Literal["open", "close", "reopen"],
) -> dict[str, Any]:
    """Open (one round at a time), close, or reopen a round."""
    return control(denksessie_id, ROUND_ACTIONS[action], round_id=round_id)


@router.post("/{denksessie_id}/principles/{principle_id}/{action}")
def moderate_principle(
    control: ControlRunner,
    denksessie_id: PathId,
    principle_id: PathId,
    action: Literal["hide", "show"],
) -> dict[str, Any]:
    """Hide a principle from the room, or show it again; both are logged."""
    return control(
        denksessie_id,
        flows.set_principle_hidden,
        principle_id=principle_id,
        hidden=action == "hide",
    )


class AnswerModeration(StrictModel):
    """Answers of an open question, named by their ``key`` in the round's aggregate."""

    keys: list[Annotated[str, StringConstraints(min_length=1, max_length=300)]] = Field(
        min_length=1, max_length=50
    )
    # For a merge: the answer the others are shown as (by default the first of ``keys``).
    into: Annotated[str, StringConstraints(min_length=1, max_length=300)] | None = None


@router.post("/{denksessie_id}/rounds/{round_id}/answers/{action}")
def moderate_answers(
    control: ControlRunner,
    denksessie_id: PathId,
    round_id: PathId,
    action: Literal["hide", "show", "merge", "unmerge"],
    data: AnswerModeration,
) -> dict[str, Any]:
    """An open question: hide answers from the room or show them again, merge answers into one
    shown entry with their count, or undo a merge; all are logged."""
    return control(
        denksessie_id,
        flows.moderate_answers,
        round_id=round_id,
        change=action,
        keys=data.keys,
        into=data.into,
    )


@router.post("/{denksessie_id}/rounds/{round_id}/reasons/{reason_id}/{action}")
def moderate_reason(
    control: ControlRunner,
    denksessie_id: PathId,
    round_id: PathId,
    reason_id: Annotated[str, Path(pattern="^[0-9a-f]{16}$")],
    action: Literal["hide", "show"],
) -> dict[str, Any]:
    """Hide a reason ("Waarom?") of a casus round from the room, or show it again; logged."""
    return control(
        denksessie_id,
        flows.set_reason_hidden,
        round_id=round_id,
        reason_id=reason_id,
        hidden=action == "hide",
    )


@router.post("/{denksessie_id}/quotes")
def pick_quote(control: ControlRunner, denksessie_id: PathId, data: QuotePick) -> dict[str, Any]:
    """Keep a reason or principle as a quote for the card (anonymous: the text only)."""
    return control(denksessie_id, flows.pick_quote, **data.model_dump())


@router.post("/{denksessie_id}/quotes/{quote_id}/remove")
def drop_quote(control: ControlRunner, denksessie_id: PathId, quote_id: PathId) -> dict[str, Any]:
    return control(denksessie_id, flows.drop_quote, quote_id=quote_id)


@router.post("/{denksessie_id}/participants/{participant_id}/remove")
def remove_participant(
    control: ControlRunner, denksessie_id: PathId, participant_id: str
) -> dict[str, Any]:
    return control(denksessie_id, flows.remove_participant, participant_id=participant_id)


@router.post("/{denksessie_id}/lock")
def lock_joining(
    control: ControlRunner, denksessie_id: PathId, data: LockRequest
) -> dict[str, Any]:
    return control(denksessie_id, flows.lock_joining, locked=data.locked)


@router.post("/{denksessie_id}/end")
def end_denksessie(control: ControlRunner, denksessie_id: PathId) -> dict[str, Any]:
    return control(denksessie_id, flows.end_denksessie)


@router.post("/{denksessie_id}/start")
def start_self_paced(control: ControlRunner, denksessie_id: PathId) -> dict[str, Any]:
    """A self-paced denksessie: open every round at once (docs/decisions/0033)."""
    return control(denksessie_id, flows.start_self_paced)


@router.post("/{denksessie_id}/close")
def close_self_paced(control: ControlRunner, denksessie_id: PathId) -> dict[str, Any]:
    """ "Nu sluiten": close a self-paced denksessie before its closing time and show the
    results."""
    return control(denksessie_id, flows.close_now)
