"""Programme pages: the list (save a denksessie's rounds, delete), and starting a new
denksessie from a programme (the console's second way to make one).

Native forms with a hidden ``csrf_token`` (``app/api/deps.py`` checks it before a route runs);
every refusal shows the form again with what was typed and the problems. Viewers read only.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from app.api.deps import DbSession, OrganisationId, PathId, may_edit
from app.api.errors import domain_error_text, language_of, worded_problems
from app.api.pages import NO_STORE, render
from app.casussen import service as casussen
from app.catalogue import service as catalogues
from app.errors import DomainError, Problem
from app.i18n.errors import worded
from app.programmes import service as programmes
from app.programmes.models import Programme
from app.programmes.schemas import ProgrammeCreate, ProgrammeStart
from app.schemas import DB_ID_MAX
from app.sessions import service as sessions
from app.validation import problems_from_errors

router = APIRouter(include_in_schema=False)

Typed = Annotated[str, Form(max_length=1000)]


def _problems(request: Request, exc: DomainError | ValidationError) -> list[Problem]:
    if isinstance(exc, ValidationError):
        return worded(problems_from_errors(exc.errors()), language=language_of(request))
    return worded_problems(request, exc) or [Problem("", domain_error_text(request, exc))]


def _value_names(db: DbSession, organisation_id: int) -> dict[str, str]:
    catalogue = catalogues.get_visible(
        db, slug=catalogues.BUILTIN_SLUG, organisation_id=organisation_id
    )
    return catalogues.value_names(db, catalogue)


def _public(db: DbSession, programme: Programme) -> dict[str, Any]:
    """A programme for the page: its steps with what each leaves to the start or the room."""
    steps = []
    for step in programme.rounds:
        takes_casus = programmes.takes_casus(step)
        casus_id = step["config"].get("casus_id") if takes_casus else None
        casus = casussen.get_by_id(db, casus_id) if casus_id else None
        steps.append(
            {
                **step,
                "takes_casus": takes_casus,
                "casus": casus.title if casus else None,
                "open": programmes.is_open(step),
                "later": programmes.later(step),
            }
        )
    return {
        "id": programme.id,
        "name": programme.name,
        "description": programme.description,
        "builtin": programmes.is_builtin(db, programme),
        "steps": steps,
    }


def _list_page(
    request: Request,
    db: DbSession,
    organisation_id: int,
    *,
    status: int = 200,
    form: dict[str, Any] | None = None,
    problems: list[Problem] | None = None,
    saved: int | None = None,
) -> Response:
    response = render(
        request,
        "programmes/list.html",
        programmes=[
            _public(db, p) for p in programmes.list_visible(db, organisation_id=organisation_id)
        ],
        denksessies=[
            d
            for d in sessions.list_recent(db, organisation_id=organisation_id)
            if d.id is not None and sessions.rounds_of(db, d.id)
        ],
        form={"denksessie_id": "", "name": "", "description": "", **(form or {})},
        problems=problems or [],
        editable=may_edit(request),
        names=_value_names(db, organisation_id),
        saved=saved,
    )
    response.status_code = status
    response.headers.update(NO_STORE)
    return response


@router.get("/console/programmas")
def programme_list(
    request: Request,
    db: DbSession,
    organisation_id: OrganisationId,
    denksessie: Annotated[int | None, Query(ge=1, le=DB_ID_MAX)] = None,
    opgeslagen: Annotated[int | None, Query(ge=1, le=DB_ID_MAX)] = None,
) -> Response:
    """``?denksessie=`` preselects the denksessie to save (the console links here)."""
    form = {"denksessie_id": str(denksessie)} if denksessie else None
    return _list_page(request, db, organisation_id, form=form, saved=opgeslagen)


@router.post("/console/programmas")
def save_programme(
    request: Request,
    db: DbSession,
    organisation_id: OrganisationId,
    denksessie_id: Typed = "",
    name: Typed = "",
    description: Typed = "",
) -> Response:
    typed = {"denksessie_id": denksessie_id, "name": name, "description": description}
    try:
        data = ProgrammeCreate.model_validate(typed)
        denksessie = sessions.get_for_organisation(
            db, denksessie_id=data.denksessie_id, organisation_id=organisation_id
        )
        programme = programmes.save_from(
            db, denksessie=denksessie, organisation_id=organisation_id, data=data
        )
    except (DomainError, ValidationError) as exc:
        status = exc.http_status if isinstance(exc, DomainError) else 422
        return _list_page(
            request,
            db,
            organisation_id,
            status=status,
            form=typed,
            problems=_problems(request, exc),
        )
    return RedirectResponse(
        f"/console/programmas?opgeslagen={programme.id}#programma-{programme.id}", status_code=303
    )


@router.post("/console/programmas/{programme_id}/verwijderen")
def delete_programme(
    db: DbSession, organisation_id: OrganisationId, programme_id: PathId
) -> Response:
    """Only the organisation's own; a built-in one is 403 (READ_ONLY)."""
    programme = programmes.get_writable(
        db, programme_id=programme_id, organisation_id=organisation_id
    )
    programmes.delete(db, programme=programme)
    return RedirectResponse("/console/programmas", status_code=303)


