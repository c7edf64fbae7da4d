from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.config import PUBLISHED_SECRET_KEYS, Settings

OLD_DEFAULT_KEY = "development-only-secret-key-change-me"


@pytest.fixture
def no_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No DENKSESSIE_SECRET_KEY; the installation's key file under ``tmp_path``."""
    monkeypatch.delenv("DENKSESSIE_SECRET_KEY", raising=False)
    key_file = tmp_path / "var" / "secret_key"
    monkeypatch.setenv("DENKSESSIE_SECRET_KEY_FILE", str(key_file))
    return key_file


class TestSettings:
    def test_defaults_need_no_environment(
        self, monkeypatch: pytest.MonkeyPatch, no_key: Path
    ) -> None:
        for name in ("DATABASE_URL", "BACKPLANE_URL", "SECRET_KEY", "HOST", "PORT"):
            monkeypatch.delenv(f"DENKSESSIE_{name}", raising=False)
        settings = Settings()
        assert settings.database_url == "sqlite:///./var/denksessie.sqlite3"
        assert settings.backplane_url == "memory://"
        assert (settings.host, settings.port) == ("127.0.0.1", 8000)

    def test_reads_the_denksessie_prefix(
        self, monkeypatch: pytest.MonkeyPatch, no_key: Path
    ) -> None:
        monkeypatch.setenv("DENKSESSIE_PORT", "9123")
        monkeypatch.setenv("DENKSESSIE_BACKPLANE_URL", "redis://127.0.0.1:6379/0")
        settings = Settings()
        assert settings.port == 9123
        assert settings.backplane_url == "redis://127.0.0.1:6379/0"

    @pytest.mark.parametrize("environment", ["development", "test", "production"])
    def test_refuses_the_once_published_key_everywhere(self, environment: str) -> None:
        assert OLD_DEFAULT_KEY in PUBLISHED_SECRET_KEYS
        with pytest.raises(ValidationError, match="DENKSESSIE_SECRET_KEY"):
            Settings(environment=environment, secret_key=OLD_DEFAULT_KEY)

    def test_production_needs_a_key_of_its_own(self, no_key: Path) -> None:
        with pytest.raises(ValidationError, match="DENKSESSIE_SECRET_KEY must be set"):
            Settings(environment="production")
        assert not no_key.exists()

    def test_accepts_a_real_secret_in_production(self) -> None:
        settings = Settings(environment="production", secret_key="x" * 40)
        assert settings.environment == "production"

    def test_refuses_a_short_secret(self) -> None:
        with pytest.raises(ValidationError, match="16"):
            Settings(secret_key="short")

    def test_metrics_are_for_loopback_unless_told_otherwise(
        self, no_key: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("DENKSESSIE_METRICS_ALLOW_IPS", raising=False)
        assert Settings().metrics_allow_ips == ["127.0.0.1", "::1"]
        assert Settings().metrics_token is None
        monkeypatch.setenv("DENKSESSIE_METRICS_ALLOW_IPS", '["10.0.0.0/8", " 192.0.2.7 "]')
        assert Settings().metrics_allow_ips == ["10.0.0.0/8", "192.0.2.7"]

    def test_refuses_a_short_metrics_token(self) -> None:
        with pytest.raises(ValidationError, match="metrics_token"):
            Settings(metrics_token="short")


class TestInstallationKey:
    def test_without_a_key_one_is_made_once_and_kept_private(self, no_key: Path) -> None:
        first = Settings()
        assert no_key.exists()
        assert stat.S_IMODE(no_key.stat().st_mode) == 0o600
        assert len(first.secret_key) >= 40
        assert first.secret_key not in PUBLISHED_SECRET_KEYS
        assert Settings().secret_key == first.secret_key  # the next start signs the same way

    def test_two_installations_get_different_keys(
        self, no_key: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        here = Settings().secret_key
        monkeypatch.setenv("DENKSESSIE_SECRET_KEY_FILE", str(tmp_path / "other" / "secret_key"))
        assert Settings().secret_key != here

    def test_workers_starting_together_agree_on_the_key(self, no_key: Path) -> None:
        keys: list[str] = []
        start = threading.Barrier(8)

        def read() -> None:
            start.wait()
            keys.append(Settings().secret_key)

        threads = [threading.Thread(target=read) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(keys) == 8
        assert len(set(keys)) == 1

    def test_a_key_set_in_the_environment_wins_and_no_file_is_made(
        self, no_key: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("DENKSESSIE_SECRET_KEY", "a-key-of-our-own-that-is-long")
        assert Settings().secret_key == "a-key-of-our-own-that-is-long"
        assert not no_key.exists()
