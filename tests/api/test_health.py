from __future__ import annotations

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