# --- starting a denksessie from a programme ---------------------------------------------------


def _start_page(
    request: Request,
    db: DbSession,
    organisation_id: int,
    programme: Programme,
    *,
    status: int = 200,
    form: dict[str, Any] | None = None,
    problems: list[Problem] | None = None,
) -> Response:
    response = render(
        request,
        "programmes/start.html",
        programme=_public(db, programme),
        casussen=casussen.list_visible(db, organisation_id=organisation_id),
        catalogues=[
            catalogues.summary(db, c)
            for c in catalogues.list_visible(db, organisation_id=organisation_id)
        ],
        form={
            "title": programme.name,
            "catalogue": catalogues.BUILTIN_SLUG,
            "casus": {},
            **(form or {}),
        },
        problems=problems or [],
        editable=may_edit(request),
        names=_value_names(db, organisation_id),
    )
    response.status_code = status
    response.headers.update(NO_STORE)
    return response


@router.get("/console/programmas/start")
def start_page(
    request: Request,
    db: DbSession,
    organisation_id: OrganisationId,
    programma: Annotated[int | None, Query(ge=1, le=DB_ID_MAX)] = None,
) -> Response:
    """The console's "new denksessie from a programme": a GET form picks the programme."""
    if programma is None:
        return RedirectResponse("/console/programmas", status_code=303)
    programme = programmes.get_visible(db, programme_id=programma, organisation_id=organisation_id)
    return _start_page(request, db, organisation_id, programme)


@router.post("/console/programmas/start")
def start_denksessie(
    request: Request,
    db: DbSession,
    organisation_id: OrganisationId,
    programma: Annotated[int, Form(ge=1, le=DB_ID_MAX)],
    title: Typed = "",
    catalogue: Typed = catalogues.BUILTIN_SLUG,
    casus: Annotated[list[str], Form(max_length=30)] = [],  # noqa: B006  (FastAPI copies it)
) -> Response:
    """``casus`` holds one choice per casus round of the programme, in order ('' for none)."""
    programme = programmes.get_visible(db, programme_id=programma, organisation_id=organisation_id)
    indices = [i for i, step in enumerate(programme.rounds) if programmes.takes_casus(step)]
    picks = {index: pick for index, pick in zip(indices, casus, strict=False) if pick}
    typed = {"title": title, "catalogue": catalogue, "casus": picks}
    try:
        data = ProgrammeStart.model_validate(typed)
        started = programmes.start(
            db, programme=programme, organisation_id=organisation_id, data=data
        )
    except (DomainError, ValidationError) as exc:
        status = exc.http_status if isinstance(exc, DomainError) else 422
        return _start_page(
            request,
            db,
            organisation_id,
            programme,
            status=status,
            form=typed,
            problems=_problems(request, exc),
        )
    return RedirectResponse(f"/console/{started.denksessie.id}", status_code=303)
