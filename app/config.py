"""Settings, read once from the environment (prefix ``DENKSESSIE_``).

Defaults need no environment at all (SQLite file under ``./var``, in-process backplane), so a
newcomer's ``make run`` works; a default secret key is refused outside development because it
would let anyone forge participant tokens.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from limits import parse as parse_rate_limit
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET_KEY = "development-only-secret-key-change-me"
DEFAULT_DATABASE_URL = "sqlite:///./var/denksessie.sqlite3"


class Settings(BaseSettings):
    """Every knob of the service; one instance per app so tests can run several side by side."""

    model_config = SettingsConfigDict(env_prefix="DENKSESSIE_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = DEFAULT_DATABASE_URL
    backplane_url: str = "memory://"
    # Prefix of backplane channels, so deployments sharing one Redis never hear each other.
    backplane_namespace: str = Field(default="denksessie", pattern=r"^[a-z0-9_-]{1,40}$")
    secret_key: str = DEVELOPMENT_SECRET_KEY
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

    @field_validator("ws_rate_limit", "ws_flood_limit")
    @classmethod
    def _parse_rate_limit(cls, value: str) -> str:
        parse_rate_limit(value)  # ValueError on a malformed limit
        return value

    @field_validator("allowed_origins")
    @classmethod
    def _normalise_origins(cls, value: list[str]) -> list[str]:
        return [origin.strip().rstrip("/").lower() for origin in value if origin.strip()]

    @model_validator(mode="after")
    def _refuse_unsafe_secret(self) -> Settings:
        if self.environment != "development" and self.secret_key == DEVELOPMENT_SECRET_KEY:
            raise ValueError(
                "DENKSESSIE_SECRET_KEY must be set to a secret value outside development"
            )
        if len(self.secret_key) < 16:
            raise ValueError("DENKSESSIE_SECRET_KEY must be at least 16 characters long")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        """The database file for a SQLite URL (None for in-memory or other databases)."""
        if not self.is_sqlite:
            return None
        path = self.database_url.split(":///", 1)[-1]
        if not path or path == ":memory:":
            return None
        return Path(path)
