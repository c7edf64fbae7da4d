"""Account pages with native forms: login, logout, first-run setup, invitations, members.

Forms post ``application/x-www-form-urlencoded`` with a hidden ``csrf_token``: before login the
token lives in a cookie of its own (double submit), after login it is the login session's.
Every refusal re-renders the form with its problems announced (role="alert").
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app import i18n
from app.accounts import service as accounts
from app.accounts.models import Invitation, Role
from app.api.auth import (
    clear_login_cookie,
    login_throttle,
    safe_next,
    set_login_cookie,
)
from app.api.deps import (
    ANONYMOUS_CSRF_COOKIE,
    LOGIN_COOKIE,
    AppPasswords,
    AppSettings,
    CurrentLogin,
    DbSession,
    OptionalLogin,
    OwnerLogin,
    PathId,
    check_csrf,
    refuse_cross_origin,
)
from app.api.errors import domain_error_text, language_of, worded_problems
from app.api.pages import render
from app.config import Settings
from app.errors import DomainError, InvalidInput, NotFound, Problem, Rejected
from app.i18n import N_
from app.schemas import DB_ID_MAX
from app.tokens import setup_link_valid

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=300)]
Secret = Annotated[str, Form(max_length=1000)]
CsrfField = Annotated[str, Form(max_length=200)]
RoleField = Annotated[Literal["owner", "facilitator", "viewer"], Form()]
NO_STORE = {"Cache-Control": "no-store"}
TOO_MANY_ATTEMPTS = N_("Te veel mislukte pogingen. Wacht een minuut en probeer het opnieuw.")
WRONG_LOGIN = N_("Dit e-mailadres en wachtwoord horen niet bij elkaar.")


def _anonymous_form(
    request: Request, settings: Settings, template: str, *, status: int = 200, **context: Any
) -> HTMLResponse:
    """Render a pre-login form with the double-submit CSRF token (cookie + hidden field)."""
    token = request.cookies.get(ANONYMOUS_CSRF_COOKIE) or accounts.new_token()
    request.state.csrf_token = token
    response = render(request, template, **context)
    response.status_code = status
    response.headers.update(NO_STORE)
    response.set_cookie(
        ANONYMOUS_CSRF_COOKIE,
        token,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.environment != "development",
    )
    return response


def _check_anonymous_form(request: Request, settings: Settings, submitted: str) -> None:
    refuse_cross_origin(request, settings)
    check_csrf(submitted, request.cookies.get(ANONYMOUS_CSRF_COOKIE, ""))


def _logged_in(
    db: DbSession, settings: Settings, user: Any, target: str, organisation_id: int | None = None
) -> Response:
    token = accounts.start_login(
        db,
        user=user,
        lifetime=timedelta(days=settings.login_days),
        organisation_id=organisation_id,
    )
    response = RedirectResponse(target, status_code=303)
    set_login_cookie(response, settings, token)
    return response


def _words(request: Request, message: str) -> str:
    """One of this module's sentences in the request's language."""
    return i18n.translations(language_of(request)).gettext(message)


def _problems(request: Request, exc: DomainError) -> list[Problem]:
    if isinstance(exc, InvalidInput):
        return worded_problems(request, exc)
    return [Problem("", domain_error_text(request, exc))]


# --- login and logout -------------------------------------------------------------------------


@router.get("/login")
def login_page(
    request: Request,
    db: DbSession,
    settings: AppSettings,
    login: OptionalLogin,
    next: str = "/console",
) -> Response:
    if login is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _anonymous_form(
        request,
        settings,
        "account/login.html",
        next=safe_next(next),
        email="",
        problems=[],
        offer_setup=not accounts.has_users(db),
    )


@router.post("/login")
def login_submit(
    request: Request,
    db: DbSession,
    settings: AppSettings,
    passwords: AppPasswords,
    csrf_token: CsrfField = "",
    email: Text = "",
    password: Secret = "",
    next: Text = "/console",
) -> Response:
    _check_anonymous_form(request, settings, csrf_token)
    address = request.client.host if request.client else "unknown"
    key = accounts.normalise_email(email)
    throttle = login_throttle(request)

    def refuse(status: int, message: str) -> Response:
        return _anonymous_form(
            request,
            settings,
            "account/login.html",
            status=status,
            next=safe_next(next),
            email=email,
            problems=[Problem("", _words(request, message))],
            offer_setup=False,
        )

    if not throttle.allowed(key, address):
        return refuse(429, TOO_MANY_ATTEMPTS)
    user = accounts.authenticate(db, email=email, password=password, passwords=passwords)
    if user is None:
        throttle.failed(key, address)
        return refuse(401, WRONG_LOGIN)
    old = request.cookies.get(LOGIN_COOKIE)
    if old:
        accounts.end_login(db, old)
    return _logged_in(db, settings, user, safe_next(next))


@router.post("/logout")
def logout(
    request: Request, db: DbSession, settings: AppSettings, login: OptionalLogin
) -> Response:
    """Ends this login (the row is deleted, so the cookie is worthless even if kept)."""
    response = RedirectResponse("/login", status_code=303)
    token = request.cookies.get(LOGIN_COOKIE)
    if login is not None and token:
        accounts.end_login(db, token)
    clear_login_cookie(response, settings)
    return response


# --- first run --------------------------------------------------------------------------------


def _setup_open(db: DbSession, settings: Settings, setup_token: str) -> None:
    """Only while there is no account at all, and only with the link ``denksessie serve``
    printed: whoever shares the venue's network cannot make themselves the owner."""
    if accounts.has_users(db):
        raise NotFound(reason="PAGE")
    if not setup_link_valid(
        settings.secret_key, setup_token, max_age_s=settings.setup_link_hours * 3600
    ):
        raise Rejected("SETUP_LINK_NEEDED", http_status=403)


