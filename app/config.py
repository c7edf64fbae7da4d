"""Settings, read once from the environment (prefix ``DENKSESSIE_``).

Defaults need no environment at all (SQLite file under ``./var``, in-process backplane), so a
newcomer's ``make run`` works. There is no built-in secret key: without
``DENKSESSIE_SECRET_KEY`` one is generated once per installation into ``var/secret_key`` (mode
0600), because a key printed in a public repository would let anyone on the venue's Wi-Fi forge
a facilitator token (decision 0010). Production must set the key itself, so every worker and host
signs with the same one.
"""

from __future__ import annotations

import os
import secrets
import time
from ipaddress import ip_network
from pathlib import Path
from typing import Literal

from limits import parse as parse_rate_limit
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from app.ratelimits import longest_window, parse_limits

# Keys that were once published (an old default): refused everywhere, even when set by hand.
PUBLISHED_SECRET_KEYS = frozenset({"development-only-secret-key-change-me"})
DEFAULT_DATABASE_URL = "sqlite:///./var/denksessie.sqlite3"
DEFAULT_SECRET_KEY_FILE = Path("var/secret_key")


def installation_secret(path: Path) -> str:
    """The key in ``path``, made on first use (random, 0600, written once with O_EXCL so two
    workers starting together end up with the same key)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
    for _attempt in range(50):  # another process may be between creating and writing it
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
        time.sleep(0.01)
    raise ValueError(f"{path} is empty; delete it to have a new secret key made")


class Settings(BaseSettings):
    """Every knob of the service; one instance per app so tests can run several side by side."""

    model_config = SettingsConfigDict(env_prefix="DENKSESSIE_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = DEFAULT_DATABASE_URL
    backplane_url: str = "memory://"
    # Prefix of backplane channels, so deployments sharing one Redis never hear each other.
    backplane_namespace: str = Field(default="denksessie", pattern=r"^[a-z0-9_-]{1,40}$")
    # Signs client tokens and the first-run link. Empty: read (or make once) `secret_key_file`.
    secret_key: str = ""
    secret_key_file: Path = DEFAULT_SECRET_KEY_FILE
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["debug", "info", "warning", "error", "critical"] = "info"
    default_language: Literal["nl", "en"] = "nl"
    # Proxies whose X-Forwarded-For/-Proto headers are trusted (join URLs and QR codes then say
    # https behind a TLS-terminating proxy). "*" inside docker-compose, where only Caddy reaches
    # the app.
    forwarded_allow_ips: str = "127.0.0.1"
    # Websocket Origins accepted besides the request's own host (JSON list in the environment:
    # DENKSESSIE_ALLOWED_ORIGINS='["https://denksessie.example.nl"]'). See docs/security.md.
    allowed_origins: list[str] = Field(default_factory=list)
    # Frames per websocket after the handshake, in the notation of the `limits` package (moving
    # window). Over `ws_rate_limit` a frame gets RATE_LIMITED; over `ws_flood_limit` the socket
    # is closed with 1008.
    ws_rate_limit: str = "20/second"
    ws_flood_limit: str = "100/second"
    # Joining (docs/security.md, "Limits"; docs/decisions/0011). Attempts with an unknown or
    # ended code or a wrong room PIN per client address (IPv6: per /64); windows of at most a
    # minute, because over the limit even the right code waits. Successful joins per client
    # address and per denksessie: each at least twice the room's join budget (room size plus
    # headroom) per window, so a whole room behind one NAT joins within a minute; the budget
    # itself bounds how many join in all. `rate_limit_storage` is shared by the workers in
    # production (redis://).
    join_fail_limit: str = "30/minute"
    join_ip_limit: str = "20/minute"
    join_code_limit: str = "60/minute"
    rate_limit_storage: str = "memory://"
    # Request bodies (docs/security.md, "Limits"): over these a request is refused with 413
    # before it is read. Catalogue and casus uploads (one whole document) may be larger than
    # every other request. Keep deploy/Caddyfile's request_body limits equal.
    max_body_bytes: int = Field(default=1_000_000, ge=1_000)
    max_upload_bytes: int = Field(default=2_000_000, ge=1_000)
    # Connections (app/serving.py, docs/security.md "Limits"), for `denksessie serve`: at most
    # this many open connections (websockets included) per client address (IPv6: per /64;
    # trusted proxies exempt; a whole room may share one NAT address), a request head within
    # `header_timeout_s` of its first byte, idle keep-alive connections closed after
    # `keep_alive_timeout_s`. Websockets per client token (a screen or facilitator link) per
    # worker: `ws_per_token_limit`.
    max_connections_per_address: int = Field(default=1_500, ge=1)
    header_timeout_s: float = Field(default=10, gt=0, le=300)
    keep_alive_timeout_s: float = Field(default=5, gt=0, le=300)
    ws_per_token_limit: int = Field(default=10, ge=1)
    # POST /api/v1/aggregate needs no login (docs/security.md, "Limits"): requests per client
    # address (IPv6: per /64), ballots per request, and the work a count may take (in ballot
    # entries, times the candidates for seqphragmen and equal_shares; 200,000 is about 0.6 s).
    aggregate_rate_limit: str = "20/minute"
    aggregate_max_ballots: int = Field(default=10_000, ge=1, le=100_000)
    aggregate_max_work: int = Field(default=200_000, ge=1)
    # Facilitator accounts (docs/security.md). A login lasts `login_days`; an invitation link
    # `invitation_days`. Failed logins are limited per e-mail address and per client address.
    login_days: int = Field(default=7, ge=1, le=90)
    invitation_days: int = Field(default=7, ge=1, le=60)
    login_rate_limit: str = "5/minute"
    login_ip_rate_limit: str = "30/minute"
    # Facilitator, viewer and screen tokens (for the websocket) expire after this many hours and
    # die sooner with the login they were handed out under; open sockets re-check that login
    # every `access_recheck_s` seconds (docs/security.md, decision 0010).
    staff_token_hours: int = Field(default=12, ge=1, le=168)
    access_recheck_s: float = Field(default=10.0, gt=0, le=3600)
    # The first-run link printed by `denksessie serve` while there is no account.
    setup_link_hours: int = Field(default=24, ge=1, le=720)
    # "fast" argon2 parameters exist for the test suite only; refused in production.
    password_hashing: Literal["standard", "fast"] = "standard"

    # Log lines (docs/performance.md): "json" (one object per line, with request and
    # connection ids) or "text"; unset means JSON in production and text elsewhere.
    log_format: Literal["json", "text"] | None = None
    # GET /metrics in the Prometheus text format (per worker). Counts only, no personal data;
    # keep it off the public internet at the proxy, or switch it off here.
    metrics_enabled: bool = True
    # Who may read it (docs/security.md): client addresses or networks, JSON list in the
    # environment ('["127.0.0.1", "10.0.0.0/8"]'); loopback by default. With `metrics_token`
    # set, "Authorization: Bearer <token>" is let in from any address. Anyone else gets 404.
    metrics_allow_ips: list[str] = Field(default_factory=lambda: ["127.0.0.1", "::1"])
    metrics_token: str | None = Field(default=None, min_length=16)
    # gc.freeze() once started and again this many seconds after the last socket joined a quiet
    # worker, so full collections stop walking thousands of long-lived objects (0: off; unset:
    # 5 s, except in the test environment, whose processes build many apps one after another).
    gc_freeze_after_s: float | None = Field(default=None, ge=0)
    # While freezing is on, also freeze after this many new sockets, quiet or not: reconnecting
    # phones can keep a wave of connections going for minutes (0: only after quiet).
    gc_freeze_every_sockets: int = Field(default=1_000, ge=0)
    # The collector's thresholds from the first freeze on (``gc.set_threshold``; unset: the
    # hub's ``GC_THRESHOLDS_FROZEN``). JSON in the environment: '[700, 10, 10]' keeps CPython's.
    gc_thresholds: tuple[int, int, int] | None = None
    # How often screens and the facilitator get tallies (phones: at most every second). State
    # events (a facilitator's control) do not wait for it.
    tick_interval_s: float = Field(default=0.075, gt=0, le=3600)
    # How often a worker closes the self-paced denksessies past their closing time (decision
    # 0033); ballots are refused from the closing time on, also before the check has run.
    self_paced_check_s: float = Field(default=20.0, gt=0, le=3600)

    @field_validator("ws_rate_limit", "ws_flood_limit", "login_rate_limit", "login_ip_rate_limit")
    @classmethod
    def _parse_rate_limit(cls, value: str) -> str:
        parse_rate_limit(value)  # ValueError on a malformed limit
        return value

    @field_validator("join_fail_limit", "join_ip_limit", "join_code_limit", "aggregate_rate_limit")
    @classmethod
    def _parse_join_limits(cls, value: str) -> str:
        parse_limits(value)  # ValueError on malformed notation
        return value

    @field_validator("join_fail_limit")
    @classmethod
    def _short_fail_windows(cls, value: str) -> str:
        if longest_window(value) > 60:
            raise ValueError(
                "join_fail_limit may use windows of at most a minute: over it even the right "
                "code is refused, and a room behind one address must never wait longer"
            )
        return value

    @field_validator("gc_thresholds")
    @classmethod
    def _positive_thresholds(
        cls, value: tuple[int, int, int] | None
    ) -> tuple[int, int, int] | None:
        if value is not None and min(value) < 1:
            raise ValueError("GC thresholds must be at least 1 (0 switches the collector off)")
        return value

    @field_validator("metrics_allow_ips")
    @classmethod
    def _parse_networks(cls, value: list[str]) -> list[str]:
        for network in value:
            ip_network(network.strip(), strict=False)  # ValueError on a malformed address
        return [network.strip() for network in value]

    @field_validator("allowed_origins")
    @classmethod
    def _normalise_origins(cls, value: list[str]) -> list[str]:
        return [origin.strip().rstrip("/").lower() for origin in value if origin.strip()]

    @model_validator(mode="after")
    def _refuse_unsafe_secret(self) -> Settings:
        if not self.secret_key:
            if self.environment == "production":
                raise ValueError(
                    "DENKSESSIE_SECRET_KEY must be set in production (the same on every worker)"
                )
            self.secret_key = installation_secret(self.secret_key_file)
        if self.secret_key in PUBLISHED_SECRET_KEYS:
            raise ValueError("DENKSESSIE_SECRET_KEY is a published value; choose a secret one")
        if self.environment == "production" and self.password_hashing != "standard":
            raise ValueError("DENKSESSIE_PASSWORD_HASHING must be 'standard' in production")
        if len(self.secret_key) < 16:
            raise ValueError("DENKSESSIE_SECRET_KEY must be at least 16 characters long")
        return self

    @property
    def effective_log_format(self) -> Literal["json", "text"]:
        if self.log_format is not None:
            return self.log_format
        return "json" if self.environment == "production" else "text"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        """The database file for a SQLite URL (None for in-memory or other databases)."""
        if not self.is_sqlite:
            return None
        path = make_url(self.database_url).database
        if not path or path == ":memory:":
            return None
        return Path(path)
