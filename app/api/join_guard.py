"""Rate limits on joining, so a live join code cannot be guessed (docs/security.md).

Failed lookups (an unknown or ended code) are counted per client address and, once exhausted,
block even a correct code from that address for a while. Successful joins are counted per
client address (generously: a whole room can share one address behind NAT) and per
denksessie, so nobody can flood a room with fake participants.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import Request

from app.config import Settings
from app.errors import NotFound, TooManyAttempts
from app.ratelimits import RateLimits, address_key, parse_limits

T = TypeVar("T")

TOO_MANY_WRONG = "Te veel onbekende codes geprobeerd. Wacht even en probeer het dan opnieuw."
TOO_MANY_JOINS = "Er melden zich nu te veel mensen tegelijk aan. Probeer het zo nog eens."


class JoinGuard:
    def __init__(self, settings: Settings) -> None:
        self._limits = RateLimits(settings.rate_limit_storage)
        self._failures = parse_limits(settings.join_fail_limit)
        self._per_address = parse_limits(settings.join_ip_limit)
        self._per_code = parse_limits(settings.join_code_limit)

    def look_up(self, request: Request, find: Callable[[], T]) -> T:
        """``find()`` the denksessie behind a code, counting a NotFound against the address."""
        address = client_address(request)
        if not self._limits.allows(self._failures, "join-fail", address):
            raise TooManyAttempts(
                TOO_MANY_WRONG,
                retry_after=self._limits.retry_after(self._failures, "join-fail", address),
            )
        try:
            return find()
        except NotFound:
            self._limits.hit(self._failures, "join-fail", address)
            raise

    def admit(self, request: Request, code: str) -> None:
        """Count one join; refuse (before anything is written) when a limit is reached."""
        address = client_address(request)
        checks = ((self._per_address, "join-ip", address), (self._per_code, "join-code", code))
        for rules, *key in checks:
            if not self._limits.allows(rules, *key):
                raise TooManyAttempts(
                    TOO_MANY_JOINS, retry_after=self._limits.retry_after(rules, *key)
                )
        for rules, *key in checks:
            self._limits.hit(rules, *key)


def client_address(request: Request) -> str:
    """What limits count per client: the address uvicorn saw (X-Forwarded-For only from trusted
    proxies), an IPv6 address by its /64 network."""
    return address_key(request.client.host) if request.client else "unknown"


def join_guard(request: Request) -> JoinGuard:
    guard: JoinGuard | None = getattr(request.app.state, "join_guard", None)
    if guard is None:
        guard = request.app.state.join_guard = JoinGuard(request.app.state.settings)
    return guard
