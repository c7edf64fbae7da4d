"""Joining a denksessie from a phone: a random participant id in a signed cookie.

Guarded against guessing and flooding (``join_guard``, docs/decisions/0011): the code is looked
up under the failed-attempt limit, then the room PIN (if the facilitator asked one) is checked,
then the join rates, then a seat of the room's join budget is taken atomically and committed.
The joins that arrive together are checked one by one and committed together
(``join_writer``, decision 0036); each is answered only after its commit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel

from app.api.errors import ERROR_RESPONSES
from app.api.join_guard import client_address
from app.api.join_writer import join_writer
from app.config import Settings
from app.sessions.join_batch import JoinAttempt
from app.sessions.schemas import JoinRequest
from app.tokens import ClientToken, sign

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class JoinRoute(APIRoute):
    """The join route, with a lean handler for the plain case: a JSON object that is a valid
    ``JoinRequest``, as every phone sends. FastAPI's handler (dependencies solved per request,
    the body read and validated through its general machinery) was about a quarter of a join's
    time on the event loop (decision 0036). Anything else (another content type, malformed JSON,
    a body that does not validate, a client gone while it was read) goes to FastAPI's own
    handler, so every error is answered exactly as before. FastAPI documents subclassing
    ``APIRoute`` for a custom route handler; the route, its OpenAPI description and its
    matching are FastAPI's."""

    def get_route_handler(self) -> Handler:
        documented = super().get_route_handler()

        async def handler(request: Request) -> Response:
            data = await _plain_join_request(request)
            if data is None:
                return await documented(request)
            return await _join(request, request.path_params["code"], data)

        return handler


async def _plain_join_request(request: Request) -> JoinRequest | None:
    """The body as FastAPI would validate it, if it is the plain case; else None."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json":
        return None
    try:
        raw = json.loads(await request.body())  # the body is kept, for FastAPI's handler
        return JoinRequest.model_validate(raw) if isinstance(raw, dict) else None
    except Exception:  # unreadable, malformed, too deep, invalid: FastAPI's handler answers
        return None


router = APIRouter(
    prefix="/api/v1/join", tags=["join"], responses=ERROR_RESPONSES, route_class=JoinRoute
)

PARTICIPANT_COOKIE = "dks_participant"
COOKIE_MAX_AGE = 7 * 24 * 3600


class Joined(BaseModel):
    denksessie_id: int
    code: str
    participant_id: str
    token: str


@router.post("/{code}", status_code=status.HTTP_201_CREATED, response_model=Joined)
async def join(request: Request, code: str, data: JoinRequest) -> Response:
    return await _join(request, code, data)


async def _join(request: Request, code: str, data: JoinRequest) -> Response:
    settings: Settings = request.app.state.settings
    joined = await join_writer(request).submit(JoinAttempt(code, data, client_address(request)))
    token = sign(
        settings.secret_key,
        ClientToken("participant", joined.denksessie_id, joined.participant_id),
    )
    # The answer made here, not by the response model: it is the busiest route there is.
    response = JSONResponse(
        {
            "denksessie_id": joined.denksessie_id,
            "code": joined.join_code,
            "participant_id": joined.participant_id,
            "token": token,
        },
        status_code=status.HTTP_201_CREATED,
    )
    response.set_cookie(
        f"{PARTICIPANT_COOKIE}_{joined.join_code}",
        token,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=settings.environment == "production",
    )
    return response
