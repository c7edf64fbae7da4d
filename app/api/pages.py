"""HTML pages; the only module that renders templates.

The language comes from ``?lang=`` (remembered in a cookie), else the cookie, else the default.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import segno
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from app import i18n, network
from app.accounts.service import staff_token_holds
from app.api.denksessies import facilitator_tokens, join_url
from app.api.deps import (
    AppSettings,
    CurrentLogin,
    DbSession,
    OrganisationId,
    PathId,
    ReaderOrganisationId,
    template_context,
)
from app.api.join import PARTICIPANT_COOKIE
from app.api.join_guard import join_guard
from app.cards import service as cards
from app.casussen import service as casussen
from app.catalogue import service as catalogues
from app.catalogue.groups import GROUPS
from app.errors import NotFound, Problem, Rejected
from app.i18n.errors import problem_text
from app.i18n.explain import explain
from app.programmes import service as programmes
from app.sessions import codes
from app.sessions import service as sessions
from app.sessions.models import Denksessie
from app.sessions.schemas import DEFAULT_ROLES, PRINCIPLE_MAX
from app.tokens import verify

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

router = APIRouter(include_in_schema=False)
CODE_SHOWN = 20  # characters of a typed code echoed back; a code has 6


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True
    )
    env.globals["explain"] = explain  # the aggregation's codes in words (app/i18n/explain.py)
    env.globals["problem_words"] = _problem_words  # a problem's code in words
    env.filters["longdate"] = i18n.long_date
    return env


def _problem_words(problem: Mapping[str, Any]) -> str:
    """For templates: a problem given as ``{code, params}`` in the page's language."""
    found = Problem("", code=problem["code"], params=dict(problem.get("params") or {}))
    return problem_text(found, language=i18n.current_language())


_environment = build_environment()


def _language(request: Request) -> i18n.Language:
    for candidate in (request.query_params.get("lang"), request.cookies.get("lang")):
        for language in i18n.LANGUAGES:
            if candidate == language:
                return language
    default: i18n.Language = request.app.state.settings.default_language
    return default


def render(request: Request, template: str, **context: Any) -> HTMLResponse:
    language = _language(request)
    i18n.set_language(language)
    html = _environment.get_template(template).render(
        request=request,
        lang=language,
        groups=GROUPS,
        path=request.url.path,
        **{**template_context(request), **context},
    )
    response = HTMLResponse(html)
    if request.query_params.get("lang") == language:
        response.set_cookie("lang", language, max_age=365 * 24 * 3600, samesite="lax")
    return response


@router.get("/")
def home(request: Request, db: DbSession, organisation_id: ReaderOrganisationId) -> HTMLResponse:
    return render(
        request,
        "home.html",
        catalogues=[
            catalogues.summary(db, c)
            for c in catalogues.list_visible(db, organisation_id=organisation_id)
        ],
        n_casussen=len(casussen.list_visible(db, organisation_id=organisation_id)),
        cards=[
            cards.to_public(db, c) for c in cards.list_visible(db, organisation_id=organisation_id)
        ],
    )


# --- live denksessies: phone, projector screen, facilitator console ---------------------------
#
# These pages carry signed tokens (the participant's, the screen's, the facilitator's) in data
# attributes for the websocket handshake, so they are never cached.

NO_STORE = {"Cache-Control": "no-store"}


def _no_store(response: HTMLResponse) -> HTMLResponse:
    response.headers.update(NO_STORE)
    return response


def _participant_token(
    request: Request, db: DbSession, secret_key: str, denksessie: Denksessie
) -> str | None:
    """The participant cookie of this denksessie, if it is ours and names a known participant.

    A removed participant keeps the token: the phone page then says so, instead of offering to
    join again."""
    raw = request.cookies.get(f"{PARTICIPANT_COOKIE}_{denksessie.join_code}")
    token = verify(secret_key, raw) if raw else None
    if (
        raw is None
        or token is None
        or token.role != "participant"
        or token.denksessie_id != denksessie.id
        or token.participant_id is None
    ):
        return None
    assert denksessie.id is not None
    try:
        sessions.active_participant(
            db, denksessie_id=denksessie.id, participant_id=token.participant_id
        )
    except Rejected as exc:
        if exc.code != "PARTICIPANT_REMOVED":
            return None
    return raw


@router.get("/j")
def join_code_page(request: Request, code: str | None = None) -> Response:
    """Typing the code by hand: ``/j?code=abc-def`` goes to ``/j/ABCDEF``."""
    if code and sessions.normalise_code(code):
        normal = sessions.normalise_code(code)[:CODE_SHOWN]
        return RedirectResponse(f"/j/{quote(normal)}", status_code=303)
    return render(request, "participant/code.html")


def _code_not_found(request: Request, db: DbSession, code: str) -> Response:
    """Say why a code led nowhere (unknown, ended, malformed) with the box to try again."""
    problem = codes.problem(db, code)
    response = render(
        request,
        "code_not_found.html",
        problem=problem,
        reason=codes.malformed_reason(code) if problem == "malformed" else None,
        code=sessions.normalise_code(code)[:CODE_SHOWN],
    )
    response.status_code = 404
    return _no_store(response)


