"""Websocket frames: JSON objects with a ``type``, validated as a discriminated union.

Documented frame by frame in docs/realtime-protocol.md; keep the two in step.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

from app.sessions.schemas import RoundKind

PROTOCOL_VERSION = 1
MAX_FRAME_BYTES = 16_384

# Close codes (RFC 6455 range 1000-1015, application range 4000-4999).
CLOSE_NORMAL = 1000
CLOSE_POLICY = 1008  # a client that keeps sending far over the frame rate limit
CLOSE_TOO_BIG = 1009
CLOSE_TRY_AGAIN = 1013  # this client reads too slowly; reconnect and resync
CLOSE_BAD_HELLO = 4400  # missing/invalid hello or unsupported protocol version
CLOSE_UNAUTHORISED = 4401  # token missing, forged, for another role, or participant gone
CLOSE_REMOVED = 4403  # the facilitator removed this participant
CLOSE_NOT_FOUND = 4404  # no running denksessie behind this code, or not the token's
CLOSE_BAD_ORIGIN = 4406  # a browser page of another origin opened the socket
CLOSE_REPLACED = 4409  # the same participant opened a newer socket in this denksessie
CLOSE_ENDED = 4410  # the denksessie ended


class _Frame(BaseModel):
    """Strict: a number sent as a string (``"round_id": "21"``) is refused, not converted."""

    model_config = ConfigDict(extra="forbid", strict=True)


MsgId = Annotated[str, StringConstraints(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class Hello(_Frame):
    type: Literal["hello"]
    protocol: int
    role: Literal["facilitator", "screen", "participant"]
    token: Annotated[str, StringConstraints(max_length=300)]
    last_seq: int | None = None
    # The ``kept_id`` of the last snapshot whose values and casus texts the client still holds:
    # the snapshot may then leave them out (docs/realtime-protocol.md, decision 0038).
    kept: Annotated[str, StringConstraints(max_length=64)] | None = None


class BallotFrame(_Frame):
    type: Literal["ballot"]
    msg_id: MsgId
    round_id: Annotated[int, Field(ge=1, le=2**31 - 1)]  # a database integer, never overflowing
    # A name in the registry of round kinds (app/sessions/kinds); any other is a BAD_FRAME.
    kind: RoundKind
    payload: dict[str, Any]


class Resync(_Frame):
    type: Literal["resync"]


class Ping(_Frame):
    type: Literal["ping"]


ClientFrame = Annotated[BallotFrame | Resync | Ping, Field(discriminator="type")]
client_frames: TypeAdapter[BallotFrame | Resync | Ping] = TypeAdapter(ClientFrame)
hello_frame: TypeAdapter[Hello] = TypeAdapter(Hello)
msg_ids: TypeAdapter[str] = TypeAdapter(MsgId, config=ConfigDict(strict=True))


def msg_id_of(text: str) -> str | None:
    """The well-formed ``msg_id`` of a frame refused as a whole, or None.

    Read with the standard library's lenient JSON reader, which also takes what the strict
    frame parser refuses (a lone surrogate such as ``"\\ud800"`` is valid JSON): a client
    that hears its refusal with the ``msg_id`` stops resending that frame."""
    try:
        raw = json.loads(text)
        return msg_ids.validate_python(raw["msg_id"]) if isinstance(raw, dict) else None
    except (ValueError, KeyError, TypeError, ValidationError):
        return None
