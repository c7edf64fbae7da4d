from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.config import DEVELOPMENT_SECRET_KEY, Settings


class TestSettings:
    def test_defaults_need_no_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for name in ("DATABASE_URL", "BACKPLANE_URL", "SECRET_KEY", "HOST", "PORT"):
            monkeypatch.delenv(f"DENKSESSIE_{name}", raising=False)
        settings = Settings()
        assert settings.database_url == "sqlite:///./var/denksessie.sqlite3"
        assert settings.backplane_url == "memory://"
        assert (settings.host, settings.port) == ("127.0.0.1", 8000)

    def test_reads_the_denksessie_prefix(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("DENKSESSIE_PORT", "9123")
        monkeypatch.setenv("DENKSESSIE_BACKPLANE_URL", "redis://127.0.0.1:6379/0")
        settings = Settings()
        assert settings.port == 9123
        assert settings.backplane_url == "redis://127.0.0.1:6379/0"

    def test_refuses_the_default_secret_outside_development(self) -> None:
        with pytest.raises(ValidationError, match="DENKSESSIE_SECRET_KEY"):
            Settings(environment="production", secret_key=DEVELOPMENT_SECRET_KEY)

    def test_accepts_a_real_secret_in_production(self) -> None:
        settings = Settings(environment="production", secret_key="x" * 40)
        assert settings.environment == "production"

    def test_refuses_a_short_secret(self) -> None:
        with pytest.raises(ValidationError, match="16"):
            Settings(secret_key="short")

    def test_metrics_are_for_loopback_unless_told_otherwise(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("DENKSESSIE_METRICS_ALLOW_IPS", raising=False)
        assert Settings().metrics_allow_ips == ["127.0.0.1", "::1"]
        assert Settings().metrics_token is None
        monkeypatch.setenv("DENKSESSIE_METRICS_ALLOW_IPS", '["10.0.0.0/8", " 192.0.2.7 "]')
        assert Settings().metrics_allow_ips == ["10.0.0.0/8", "192.0.2.7"]

    def test_refuses_a_short_metrics_token(self) -> None:
        with pytest.raises(ValidationError, match="metrics_token"):
            Settings(metrics_token="short")
