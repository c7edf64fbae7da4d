"""Casus library endpoints: read, create, edit, copy, import and export."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from app.api.deps import DbSession, OrganisationId, PathId, ReaderOrganisationId
from app.api.errors import ERROR_RESPONSES
from app.api.files import DOWNLOAD_RESPONSES, UPLOAD_BODY_DOC, UploadedDocument, download
from app.casussen import service
from app.casussen.schemas import CasusCopy, CasusCreate, CasusPublic, CasusUpdate

router = APIRouter(prefix="/api/v1/casussen", tags=["casussen"], responses=ERROR_RESPONSES)


@router.get("")
def list_casussen(db: DbSession, organisation_id: ReaderOrganisationId) -> list[CasusPublic]:
    """The organisation's own casussen first, then the built-in library."""
    return [
        service.to_public(db, casus)
        for casus in service.list_visible(db, organisation_id=organisation_id)
    ]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_casus(db: DbSession, organisation_id: OrganisationId, data: CasusCreate) -> CasusPublic:
    casus = service.create(db, data=data, organisation_id=organisation_id)
    return service.to_public(db, casus)


@router.get(
    "/export",
    response_class=Response,
    responses=DOWNLOAD_RESPONSES,
)
def export_casussen(
    db: DbSession,
    organisation_id: ReaderOrganisationId,
    format: Annotated[Literal["json", "yaml"], Query()] = "json",
    own_only: Annotated[bool, Query()] = False,
) -> Response:
    """Download the casussen as a document that ``POST /api/v1/casussen/import`` reads."""
    document = service.export_document(db, organisation_id=organisation_id, own_only=own_only)
    return download(document.model_dump(mode="json"), format, "casussen")


@router.post("/import", status_code=status.HTTP_201_CREATED, openapi_extra=UPLOAD_BODY_DOC)
def import_casussen(
    db: DbSession, organisation_id: OrganisationId, document: UploadedDocument
) -> list[CasusPublic]:
    """Import a casussen document; every problem at once with a 422, nothing stored."""
    created = service.import_document(db, raw=document, organisation_id=organisation_id)
    return [service.to_public(db, casus) for casus in created]


@router.get("/{casus_id}")
def get_casus(
    db: DbSession, organisation_id: ReaderOrganisationId, casus_id: PathId
) -> CasusPublic:
    casus = service.get_visible(db, casus_id=casus_id, organisation_id=organisation_id)
    return service.to_public(db, casus)


@router.patch("/{casus_id}")
def update_casus(
    db: DbSession, organisation_id: OrganisationId, casus_id: PathId, data: CasusUpdate
) -> CasusPublic:
    casus = service.get_writable(db, casus_id=casus_id, organisation_id=organisation_id)
    service.update(db, casus=casus, data=data, organisation_id=organisation_id)
    return service.to_public(db, casus)


@router.delete("/{casus_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_casus(db: DbSession, organisation_id: OrganisationId, casus_id: PathId) -> None:
    casus = service.get_writable(db, casus_id=casus_id, organisation_id=organisation_id)
    service.delete(db, casus=casus)


@router.post("/{casus_id}/copy", status_code=status.HTTP_201_CREATED)
def copy_casus(
    db: DbSession, organisation_id: OrganisationId, casus_id: PathId, data: CasusCopy
) -> CasusPublic:
    """Copy a casus (built-in or own) into an own, editable one."""
    source = service.get_visible(db, casus_id=casus_id, organisation_id=organisation_id)
    copy = service.copy(
        db, source=source, organisation_id=organisation_id, slug=data.slug, title=data.title
    )
    return service.to_public(db, copy)
