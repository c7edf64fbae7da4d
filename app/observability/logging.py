"""Logs as JSON lines (production) or text (development), each with its request or connection id.

The ids live in context variables, so every log call made while serving a request or a socket
carries them without being passed around: asyncio copies the context into tasks created from
it (a socket's sender task included) and anyio into worker threads. ``X-Request-ID`` from the
proxy is kept when it looks sane (so one id follows a request through Caddy and the app), a
fresh one is made otherwise, and it is always echoed in the response.

No line carries a client address, a join code or a token (docs/privacy.md): the access line
has the method, the path with its secret segment replaced (``redact_path``), the status and the
duration; uvicorn's websocket handshake line loses its address the same way (``_Scrub``), and
the websockets library's handshake dumps (every header, cookies and X-Forwarded-For included,
at debug level) are dropped. So the request id that links a line to "participant in
denksessie N" links it to nobody.

This module knows no web framework (tests/architecture): the middleware is plain ASGI.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["json", "text"]
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

REQUEST_ID_HEADER = "x-request-id"
HANDLER_NAME = "denksessie"
ACCESS_LOGGER = "denksessie.access"
# A proxy's id is kept only when it cannot smuggle anything into a log line.
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

# Paths whose segment after the prefix is a secret (a join code, an invitation or card token):
# logged as the route's parameter name. tests/observability checks every route is covered.
SECRET_SEGMENTS: tuple[tuple[str, str], ...] = (
    ("/api/v1/join/", "code"),
    ("/j/", "code"),
    ("/p/", "code"),
    ("/ws/", "code"),
    ("/uitnodiging/", "token"),
    ("/k/", "token"),
)
# uvicorn's websocket handshake line: '%s - "WebSocket %s" ...' with the client address first.
_UVICORN_WEBSOCKET = '%s - "WebSocket %s"'
_UVICORN_LOGGERS = ("uvicorn.error",)

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
connection_id: ContextVar[str | None] = ContextVar("connection_id", default=None)


def new_id() -> str:
    return secrets.token_hex(8)


def redact_path(path: str) -> str:
    """The path without its query and with a join code or token replaced by its name:
    ``/uitnodiging/abc`` becomes ``/uitnodiging/{token}``."""
    path = path.partition("?")[0]
    for prefix, name in SECRET_SEGMENTS:
        if path.startswith(prefix) and len(path) > len(prefix):
            _secret, slash, rest = path[len(prefix) :].partition("/")
            return f"{prefix}{{{name}}}{slash}{rest}"
    return path


class _Scrub(logging.Filter):
    """Takes the client address and the join code out of uvicorn's websocket lines and drops
    the websockets library's handshake dumps (``< GET ...``, ``> HTTP/1.1 ...``, headers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.msg if isinstance(record.msg, str) else ""
        if message.startswith(("< ", "> ")):
            return False
        args = record.args
        if message.startswith(_UVICORN_WEBSOCKET) and isinstance(args, tuple) and len(args) >= 2:
            record.args = ("-", redact_path(str(args[1])), *args[2:])
        return True


class _ContextIds(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.connection_id = connection_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; ``extra={...}`` fields are kept as keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_") and value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(ids)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        ids = [
            f"{name}={value}"
            for name in ("request_id", "connection_id")
            if (value := getattr(record, name, None))
        ]
        record.ids = f" [{' '.join(ids)}]" if ids else ""
        return super().format(record)


def configure_logging(*, level: str, log_format: LogFormat) -> None:
    """Install (or update) this app's handler on the root logger; idempotent.

    Handlers that others installed (pytest's capture) are left alone. In JSON mode uvicorn's
    loggers go through the same handler, so every line of a worker parses as JSON; uvicorn's
    own access line is replaced by ``denksessie.access`` (method, path, status, duration, id).
    """
    root = logging.getLogger()
    handler = next((h for h in root.handlers if h.get_name() == HANDLER_NAME), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.set_name(HANDLER_NAME)
        handler.addFilter(_ContextIds())
        root.addHandler(handler)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root.setLevel(level.upper())
    logging.getLogger("uvicorn.access").disabled = True
    # On the logger, not a handler: in text mode uvicorn's own handlers write these lines.
    for name in _UVICORN_LOGGERS:
        scrubbed = logging.getLogger(name)
        if not any(isinstance(f, _Scrub) for f in scrubbed.filters):
            scrubbed.addFilter(_Scrub())
    if log_format == "json":
        for name in ("uvicorn", "uvicorn.error"):
            uvicorn_logger = logging.getLogger(name)
            uvicorn_logger.handlers = []
            uvicorn_logger.propagate = True


class RequestIdMiddleware:
    """Give every request and websocket an id (from ``X-Request-ID`` when sane), echo it in
    the response, and write one access line per HTTP request: an unhandled error is answered
    500 by Starlette's outermost layer, after this one, so it is logged here as 500 (at error
    level, as every 5xx), not as the 0 of a response never seen."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.access = logging.getLogger(ACCESS_LOGGER)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, REQUEST_ID_HEADER)
        rid = incoming if incoming and _SANE_ID.match(incoming) else new_id()
        token = request_id.set(rid)
        status = 0
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), rid.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id if scope["type"] == "http" else send)
        except Exception:
            status = status or 500
            raise
        finally:
            if scope["type"] == "http":
                path = redact_path(str(scope.get("path", "")))
                self.access.log(
                    logging.ERROR if status >= 500 else logging.INFO,
                    "%s %s %s",
                    scope.get("method"),
                    path,
                    status,
                    extra={
                        "method": scope.get("method"),
                        "path": path,
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
            request_id.reset(token)


def _header(scope: Scope, name: str) -> str | None:
    wanted = name.encode()
    for key, value in scope.get("headers", []):
        if key.lower() == wanted:
            text: str = value.decode("latin-1")
            return text
    return None
