"""Signed tokens that let a phone, a screen or a console come back as who it was.

A participant token survives a reload or a switch from Wi-Fi to 4G (cookie, and sent in the
websocket handshake), so the phone finds its own ballots again; nothing about the person is in
it, only random ids. It lives as long as its denksessie runs: an ended denksessie answers to no
code.

Staff tokens (facilitator, viewer, screen) are scoped to one denksessie and one grant, expire,
and name the login session they were handed out under: the websocket checks that login (still
there, still a member of the denksessie's organisation with enough rights) on connecting and
again while the socket is open, so logging out, removing a member or lowering their role
revokes them (decision 0010). itsdangerous signs every token with the secret key.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

# What a socket is served as (the hub renders one view per role).
Role = Literal["facilitator", "screen", "participant"]
ROLES: tuple[Role, ...] = ("facilitator", "screen", "participant")
# What a token grants: a viewer sees the facilitator's view, read-only.
Grant = Literal["facilitator", "viewer", "screen", "participant"]
GRANTS: tuple[Grant, ...] = ("facilitator", "viewer", "screen", "participant")
STAFF_GRANTS: tuple[Grant, ...] = ("facilitator", "viewer", "screen")
# A new salt for the scoped format: tokens of the old, never-expiring format no longer verify.
_SALT = "denksessie-client-token-v2"


@dataclass(frozen=True)
class ClientToken:
    grant: Grant
    denksessie_id: int
    participant_id: str | None = None
    # Staff tokens only: the login session that asked for it, and when it stops working (Unix
    # seconds). Participant tokens have neither.
    login_session_id: int | None = None
    expires_at: int | None = None

    @property
    def role(self) -> Role:
        """The view this token is served: a viewer watches the facilitator's view."""
        return "facilitator" if self.grant == "viewer" else self.grant

    @property
    def is_staff(self) -> bool:
        return self.grant in STAFF_GRANTS


def staff_token(
    grant: Grant, denksessie_id: int, *, login_session_id: int, lifetime_s: int
) -> ClientToken:
    return ClientToken(
        grant,
        denksessie_id,
        login_session_id=login_session_id,
        expires_at=int(time.time()) + lifetime_s,
    )


@lru_cache(maxsize=4)  # one secret key per app; a join or a socket need not build it anew
def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=_SALT)


def sign(secret_key: str, token: ClientToken) -> str:
    return _serializer(secret_key).dumps(
        [
            token.grant,
            token.denksessie_id,
            token.participant_id or "",
            token.login_session_id or 0,
            token.expires_at or 0,
        ]
    )


def _grant(value: object) -> Grant | None:
    for known in GRANTS:
        if value == known:
            return known
    return None


def verify(secret_key: str, value: str, *, now: float | None = None) -> ClientToken | None:
    """The token's content, or None when it was not signed by us, is malformed or expired.

    Whether its login still holds is for the caller to check (it needs the database)."""
    try:
        raw = _serializer(secret_key).loads(value)
    except BadSignature:
        return None
    if not (isinstance(raw, list) and len(raw) == 5):
        return None
    grant = _grant(raw[0])
    denksessie_id, participant_id, login_session_id, expires_at = raw[1:]
    if grant is None or not all(
        isinstance(number, int) and not isinstance(number, bool)
        for number in (denksessie_id, login_session_id, expires_at)
    ):
        return None
    if not isinstance(participant_id, str):
        return None
    if grant == "participant":
        if not participant_id or login_session_id or expires_at:
            return None
        return ClientToken(grant, denksessie_id, participant_id)
    if participant_id or login_session_id <= 0 or expires_at <= 0:
        return None
    if expires_at <= (time.time() if now is None else now):
        return None
    return ClientToken(
        grant, denksessie_id, login_session_id=login_session_id, expires_at=expires_at
    )


# --- the first-run link -----------------------------------------------------------------------

_SETUP_SALT = "denksessie-first-run"


def setup_link_token(secret_key: str) -> str:
    """The key in the first-run link (``/setup?token=...``) that ``denksessie serve`` prints
    while there is no account: signed and dated, so only who sees the server's output (or holds
    the secret key) can make the first owner."""
    return URLSafeTimedSerializer(secret_key, salt=_SETUP_SALT).dumps("setup")


def setup_link_valid(secret_key: str, value: str, *, max_age_s: int) -> bool:
    if not value:
        return False
    try:
        URLSafeTimedSerializer(secret_key, salt=_SETUP_SALT).loads(value, max_age=max_age_s)
    except BadSignature:  # SignatureExpired is one too
        return False
    return True
