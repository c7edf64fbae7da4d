"""Catalogue endpoints: read, import/export (JSON, YAML), clone, and edit own catalogues."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from app.api.deps import DbSession, OrganisationId, PathId, ReaderOrganisationId
from app.api.errors import ERROR_RESPONSES
from app.api.files import DOWNLOAD_RESPONSES, UPLOAD_BODY_DOC, UploadedDocument, download
from app.catalogue import service
from app.catalogue.schemas import (
    CatalogueClone,
    CataloguePublic,
    CatalogueSummary,
    CatalogueUpdate,
    ClusterCreate,
    ClusterUpdate,
    OpvattingCreate,
    OpvattingUpdate,
    ValueCreate,
    ValueUpdate,
)

router = APIRouter(prefix="/api/v1/catalogues", tags=["catalogues"], responses=ERROR_RESPONSES)

Slug = Annotated[str, "catalogue slug"]


@router.get("")
def list_catalogues(db: DbSession, organisation_id: ReaderOrganisationId) -> list[CatalogueSummary]:
    """The built-in Waardenkaart and the organisation's own catalogues."""
    return [
        service.summary(db, catalogue)
        for catalogue in service.list_visible(db, organisation_id=organisation_id)
    ]


@router.post("", status_code=status.HTTP_201_CREATED, openapi_extra=UPLOAD_BODY_DOC)
def import_catalogue(
    db: DbSession, organisation_id: OrganisationId, document: UploadedDocument
) -> CataloguePublic:
    """Import a catalogue document (JSON, or YAML with ``Content-Type: application/yaml``).

    Every problem is reported at once with a 422, and nothing is stored.
    """
    catalogue = service.create_from_document(db, raw=document, organisation_id=organisation_id)
    return service.to_public(db, catalogue)


@router.get("/{slug}")
def get_catalogue(
    db: DbSession, organisation_id: ReaderOrganisationId, slug: Slug
) -> CataloguePublic:
    catalogue = service.get_visible(db, slug=slug, organisation_id=organisation_id)
    return service.to_public(db, catalogue)


@router.get(
    "/{slug}/export",
    response_class=Response,
    responses=DOWNLOAD_RESPONSES,
)
def export_catalogue(
    db: DbSession,
    organisation_id: ReaderOrganisationId,
    slug: Slug,
    format: Annotated[Literal["json", "yaml"], Query()] = "json",
) -> Response:
    """Download the catalogue as an exchange document that ``POST /api/v1/catalogues`` reads."""
    catalogue = service.get_visible(db, slug=slug, organisation_id=organisation_id)
    return download(service.to_document(db, catalogue).model_dump(mode="json"), format, slug)


@router.put("/{slug}", openapi_extra=UPLOAD_BODY_DOC)
def replace_catalogue(
    db: DbSession, organisation_id: OrganisationId, slug: Slug, document: UploadedDocument
) -> CataloguePublic:
    """Replace an own catalogue's content with a document; values keep their keys and ids."""
    catalogue = service.get_writable(db, slug=slug, organisation_id=organisation_id)
    service.replace_from_document(db, catalogue=catalogue, raw=document)
    return service.to_public(db, catalogue)


@router.patch("/{slug}")
def update_catalogue(
    db: DbSession, organisation_id: OrganisationId, slug: Slug, data: CatalogueUpdate
) -> CataloguePublic:
    catalogue = service.get_writable(db, slug=slug, organisation_id=organisation_id)
    service.update_meta(db, catalogue=catalogue, name=data.name, description=data.description)
    return service.to_public(db, catalogue)


@router.delete("/{slug}", status_code=status.HTTP_204_NO_CONTENT)
def delete_catalogue(db: DbSession, organisation_id: OrganisationId, slug: Slug) -> None:
    catalogue = service.get_writable(db, slug=slug, organisation_id=organisation_id)
    service.delete(db, catalogue=catalogue)


