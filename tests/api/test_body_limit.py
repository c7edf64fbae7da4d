"""Request bodies over the configured limits are refused with 413 before they are read."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.body_limit import is_upload
from app.main import create_app
from tests.conftest import settings_for
from tests.live import LiveServer

BODY_LIMIT = 2_000
UPLOAD_LIMIT = 20_000


@pytest.fixture
def small_limits(postgres_url: str) -> Iterator[TestClient]:
    """The app with small limits; anonymous (nothing it is sent here is ever stored)."""
    settings = settings_for(postgres_url, max_body_bytes=BODY_LIMIT, max_upload_bytes=UPLOAD_LIMIT)
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        yield client


def _aggregate_body(size: int) -> bytes:
    ballots = [{"ranking": ["a"]}] * (size // 17)
    return json.dumps({"method": "borda", "candidates": ["a"], "ballots": ballots}).encode()


class TestJsonCalls:
    def test_a_body_over_the_limit_is_refused_with_413_naming_it(
        self, small_limits: TestClient
    ) -> None:
        response = small_limits.post(
            "/api/v1/aggregate",
            content=_aggregate_body(3_000),
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 413
        error = response.json()["error"]
        assert error["code"] == "BODY_TOO_LARGE"
        assert error["message"] == "Het verzoek is te groot; er is niets gelezen of opgeslagen."
        assert error["problems"] == [{"loc": "(body)", "message": f"hoogstens {BODY_LIMIT} bytes"}]

    def test_the_refusal_in_english(self, small_limits: TestClient) -> None:
        response = small_limits.post(
            "/api/v1/aggregate?lang=en",
            content=_aggregate_body(3_000),
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 413
        error = response.json()["error"]
        assert error["message"] == "The request is too large; nothing was read or saved."
        assert error["problems"] == [{"loc": "(body)", "message": f"at most {BODY_LIMIT} bytes"}]

    def test_a_chunked_body_is_counted_as_it_arrives(self, small_limits: TestClient) -> None:
        body = _aggregate_body(3_000)
        chunks = (body[i : i + 500] for i in range(0, len(body), 500))
        response = small_limits.post(
            "/api/v1/aggregate", content=chunks, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "BODY_TOO_LARGE"

    def test_a_body_within_the_limit_is_served(self, small_limits: TestClient) -> None:
        response = small_limits.post(
            "/api/v1/aggregate",
            content=_aggregate_body(1_500),
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 200, response.text


class TestUploads:
    def test_uploads_have_their_own_larger_limit(self, small_limits: TestClient) -> None:
        document = json.dumps({"padding": "x" * 5_000}).encode()
        upload = small_limits.post(
            "/api/v1/catalogues", content=document, headers={"Content-Type": "application/json"}
        )
        assert upload.status_code != 413  # read, then refused for other reasons (no login)
        other = small_limits.post(
            "/api/v1/catalogues/waardenkaart/clusters",
            content=document,
            headers={"Content-Type": "application/json"},
        )
        assert other.status_code == 413

    def test_an_upload_over_its_limit_is_refused(self, small_limits: TestClient) -> None:
        document = json.dumps({"padding": "x" * 25_000}).encode()
        response = small_limits.post(
            "/api/v1/casussen/import",
            content=document,
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 413
        assert f"hoogstens {UPLOAD_LIMIT} bytes" in response.text

    @pytest.mark.parametrize(
        ("method", "path", "upload"),
        [
            ("POST", "/api/v1/catalogues", True),
            ("PUT", "/api/v1/catalogues/eigen-kaart", True),
            ("POST", "/api/v1/casussen/import", True),
            ("POST", "/api/v1/catalogues/eigen-kaart/values", False),
            ("GET", "/api/v1/catalogues", False),
            ("POST", "/api/v1/aggregate", False),
        ],
    )
    def test_which_routes_are_uploads(self, method: str, path: str, upload: bool) -> None:
        assert is_upload(method, path) is upload


@pytest.fixture
def live_server(postgres_url: str) -> Iterator[LiveServer]:
    server = LiveServer(settings_for(postgres_url))
    server.start()
    yield server
    server.stop()


def test_a_declared_50_mb_body_is_refused_before_it_is_sent(live_server: LiveServer) -> None:
    """The server answers the headers alone: not one byte of the body was needed."""
    with socket.create_connection((live_server.host, live_server.port), timeout=5) as sock:
        sock.sendall(
            b"POST /api/v1/aggregate HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: application/json\r\nContent-Length: 50000000\r\n\r\n"
        )
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"BODY_TOO_LARGE" in answer


def test_the_refusal_carries_the_security_headers(small_limits: TestClient) -> None:
    response = small_limits.post(
        "/api/v1/aggregate", content=b"x" * 3_000, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["X-Content-Type-Options"] == "nosniff"
