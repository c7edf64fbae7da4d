"""The production packaging: docker-compose.yml, the Caddyfile and the Dockerfile.

The machines here have a Docker client but no engine and no compose plugin, so the stack is
checked by reading the files; ``docker compose config`` runs too wherever the plugin exists.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DEPENDS_ON_CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}

Service = dict[str, Any]


def _load_services() -> dict[str, Service]:
    document = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    assert "version" not in document, "the Compose spec has no top-level version key"
    services = document["services"]
    assert isinstance(services, dict)
    return services


def _depends_on(service: Service) -> dict[str, str]:
    """``depends_on`` as {target: condition}, whichever of the two spellings the file uses."""
    raw = service.get("depends_on", {})
    if isinstance(raw, list):
        return {str(name): "service_started" for name in raw}
    assert isinstance(raw, dict)
    return {
        str(name): str((options or {}).get("condition", "service_started"))
        for name, options in raw.items()
    }


def _interpolate(value: object, environment: dict[str, str]) -> str:
    """Compose's ``${NAME:-default}`` for one value, as ``docker compose config`` reads it."""

    def one(match: re.Match[str]) -> str:
        return environment.get(match.group(1)) or match.group(2)

    return re.sub(r"\$\{(\w+):-([^}]*)\}", one, str(value))


def _command_text(service: Service) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def _compose_plugin_available() -> bool:
    if shutil.which("docker") is None:
        return False
    result = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, check=False, timeout=60
    )
    return result.returncode == 0


@pytest.fixture(scope="module")
def services() -> dict[str, Service]:
    return _load_services()


