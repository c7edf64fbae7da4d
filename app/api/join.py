"""Joining a denksessie from a phone: a random participant id in a signed cookie.

Guarded against guessing and flooding (``join_guard``, docs/decisions/0011): the code is looked
up under the failed-attempt limit, then the room PIN (if the facilitator asked one) is checked,
then the join rates, then a seat of the room's join budget is taken atomically and committed at
once: a short write transaction, queued first come first served on SQLite (decision 0029).
"""

from __future__ import annotations

import anyio
from fastapi import APIRouter, BackgroundTasks, Request, Response, status
from pydantic import BaseModel
from sqlmodel import Session

from app.api.deps import DbSession, run_db
from app.api.errors import ERROR_RESPONSES
from app.api.join_guard import JoinGuard, join_guard
from app.config import Settings
from app.errors import Rejected
from app.sessions import flows
from app.sessions import service as sessions
from app.sessions.models import Denksessie, Participant
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
async def join(
    request: Request,
    response: Response,
    background: BackgroundTasks,
    db: DbSession,
    code: str,
    data: JoinRequest,
) -> Joined:
    settings: Settings = request.app.state.settings
    guard = join_guard(request)
    # All of it in one worker thread, the commit included: every hop to a thread is a wait for
    # the scheduler, and on a busy server those waits were most of a join (decision 0035).
    # Committing in the thread that wrote also gives SQLite's one write slot
    # (app/write_gate.py) back at once, not a hop later (decision 0029).
    denksessie, participant = await run_db(
        lambda: _join(request, guard, db, code, data), limiter=join_limiter(request)
    )
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


# Joins in worker threads at once. A wave waits for a turn here, on the event loop, not in the
# thread pool: a pool full of joins queued at SQLite's write gate left no thread for a
# facilitator's request that held the gate (its login's write, then its route, are two hops)
# nor for the hub's ticks (decisions 0029, 0035). On SQLite the writes are one at a time anyway.
JOIN_THREADS_SQLITE = 4
JOIN_THREADS = 8


def join_limiter(request: Request) -> anyio.CapacityLimiter:
    limiter: anyio.CapacityLimiter | None = getattr(request.app.state, "join_limiter", None)
    if limiter is None:
        settings: Settings = request.app.state.settings
        limiter = request.app.state.join_limiter = anyio.CapacityLimiter(
            JOIN_THREADS_SQLITE if settings.is_sqlite else JOIN_THREADS
        )
    return limiter


def _join(
    request: Request, guard: JoinGuard, db: Session, code: str, data: JoinRequest
) -> tuple[Denksessie, Participant]:
    """The code looked up, the PIN, the join limits, the seat and the participant, committed;
    rolled back in this thread when anything refuses."""
    try:
        denksessie = guard.look_up(request, lambda: sessions.get_by_code(db, code))
        try:
            sessions.check_pin(denksessie, data.pin)
        except Rejected:
            if data.pin:  # a guess; an empty PIN is someone who has not seen the question yet
                guard.count_failure(request)
            raise
        guard.admit(
            request, denksessie.join_code, budget=sessions.join_budget(denksessie.room_size)
        )
        participant = sessions.join(db, denksessie=denksessie, data=data)
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return denksessie, participant
