"""Joining a denksessie from a phone: a random participant id in a signed cookie.

Guarded against guessing and flooding (``join_guard``, docs/decisions/0011): the code is looked
up under the failed-attempt limit, then the room PIN (if the facilitator asked one) is checked,
then the join rates, then a seat of the room's join budget is taken atomically and committed at
once: a short write transaction, queued first come first served on SQLite (decision 0029).
"""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request, Response, status
from pydantic import BaseModel

from app.api.deps import AppSettings, DbSession
from app.api.errors import ERROR_RESPONSES
from app.api.join_guard import join_guard
from app.errors import Rejected
from app.sessions import flows
from app.sessions import service as sessions
from app.sessions.schemas import JoinRequest
from app.tokens import ClientToken, sign

router = APIRouter(prefix="/api/v1/join", tags=["join"], responses=ERROR_RESPONSES)

PARTICIPANT_COOKIE = "dks_participant"
COOKIE_MAX_AGE = 7 * 24 * 3600


class Joined(BaseModel):
    denksessie_id: int
    code: str
    participant_id: str
    token: str


@router.post("/{code}", status_code=status.HTTP_201_CREATED)
def join(
    request: Request,
    response: Response,
    background: BackgroundTasks,
    db: DbSession,
    settings: AppSettings,
    code: str,
    data: JoinRequest,
) -> Joined:
    guard = join_guard(request)
    denksessie = guard.look_up(request, lambda: sessions.get_by_code(db, code))
    try:
        sessions.check_pin(denksessie, data.pin)
    except Rejected:
        if data.pin:  # a guess; an empty PIN is someone who has not seen the question yet
            guard.count_failure(request)
        raise
    guard.admit(request, denksessie.join_code, budget=sessions.join_budget(denksessie.room_size))
    participant = sessions.join(db, denksessie=denksessie, data=data)
    # Commit here, in the thread that wrote: the seat and the participant are the request's
    # only writes, and holding SQLite's one write slot (app/write_gate.py) until get_db's exit
    # ran on another thread cost every join queued behind it that hop (decision 0029).
    db.commit()
    assert denksessie.id is not None
    token = sign(settings.secret_key, ClientToken("participant", denksessie.id, participant.id))
    response.set_cookie(
        f"{PARTICIPANT_COOKIE}_{denksessie.join_code}",
        token,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=settings.environment == "production",
    )
    background.add_task(
        request.app.state.hub.publish_safely, flows.participants_changed(denksessie)
    )
    return Joined(
        denksessie_id=denksessie.id,
        code=denksessie.join_code,
        participant_id=participant.id,
        token=token,
    )
