"""Traject endpoints: the funnel from several denksessies to a draft Principekaart.

Thin: each route finds the organisation's own traject (another organisation's id is a 404),
calls one domain function and answers with the traject's public shape. ``get_db`` commits.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request, Response, status

from app.api.deps import AppSettings, DbSession, OrganisationId, PathId
from app.api.errors import ERROR_RESPONSES
from app.sessions import flows as session_flows
from app.sessions.results import round_public
from app.trajects import export, public
from app.trajects import flows as traject_flows
from app.trajects import service as trajects
from app.trajects import settings as traject_settings
from app.trajects.models import Traject
from app.trajects.schemas import (
    CardCreate,
    CurationChoice,
    PrincipleRoundsCreate,
    PrincipleSplit,
    RankingRoundCreate,
    SessionAttach,
    SessionCreate,
    ShortlistChange,
    Stage,
    TieResolution,
    TrajectCreate,
    TrajectUpdate,
)

router = APIRouter(prefix="/api/v1/trajects", tags=["trajects"], responses=ERROR_RESPONSES)


def _own(db: DbSession, organisation_id: int, traject_id: int) -> Traject:
    return trajects.get_for_organisation(db, traject_id=traject_id, organisation_id=organisation_id)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_traject(
    db: DbSession, organisation_id: OrganisationId, data: TrajectCreate
) -> dict[str, Any]:
    return public.overview(db, trajects.create(db, organisation_id=organisation_id, data=data))


@router.get("")
def list_trajects(db: DbSession, organisation_id: OrganisationId) -> list[dict[str, Any]]:
    return [public.summary(t) for t in trajects.list_for(db, organisation_id=organisation_id)]


@router.get("/{traject_id}")
def get_traject(
    db: DbSession, organisation_id: OrganisationId, traject_id: PathId
) -> dict[str, Any]:
    return public.overview(db, _own(db, organisation_id, traject_id))


@router.patch("/{traject_id}")
def update_traject(
    db: DbSession, organisation_id: OrganisationId, traject_id: PathId, data: TrajectUpdate
) -> dict[str, Any]:
    """Change settings; each is fixed once the stage it affects has started (409
    ``SETTING_LOCKED`` or ``SHORTLIST_FROZEN``, nothing written; app/trajects/settings.py)."""
    traject = _own(db, organisation_id, traject_id)
    changed = traject_settings.update(
        db, traject=traject, organisation_id=organisation_id, data=data
    )
    return public.overview(db, changed)


@router.post("/{traject_id}/sessions", status_code=status.HTTP_201_CREATED)
def attach_session(
    db: DbSession, organisation_id: OrganisationId, traject_id: PathId, data: SessionAttach
) -> dict[str, Any]:
    traject = _own(db, organisation_id, traject_id)
    trajects.attach(db, traject=traject, organisation_id=organisation_id, data=data)
    return public.overview(db, traject)


@router.post("/{traject_id}/sessions/new", status_code=status.HTTP_201_CREATED)
def create_session(
    db: DbSession, organisation_id: OrganisationId, traject_id: PathId, data: SessionCreate
) -> dict[str, Any]:
    traject = _own(db, organisation_id, traject_id)
    denksessie = trajects.create_session(
        db, traject=traject, organisation_id=organisation_id, data=data
    )
    return {
        "id": denksessie.id,
        "title": denksessie.title,
        "code": denksessie.join_code,
        "console_url": f"/console/{denksessie.id}",
    }


@router.post("/{traject_id}/stages/{stage}/close")
def close_stage(
    db: DbSession, organisation_id: OrganisationId, traject_id: PathId, stage: Stage
) -> dict[str, Any]:
    traject = _own(db, organisation_id, traject_id)
    return public.overview(db, trajects.close_stage(db, traject=traject, stage=stage))


@router.get("/{traject_id}/shortlist")
def get_shortlist(
    db: DbSession, organisation_id: OrganisationId, traject_id: PathId
) -> dict[str, Any]:
    return public.shortlist(db, _own(db, organisation_id, traject_id))


@router.post("/{traject_id}/shortlist/changes", status_code=status.HTTP_201_CREATED)
def change_shortlist(
    db: DbSession, organisation_id: OrganisationId, traject_id: PathId, data: ShortlistChange
) -> dict[str, Any]:
    """Add or drop values (a reason is required), or take every value tied at the cut."""
    traject = _own(db, organisation_id, traject_id)
    trajects.change_shortlist(db, traject=traject, data=data)
    return public.shortlist(db, traject)


@router.post("/{traject_id}/ranking-round", status_code=status.HTTP_201_CREATED)
def create_ranking_round(
    request: Request,
    background: BackgroundTasks,
    db: DbSession,
    organisation_id: OrganisationId,
    traject_id: PathId,
    data: RankingRoundCreate,
) -> dict[str, Any]:
    traject = _own(db, organisation_id, traject_id)
    denksessie, new_round = traject_flows.create_ranking_round(db, traject=traject, data=data)
    event = session_flows.round_added(db, denksessie, new_round)
    background.add_task(request.app.state.hub.publish_safely, event)
    return {"denksessie_id": denksessie.id, "round": round_public(db, new_round)}


@router.post("/{traject_id}/principle-rounds", status_code=status.HTTP_201_CREATED)
def create_principle_rounds(
    request: Request,
    background: BackgroundTasks,
    db: DbSession,
    organisation_id: OrganisationId,
    traject_id: PathId,
    data: PrincipleRoundsCreate,
) -> dict[str, Any]:
    """A principle round per selected value in the principles-stage denksessie."""
    traject = _own(db, organisation_id, traject_id)
    denksessie, made = traject_flows.create_principle_rounds(db, traject=traject, data=data)
    for new_round in made:
        background.add_task(
            request.app.state.hub.publish_safely,
            session_flows.round_added(db, denksessie, new_round),
        )
    return {"denksessie_id": denksessie.id, "rounds": [round_public(db, r) for r in made]}


@router.get("/{traject_id}/selection")
def get_selection(
    db: DbSession, organisation_id: OrganisationId, traject_id: PathId
) -> dict[str, Any]:
    return public.selection(db, _own(db, organisation_id, traject_id))


@router.post("/{traject_id}/selection/resolve")
def resolve_tie(
    db: DbSession, organisation_id: OrganisationId, traject_id: PathId, data: TieResolution
) -> dict[str, Any]:
    traject = _own(db, organisation_id, traject_id)
    trajects.resolve_tie(db, traject=traject, data=data)
    return public.selection(db, traject)


@router.get("/{traject_id}/curation/{value_key}")
def get_curation(
    db: DbSession, organisation_id: OrganisationId, traject_id: PathId, value_key: str
) -> dict[str, Any]:
    return public.curation(db, _own(db, organisation_id, traject_id), value_key)


@router.put("/{traject_id}/curation/{value_key}")
def choose_principles(
    db: DbSession,
    organisation_id: OrganisationId,
    traject_id: PathId,
    value_key: str,
    data: CurationChoice,
) -> dict[str, Any]:
    traject = _own(db, organisation_id, traject_id)
    trajects.choose_principles(db, traject=traject, value_key=value_key, data=data)
    return public.curation(db, traject, value_key)


@router.post("/{traject_id}/curation/{value_key}/split")
def split_principles(
    db: DbSession,
    organisation_id: OrganisationId,
    traject_id: PathId,
    value_key: str,
    data: PrincipleSplit,
) -> dict[str, Any]:
    """Split a folded group so each wording stands alone (``apart: false`` folds them again);
    recorded in the audit trail."""
    traject = _own(db, organisation_id, traject_id)
    trajects.split_group(
        db,
        traject=traject,
        value_key=value_key,
        principle_ids=data.principle_ids,
        apart=data.apart,
    )
    return public.curation(db, traject, value_key)


@router.post("/{traject_id}/card", status_code=status.HTTP_201_CREATED)
def make_card(
    db: DbSession, organisation_id: OrganisationId, traject_id: PathId, data: CardCreate
) -> dict[str, Any]:
    """The draft Principekaart with its verantwoording; publishing is done on the card."""
    traject = _own(db, organisation_id, traject_id)
    card = traject_flows.make_card(db, traject=traject, data=data)
    return {
        "slug": card.slug,
        "title": card.title,
        "status": card.status,
        "url": f"/principekaarten/{card.slug}",
        "verantwoording": card.verantwoording,
    }


@router.get("/{traject_id}/ballots.csv", response_class=Response)
def ballots_csv(
    db: DbSession, settings: AppSettings, organisation_id: OrganisationId, traject_id: PathId
) -> Response:
    traject = _own(db, organisation_id, traject_id)
    return Response(
        export.ballots_csv(db, traject, secret_key=settings.secret_key),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="traject-{traject_id}-stembriefjes.csv"'
        },
    )
