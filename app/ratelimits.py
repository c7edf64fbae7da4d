"""Named rate limits on top of the `limits` package (moving window).

One storage serves every limit of a worker: ``memory://`` for one worker, ``redis://...`` in
production so the workers share their counts (otherwise each of N workers would allow N times
the limit). Limits are written in the package's notation, several separated by ``;``:
``"10/minute;100/day"``.

The counters' keys never hold what they count (a client address, an e-mail address): a key is
the limit's name plus a keyed hash (HMAC-SHA256 with the installation's secret key) of the rest,
so Redis or a memory dump shows no address, and the hash of an IPv4 address cannot be undone by
trying all 2**32 of them without the key (docs/privacy.md).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import time
from collections.abc import Sequence

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

IPV6_PREFIX = 64


def address_key(host: str) -> str:
    """What a limit counts per client: an IPv4 address, or an IPv6 address's /64 network.

    One IPv6 subscriber (a phone, a home, a cloud server) gets a whole /64 and picks addresses
    in it freely, so counting single IPv6 addresses would give a guesser 2**64 fresh budgets.
    """
    if ":" not in host:
        # IPv4 (which ``ip_address`` accepts only in its one canonical form), or no address
        # at all: as is, without parsing it for every join.
        return host
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host  # "testclient", a unix socket: counted as is
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False))
    return str(address)


def longest_window(text: str) -> int:
    """The longest window, in seconds, among the limits in ``text``."""
    return max(rule.get_expiry() for rule in parse_limits(text))


def parse_limits(text: str) -> list[RateLimitItem]:
    """The limits in ``text``; ValueError when it is not valid notation."""
    return list(parse_many(text))


class InlineExpiryMemoryStorage(MemoryStorage):
    """``memory://`` without a thread per event: the package's memory storage starts a fresh
    ``threading.Timer`` on every counted event (when the previous one, 10 ms, has run), and
    ``Thread.start`` waits until the new thread is scheduled; on a busy server that wait was
    about 3 ms of every join (decision 0035). Here old events are dropped in the counting thread
    instead, at most once per ``EXPIRE_EVERY_S``. What a limit allows does not change: the
    moving window reads event times, and expiring only bounds the memory they take."""

    STORAGE_SCHEME = ["denksessie-memory"]  # its own name: ``memory://`` stays the package's
    EXPIRE_EVERY_S = 1.0
    _next_expiry = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # the base class's private hook
        now = time.monotonic()
        if now >= self._next_expiry:
            self._next_expiry = now + self.EXPIRE_EVERY_S
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def rate_limit_storage(uri: str) -> Storage:
    if uri.partition("://")[0] == "memory":
        return InlineExpiryMemoryStorage(uri)
    storage = storage_from_string(uri)
    assert isinstance(storage, Storage)
    return storage


class RateLimits:
    """Counts events per key against one or more limits."""

    def __init__(self, storage_uri: str, *, secret: str) -> None:
        self._limiter = MovingWindowRateLimiter(rate_limit_storage(storage_uri))
        self._secret = secret.encode()

    def _keyed(self, key: Sequence[str]) -> tuple[str, ...]:
        """The limit's name as is, the rest (who is counted) as a keyed hash."""
        name, *who = key
        if not who:
            return (name,)
        digest = hmac.new(self._secret, "\x1f".join(who).encode(), hashlib.sha256)
        return (name, digest.hexdigest()[:32])

    def allows(self, rules: Sequence[RateLimitItem], *key: str) -> bool:
        """Whether one more event for ``key`` stays within every rule (counts nothing)."""
        keyed = self._keyed(key)
        return all(self._limiter.test(rule, *keyed) for rule in rules)

    def hit(self, rules: Sequence[RateLimitItem], *key: str) -> bool:
        """Count one event for ``key``; False when a rule was already exhausted."""
        keyed = self._keyed(key)
        results = [self._limiter.hit(rule, *keyed) for rule in rules]
        return all(results)

    def retry_after(self, rules: Sequence[RateLimitItem], *key: str) -> int:
        """Whole seconds until every exhausted rule allows ``key`` again (at least 1)."""
        keyed = self._keyed(key)
        now = time.time()
        waits = [
            self._limiter.get_window_stats(rule, *keyed).reset_time - now
            for rule in rules
            if not self._limiter.test(rule, *keyed)
        ]
        return max(1, math.ceil(max(waits, default=1)))
