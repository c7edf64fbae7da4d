"""Console pages of a traject: the list with the create form, and the funnel page.

Pages only read; every change goes through the JSON API (``app/api/trajects.py``) from
``static/js/traject.js``, so CSRF and errors are handled in one place (``Denk.api``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import select

from app.aggregation.methods import RANKING_METHODS
from app.api.deps import DbSession, OrganisationId, PathId
from app.api.pages import NO_STORE, render
from app.casussen import service as casussen
from app.catalogue import service as catalogues
from app.sessions import service as sessions
from app.sessions.kinds.ranking import NAME as RANKING
from app.trajects import public
from app.trajects import service as trajects
from app.trajects.models import TrajectSession
from app.trajects.schemas import DEFAULT_QUESTION

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
    )
    response.headers.update(NO_STORE)
    return response


@router.get("/console/trajecten/{traject_id}")
def traject_page(
    request: Request, db: DbSession, organisation_id: OrganisationId, traject_id: PathId
) -> Response:
    traject = trajects.get_for_organisation(
        db, traject_id=traject_id, organisation_id=organisation_id
    )
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
    )
    response.headers.update(NO_STORE)
    return response
