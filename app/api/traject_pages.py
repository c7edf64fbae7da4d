"""Console pages of a traject: the list with the create form, and the funnel page.

The funnel's steps go through the JSON API (``app/api/trajects.py``) from
``static/js/traject.js``, so CSRF and errors are handled in one place (``Denk.api``). The
settings are a native form (hidden ``csrf_token``) that works without the script: it shows the
consequence of a rule or method before saving, and a refusal shows what was typed again.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import select

from app.aggregation.methods import RANKING_METHODS
from app.api.deps import DbSession, OrganisationId, PathId, may_edit
from app.api.errors import domain_error_text, language_of, worded_problems
from app.api.pages import NO_STORE, render
from app.casussen import service as casussen
from app.catalogue import service as catalogues
from app.errors import DomainError, Problem
from app.i18n.errors import error_text, worded
from app.sessions import service as sessions
from app.sessions.kinds.ranking import NAME as RANKING
from app.trajects import public
from app.trajects import service as trajects
from app.trajects import settings as traject_settings
from app.trajects.models import Traject, TrajectSession
from app.trajects.schemas import DEFAULT_QUESTION, TrajectUpdate
from app.validation import problems_from_errors

router = APIRouter(include_in_schema=False)


@router.get("/console/trajecten")
def traject_list(request: Request, db: DbSession, organisation_id: OrganisationId) -> Response:
    response = render(
        request,
        "trajects/list.html",
        trajects=[
            public.summary(t) for t in trajects.list_for(db, organisation_id=organisation_id)
        ],
        catalogues=[
            catalogues.summary(db, c)
            for c in catalogues.list_visible(db, organisation_id=organisation_id)
        ],
        default_catalogue=catalogues.BUILTIN_SLUG,
        default_question=DEFAULT_QUESTION,
        methods=RANKING_METHODS,
        editable=may_edit(request),
    )
    response.headers.update(NO_STORE)
    return response


@router.get("/console/trajecten/{traject_id}")
def traject_page(
    request: Request, db: DbSession, organisation_id: OrganisationId, traject_id: PathId
) -> Response:
    """Everyone of the organisation may read it; a viewer sees everything read-only."""
    traject = trajects.get_for_organisation(
        db, traject_id=traject_id, organisation_id=organisation_id
    )
    return _traject_response(request, db, organisation_id, traject)


def _traject_response(
    request: Request,
    db: DbSession,
    organisation_id: int,
    traject: Traject,
    *,
    status: int = 200,
    form: dict[str, Any] | None = None,
    problems: list[Problem] | None = None,
    consequence: dict[str, Any] | None = None,
) -> Response:
    assert traject.id is not None
    traject_id = traject.id
    overview = public.overview(db, traject)
    taken = set(db.exec(select(TrajectSession.denksessie_id)).all())
    free = [
        d
        for d in sessions.list_recent(db, organisation_id=organisation_id)
        if d.id not in taken and d.catalogue_id == traject.catalogue_id
    ]
    curation: dict[str, Any] = {
        value: public.curation(db, traject, value) for value in overview["selection"]["selection"]
    }
    names = overview["value_names"]
    outside = [key for key in names if key not in overview["shortlist"]["values"]]
    locks = traject_settings.locks(db, traject)
    language = language_of(request)
    response = render(
        request,
        "trajects/traject.html",
        traject=overview,
        names=names,
        free_sessions=free,
        casussen=casussen.list_visible(db, organisation_id=organisation_id),
        curation=curation,
        outside=outside,
        api=f"/api/v1/trajects/{traject_id}",
        ranking_rounds=[
            r
            for s in overview["stages"][1]["sessions"]
            for r in s["rounds"]
            if r["kind"] == RANKING
        ],
        has_ranking=bool(trajects.ranking_rounds(db, traject)[0]),
        settings_form={**traject_settings.current(db, traject), **(form or {})},
        settings_locks=locks,
        lock_reasons={
            name: error_text("SETTING_LOCKED", language=language, reason=code) if code else ""
            for name, code in locks.items()
        },
        settings_problems=problems or [],
        consequence=consequence,
        editable=may_edit(request),
        catalogues=[
            catalogues.summary(db, c)
            for c in catalogues.list_visible(db, organisation_id=organisation_id)
        ],
        catalogue_name=trajects.catalogue_of(db, traject).name,
        methods=RANKING_METHODS,
    )
    response.status_code = status
    response.headers.update(NO_STORE)
    return response


# --- settings: a native form, validated on the server; the consequence shown before saving ---

Typed = Annotated[str | None, Form(max_length=600)]


def _consequence(
    db: DbSession, traject: Traject, locks: dict[str, str | None], typed: dict[str, Any]
) -> dict[str, Any] | None:
    """What the typed rule and method would give with the ballots so far (app/trajects/
    settings.py); None for a part that is fixed or typed wrongly."""
    try:
        data = TrajectUpdate.model_validate(
            {k: typed.get(k) for k in ("card_size", "min_participants", "max_values", "method")}
        )
    except ValidationError:
        return None
    out: dict[str, Any] = {"rule": None, "selection": None}
    if locks["min_participants"] is None and data.min_participants and data.max_values:
        out["rule"] = traject_settings.preview_rule(
            db, traject, min_participants=data.min_participants, max_values=data.max_values
        )
    if locks["method"] is None and data.method and data.card_size:
        out["selection"] = traject_settings.preview_selection(
            db, traject, method=data.method, card_size=data.card_size
        )
    return out


@router.get("/console/trajecten/{traject_id}/instellingen/gevolg")
def settings_consequence(
    request: Request,
    db: DbSession,
    organisation_id: OrganisationId,
    traject_id: PathId,
    min_participants: Annotated[str, Query(max_length=10)] = "",
    max_values: Annotated[str, Query(max_length=10)] = "",
    method: Annotated[str, Query(max_length=40)] = "",
    card_size: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    """The consequence box alone, for the page's script to show while typing."""
    traject = trajects.get_for_organisation(
        db, traject_id=traject_id, organisation_id=organisation_id
    )
    typed = {
        "min_participants": min_participants or None,
        "max_values": max_values or None,
        "method": method or None,
        "card_size": card_size or None,
    }
    response = render(
        request,
        "trajects/_consequence.html",
        consequence=_consequence(db, traject, traject_settings.locks(db, traject), typed),
        names=trajects.value_names(db, traject),
    )
    response.headers.update(NO_STORE)
    return response


