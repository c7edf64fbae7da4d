"""Prometheus metrics, one registry per app.

A registry per app (not the library's global one) lets two apps with different settings live
in one process, as the tests do, without "duplicated timeseries" errors. Each worker process
exposes its own figures on ``/metrics``; with several workers, scrape every worker (each
replica in docker-compose) and sum in Prometheus (docs/performance.md).

Connected sockets are read from the hub when scraped, so the gauge can never drift from the
hub's own bookkeeping. GC pauses are timed through ``gc.callbacks``: a full collection on a
worker with thousands of sockets stops every socket at once (shared/PERF-NOTES.md).

The figures hold no personal data, but they tell a stranger how busy the service is and which
errors it answers: ``MetricsAccess`` lets in only the configured addresses (loopback by
default) and, when a token is set, a request that presents it (docs/security.md).
"""

from __future__ import annotations

import gc
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from app.tokens import Role

ROLES: tuple[Role, ...] = ("facilitator", "screen", "participant")
# Milliseconds matter here: the targets are ack p99 <= 100 ms and screen p99 <= 150 ms.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0)


class _SocketCollector(Collector):
    def __init__(self, count: Callable[[Role], int]) -> None:
        self._count = count

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "denksessie_websocket_connections",
            "Websockets past their handshake on this worker, per role.",
            labels=["role"],
        )
        for role in ROLES:
            family.add_metric([role], self._count(role))
        yield family


class Metrics:
    """The figures one worker keeps; the hub and the endpoint update them."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.ballots_accepted = Counter(
            "denksessie_ballots_accepted",
            "Ballots committed and acknowledged (resends included, flagged duplicate).",
            ["duplicate"],
            registry=self.registry,
        )
        self.ballots_rejected = Counter(
            "denksessie_ballots_rejected",
            "Ballots refused with an error frame, by error code (UNAVAILABLE: retryable).",
            ["code"],
            registry=self.registry,
        )
        self.ballot_ack_seconds = Histogram(
            "denksessie_ballot_ack_seconds",
            "From a ballot frame read to its ack queued (validation and commit included).",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.tick_seconds = Histogram(
            "denksessie_fanout_tick_seconds",
            "One tick that pushed frames: build from the database, serialise, hand to senders.",
            ["frame"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.backplane_lag_seconds = Histogram(
            "denksessie_backplane_lag_seconds",
            "From publish to receipt through the backplane (wall clocks; same host is exact).",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.backplane_reconnects = Counter(
            "denksessie_backplane_reconnects",
            "Times the hub lost its backplane and resubscribed (every room then resyncs).",
            registry=self.registry,
        )
        self.snapshots_from_memory = Counter(
            "denksessie_snapshots_from_memory",
            "Reconnecting phones given their snapshot without a database visit.",
            registry=self.registry,
        )
        self.states_from_memory = Counter(
            "denksessie_states_from_memory",
            "State frames built without a database visit (a timer, a reveal, joining locked).",
            registry=self.registry,
        )
        self.slow_consumers = Counter(
            "denksessie_slow_consumer_closes",
            "Sockets closed with 1013 because they did not read their direct frames.",
            registry=self.registry,
        )
        self.gc_pause_seconds = Histogram(
            "denksessie_gc_pause_seconds",
            "Garbage collector pauses of this worker, by generation.",
            ["generation"],
            buckets=(0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=self.registry,
        )
        self.loop_stall_seconds = Histogram(
            "denksessie_loop_stall_seconds",
            "How late a heartbeat every 20 ms woke: how long the event loop kept sockets waiting.",
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=self.registry,
        )
        self._gc_started: float | None = None
        self._socket_collector: _SocketCollector | None = None

    def watch_sockets(self, count: Callable[[Role], int]) -> None:
        """Report the hub's socket count per role (called once the hub exists)."""
        if self._socket_collector is not None:
            self.registry.unregister(self._socket_collector)
        self._socket_collector = _SocketCollector(count)
        self.registry.register(self._socket_collector)

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        elif self._gc_started is not None:
            self.gc_pause_seconds.labels(str(info.get("generation", "?"))).observe(
                time.perf_counter() - self._gc_started
            )
            self._gc_started = None

    def start_gc_timing(self) -> None:
        if self._on_gc not in gc.callbacks:
            gc.callbacks.append(self._on_gc)

    def stop_gc_timing(self) -> None:
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)

    def exposition(self) -> tuple[bytes, str]:
        """The Prometheus text format and its content type, for ``GET /metrics``."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


@dataclass(frozen=True)
class MetricsAccess:
    """Who may read ``/metrics``: a client address inside ``networks``, or the bearer token."""

    networks: tuple[IPv4Network | IPv6Network, ...]
    token: str | None = None

    @classmethod
    def of(cls, allow: Sequence[str], token: str | None) -> MetricsAccess:
        return cls(tuple(ip_network(entry, strict=False) for entry in allow), token)

    def allows(self, client_host: str | None, authorization: str | None) -> bool:
        if self.token is not None and authorization is not None:
            scheme, _, presented = authorization.partition(" ")
            if scheme.lower() == "bearer" and secrets.compare_digest(
                presented.strip().encode(), self.token.encode()
            ):
                return True
        try:
            address = ip_address(client_host or "")
        except ValueError:  # no address, or a name (the test client says "testclient")
            return False
        if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.networks)