@router.post("/{slug}/clone", status_code=status.HTTP_201_CREATED)
def clone_catalogue(
    db: DbSession, organisation_id: OrganisationId, slug: Slug, data: CatalogueClone
) -> CataloguePublic:
    """Copy any visible catalogue (the built-in one included) into an own, editable one."""
    source = service.get_visible(db, slug=slug, organisation_id=organisation_id)
    copy = service.clone(
        db, source=source, organisation_id=organisation_id, slug=data.slug, name=data.name
    )
    return service.to_public(db, copy)


@router.post("/{slug}/clusters", status_code=status.HTTP_201_CREATED)
def add_cluster(
    db: DbSession, organisation_id: OrganisationId, slug: Slug, data: ClusterCreate
) -> CataloguePublic:
    catalogue = service.get_writable(db, slug=slug, organisation_id=organisation_id)
    service.add_cluster(db, catalogue=catalogue, data=data)
    return service.to_public(db, catalogue)


@router.patch("/{slug}/clusters/{key}")
def update_cluster(
    db: DbSession, organisation_id: OrganisationId, slug: Slug, key: str, data: ClusterUpdate
) -> CataloguePublic:
    catalogue = service.get_writable(db, slug=slug, organisation_id=organisation_id)
    service.update_cluster(db, catalogue=catalogue, key=key, data=data)
    return service.to_public(db, catalogue)


@router.delete("/{slug}/clusters/{key}", status_code=status.HTTP_204_NO_CONTENT)
def delete_cluster(db: DbSession, organisation_id: OrganisationId, slug: Slug, key: str) -> None:
    catalogue = service.get_writable(db, slug=slug, organisation_id=organisation_id)
    service.delete_cluster(db, catalogue=catalogue, key=key)


@router.post("/{slug}/values", status_code=status.HTTP_201_CREATED)
def add_value(
    db: DbSession, organisation_id: OrganisationId, slug: Slug, data: ValueCreate
) -> CataloguePublic:
    catalogue = service.get_writable(db, slug=slug, organisation_id=organisation_id)
    service.add_value(db, catalogue=catalogue, data=data)
    return service.to_public(db, catalogue)


@router.patch("/{slug}/values/{key}")
def update_value(
    db: DbSession, organisation_id: OrganisationId, slug: Slug, key: str, data: ValueUpdate
) -> CataloguePublic:
    catalogue = service.get_writable(db, slug=slug, organisation_id=organisation_id)
    service.update_value(db, catalogue=catalogue, key=key, data=data)
    return service.to_public(db, catalogue)


@router.delete("/{slug}/values/{key}", status_code=status.HTTP_204_NO_CONTENT)
def delete_value(db: DbSession, organisation_id: OrganisationId, slug: Slug, key: str) -> None:
    catalogue = service.get_writable(db, slug=slug, organisation_id=organisation_id)
    service.delete_value(db, catalogue=catalogue, key=key)


@router.post("/{slug}/values/{key}/opvattingen", status_code=status.HTTP_201_CREATED)
def add_opvatting(
    db: DbSession, organisation_id: OrganisationId, slug: Slug, key: str, data: OpvattingCreate
) -> CataloguePublic:
    catalogue = service.get_writable(db, slug=slug, organisation_id=organisation_id)
    service.add_opvatting(db, catalogue=catalogue, key=key, text=data.text)
    return service.to_public(db, catalogue)


@router.patch("/{slug}/opvattingen/{opvatting_id}")
def update_opvatting(
    db: DbSession,
    organisation_id: OrganisationId,
    slug: Slug,
    opvatting_id: PathId,
    data: OpvattingUpdate,
) -> CataloguePublic:
    catalogue = service.get_writable(db, slug=slug, organisation_id=organisation_id)
    service.update_opvatting(db, catalogue=catalogue, opvatting_id=opvatting_id, text=data.text)
    return service.to_public(db, catalogue)


@router.delete("/{slug}/opvattingen/{opvatting_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_opvatting(
    db: DbSession, organisation_id: OrganisationId, slug: Slug, opvatting_id: PathId
) -> None:
    catalogue = service.get_writable(db, slug=slug, organisation_id=organisation_id)
    service.delete_opvatting(db, catalogue=catalogue, opvatting_id=opvatting_id)
