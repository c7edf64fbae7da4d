"""Serving over uvicorn: connection limits below the ASGI app, and the open-file limit.

Two things the app cannot do for itself, because they happen before a request exists
(docs/security.md, "Limits"):

- **Slow headers.** uvicorn waits for a request's headers for ever: 320 connections that
  trickled their headers stayed open for 70 s and more. A connection that has not sent a whole
  request head within ``DENKSESSIE_HEADER_TIMEOUT_S`` of its first byte (or of connecting) is
  closed. Idle keep-alive connections are closed by uvicorn's own ``timeout_keep_alive``.
- **Connections per address.** Every connection, websockets included, holds an open file; with
  a laptop's default limit about 240 idle connections kept every new phone out. A client
  address (an IPv6 address by its /64) may hold at most ``DENKSESSIE_MAX_CONNECTIONS_PER_ADDRESS``
  connections; more are closed at once. Trusted proxies (``DENKSESSIE_FORWARDED_ALLOW_IPS``)
  are exempt: behind Caddy every connection comes from Caddy, which has its own header timeout.

The per-address default is generous on purpose: a whole room can sit behind one NAT address,
each phone with a websocket and now and then a page load.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

import uvicorn
from uvicorn.protocols.http.auto import AutoHTTPProtocol
from uvicorn.protocols.websockets.auto import AutoWebSocketsProtocol

from app.config import Settings
from app.ratelimits import address_key

logger = logging.getLogger(__name__)
# Where the hard limit is "unlimited" (macOS), a soft limit this high is enough and accepted.
OPEN_FILES_WANTED = 65_536


class ConnectionGuard:
    """Open connections per client address, in one server process."""

    def __init__(self, *, per_address: int, header_timeout: float, trusted: str) -> None:
        self.per_address = per_address
        self.header_timeout = header_timeout
        self._trusted = _trusted_networks(trusted)
        self._open: Counter[str] = Counter()

    def key(self, host: str | None) -> str | None:
        """What a connection from ``host`` counts against; None for a trusted proxy or a unix
        socket, which are not counted."""
        if host is None or self._is_trusted(host):
            return None
        return address_key(host)

    def open(self, key: str) -> bool:
        """Count a new connection; False (and not counted) when ``key`` is at its limit."""
        if self._open[key] >= self.per_address:
            return False
        self._open[key] += 1
        return True

    def close(self, key: str) -> None:
        self._open[key] -= 1
        if self._open[key] <= 0:
            del self._open[key]

    def count(self, host: str) -> int:
        return self._open[address_key(host)]

    def _is_trusted(self, host: str) -> bool:
        if self._trusted is None:
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self._trusted)


def _trusted_networks(text: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network] | None:
    """The trusted proxies' networks; None when every peer is trusted (``*``)."""
    entries = [entry.strip() for entry in text.split(",") if entry.strip()]
    if "*" in entries:
        return None
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            continue  # a unix socket path or a host name: never a peer address here
    return networks


def guarded_protocols(guard: ConnectionGuard) -> tuple[type[asyncio.Protocol], Any]:
    """uvicorn's HTTP and websocket protocol classes, counting connections against ``guard``
    and closing those whose request head is too slow."""
    http_base: Any = AutoHTTPProtocol
    ws_base: Any = AutoWebSocketsProtocol

    class GuardedWebSocket(ws_base):  # type: ignore[misc]
        """Releases the address's count the HTTP connection handed over at the upgrade."""

        release: Callable[[], None] | None = None

        def connection_lost(self, exc: Exception | None) -> None:
            try:
                super().connection_lost(exc)
            finally:
                if self.release is not None:
                    self.release()
                    self.release = None

    class GuardedHTTP(http_base):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.ws_protocol_class = GuardedWebSocket if ws_base is not None else None
            self._guard_key: str | None = None
            self._head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            key = guard.key(self.client[0] if self.client else None)
            if key is not None and not guard.open(key):
                logger.warning("connection refused: too many from %s", key)
                transport.abort()
                return
            self._guard_key = key
            self._start_head_timer()

        def data_received(self, data: bytes) -> None:
            if self._between_requests():
                self._start_head_timer()
            super().data_received(data)
            upgraded = self.transport.get_protocol() is not self
            if upgraded or not self._between_requests():
                self._stop_head_timer()
            if upgraded:
                self._hand_over(self.transport.get_protocol())

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_head_timer()
            if self._guard_key is not None:
                guard.close(self._guard_key)
                self._guard_key = None
            super().connection_lost(exc)

        def _between_requests(self) -> bool:
            cycle = self.cycle
            return cycle is None or bool(cycle.response_complete)

        def _start_head_timer(self) -> None:
            if self._head_timer is None:
                self._head_timer = self.loop.call_later(guard.header_timeout, self._head_too_slow)

        def _stop_head_timer(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_too_slow(self) -> None:
            self._head_timer = None
            if self._between_requests() and not self.transport.is_closing():
                logger.info("connection closed: no request head within %s s", guard.header_timeout)
                self.transport.close()

        def _hand_over(self, protocol: asyncio.BaseProtocol) -> None:
            """The websocket now owns the connection, and with it the address's count."""
            if self._guard_key is None:
                return
            key, self._guard_key = self._guard_key, None
            if isinstance(protocol, GuardedWebSocket):
                protocol.release = functools.partial(guard.close, key)
            else:  # not ours (cannot happen): release now rather than leak the count
                guard.close(key)

    return GuardedHTTP, GuardedWebSocket if ws_base is not None else "none"


def server_config(
    app: Any, settings: Settings, *, host: str, port: int, **extra: Any
) -> tuple[uvicorn.Config, ConnectionGuard]:
    """uvicorn's configuration for ``denksessie serve`` (and the tests that serve the same way),
    and the guard that counts its connections."""
    guard = ConnectionGuard(
        per_address=settings.max_connections_per_address,
        header_timeout=settings.header_timeout_s,
        trusted=settings.forwarded_allow_ips,
    )
    http, ws = guarded_protocols(guard)
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": settings.log_level,
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        "timeout_keep_alive": settings.keep_alive_timeout_s,
        "http": http,
        "ws": ws,
        **extra,
    }
    return uvicorn.Config(app, **options), guard


def raise_open_file_limit() -> tuple[int, int]:
    """Raise this process's soft limit on open files to its hard limit (each connection is a
    file); returns (before, after). Where that is refused, the limit stays as it was."""
    try:
        import resource  # not on Windows
    except ImportError:
        return 0, 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = OPEN_FILES_WANTED if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < wanted:
        for target in (wanted, min(wanted, OPEN_FILES_WANTED), 10_240):
            if target <= soft:
                break
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            except (ValueError, OSError):
                continue
            return soft, target
    return soft, soft