class TestComposeStack:
    def test_app_runs_two_replicas_without_a_host_port(self, services: dict[str, Service]) -> None:
        app = services["app"]
        assert _interpolate(app["deploy"]["replicas"], {}) == "2"
        assert "ports" not in app, "only the proxy publishes a port"

    def test_the_worker_count_is_one_variable(self, services: dict[str, Service]) -> None:
        """``DENKSESSIE_WORKERS=4 docker compose up`` runs four app workers (compose casts the
        interpolated value to a number; docs/production.md)."""
        replicas = services["app"]["deploy"]["replicas"]
        assert _interpolate(replicas, {"DENKSESSIE_WORKERS": "4"}) == "4"
        production = (ROOT / "docs" / "production.md").read_text(encoding="utf-8")
        assert "DENKSESSIE_WORKERS=4 docker compose up" in production
        assert "How rooms spread over workers" in production

    def test_postgres_takes_every_workers_pool(self, services: dict[str, Service]) -> None:
        """Each worker pools up to 20 PostgreSQL connections (app/db.py: 10 kept, 10 more in a
        burst); the default limit of 100 would refuse connections from the fifth worker on."""
        command = _command_text(services["postgres"])
        setting = re.search(r"max_connections=(\S+)", command)
        assert setting is not None, command
        limit = int(_interpolate(setting.group(1).rstrip('"'), {}))
        assert limit >= 8 * 20 + 10, "eight workers, the migration job and a psql"

    def test_app_environment_is_production_on_postgres_and_redis(
        self, services: dict[str, Service]
    ) -> None:
        environment = services["app"]["environment"]
        assert isinstance(environment, dict)
        assert environment["DENKSESSIE_ENVIRONMENT"] == "production"
        assert environment["DENKSESSIE_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert "@postgres:5432/" in environment["DENKSESSIE_DATABASE_URL"]
        assert environment["DENKSESSIE_BACKPLANE_URL"].startswith("redis://redis:6379")
        # Required, never defaulted: compose refuses to start without a real secret.
        assert environment["DENKSESSIE_SECRET_KEY"].startswith("${DENKSESSIE_SECRET_KEY:?")

    @pytest.mark.parametrize("name", ["postgres", "redis", "app", "proxy"])
    def test_long_running_services_have_healthchecks(
        self, services: dict[str, Service], name: str
    ) -> None:
        healthcheck = services[name]["healthcheck"]
        assert healthcheck["test"], f"{name} has an empty healthcheck"
        assert not healthcheck.get("disable", False)

    def test_migrate_runs_once_before_the_app(self, services: dict[str, Service]) -> None:
        migrate = services["migrate"]
        assert "denksessie migrate" in _command_text(migrate)
        assert "denksessie load-content" in _command_text(migrate)
        assert migrate["restart"] == "no"
        assert migrate["build"] == services["app"]["build"]
        assert migrate["environment"] == services["app"]["environment"]
        assert _depends_on(migrate)["postgres"] == "service_healthy"
        app_depends_on = _depends_on(services["app"])
        assert app_depends_on["migrate"] == "service_completed_successfully"
        assert app_depends_on["postgres"] == "service_healthy"
        assert app_depends_on["redis"] == "service_healthy"

    def test_proxy_publishes_8080_and_balances_over_the_app(
        self, services: dict[str, Service]
    ) -> None:
        proxy = services["proxy"]
        assert proxy["image"].startswith("caddy:2")
        assert "8080:80" in proxy["ports"]
        assert _depends_on(proxy)["app"] == "service_healthy"
        mounts = [str(volume) for volume in proxy["volumes"]]
        caddyfile_mounts = [m for m in mounts if m.split(":")[1] == "/etc/caddy/Caddyfile"]
        assert len(caddyfile_mounts) == 1
        caddyfile = ROOT / caddyfile_mounts[0].split(":")[0]
        assert caddyfile.is_file()
        text = caddyfile.read_text(encoding="utf-8")
        assert re.search(r"dynamic a app 8000\b", text)
        assert "lb_policy round_robin" in text
        assert "fail_duration" in text

    def test_dockerfile_is_non_root_with_a_healthcheck(self) -> None:
        text = DOCKERFILE.read_text(encoding="utf-8")
        instructions = [line.strip() for line in text.splitlines() if line.strip()]
        assert any(line.startswith("FROM python:3.11-slim") for line in instructions)
        healthchecks = [line for line in instructions if line.startswith("HEALTHCHECK")]
        assert len(healthchecks) == 1
        assert "/healthz" in text.split("HEALTHCHECK", 1)[1]
        users = [line.split()[1] for line in instructions if line.startswith("USER ")]
        assert users, "the image must switch to a non-root user"
        assert users[-1] not in {"root", "0", "0:0"}
        assert "pip install --no-cache-dir --constraint constraints.txt ." in text
        assert "[dev]" not in text
        assert 'CMD ["denksessie", "serve"]' in text

    def test_dockerignore_keeps_local_state_out(self) -> None:
        entries = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        for entry in (".venv", "var", ".git", "test-artifacts"):
            assert entry in entries

    def test_compose_file_is_valid(self, services: dict[str, Service]) -> None:
        if _compose_plugin_available():
            result = subprocess.run(
                ["docker", "compose", "--file", str(COMPOSE_FILE), "config", "--quiet"],
                capture_output=True,
                text=True,
                check=False,
                timeout=120,
                cwd=ROOT,
                env={**os.environ, "DENKSESSIE_SECRET_KEY": "compose-config-check-" + "x" * 32},
            )
            assert result.returncode == 0, result.stderr
            return
        # No compose plugin here: check the references compose itself would reject.
        for name, service in services.items():
            for target, condition in _depends_on(service).items():
                assert target in services, f"{name} depends on unknown service {target}"
                assert target != name, f"{name} depends on itself"
                assert condition in DEPENDS_ON_CONDITIONS, f"{name}: bad condition {condition}"
                if condition == "service_healthy":
                    assert "healthcheck" in services[target], f"{target} has no healthcheck"


def _caddy_config() -> dict[str, Any]:
    """deploy/Caddyfile as Caddy itself reads it (``caddy adapt``: no network, no server)."""
    caddy = shutil.which("caddy")
    assert caddy is not None, "caddy is installed by make system-deps"
    result = subprocess.run(
        [caddy, "adapt", "--config", str(ROOT / "deploy" / "Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True,
        check=True,
        timeout=60,
        env={**os.environ, "DENKSESSIE_SITE_ADDRESS": ":80"},
    )
    config = json.loads(result.stdout)
    assert isinstance(config, dict)
    return config


@pytest.fixture(scope="module")
def caddy_config() -> dict[str, Any]:
    return _caddy_config()


class TestTheProxyAsCaddyReadsIt:
    def test_its_log_lines_hold_no_address_uri_or_headers(
        self, caddy_config: dict[str, Any]
    ) -> None:
        encoder = caddy_config["logging"]["logs"]["default"]["encoder"]
        assert encoder["format"] == "filter"
        deleted = {name for name, rule in encoder["fields"].items() if rule["filter"] == "delete"}
        assert {
            "request>remote_ip",
            "request>client_ip",
            "request>remote_port",
            "request>headers",
            "request>uri",
        } <= deleted

    def test_it_writes_no_access_log_and_times_out_slow_headers(
        self, caddy_config: dict[str, Any]
    ) -> None:
        (server,) = caddy_config["apps"]["http"]["servers"].values()
        assert "logs" not in server  # Caddy logs requests only when a server asks for it
        assert server["read_header_timeout"] == 10 * 10**9  # nanoseconds
