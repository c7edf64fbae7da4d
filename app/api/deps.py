"""Typed dependencies, so routes read like prose: ``db: DbSession, org: CurrentOrganisation``.

``get_db`` is the one commit boundary of an HTTP request: commit when the route returns, roll
back when it raises. It runs with ``scope="function"`` so the commit happens before the response
is sent: a client never sees 201 for something that was not stored. It is async: making a
session touches no database, so only the commit (or rollback) takes a worker thread, and none
when the route already committed in its own thread (``run_db``, as the join does; decision 0035).

Who a request comes from is decided here and nowhere else (docs/decisions/0006-accounts.md):

- ``OptionalLogin`` reads the login cookie. For an unsafe method (POST, PUT, PATCH, DELETE) it
  also refuses a cross-origin request and one without the login's CSRF token (header
  ``X-CSRF-Token`` or form field ``csrf_token``), before the route runs, so nothing is written.
- ``CurrentOrganisation`` / ``OrganisationId`` need a login (401, or a redirect to /login for a
  page) and act for the organisation chosen in it; a viewer may only read (403 on writes).
- ``ReaderOrganisationId`` is for pages anyone may read: anonymous visitors see built-in
  content only.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import Depends, Path, Request
from sqlmodel import Session

from app.accounts import service as accounts
from app.accounts.passwords import Passwords, Profile
from app.accounts.service import Login
from app.config import Settings
from app.errors import DomainError, Rejected
from app.organisations import service as organisations
from app.organisations.models import Organisation
from app.realtime.abuse import origin_allowed
from app.schemas import DB_ID_MAX

LOGIN_COOKIE = "denksessie_login"
# The CSRF token of forms shown before a login exists (login, setup, invitation).
ANONYMOUS_CSRF_COOKIE = "denksessie_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class NotAuthenticated(DomainError):
    """No (valid) login: 401 for the API, a redirect to /login for a page."""

    code = "UNAUTHENTICATED"
    http_status = 401

    def __init__(self, message: str = "Log eerst in.") -> None:
        super().__init__(message)


T = TypeVar("T")


async def run_db(work: Callable[[], T], *, limiter: anyio.CapacityLimiter | None = None) -> T:
    """Run blocking database work in a worker thread (of anyio's pool, or under ``limiter``),
    and wait for it even when cancelled, so a session is never used by the thread and the event
    loop at once."""
    future = asyncio.ensure_future(anyio.to_thread.run_sync(work, limiter=limiter))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        with anyio.CancelScope(shield=True):
            await asyncio.wait({future})
        raise


def _pending(db: Session) -> bool:
    """Whether ending the session would touch the database (a transaction or unsaved objects)."""
    return db.in_transaction() or bool(db.new or db.dirty or db.deleted)


def _finish(db: Session, *, ok: bool) -> None:
    """Outside the thread pool's limit (a limiter of its own per call, as FastAPI ends a sync
    dependency): a commit that waited for a free thread while the pool's threads all waited for
    the write gate (app/write_gate.py) it holds would never come (decision 0035)."""
    try:
        if ok:
            db.commit()
        else:
            db.rollback()
    finally:
        db.close()


async def get_db(request: Request) -> AsyncIterator[Session]:
    db = Session(request.app.state.engine, expire_on_commit=False)  # no connection yet
    try:
        yield db
    except BaseException:
        if _pending(db):
            await run_db(lambda: _finish(db, ok=False), limiter=anyio.CapacityLimiter(1))
        db.close()
        raise
    if _pending(db):
        await run_db(lambda: _finish(db, ok=True), limiter=anyio.CapacityLimiter(1))
    db.close()  # nothing left to release: no database work, so no thread


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


DbSession = Annotated[Session, Depends(get_db, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings)]
# Every id in a URL (``/api/v1/casussen/{casus_id}``): a number the database can hold, or a 422
# that names it (app/schemas.py, DB_ID_MAX); never a 500 from the driver.
PathId = Annotated[int, Path(ge=1, le=DB_ID_MAX)]


@lru_cache(maxsize=2)
def passwords_for(profile: Profile) -> Passwords:
    return Passwords(profile)


def get_passwords(settings: AppSettings) -> Passwords:
    return passwords_for(settings.password_hashing)


AppPasswords = Annotated[Passwords, Depends(get_passwords)]


# --- CSRF and origin --------------------------------------------------------------------------


async def submitted_csrf(request: Request) -> str | None:
    """The CSRF token an unsafe request carries: header for fetch, hidden field for forms.

    Only form bodies are parsed here (native forms, urlencoded or a file upload as multipart;
    the body limit has capped their size first); other uploads send the header."""
    if request.method in SAFE_METHODS:
        return None
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


SubmittedCsrf = Annotated[str | None, Depends(submitted_csrf)]


def refuse_cross_origin(request: Request, settings: Settings) -> None:
    """A browser says where an unsafe request comes from; anything but this site is refused."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise Rejected("CROSS_ORIGIN", http_status=403)
    origin = request.headers.get("origin")
    if origin is not None and not origin_allowed(
        origin, request.headers.get("host"), settings.allowed_origins
    ):
        raise Rejected("CROSS_ORIGIN", http_status=403)


