"""Rate limits on joining, so a live join code cannot be guessed and a room not flooded
(docs/security.md, "Limits"; docs/decisions/0011).

Failed attempts (an unknown or ended code, a wrong room PIN) are counted per client address
(an IPv6 address per /64) and, once exhausted, refuse even a correct code from that address, or
a guesser could tell a hit from the answers. Their windows are at most a minute
(``Settings.join_fail_limit``), so a prankster or a morning of typos behind one NAT costs a
room at most a minute.

Joins are counted per client address and per denksessie in a moving window; both limits grow
to twice the room's join budget (``sessions.service.join_budget``), so a room of 1,000 behind
one NAT joins within a minute, and a late phone in a full room hears that the room is full
(``ROOM_FULL``) rather than "try again shortly". What bounds ballot stuffing is that budget, taken
atomically in the database: nobody adds more participants than the facilitator's room size
allows, and with a room PIN only people who see the projector can join at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import FastAPI, Request
from limits import RateLimitItem

from app.config import Settings
from app.errors import NotFound, TooManyAttempts
from app.ratelimits import RateLimits, address_key, parse_limits

T = TypeVar("T")


def at_least(rules: list[RateLimitItem], amount: int) -> list[RateLimitItem]:
    """The same windows, each allowing at least ``amount``."""
    return [type(rule)(max(rule.amount, amount), rule.multiples) for rule in rules]


class JoinGuard:
    def __init__(self, settings: Settings) -> None:
        self._limits = RateLimits(settings.rate_limit_storage, secret=settings.secret_key)
        self._failures = parse_limits(settings.join_fail_limit)
        self._per_address = parse_limits(settings.join_ip_limit)
        self._per_code = parse_limits(settings.join_code_limit)

    def look_up(self, request: Request, find: Callable[[], T]) -> T:
        """``find()`` the denksessie behind a code, counting a NotFound against the address."""
        address = client_address(request)
        self.check_failures(address)
        try:
            return find()
        except NotFound:
            self.count_failure(address)
            raise

    # The rest takes the address (``client_address``), so a batch of joins is checked away
    # from its requests (app/sessions/join_batch.py, ``JoinLimits``).

    def check_failures(self, address: str) -> None:
        if not self._limits.allows(self._failures, "join-fail", address):
            raise TooManyAttempts(
                reason="JOIN_CODES",
                retry_after=self._limits.retry_after(self._failures, "join-fail", address),
            )

    def count_failure(self, address: str) -> None:
        """A wrong code or PIN from this address."""
        self._limits.hit(self._failures, "join-fail", address)

    def admit(self, address: str, code: str, *, budget: int) -> None:
        """Count one join; refuse (before anything is written) when a limit is reached. Both
        limits allow at least twice the room's join ``budget`` per window."""
        checks = (
            (at_least(self._per_address, 2 * budget), "join-ip", address, code),
            (at_least(self._per_code, 2 * budget), "join-code", code),
        )
        for rules, *key in checks:
            if not self._limits.allows(rules, *key):
                raise TooManyAttempts(
                    reason="JOINS", retry_after=self._limits.retry_after(rules, *key)
                )
        for rules, *key in checks:
            self._limits.hit(rules, *key)


def client_address(request: Request) -> str:
    """What limits count per client: the address uvicorn saw (X-Forwarded-For only from trusted
    proxies), an IPv6 address by its /64 network."""
    return address_key(request.client.host) if request.client else "unknown"


def join_guard(request: Request) -> JoinGuard:
    return join_guard_of(request.app)


def join_guard_of(app: FastAPI) -> JoinGuard:
    """The app's guard, made on first use (tests put their own limits in its place)."""
    guard: JoinGuard | None = getattr(app.state, "join_guard", None)
    if guard is None:
        guard = app.state.join_guard = JoinGuard(app.state.settings)
    return guard
