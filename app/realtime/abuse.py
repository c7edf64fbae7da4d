"""Websocket abuse resistance: the Origin check at the handshake, per-socket frame limits and
sockets per token.

Explained for operators in docs/security.md; the close and error codes are in
docs/realtime-protocol.md.
"""

from __future__ import annotations

import enum
import time
from collections import Counter, deque
from dataclasses import dataclass
from urllib.parse import urlsplit

from limits import RateLimitItem, parse

from app.config import Settings

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def _origin_parts(origin: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of an Origin header, or None for ``null`` and garbage."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def _host_parts(host: str, *, default_port: int) -> tuple[str, int] | None:
    try:
        parts = urlsplit(f"//{host.strip()}")
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return parts.hostname.lower(), port or default_port


def _normalised(scheme: str, host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}" if port == _DEFAULT_PORTS[scheme] else f"{scheme}://{shown}:{port}"


def origin_allowed(origin: str | None, host: str | None, allowed: list[str]) -> bool:
    """Whether a websocket handshake with this Origin header may go on.

    No Origin means no browser (the bench, tests, command-line clients): a cross-site page
    cannot open a socket without one. Otherwise the Origin's host and port must equal the Host
    header's, or the whole origin must be in ``allowed``. A Host without a port takes the
    default port of the Origin's scheme, so ``https://x.nl`` matches ``Host: x.nl`` behind a
    TLS-terminating proxy that talks plain HTTP to us.
    """
    if origin is None:
        return True
    parts = _origin_parts(origin)
    if parts is None:
        return False
    scheme, origin_host, origin_port = parts
    listed = {_normalised(*entry) for entry in map(_origin_parts, allowed) if entry is not None}
    if _normalised(scheme, origin_host, origin_port) in listed:
        return True
    if host is None:
        return False
    own = _host_parts(host, default_port=_DEFAULT_PORTS[scheme])
    return own == (origin_host, origin_port)


class Verdict(enum.Enum):
    SERVE = "serve"
    LIMITED = "limited"  # answer RATE_LIMITED, do not process
    FLOOD = "flood"  # close with 1008


class MovingWindow:
    """At most ``amount`` frames in any ``seconds`` long stretch: the moving window of the
    ``limits`` package (its ``moving-window`` strategy), as the settings' notation promises.

    Kept per socket rather than in ``limits``' in-memory storage, whose timer thread sweeps
    every key every 10 ms (11-14 % of a voting worker's CPU with 2,000 phones,
    docs/performance.md). A leaky bucket (``aiolimiter``, used before) is not the same limit:
    at 150 frames a second its level rose by only 50 a second, so "100 a second" closed the
    socket after about 300 frames instead of about 100. The times of the frames of the last
    window are kept, pruned at each frame: a phone that sends a ping every 20 s holds one.
    """

    __slots__ = ("_amount", "_seconds", "_times")

    def __init__(self, amount: int, seconds: float) -> None:
        self._amount = amount
        self._seconds = seconds
        self._times: deque[float] = deque()

    def hit(self, now: float) -> bool:
        """Count a frame at ``now`` if the window has room for it; whether it had."""
        times = self._times
        while times and now - times[0] >= self._seconds:
            times.popleft()
        if len(times) >= self._amount:
            return False
        times.append(now)
        return True


@dataclass(frozen=True, slots=True)
class FrameBudget:
    """One socket's two moving windows: over ``rate`` a frame is refused, over ``flood`` the
    socket is closed."""

    rate: MovingWindow
    flood: MovingWindow


class FrameLimiter:
    """Frame limits per socket, in this worker's memory.

    Every frame after the handshake counts towards the flood limit, refused ones included: a
    client that keeps sending after RATE_LIMITED reaches it and is closed. Only served frames
    count towards the rate limit, so a client that waits gets served again.

    Each socket owns its windows, so a closed socket's limits go with it and nothing sweeps.
    ``limits`` parses the configured strings, as it does for the HTTP limits.
    """

    def __init__(self, *, rate: RateLimitItem, flood: RateLimitItem) -> None:
        self._rate = rate
        self._flood = flood

    @classmethod
    def from_settings(cls, settings: Settings) -> FrameLimiter:
        return cls(rate=parse(settings.ws_rate_limit), flood=parse(settings.ws_flood_limit))

    def budget(self) -> FrameBudget:
        return FrameBudget(
            MovingWindow(self._rate.amount, self._rate.get_expiry()),
            MovingWindow(self._flood.amount, self._flood.get_expiry()),
        )

    @staticmethod
    def check(budget: FrameBudget) -> Verdict:
        now = time.monotonic()
        if not budget.flood.hit(now):
            return Verdict.FLOOD
        if not budget.rate.hit(now):
            return Verdict.LIMITED
        return Verdict.SERVE


class TokenSockets:
    """Open websockets per client token, in this worker.

    One screen link opened 1,000 sockets, each holding a file and a place in every fan-out. A
    participant token already keeps one socket (a newer one replaces it); a screen or
    facilitator link may be open on a few devices and tabs, not on hundreds.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: Counter[str] = Counter()

    def open(self, token: str) -> bool:
        """Count one more socket on ``token``; False (not counted) when it has ``limit``."""
        if self._open[token] >= self.limit:
            return False
        self._open[token] += 1
        return True

    def close(self, token: str) -> None:
        self._open[token] -= 1
        if self._open[token] <= 0:
            del self._open[token]

    def count(self, token: str) -> int:
        return self._open[token]
