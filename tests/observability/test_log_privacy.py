"""No log line holds a client address, a join code or a token, in production's JSON logs too;
an unhandled error's access line says 500 (docs/privacy.md, "Logs")."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from websockets.asyncio.client import connect

from app.api.deps import CSRF_HEADER, LOGIN_COOKIE
from app.main import create_app
from app.observability.logging import ACCESS_LOGGER, SECRET_SEGMENTS, redact_path
from tests.api.test_isolation import routes
from tests.conftest import committed_login, settings_for
from tests.observability.conftest import ServedWorker
from tests.realtime.support import CANDIDATES, ballot, hello
from tests.realtime.workers import Remote

FORGED_ADDRESS = "203.0.113.77"  # TEST-NET-3: what the proxy says the phone's address is
PROXY = {"X-Forwarded-For": FORGED_ADDRESS}


async def _logged(worker: ServedWorker, wanted: str) -> str:
    for _ in range(100):
        text = worker.log_path.read_text(encoding="utf-8")
        if wanted in text:
            return text
        await asyncio.sleep(0.05)
    raise AssertionError(f"{wanted!r} never logged:\n{worker.log_tail()}")


@pytest.mark.postgres
class TestAProductionWorkerLogsNobody:
    async def test_no_address_code_or_token_in_any_line(
        self, served: ServedWorker, observed_database: str
    ) -> None:
        login = committed_login(observed_database)
        async with httpx.AsyncClient(
            base_url=served.url,
            trust_env=False,
            timeout=10,
            cookies={LOGIN_COOKIE: login["cookie"]},
            headers={CSRF_HEADER: login["csrf"], **PROXY},
        ) as api:
            remote = await Remote.create(api)
            round_id = await remote.open_approval_round()
            assert (await api.get(f"/j/{remote.code}")).status_code in (200, 303)
            _participant, token = await remote.join("Ria Ramdin")
            invitation = secrets.token_urlsafe(24)
            await api.get(f"/uitnodiging/{invitation}")
        async with connect(
            f"{served.ws_url}/ws/{remote.code}", proxy=None, additional_headers=PROXY
        ) as ws:
            await ws.send(json.dumps(hello("participant", token)))
            for _ in range(2):  # welcome, snapshot
                await ws.recv()
            await ws.send(json.dumps(ballot(round_id, "approval", {"approve": [CANDIDATES[0]]})))
            while json.loads(await ws.recv())["type"] != "ack":
                pass
        text = await _logged(served, "websocket closed")

        # The one line "denksessie serve" prints before logging starts is not a log line.
        lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
        messages = [str(line["message"]) for line in lines]
        # The lines are there: uvicorn's handshake line, the socket's own, the access lines ...
        assert '- - "WebSocket /ws/{code}" [accepted]' in messages, messages
        assert f"websocket open: participant in denksessie {remote.id}" in messages
        assert any(m.startswith("GET /uitnodiging/{token} ") for m in messages), messages
        assert any(m.startswith("POST /api/v1/join/{code} 201") for m in messages), messages
        # ... and none names the phone's address, the room's code, a token or a person (the
        # worker's own bind address, 127.0.0.1, is in its start-up lines).
        for secret in (FORGED_ADDRESS, remote.code, invitation, token, "Ria"):
            assert secret not in text, secret


class TestRedactPath:
    def test_every_route_with_a_code_or_token_is_covered(self, observed_database: str) -> None:
        secret = "Geheim123"
        found = []
        for (_method, path), _route in routes(create_app(settings_for(observed_database))):
            if "{code}" in path or "{token}" in path:
                concrete = path.replace("{code}", secret).replace("{token}", secret)
                found.append(path)
                assert secret not in redact_path(concrete), path
                assert redact_path(concrete) == path
        assert len(found) >= len(SECRET_SEGMENTS)

    def test_other_paths_and_queries(self) -> None:
        assert redact_path("/api/v1/denksessies/12/export") == "/api/v1/denksessies/12/export"
        assert redact_path("/scherm/4?token=abc") == "/scherm/4"
        assert redact_path("/p/") == "/p/"


class TestAccessLine:
    def test_an_unhandled_error_is_logged_as_500_at_error_level(
        self, observed_database: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        app = create_app(settings_for(observed_database))

        @app.get("/kapot")
        def broken() -> None:
            raise RuntimeError("kapot")

        with TestClient(app, raise_server_exceptions=False) as client:
            with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
                assert client.get("/kapot").status_code == 500
        (line,) = [r for r in caplog.records if r.name == ACCESS_LOGGER]
        assert line.status == 500  # type: ignore[attr-defined]
        assert line.levelno == logging.ERROR
        assert line.getMessage() == "GET /kapot 500"

    def test_an_invitation_token_is_not_in_the_access_line(
        self, observed_database: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        token = secrets.token_urlsafe(24)
        with TestClient(create_app(settings_for(observed_database))) as client:
            with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
                client.get(f"/uitnodiging/{token}")
        (line,) = [r for r in caplog.records if r.name == ACCESS_LOGGER]
        assert line.path == "/uitnodiging/{token}"  # type: ignore[attr-defined]
        assert token not in line.getMessage()

    def test_uvicorn_websocket_lines_lose_the_address_and_code(
        self, observed_database: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        create_app(settings_for(observed_database))  # installs the logging configuration
        with caplog.at_level(logging.DEBUG, logger="uvicorn.error"):
            uvicorn_logger = logging.getLogger("uvicorn.error")
            uvicorn_logger.info(
                '%s - "WebSocket %s" [accepted]', f"{FORGED_ADDRESS}:51234", "/ws/ABC234"
            )
            uvicorn_logger.debug("< x-forwarded-for: %s", FORGED_ADDRESS)
        assert [r.getMessage() for r in caplog.records] == ['- - "WebSocket /ws/{code}" [accepted]']
