"""Login plumbing at the edge: cookies, the login throttle, the 401 handler, ``/api/v1/account``.

The domain (``app/accounts``) knows nothing of cookies; this module sets and clears them with
the flags docs/security.md promises: HttpOnly, SameSite=Lax, Secure outside development.
"""

from __future__ import annotations

import secrets
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from app.accounts.models import Role
from app.api.deps import (
    ANONYMOUS_CSRF_COOKIE,
    LOGIN_COOKIE,
    SAFE_METHODS,
    CurrentLogin,
    NotAuthenticated,
)
from app.api.errors import ERROR_RESPONSES, domain_error_text, error_response
from app.config import Settings
from app.ratelimits import RateLimits, parse_limits

router = APIRouter(prefix="/api/v1/account", tags=["account"], responses=ERROR_RESPONSES)


def _secure(settings: Settings) -> bool:
    return settings.environment != "development"


def set_login_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=settings.login_days * 24 * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(settings),
    )
    response.delete_cookie(ANONYMOUS_CSRF_COOKIE, path="/")


def clear_login_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        LOGIN_COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(settings)
    )


def anonymous_csrf(request: Request, response: Response, settings: Settings) -> str:
    """The CSRF token of a form shown before login: kept in a cookie, echoed by the form."""
    token = request.cookies.get(ANONYMOUS_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response.set_cookie(
        ANONYMOUS_CSRF_COOKIE,
        token,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(settings),
    )
    return token


def safe_next(value: str | None, default: str = "/console") -> str:
    """Only a path on this site: never ``//evil.example`` or ``https://...`` (open redirect)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    return value


class LoginThrottle:
    """Failed logins per e-mail address and per client address (moving window; shared by the
    workers when DENKSESSIE_RATE_LIMIT_STORAGE points at Redis).

    Only failures count, so a facilitator who types the password right is never slowed down."""

    def __init__(
        self, per_email: str, per_address: str, *, storage: str = "memory://", secret: str
    ) -> None:
        self._limits = RateLimits(storage, secret=secret)
        self._per_email = parse_limits(per_email)
        self._per_address = parse_limits(per_address)

    def allowed(self, email: str, address: str) -> bool:
        return self._limits.allows(self._per_email, "login-email", email) and self._limits.allows(
            self._per_address, "login-address", address
        )

    def failed(self, email: str, address: str) -> None:
        self._limits.hit(self._per_email, "login-email", email)
        self._limits.hit(self._per_address, "login-address", address)


def login_throttle(request: Request) -> LoginThrottle:
    state = request.app.state
    throttle: LoginThrottle | None = getattr(state, "login_throttle", None)
    if throttle is None:
        settings: Settings = state.settings
        throttle = state.login_throttle = LoginThrottle(
            settings.login_rate_limit,
            settings.login_ip_rate_limit,
            storage=settings.rate_limit_storage,
            secret=settings.secret_key,
        )
    return throttle


def install(app: FastAPI) -> None:
    """A page asked for without a login redirects to /login; everything else gets 401 JSON."""

    @app.exception_handler(NotAuthenticated)
    async def _not_authenticated(request: Request, exc: NotAuthenticated) -> Response:
        path = request.url.path
        if request.method in SAFE_METHODS and not path.startswith("/api/"):
            target = path + (f"?{request.url.query}" if request.url.query else "")
            response: Response = RedirectResponse(
                f"/login?next={quote(target, safe='/')}", status_code=303
            )
        else:
            response = error_response(401, exc.code, domain_error_text(request, exc))
        if LOGIN_COOKIE in request.cookies:  # expired or ended: forget it
            clear_login_cookie(response, request.app.state.settings)
        return response


class MembershipOut(BaseModel):
    organisation: str
    name: str
    role: Role


class AccountOut(BaseModel):
    email: str
    name: str
    organisation: str
    role: Role
    memberships: list[MembershipOut]


@router.get("")
def me(login: CurrentLogin) -> AccountOut:
    """Who is logged in, for which organisation, with which role."""
    return AccountOut(
        email=login.user.email,
        name=login.user.name,
        organisation=login.organisation.slug,
        role=login.role,
        memberships=[
            MembershipOut(organisation=org.slug, name=org.name, role=role)
            for org, role in login.memberships
        ],
    )