@router.get("/setup")
def setup_page(request: Request, db: DbSession, settings: AppSettings, token: str = "") -> Response:
    """Create the first organisation and its owner (docs/security.md, "First run")."""
    _setup_open(db, settings, token)
    return _anonymous_form(
        request,
        settings,
        "account/setup.html",
        problems=[],
        values={},
        setup_token=token,
        status=200,
    )


@router.post("/setup")
def setup_submit(
    request: Request,
    db: DbSession,
    settings: AppSettings,
    passwords: AppPasswords,
    csrf_token: CsrfField = "",
    setup_token: CsrfField = "",
    organisation: Text = "",
    name: Text = "",
    email: Text = "",
    password: Secret = "",
) -> Response:
    _setup_open(db, settings, setup_token)
    _check_anonymous_form(request, settings, csrf_token)
    # Checked again under the lock: of several submissions at once only the first makes an owner.
    accounts.lock_first_run(db)
    _setup_open(db, settings, setup_token)
    try:
        user = accounts.create_organisation_with_owner(
            db,
            organisation_name=organisation,
            email=email,
            name=name,
            password=password,
            passwords=passwords,
        )
    except InvalidInput as exc:
        values = {"organisation": organisation, "name": name, "email": email}
        return _anonymous_form(
            request,
            settings,
            "account/setup.html",
            status=422,
            problems=_problems(request, exc),
            values=values,
            setup_token=setup_token,
        )
    return _logged_in(db, settings, user, "/console")


# --- invitations ------------------------------------------------------------------------------


def _invitation_form(
    request: Request,
    settings: Settings,
    invitation: Invitation,
    *,
    status: int = 200,
    problems: list[Problem] | None = None,
    name: str = "",
) -> HTMLResponse:
    """One form whether or not the address has an account: the page does not tell."""
    return _anonymous_form(
        request,
        settings,
        "account/invitation.html",
        status=status,
        invitation=invitation,
        problems=problems or [],
        name=name,
    )


@router.get("/uitnodiging/{token}")
def invitation_page(request: Request, db: DbSession, settings: AppSettings, token: str) -> Response:
    return _invitation_form(request, settings, accounts.invitation_by_token(db, token))


