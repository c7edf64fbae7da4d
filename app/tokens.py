"""Signed tokens that let a phone, a screen or a console come back as who it was.

A participant token survives a reload or a switch from Wi-Fi to 4G (cookie, and sent in the
websocket handshake), so the phone finds its own ballots again. itsdangerous signs them with the
secret key; nothing about the person is in them, only random ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from itsdangerous import BadSignature, URLSafeSerializer

Role = Literal["facilitator", "screen", "participant"]
ROLES: tuple[Role, ...] = ("facilitator", "screen", "participant")
_SALT = "denksessie-client-token"


@dataclass(frozen=True)
class ClientToken:
    role: Role
    denksessie_id: int
    participant_id: str | None = None


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=_SALT)


def sign(secret_key: str, token: ClientToken) -> str:
    return _serializer(secret_key).dumps(
        [token.role, token.denksessie_id, token.participant_id or ""]
    )


def verify(secret_key: str, value: str) -> ClientToken | None:
    """The token's content, or None when it was not signed by us or is malformed."""
    try:
        raw = _serializer(secret_key).loads(value)
    except BadSignature:
        return None
    if not (isinstance(raw, list) and len(raw) == 3):
        return None
    role, denksessie_id, participant_id = raw
    if role not in ROLES or not isinstance(denksessie_id, int):
        return None
    if not isinstance(participant_id, str):
        return None
    for known in ROLES:
        if role == known:
            return ClientToken(known, denksessie_id, participant_id or None)
    return None
