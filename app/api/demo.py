"""The console's "replay 2024" button: the illustrative traject, run by the server for its user.

The server replays through its own public HTTP and websocket API (app/demo/replay.py), logged in
as the user who pressed the button, so the demonstration exercises exactly what phones and
facilitators use. It takes some seconds; the request waits for the card.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import anyio
from fastapi import APIRouter, Request

from app.api.deps import LOGIN_COOKIE, CurrentLogin, CurrentOrganisation
from app.api.errors import ERROR_RESPONSES
from app.demo import replay
from app.errors import Rejected

router = APIRouter(prefix="/api/v1/demo", tags=["demo"], responses=ERROR_RESPONSES)


@router.post("/traject")
async def replay_2024(
    request: Request, login: CurrentLogin, _organisation: CurrentOrganisation
) -> dict[str, Any]:
    """Run the illustrative replay of the 2024 traject; returns the draft card it made."""
    base_url = str(request.base_url).rstrip("/")
    try:
        result = await anyio.to_thread.run_sync(
            replay.run_as, request.app.state.engine, base_url, login.user.email, LOGIN_COOKIE
        )
    except replay.ReplayError as exc:
        raise Rejected("REPLAY_FAILED", http_status=502, params={"detail": str(exc)}) from exc
    return asdict(result)