@router.post("/uitnodiging/{token}")
def invitation_accept(
    request: Request,
    db: DbSession,
    settings: AppSettings,
    passwords: AppPasswords,
    token: str,
    csrf_token: CsrfField = "",
    name: Text = "",
    password: Secret = "",
) -> Response:
    """Refused attempts count against the login limits of the invited address and the client
    address (shared with ``/login``): a link cannot be used to guess an account's password."""
    _check_anonymous_form(request, settings, csrf_token)
    invitation = accounts.invitation_by_token(db, token)
    organisation_id = invitation.organisation_id
    address = request.client.host if request.client else "unknown"
    throttle = login_throttle(request)
    if not throttle.allowed(invitation.email, address):
        return _invitation_form(
            request,
            settings,
            invitation,
            status=429,
            problems=[Problem("", _words(request, TOO_MANY_ATTEMPTS))],
            name=name,
        )
    try:
        user = accounts.accept_invitation(
            db, token=token, name=name, password=password, passwords=passwords
        )
    except InvalidInput as exc:
        throttle.failed(invitation.email, address)
        return _invitation_form(
            request, settings, invitation, status=422, problems=_problems(request, exc), name=name
        )
    return _logged_in(db, settings, user, "/console", organisation_id)


# --- own account, organisation switch, members ------------------------------------------------


def _account_page(
    request: Request,
    db: DbSession,
    login: accounts.Login,
    *,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    owner = login.role == "owner"
    response = render(
        request,
        "account/account.html",
        members=accounts.members(db, login.organisation_id) if owner else [],
        invitations=accounts.open_invitations(db, login.organisation_id) if owner else [],
        roles=("owner", "facilitator", "viewer"),
        retention_days=login.organisation.retention_days,
        **{"new_link": None, "problems": [], **context},
    )
    response.status_code = status
    response.headers.update(NO_STORE)
    return response


@router.get("/account")
def account_page(request: Request, db: DbSession, login: CurrentLogin) -> Response:
    return _account_page(request, db, login)


@router.post("/account/organisatie")
def switch_organisation(
    db: DbSession, login: CurrentLogin, organisation_id: Annotated[int, Form(ge=1, le=DB_ID_MAX)]
) -> Response:
    accounts.switch_organisation(db, login=login, organisation_id=organisation_id)
    return RedirectResponse("/console", status_code=303)


@router.post("/account/bewaartermijn")
def set_retention(
    db: DbSession,
    login: OwnerLogin,
    retention_days: Annotated[int, Form(ge=1, le=3650)],
) -> Response:
    """Owners only: days a denksessie's participant-level data is kept after it ends
    (docs/privacy.md); the same as PUT /api/v1/organisation/retention."""
    organisation = login.organisation
    organisation.retention_days = retention_days
    db.add(organisation)
    return RedirectResponse("/account", status_code=303)


@router.post("/account/uitnodigingen")
def invite(
    request: Request,
    db: DbSession,
    settings: AppSettings,
    login: OwnerLogin,
    role: RoleField,
    email: Text = "",
) -> Response:
    """The link is shown once to the owner, who passes it on: no mail server is assumed."""
    try:
        token = accounts.create_invitation(
            db,
            organisation_id=login.organisation_id,
            email=email,
            role=role,
            invited_by=login.user.id,
            lifetime=timedelta(days=settings.invitation_days),
        )
    except DomainError as exc:
        return _account_page(request, db, login, status=422, problems=_problems(request, exc))
    link = str(request.base_url).rstrip("/") + f"/uitnodiging/{token}"
    return _account_page(request, db, login, status=201, new_link=link, new_email=email)


@router.post("/account/uitnodigingen/{invitation_id}/intrekken")
def revoke_invitation(db: DbSession, login: OwnerLogin, invitation_id: PathId) -> Response:
    accounts.revoke_invitation(
        db, organisation_id=login.organisation_id, invitation_id=invitation_id
    )
    return RedirectResponse("/account", status_code=303)


@router.post("/account/leden/{user_id}/rol")
def change_role(db: DbSession, login: OwnerLogin, user_id: PathId, role: RoleField) -> Response:
    member_role: Role = role
    accounts.change_role(
        db, organisation_id=login.organisation_id, user_id=user_id, role=member_role
    )
    return RedirectResponse("/account", status_code=303)


@router.post("/account/leden/{user_id}/verwijderen")
def remove_member(db: DbSession, login: OwnerLogin, user_id: PathId) -> Response:
    accounts.remove_member(db, organisation_id=login.organisation_id, user_id=user_id)
    return RedirectResponse("/account", status_code=303)