def check_csrf(submitted: str | None, expected: str) -> None:
    if not submitted or not expected or not secrets.compare_digest(submitted, expected):
        raise Rejected("CSRF_FAILED", http_status=403)


# --- who is asking ----------------------------------------------------------------------------


def current_login(
    request: Request, db: DbSession, settings: AppSettings, csrf: SubmittedCsrf
) -> Login | None:
    token = request.cookies.get(LOGIN_COOKIE)
    login = accounts.resolve_login(db, token) if token else None
    if login is not None and request.method not in SAFE_METHODS:
        refuse_cross_origin(request, settings)
        check_csrf(csrf, login.session.csrf_token)
    request.state.account = AccountView.of(login) if login else None
    return login


OptionalLogin = Annotated[Login | None, Depends(current_login)]


def may_edit(request: Request) -> bool:
    """Whether the logged-in account of this request may change content (a facilitator or an
    owner); a viewer's pages show everything read-only."""
    account = getattr(request.state, "account", None)
    return account is not None and accounts.may(account.role, "facilitator")


async def require_login(login: OptionalLogin) -> Login:
    if login is None:
        raise NotAuthenticated()
    return login


CurrentLogin = Annotated[Login, Depends(require_login)]


def require_owner(login: CurrentLogin) -> Login:
    if login.role != "owner":
        raise Rejected("FORBIDDEN", reason="OWNER_ONLY", http_status=403)
    return login


OwnerLogin = Annotated[Login, Depends(require_owner)]


async def current_organisation(request: Request, login: CurrentLogin) -> Organisation:
    """The organisation a request acts for: the one chosen in the login.

    A viewer reads; every unsafe method needs at least the facilitator role. ``async`` (as
    ``require_login`` and ``organisation_id``): no database work, so no worker-thread hop, each
    of which a loaded worker makes a facilitator's control wait for (decision 0037)."""
    if request.method not in SAFE_METHODS and not accounts.may(login.role, "facilitator"):
        raise Rejected(
            "FORBIDDEN",
            reason="VIEWER",
            http_status=403,
        )
    return login.organisation


CurrentOrganisation = Annotated[Organisation, Depends(current_organisation)]


async def organisation_id(organisation: CurrentOrganisation) -> int:
    assert organisation.id is not None
    return organisation.id


OrganisationId = Annotated[int, Depends(organisation_id)]


def reader_organisation_id(db: DbSession, login: OptionalLogin) -> int:
    """Own organisation when logged in; the built-in one (read-only content) otherwise."""
    if login is not None:
        return login.organisation_id
    builtin = organisations.ensure_builtin(db)
    assert builtin.id is not None
    return builtin.id


ReaderOrganisationId = Annotated[int, Depends(reader_organisation_id)]


@dataclass(frozen=True)
class AccountView:
    """Plain values of a login for templates: an error page is rendered after the request's
    transaction rolled back, when the ORM objects can no longer be read."""

    user_id: int
    name: str
    email: str
    organisation_id: int
    organisation_name: str
    role: str
    csrf_token: str
    memberships: tuple[tuple[int, str, str], ...]

    @classmethod
    def of(cls, login: Login) -> AccountView:
        return cls(
            user_id=login.user.id or 0,
            name=login.user.name,
            email=login.user.email,
            organisation_id=login.organisation_id,
            organisation_name=login.organisation.name,
            role=login.role,
            csrf_token=login.session.csrf_token,
            memberships=tuple((org.id or 0, org.name, role) for org, role in login.memberships),
        )


def template_context(request: Request) -> dict[str, Any]:
    """What every template gets about the login: the account menu and the CSRF meta tag."""
    account: AccountView | None = getattr(request.state, "account", None)
    csrf = account.csrf_token if account else getattr(request.state, "csrf_token", "")
    return {"account": account, "csrf_token": csrf}
