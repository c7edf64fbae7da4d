"""Security headers on every response.

The Content-Security-Policy allows no inline script and no framing, so a text that slips past
escaping still cannot run, and the pages cannot be embedded by another site. In production,
Strict-Transport-Security tells a browser to use only https for this host for a year, so a
later visit on a hostile network cannot be downgraded to plain http.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]

# A year; not includeSubDomains: the service does not know what else runs under its domain.
STRICT_TRANSPORT_SECURITY = (b"strict-transport-security", b"max-age=31536000")

# Served outside production only (docs/security.md): Swagger UI and ReDoc load their scripts
# from a CDN and inline them, so the policy is left off these pages.
_DOC_PATHS = ("/docs", "/redoc")


class SecurityHeadersMiddleware:
    """Pure ASGI middleware (no BaseHTTPMiddleware) so websockets and streaming are untouched."""

    def __init__(
        self, app: ASGIApp, *, strict_transport: bool = False, docs_pages: bool = True
    ) -> None:
        self.app = app
        self.headers = [*HEADERS, STRICT_TRANSPORT_SECURITY] if strict_transport else HEADERS
        self.docs_pages = docs_pages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_docs = self.docs_pages and str(scope.get("path", "")).startswith(_DOC_PATHS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                for name, value in self.headers:
                    if is_docs and name == b"content-security-policy":
                        continue
                    headers.append((name, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
