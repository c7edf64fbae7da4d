from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.main import create_app
from tests.conftest import settings_for


class TestHealthz:
    def test_ok_when_the_database_answers(self, client: TestClient) -> None:
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok"}

    def test_503_when_the_database_is_down(self) -> None:
        # Port 9 (discard) has no PostgreSQL behind it: the connection is refused at once.
        app = create_app(
            settings_for("postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=2")
        )
        with TestClient(app) as client:
            response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json() == {"status": "unavailable", "database": "down"}

    def test_is_in_the_openapi_document(self, client: TestClient) -> None:
        paths = client.get("/openapi.json").json()["paths"]
        for path in (
            "/healthz",
            "/api/v1/catalogues",
            "/api/v1/catalogues/{slug}",
            "/api/v1/casussen",
            "/api/v1/casussen/{casus_id}",
            "/api/v1/principekaarten/{slug}",
        ):
            assert path in paths, path


class TestSecurityHeaders:
    def test_every_page_carries_them(self, client: TestClient) -> None:
        for path in ("/", "/api/v1/catalogues", "/healthz", "/static/css/site.css"):
            headers = client.get(path).headers
            assert "script-src 'self'" in headers["content-security-policy"]
            assert "frame-ancestors 'none'" in headers["content-security-policy"]
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["referrer-policy"] == "same-origin"


def _production(postgres_url: str, **overrides: object) -> FastAPI:
    return create_app(
        settings_for(
            postgres_url, environment="production", password_hashing="standard", **overrides
        )
    )


class TestProduction:
    def test_every_response_tells_the_browser_to_stay_on_https(self, postgres_url: str) -> None:
        with TestClient(_production(postgres_url)) as client:
            for path in ("/", "/healthz", "/static/css/site.css", "/bestaat-niet"):
                headers = client.get(path).headers
                assert headers["strict-transport-security"] == "max-age=31536000", path
                assert "script-src 'self'" in headers["content-security-policy"]

    def test_outside_production_no_strict_transport(self, client: TestClient) -> None:
        assert "strict-transport-security" not in client.get("/healthz").headers

    @pytest.mark.parametrize("path", ["/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"])
    def test_the_api_docs_are_not_served(self, postgres_url: str, path: str) -> None:
        with TestClient(_production(postgres_url)) as client:
            response = client.get(path)
        assert response.status_code == 404
        assert "script-src 'self'" in response.headers["content-security-policy"]

    def test_outside_production_the_api_docs_are_served(self, client: TestClient) -> None:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert client.get(path).status_code == 200, path


# Swagger UI's CDN scripts are the only external ones, and only outside production (above).
EXTERNAL_TAG = re.compile(
    r"<(script|link)\b[^>]*?\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//[^>]*>", re.IGNORECASE
)


class TestNoUnpinnedScripts:
    def test_no_template_or_static_file_loads_an_external_script_without_integrity(
        self,
    ) -> None:
        app_dir = Path(__file__).resolve().parents[2] / "app"
        files = [
            path
            for folder in ("templates", "static")
            for path in sorted((app_dir / folder).rglob("*"))
            if path.suffix in (".html", ".js", ".css", ".svg", ".txt", ".xml")
        ]
        assert len(files) > 10
        unpinned = [
            f"{path.relative_to(app_dir)}: {match.group(0)}"
            for path in files
            for match in EXTERNAL_TAG.finditer(path.read_text(encoding="utf-8"))
            if "integrity=" not in match.group(0).lower()
        ]
        assert unpinned == []

    def test_the_scan_finds_what_it_is_looking_for(self) -> None:
        # The pattern itself, on what it must and must not catch.
        assert EXTERNAL_TAG.search('<script src="https://cdn.example/x.js"></script>')
        assert EXTERNAL_TAG.search("<link rel=stylesheet href=//cdn.example/x.css>")
        assert EXTERNAL_TAG.search("<script\n  defer src='http://cdn.example/x.js'>")
        assert not EXTERNAL_TAG.search('<script src="/static/js/phone.js"></script>')
        assert not EXTERNAL_TAG.search('<a href="https://example.org">bron</a>')