@router.post("/console/trajecten/{traject_id}/instellingen")
def save_settings(
    request: Request,
    db: DbSession,
    organisation_id: OrganisationId,
    traject_id: PathId,
    action: Annotated[Literal["save", "preview"], Form()] = "save",
    title: Typed = None,
    central_question: Typed = None,
    catalogue: Typed = None,
    card_size: Typed = None,
    min_participants: Typed = None,
    max_values: Typed = None,
    method: Typed = None,
) -> Response:
    """Save the settings that may still change (fixed ones are not in the form), or only show
    what the rule and method would give. A refusal shows the form again with what was typed."""
    traject = trajects.get_for_organisation(
        db, traject_id=traject_id, organisation_id=organisation_id
    )
    typed = {
        "title": title,
        "central_question": central_question,
        "catalogue": catalogue,
        "card_size": card_size,
        "min_participants": min_participants,
        "max_values": max_values,
        "method": method,
    }
    sent = {k: v for k, v in typed.items() if v is not None}
    locks = traject_settings.locks(db, traject)
    shown = {**traject_settings.current(db, traject), **sent}
    if action == "preview":
        try:
            TrajectUpdate.model_validate(sent)
        except ValidationError as exc:
            problems = worded(problems_from_errors(exc.errors()), language=language_of(request))
            return _refused(request, db, organisation_id, traject, sent, problems)
        consequence = _consequence(db, traject, locks, shown)
        return _traject_response(
            request, db, organisation_id, traject, form=sent, consequence=consequence
        )
    try:
        data = TrajectUpdate.model_validate(sent)
        traject_settings.update(db, traject=traject, organisation_id=organisation_id, data=data)
    except ValidationError as exc:
        problems = worded(problems_from_errors(exc.errors()), language=language_of(request))
        return _refused(request, db, organisation_id, traject, sent, problems)
    except DomainError as exc:
        problems = worded_problems(request, exc) or [Problem("", domain_error_text(request, exc))]
        return _refused(request, db, organisation_id, traject, sent, problems, exc.http_status)
    return RedirectResponse(f"/console/trajecten/{traject_id}#instellingen", status_code=303)


def _refused(
    request: Request,
    db: DbSession,
    organisation_id: int,
    traject: Traject,
    sent: dict[str, Any],
    problems: list[Problem],
    status: int = 422,
) -> Response:
    return _traject_response(
        request, db, organisation_id, traject, status=status, form=sent, problems=problems
    )
