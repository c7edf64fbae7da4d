"""Data protection endpoints: export a denksessie, delete its raw data, set the retention."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from app import privacy
from app.api.deps import (
    AppSettings,
    CurrentOrganisation,
    DbSession,
    OrganisationId,
    OwnerLogin,
    PathId,
)
from app.api.errors import ERROR_RESPONSES
from app.schemas import StrictModel
from app.sessions import service as sessions

router = APIRouter(prefix="/api/v1", tags=["privacy"], responses=ERROR_RESPONSES)


class Purged(BaseModel):
    denksessie_id: int
    participants_deleted: int
    purged_at: str


class Retention(BaseModel):
    retention_days: int


class RetentionUpdate(StrictModel):
    retention_days: int = Field(ge=1, le=3650)


@router.get("/denksessies/{denksessie_id}/export", response_model=None)
def export_denksessie(
    db: DbSession, settings: AppSettings, organisation_id: OrganisationId, denksessie_id: PathId
) -> JSONResponse:
    """The denksessie as a JSON download: answers under pseudonyms, never names
    (docs/privacy.md)."""
    denksessie = sessions.get_for_organisation(
        db, denksessie_id=denksessie_id, organisation_id=organisation_id
    )
    document: dict[str, Any] = privacy.export(db, denksessie, secret_key=settings.secret_key)
    return JSONResponse(
        document,
        headers={
            "Content-Disposition": f'attachment; filename="denksessie-{denksessie_id}.json"',
            "Cache-Control": "no-store",
        },
    )


@router.delete("/denksessies/{denksessie_id}/raw-data")
def delete_raw_data(
    db: DbSession, organisation_id: OrganisationId, denksessie_id: PathId
) -> Purged:
    """Delete ballots, participant ids, names and roles of an ended denksessie now; results and
    principle texts stay (docs/privacy.md)."""
    denksessie = sessions.get_for_organisation(
        db, denksessie_id=denksessie_id, organisation_id=organisation_id
    )
    gone = privacy.purge(db, denksessie)
    assert denksessie.purged_at is not None
    return Purged(
        denksessie_id=denksessie_id,
        participants_deleted=gone,
        purged_at=denksessie.purged_at.isoformat(),
    )


@router.get("/organisation/retention")
def get_retention(organisation: CurrentOrganisation) -> Retention:
    return Retention(retention_days=organisation.retention_days)


@router.put("/organisation/retention")
def set_retention(
    db: DbSession, _owner: OwnerLogin, organisation: CurrentOrganisation, data: RetentionUpdate
) -> Retention:
    """Owners only: how many days after a denksessie's last activity its participant-level
    data is kept."""
    organisation.retention_days = data.retention_days
    db.add(organisation)
    return Retention(retention_days=organisation.retention_days)
