"""Request bodies over a size limit are refused with 413 before they are read.

Without it one anonymous 50 MB JSON body raised a worker's memory by 1.24 GB (the body, the
decoded text and the parsed objects). Two route families get different limits
(docs/security.md, "Limits"): catalogue and casus uploads (``DENKSESSIE_MAX_UPLOAD_BYTES``) and
everything else (``DENKSESSIE_MAX_BODY_BYTES``). A declared ``Content-Length`` over the limit is
answered at once; a body without one (chunked) is counted while it streams in and refused as
soon as it passes the limit. The proxy (deploy/Caddyfile) enforces the same limits in front.
"""

from __future__ import annotations

import json
import re

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import i18n
from app.errors import Problem
from app.i18n.errors import error_text, problem_text

# (method, path) of the uploads: a whole catalogue or casus document in one body.
UPLOAD_ROUTES = (
    ("POST", re.compile(r"^/api/v1/catalogues/?$")),
    ("PUT", re.compile(r"^/api/v1/catalogues/[^/]+/?$")),
    ("POST", re.compile(r"^/api/v1/casussen/import/?$")),
    ("POST", re.compile(r"^/casussen/importeren/?$")),  # the same upload as a page form
    # the catalogue pages' file forms (multipart): a new own catalogue, replacing one
    ("POST", re.compile(r"^/catalogi/?$")),
    ("POST", re.compile(r"^/catalogi/[^/]+/vervangen/?$")),
)


def is_upload(method: str, path: str) -> bool:
    return any(method == verb and pattern.match(path) for verb, pattern in UPLOAD_ROUTES)


class BodyLimitMiddleware:
    """Pure ASGI, so websockets and streaming responses are untouched."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body: int,
        max_upload: int,
        default_language: i18n.Language = "nl",
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.max_upload = max_upload
        self.default_language: i18n.Language = default_language

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_upload if is_upload(scope["method"], scope["path"]) else self.max_body
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, limit, self._language(scope))
            return
        received = 0
        started = refused = False

        async def counted_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if not started and not refused:
                        refused = True
                        await _refuse(send, limit, self._language(scope))
                    # The app sees a client that went away; what it answers then is dropped.
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = True
            await send(message)

        await self.app(scope, counted_receive, guarded_send)

    def _language(self, scope: Scope) -> i18n.Language:
        """``?lang=``, then the ``lang`` cookie, as every other answer (app/api/errors.py)."""
        asked = HTTPConnection(scope)
        return i18n.pick_language(
            (asked.query_params.get("lang"), asked.cookies.get("lang")), self.default_language
        )


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, limit: int, language: i18n.Language) -> None:
    problem = Problem("(body)", code="BODY_LIMIT", params={"limit": limit})
    problem_words = problem_text(problem, language=language)
    body = json.dumps(
        {
            "error": {
                "code": "BODY_TOO_LARGE",
                "message": error_text("BODY_TOO_LARGE", language=language, http_status=413),
                "problems": [{"loc": "(body)", "message": problem_words}],
            }
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