def _live_by_code(request: Request, db: DbSession, code: str) -> Denksessie | Response:
    try:
        return join_guard(request).look_up(request, lambda: sessions.get_by_code(db, code))
    except NotFound:
        return _code_not_found(request, db, code)


@router.get("/j/{code}")
def join_page(request: Request, db: DbSession, settings: AppSettings, code: str) -> Response:
    denksessie = _live_by_code(request, db, code)
    if isinstance(denksessie, Response):
        return denksessie
    if _participant_token(request, db, settings.secret_key, denksessie):
        return RedirectResponse(f"/p/{denksessie.join_code}", status_code=303)
    if code != denksessie.join_code:
        return RedirectResponse(f"/j/{denksessie.join_code}", status_code=307)
    return _no_store(render(request, "participant/join.html", denksessie=denksessie))


@router.get("/p/{code}")
def participant_page(request: Request, db: DbSession, settings: AppSettings, code: str) -> Response:
    denksessie = _live_by_code(request, db, code)
    if isinstance(denksessie, Response):
        return denksessie
    token = _participant_token(request, db, settings.secret_key, denksessie)
    if token is None or code != denksessie.join_code:
        return RedirectResponse(f"/j/{denksessie.join_code}", status_code=303)
    return _no_store(
        render(
            request,
            "participant/live.html",
            denksessie=denksessie,
            token=token,
            principle_max=PRINCIPLE_MAX,
        )
    )


def _qr_svg(url: str) -> str:
    qr = segno.make(url, error="m")
    svg: str = qr.svg_inline(
        omitsize=True, dark="#000", light="#fff", svgclass="qr-code", lineclass=None
    )
    return svg


@router.get("/scherm/{denksessie_id}")
def screen_page(
    request: Request,
    db: DbSession,
    settings: AppSettings,
    denksessie_id: PathId,
    token: str = "",
) -> Response:
    """The projector. The screen token in the link is the only key: no account on the beamer."""
    claims = verify(settings.secret_key, token) if token else None
    denksessie = db.get(Denksessie, denksessie_id)
    if (
        claims is None
        or claims.grant != "screen"
        or claims.denksessie_id != denksessie_id
        or denksessie is None
        or not staff_token_holds(db, claims, denksessie.organisation_id)
    ):
        raise Rejected("FORBIDDEN", reason="SCREEN_LINK", http_status=403)
    url = join_url(request, denksessie.join_code)
    return _no_store(
        render(
            request,
            "screen/screen.html",
            denksessie=denksessie,
            token=token,
            join_url=url,
            join_url_short=url.split("://", 1)[-1],
            qr_svg=_qr_svg(url),
        )
    )


@router.get("/console")
def console_list(request: Request, db: DbSession, organisation_id: OrganisationId) -> Response:
    return render(
        request,
        "console/list.html",
        denksessies=sessions.list_recent(db, organisation_id=organisation_id),
        catalogues=[
            catalogues.summary(db, c)
            for c in catalogues.list_visible(db, organisation_id=organisation_id)
        ],
        casussen=casussen.list_visible(db, organisation_id=organisation_id),
        default_catalogue=catalogues.BUILTIN_SLUG,
        default_roles=DEFAULT_ROLES,
        programmes=programmes.list_visible(db, organisation_id=organisation_id),
    )


def _phone_reach(request: Request, denksessie_id: int) -> dict[str, Any] | None:
    """On a loopback address the join link and QR code reach no phone: the network address to
    use instead, and whether the server already answers there (started with HOST=0.0.0.0)."""
    host = request.url.hostname or ""
    if not network.is_loopback(host):
        return None
    port = request.url.port or (443 if request.url.scheme == "https" else 80)
    address = network.network_address()
    return {
        "host": host,
        "address": address,
        "listening": address is not None and network.listens_on(address, port),
        "console_url": f"{request.url.scheme}://{address}:{port}/console/{denksessie_id}",
    }


@router.get("/console/{denksessie_id}")
def console_page(
    request: Request,
    db: DbSession,
    settings: AppSettings,
    organisation_id: OrganisationId,
    login: CurrentLogin,
    denksessie_id: PathId,
) -> Response:
    """A viewer's page carries a read-only viewer token; every token here dies with this
    login (docs/security.md)."""
    denksessie = sessions.get_for_organisation(
        db, denksessie_id=denksessie_id, organisation_id=organisation_id
    )
    facilitator, screen = facilitator_tokens(settings, login, denksessie_id)
    catalogue = catalogues.to_public(db, sessions.catalogue_of(db, denksessie))
    session_casussen = [
        casus
        for casus in (casussen.get_by_id(db, casus_id) for casus_id in denksessie.casus_ids)
        if casus is not None
    ]
    return _no_store(
        render(
            request,
            "console/console.html",
            denksessie=denksessie,
            token=facilitator,
            screen_url=f"/scherm/{denksessie_id}?token={screen}",
            join_url=join_url(request, denksessie.join_code),
            phone_reach=_phone_reach(request, denksessie_id),
            join_budget=sessions.join_budget(denksessie.room_size),
            clusters=catalogue.clusters,
            casussen=session_casussen,
        )
    )
