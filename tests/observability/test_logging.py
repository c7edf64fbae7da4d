"""Structured logs: every line of a worker in JSON mode parses, with request and socket ids."""

from __future__ import annotations

import asyncio
import json
import logging
from io import StringIO

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.observability.logging import HANDLER_NAME, JsonFormatter, request_id
from tests.conftest import settings_for
from tests.realtime.workers import Remote, Worker, joined

pytestmark = pytest.mark.postgres


def _lines(worker: Worker) -> list[dict[str, object]]:
    text = worker.log_path.read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


async def _logged(worker: Worker, wanted: str) -> list[dict[str, object]]:
    """The worker's log lines once one contains ``wanted`` (logs are written asynchronously)."""
    for _ in range(100):
        if wanted in worker.log_path.read_text(encoding="utf-8"):
            break
        await asyncio.sleep(0.05)
    return _lines(worker)


class TestJsonLogsOfAWorker:
    async def test_every_line_parses_and_the_access_line_carries_the_request_id(
        self, worker: Worker, api: httpx.AsyncClient
    ) -> None:
        response = await api.get("/healthz", headers={"X-Request-ID": "proxy-id-42"})
        assert response.headers["x-request-id"] == "proxy-id-42"
        lines = await _logged(worker, "proxy-id-42")
        access = [line for line in lines if line.get("request_id") == "proxy-id-42"]
        assert access, lines
        assert access[0]["logger"] == "denksessie.access"
        assert access[0]["path"] == "/healthz"
        assert access[0]["status"] == 200
        assert {"time", "level", "logger", "message"} <= set(access[0])

    async def test_websocket_lines_carry_one_connection_id(
        self, worker: Worker, api: httpx.AsyncClient
    ) -> None:
        remote = await Remote.create(api)
        async with joined(worker, remote.code, "screen", remote.screen_token):
            pass
        lines = await _logged(worker, "websocket closed")
        socket_lines = [line for line in lines if str(line["message"]).startswith("websocket ")]
        opened = [
            line
            for line in socket_lines
            if line["message"] == f"websocket open: screen in denksessie {remote.id}"
        ]
        assert len(opened) == 1, socket_lines
        connection = opened[0]["connection_id"]
        assert isinstance(connection, str)
        assert connection
        closed = [line for line in socket_lines if line.get("connection_id") == connection]
        assert [str(line["message"]).split(" ")[1] for line in closed] == ["open:", "closed"]


class TestRequestId:
    def test_a_fresh_id_is_made_when_none_is_sent(self, observed_database: str) -> None:
        with TestClient(create_app(settings_for(observed_database))) as client:
            first = client.get("/healthz").headers["x-request-id"]
            second = client.get("/healthz").headers["x-request-id"]
        assert first
        assert second
        assert first != second

    def test_an_unsafe_id_is_replaced(self, observed_database: str) -> None:
        with TestClient(create_app(settings_for(observed_database))) as client:
            answer = client.get("/healthz", headers={"X-Request-ID": "bad id\nforged: line"})
        assert answer.headers["x-request-id"] != "bad id\nforged: line"
        assert " " not in answer.headers["x-request-id"]


class TestJsonFormatter:
    def test_a_record_becomes_one_json_object_with_its_ids_and_extras(self) -> None:
        handler = next(h for h in logging.getLogger().handlers if h.get_name() == HANDLER_NAME)
        assert isinstance(handler, logging.StreamHandler)
        buffer = StringIO()
        previous = handler.setStream(buffer)
        formatter = handler.formatter
        handler.setFormatter(JsonFormatter())
        token = request_id.set("abc123")
        try:
            logging.getLogger("tests.observability").warning(
                "ballot %s refused", "x", extra={"code": "ROUND_CLOSED"}
            )
        finally:
            request_id.reset(token)
            handler.setFormatter(formatter)
            handler.setStream(previous)
        (line,) = [json.loads(text) for text in buffer.getvalue().splitlines()]
        assert line["message"] == "ballot x refused"
        assert line["request_id"] == "abc123"
        assert line["code"] == "ROUND_CLOSED"
        assert line["level"] == "warning"
