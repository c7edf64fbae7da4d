"""Catalogue pages: the Waardenkaart, copying it, and editing an own catalogue with native forms.

Every change is a plain form post (``application/x-www-form-urlencoded``, a file upload as
``multipart/form-data``) with the login's hidden ``csrf_token``, checked by ``OrganisationId``
before the route runs; a viewer's post is refused there (403). The route calls the catalogue
service, which builds the document the catalogue would become and runs the one validator
(docs/architecture.md, "One validator for files and edits"). The change runs in a savepoint: a
refusal rolls back whatever the service did, and the page is shown again with the validator's
words and what was typed. A change that worked redirects (303) back, with a short message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from app import i18n
from app.api.deps import DbSession, OrganisationId, PathId, ReaderOrganisationId, may_edit
from app.api.errors import domain_error_text, language_of, worded_problems
from app.api.files import MAX_UPLOAD_BYTES, parse_upload
from app.api.pages import NO_STORE, render
from app.catalogue import service as catalogues
from app.catalogue.groups import GROUPS
from app.catalogue.models import Catalogue
from app.catalogue.schemas import (
    CatalogueUpdate,
    ClusterCreate,
    ClusterUpdate,
    OpvattingUpdate,
    ValueCreate,
    ValueUpdate,
)
from app.db import DbSession as Db
from app.errors import DomainError, InvalidInput, Problem
from app.exchange import format_from_filename
from app.i18n import N_
from app.validation import problems_from_validation_error

router = APIRouter(include_in_schema=False)

# Bounds against abuse only; the validator names the real limits in words.
Line = Annotated[str, Form(max_length=2_000)]
Lines = Annotated[str, Form(max_length=60_000)]
# Checked in the route, after the catalogue is found: another organisation's slug is a 404
# whatever the form holds (tests/api/test_isolation.py).
Direction = Annotated[str, Form(max_length=10)]
Upload = Annotated[UploadFile | None, File()]
DIRECTIONS: dict[str, Literal["up", "down"]] = {"up": "up", "down": "down"}

# What the page says after a change worked (``?klaar=...``); unknown codes say nothing.
DONE: dict[str, str] = {
    "copied": N_("De kopie is gemaakt. Je kunt hem nu aanpassen."),
    "imported": N_("Het bestand is ingelezen."),
    "replaced": N_("De catalogus is vervangen door het bestand."),
    "details": N_("De naam en beschrijving zijn opgeslagen."),
    "cluster-added": N_("Het cluster is toegevoegd."),
    "cluster-saved": N_("Het cluster is opgeslagen."),
    "cluster-deleted": N_("Het cluster is verwijderd."),
    "value-added": N_("De waarde is toegevoegd."),
    "value-saved": N_("De waarde is opgeslagen."),
    "value-moved": N_("De waarde staat nu op haar nieuwe plek."),
    "value-deleted": N_("De waarde is verwijderd."),
    "opvatting-added": N_("De opvatting is toegevoegd."),
    "opvatting-saved": N_("De opvatting is opgeslagen."),
    "opvatting-deleted": N_("De opvatting is verwijderd."),
    "deleted": N_("De catalogus is verwijderd."),
}

# Which field a problem of the schema (a lowercase pydantic code) is about.
FIELDS: dict[str, str] = {
    "name": N_("Naam"),
    "description": N_("Beschrijving"),
    "group": N_("Groep"),
    "cluster": N_("Cluster"),
    "opvattingen": N_("Opvatting"),
    "text": N_("Opvatting"),
    "slug": N_("Naam"),
    "bestand": N_("Bestand"),
    "direction": N_("Richting"),
}


# --- helpers ----------------------------------------------------------------------------------


def _say(request: Request, message: str) -> str:
    return i18n.translations(language_of(request)).gettext(message)


def _problems(request: Request, exc: DomainError) -> list[str]:
    """The refusal in words: its sentence, then each problem (a schema problem with its field)."""
    lines = [domain_error_text(request, exc)]
    problems = worded_problems(request, exc)
    named = {problem.loc.rsplit(".", 1)[0] for problem in problems if problem.code.isupper()}
    for problem in problems:
        parts = [part for part in problem.loc.split(".") if not part.isdigit()]
        field = parts[-1] if parts else ""
        if field == "key" and problem.loc.rsplit(".", 1)[0] in named:
            continue  # a key is made from the name; the name's problem says it
        if problem.code.isupper() or field not in FIELDS:
            lines.append(problem.message)
        else:
            lines.append(f"{_say(request, FIELDS[field])}: {problem.message}")
    return lines


def _schema(model: type[BaseModel], **fields: Any) -> Any:
    """The form as the API's schema; its problems become a refusal like the validator's."""
    try:
        return model(**fields)
    except ValidationError as exc:
        raise InvalidInput(
            reason="CATALOGUE", problems=problems_from_validation_error(exc)
        ) from exc


@contextmanager
def _savepoint(db: Db) -> Iterator[None]:
    """A refused change rolls back what the service did before it refused; the request's own
    commit (``get_db``) then stores nothing of it."""
    with db.begin_nested():
        yield


def _done(target: str, code: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"{target}?klaar={code}{'#' + anchor if anchor else ''}", 303)


def _page(request: Request, template: str, *, status: int = 200, **context: Any) -> Response:
    done = DONE.get(request.query_params.get("klaar", ""))
    response = render(request, template, done=done, editable=may_edit(request), **context)
    response.status_code = status
    response.headers.update(NO_STORE)
    return response


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _editor_url(slug: str) -> str:
    return f"/catalogi/{slug}/bewerken"


def _value_url(slug: str, key: str) -> str:
    return f"/catalogi/{slug}/waarden/{key}"


def _editor(
    request: Request,
    db: Db,
    catalogue: Catalogue,
    *,
    status: int = 200,
    problems: list[str] | None = None,
    typed: Mapping[str, Any] | None = None,
) -> Response:
    return _page(
        request,
        "catalogue/editor.html",
        status=status,
        catalogue=catalogues.to_public(db, catalogue),
        in_use=catalogues.values_in_use(db, catalogue),
        group_choices=GROUPS,
        problems=problems or [],
        typed=typed or {},
    )


def _value_page(
    request: Request,
    db: Db,
    catalogue: Catalogue,
    key: str,
    *,
    status: int = 200,
    problems: list[str] | None = None,
    typed: Mapping[str, Any] | None = None,
) -> Response:
    public = catalogues.to_public(db, catalogue)
    found = [
        (cluster, value)
        for cluster in public.clusters
        for value in cluster.values
        if value.key == key
    ]
    if not found:
        return _editor(
            request,
            db,
            catalogue,
            status=404,
            problems=[_say(request, N_("Deze waarde bestaat niet (meer) in deze catalogus."))],
        )
    cluster, value = found[0]
    return _page(
        request,
        "catalogue/value.html",
        status=status,
        catalogue=public,
        cluster=cluster,
        value=value,
        opvattingen=list(zip(value.opvatting_ids, value.opvattingen, strict=True)),
        in_use=key in catalogues.values_in_use(db, catalogue),
        problems=problems or [],
        typed=typed or {},
    )


def _change(
    request: Request,
    db: Db,
    change: Callable[[], object],
    refused: Callable[[int, list[str]], Response],
) -> Response | None:
    """Run ``change`` in a savepoint; on a refusal, the page ``refused`` draws (else None)."""
    try:
        with _savepoint(db):
            change()
    except DomainError as exc:
        return refused(exc.http_status, _problems(request, exc))
    return None


async def _read_upload(upload: UploadFile | None) -> Any:
    """The uploaded exchange file, parsed by its name's extension (JSON unless .yaml/.yml)."""
    if upload is None:
        raise InvalidInput(reason="CATALOGUE", problems=[Problem("bestand", code="missing")])
    body = await upload.read(MAX_UPLOAD_BYTES + 1)
    return parse_upload(body, format_from_filename(upload.filename or ""))


# --- the Waardenkaart and the list ------------------------------------------------------------


@router.get("/waardenkaart")
def waardenkaart() -> RedirectResponse:
    return RedirectResponse(f"/catalogi/{catalogues.BUILTIN_SLUG}", status_code=307)


def _list_page(
    request: Request,
    db: Db,
    organisation_id: int,
    *,
    status: int = 200,
    problems: list[str] | None = None,
) -> Response:
    visible = catalogues.list_visible(db, organisation_id=organisation_id)
    return _page(
        request,
        "catalogue/list.html",
        status=status,
        own=[catalogues.summary(db, c) for c in visible if c.organisation_id == organisation_id],
        builtin=[
            catalogues.summary(db, c) for c in visible if c.organisation_id != organisation_id
        ],
        problems=problems or [],
    )


@router.get("/catalogi")
def catalogue_list(request: Request, db: DbSession, organisation_id: OrganisationId) -> Response:
    return _list_page(request, db, organisation_id)


@router.post("/catalogi")
async def import_new(
    request: Request, db: DbSession, organisation_id: OrganisationId, bestand: Upload = None
) -> Response:
    """A file in the exchange format (decision 0001) as a new own catalogue."""
    made: list[Catalogue] = []
    try:
        raw = await _read_upload(bestand)
        with _savepoint(db):
            made.append(
                catalogues.create_from_document(db, raw=raw, organisation_id=organisation_id)
            )
    except DomainError as exc:
        return _list_page(
            request, db, organisation_id, status=exc.http_status, problems=_problems(request, exc)
        )
    return _done(_editor_url(made[0].slug), "imported")


# --- one catalogue: the card, copying it ------------------------------------------------------


def _card(
    request: Request,
    db: Db,
    catalogue: Catalogue,
    *,
    status: int = 200,
    problems: list[str] | None = None,
    copy_name: str = "",
) -> Response:
    public = catalogues.to_public(db, catalogue)
    return _page(
        request,
        "catalogue/card.html",
        status=status,
        catalogue=public,
        problems=problems or [],
        copy_name=copy_name
        or _say(request, N_("Eigen versie van %(name)s")) % {"name": public.name},
    )


@router.get("/catalogi/{slug}")
def catalogue_page(
    request: Request, db: DbSession, organisation_id: ReaderOrganisationId, slug: str
) -> Response:
    catalogue = catalogues.get_visible(db, slug=slug, organisation_id=organisation_id)
    return _card(request, db, catalogue)


@router.post("/catalogi/{slug}/kopie")
def copy_catalogue(
    request: Request, db: DbSession, organisation_id: OrganisationId, slug: str, name: Line = ""
) -> Response:
    """ "Kopieer naar eigen catalogus": any visible catalogue into an own, editable one."""
    source = catalogues.get_visible(db, slug=slug, organisation_id=organisation_id)
    made: list[Catalogue] = []

    def change() -> None:
        new_slug = catalogues.free_slug(db, organisation_id=organisation_id, name=name)
        made.append(
            catalogues.clone(
                db, source=source, organisation_id=organisation_id, slug=new_slug, name=name
            )
        )

    refused = _change(
        request,
        db,
        change,
        lambda status, problems: _card(
            request, db, source, status=status, problems=problems, copy_name=name
        ),
    )
    return refused or _done(_editor_url(made[0].slug), "copied")


# --- the editor -------------------------------------------------------------------------------


@router.get("/catalogi/{slug}/bewerken")
def editor_page(
    request: Request, db: DbSession, organisation_id: OrganisationId, slug: str
) -> Response:
    catalogue = catalogues.get_writable(db, slug=slug, organisation_id=organisation_id)
    return _editor(request, db, catalogue)


def _editor_change(
    request: Request,
    db: Db,
    catalogue: Catalogue,
    change: Callable[[], object],
    typed: Mapping[str, Any],
    done: str,
    anchor: str | Callable[[], str] = "",
) -> Response:
    """Run one change; refused, the editor again with what was typed; done, back to the editor
    at ``anchor`` (a callable when the anchor is known only after the change, a new key)."""
    refused = _change(
        request,
        db,
        change,
        lambda status, problems: _editor(
            request, db, catalogue, status=status, problems=problems, typed=typed
        ),
    )
    if refused is not None:
        return refused
    return _done(_editor_url(catalogue.slug), done, anchor() if callable(anchor) else anchor)


@router.post("/catalogi/{slug}/gegevens")
def save_details(
    request: Request,
    db: DbSession,
    organisation_id: OrganisationId,
    slug: str,
    name: Line = "",
    description: Lines = "",
) -> Response:
    catalogue = catalogues.get_writable(db, slug=slug, organisation_id=organisation_id)

    def change() -> None:
        data = _schema(CatalogueUpdate, name=name, description=description)
        catalogues.update_meta(
            db, catalogue=catalogue, name=data.name, description=data.description
        )

    typed = {"form": "details", "name": name, "description": description}
    return _editor_change(request, db, catalogue, change, typed, "details")


@router.post("/catalogi/{slug}/clusters")
def add_cluster(
    request: Request,
    db: DbSession,
    organisation_id: OrganisationId,
    slug: str,
    name: Line = "",
    group: Line = "",
    description: Lines = "",
) -> Response:
    catalogue = catalogues.get_writable(db, slug=slug, organisation_id=organisation_id)
    keys: list[str] = []

    def change() -> None:
        data = _schema(ClusterCreate, name=name, group=group, description=description)
        keys.append(catalogues.add_cluster(db, catalogue=catalogue, data=data))

    typed = {"form": "add-cluster", "name": name, "group": group, "description": description}
    return _editor_change(
        request, db, catalogue, change, typed, "cluster-added", lambda: f"cluster-{keys[0]}"
    )


@router.post("/catalogi/{slug}/clusters/{key}")
def save_cluster(
    request: Request,
    db: DbSession,
    organisation_id: OrganisationId,
    slug: str,
    key: str,
    name: Line = "",
    group: Line = "",
    description: Lines = "",
) -> Response:
    catalogue = catalogues.get_writable(db, slug=slug, organisation_id=organisation_id)

    def change() -> None:
        data = _schema(ClusterUpdate, name=name, group=group, description=description)
        catalogues.update_cluster(db, catalogue=catalogue, key=key, data=data)

    typed = {
        "form": f"cluster-{key}",
        "name": name,
        "group": group,
        "description": description,
    }
    return _editor_change(request, db, catalogue, change, typed, "cluster-saved", f"cluster-{key}")


@router.post("/catalogi/{slug}/clusters/{key}/verwijderen")
def delete_cluster(
    request: Request, db: DbSession, organisation_id: OrganisationId, slug: str, key: str
) -> Response:
    catalogue = catalogues.get_writable(db, slug=slug, organisation_id=organisation_id)
    return _editor_change(
        request,
        db,
        catalogue,
        lambda: catalogues.delete_cluster(db, catalogue=catalogue, key=key),
        {},
        "cluster-deleted",
    )


@router.post("/catalogi/{slug}/waarden")
def add_value(
    request: Request,
    db: DbSession,
    organisation_id: OrganisationId,
    slug: str,
    name: Line = "",
    cluster: Line = "",
    opvattingen: Lines = "",
) -> Response:
    catalogue = catalogues.get_writable(db, slug=slug, organisation_id=organisation_id)
    keys: list[str] = []

    def change() -> None:
        data = _schema(ValueCreate, name=name, cluster=cluster, opvattingen=_lines(opvattingen))
        keys.append(catalogues.add_value(db, catalogue=catalogue, data=data))

    typed = {"form": "add-value", "name": name, "cluster": cluster, "opvattingen": opvattingen}
    return _editor_change(
        request, db, catalogue, change, typed, "value-added", lambda: f"waarde-{keys[0]}"
    )


@router.post("/catalogi/{slug}/waarden/{key}/verplaatsen")
def move_value(
    request: Request,
    db: DbSession,
    organisation_id: OrganisationId,
    slug: str,
    key: str,
    direction: Direction = "",
) -> Response:
    """Up or down within its cluster; the page comes back with focus on the moved value."""
    catalogue = catalogues.get_writable(db, slug=slug, organisation_id=organisation_id)

    def change() -> None:
        if direction not in DIRECTIONS:
            raise InvalidInput(
                reason="CATALOGUE",
                problems=[
                    Problem("direction", code="literal_error", params={"expected": "up, down"})
                ],
            )
        catalogues.move_value(db, catalogue=catalogue, key=key, direction=DIRECTIONS[direction])

    return _editor_change(
        request,
        db,
        catalogue,
        change,
        {},
        "value-moved",
        f"waarde-{key}",
    )


@router.get("/catalogi/{slug}/waarden/{key}")
def value_page(
    request: Request, db: DbSession, organisation_id: OrganisationId, slug: str, key: str
) -> Response:
    catalogue = catalogues.get_writable(db, slug=slug, organisation_id=organisation_id)
    if not may_edit(request):  # a viewer reads the editor page, which shows every value
        return RedirectResponse(f"{_editor_url(slug)}#waarde-{key}", 303)
    return _value_page(request, db, catalogue, key)


def _value_change(
    request: Request,
    db: Db,
    catalogue: Catalogue,
    key: str,
    change: Callable[[], object],
    typed: Mapping[str, Any],
    done: str,
) -> Response:
    refused = _change(
        request,
        db,
        change,
        lambda status, problems: _value_page(
            request, db, catalogue, key, status=status, problems=problems, typed=typed
        ),
    )
    return refused or _done(_value_url(catalogue.slug, key), done)


@router.post("/catalogi/{slug}/waarden/{key}")
def save_value(
    request: Request,
    db: DbSession,
    organisation_id: OrganisationId,
    slug: str,
    key: str,
    name: Line = "",
    cluster: Line = "",
) -> Response:
    """Rename a value or move it to another cluster (its key stays: decision 0001)."""
    catalogue = catalogues.get_writable(db, slug=slug, organisation_id=organisation_id)

    def change() -> None:
        data = _schema(ValueUpdate, name=name, cluster=cluster)
        catalogues.update_value(db, catalogue=catalogue, key=key, data=data)

    typed = {"form": "value", "name": name, "cluster": cluster}
    return _value_change(request, db, catalogue, key, change, typed, "value-saved")


@router.post("/catalogi/{slug}/waarden/{key}/verwijderen")
def delete_value(
    request: Request, db: DbSession, organisation_id: OrganisationId, slug: str, key: str
) -> Response:
    catalogue = catalogues.get_writable(db, slug=slug, organisation_id=organisation_id)
    refused = _change(
        request,
        db,
        lambda: catalogues.delete_value(db, catalogue=catalogue, key=key),
        lambda status, problems: _value_page(
            request, db, catalogue, key, status=status, problems=problems
        ),
    )
    return refused or _done(_editor_url(slug), "value-deleted")


@router.post("/catalogi/{slug}/waarden/{key}/opvattingen")
def add_opvatting(
    request: Request,
    db: DbSession,
    organisation_id: OrganisationId,
    slug: str,
    key: str,
    text: Lines = "",
) -> Response:
    catalogue = catalogues.get_writable(db, slug=slug, organisation_id=organisation_id)

    def change() -> None:
        data = _schema(OpvattingUpdate, text=text)
        catalogues.add_opvatting(db, catalogue=catalogue, key=key, text=data.text)

    typed = {"form": "add-opvatting", "text": text}
    return _value_change(request, db, catalogue, key, change, typed, "opvatting-added")


@router.post("/catalogi/{slug}/opvattingen/{opvatting_id}")
def save_opvatting(
    request: Request,
    db: DbSession,
    organisation_id: OrganisationId,
    slug: str,
    opvatting_id: PathId,
    text: Lines = "",
) -> Response:
    catalogue = catalogues.get_writable(db, slug=slug, organisation_id=organisation_id)
    key = catalogues.value_key_of_opvatting(db, catalogue=catalogue, opvatting_id=opvatting_id)

    def change() -> None:
        data = _schema(OpvattingUpdate, text=text)
        catalogues.update_opvatting(
            db, catalogue=catalogue, opvatting_id=opvatting_id, text=data.text
        )

    typed = {"form": f"opvatting-{opvatting_id}", "text": text}
    return _value_change(request, db, catalogue, key, change, typed, "opvatting-saved")


@router.post("/catalogi/{slug}/opvattingen/{opvatting_id}/verwijderen")
def delete_opvatting(
    request: Request,
    db: DbSession,
    organisation_id: OrganisationId,
    slug: str,
    opvatting_id: PathId,
) -> Response:
    catalogue = catalogues.get_writable(db, slug=slug, organisation_id=organisation_id)
    key = catalogues.value_key_of_opvatting(db, catalogue=catalogue, opvatting_id=opvatting_id)
    return _value_change(
        request,
        db,
        catalogue,
        key,
        lambda: catalogues.delete_opvatting(db, catalogue=catalogue, opvatting_id=opvatting_id),
        {},
        "opvatting-deleted",
    )


# --- replacing from a file, deleting ----------------------------------------------------------


@router.post("/catalogi/{slug}/vervangen")
async def replace_from_file(
    request: Request,
    db: DbSession,
    organisation_id: OrganisationId,
    slug: str,
    bestand: Upload = None,
) -> Response:
    """Replace an own catalogue by a file; values keep their keys, and a value in use stays."""
    catalogue = catalogues.get_writable(db, slug=slug, organisation_id=organisation_id)
    try:
        raw = await _read_upload(bestand)
        with _savepoint(db):
            catalogues.replace_from_document(db, catalogue=catalogue, raw=raw)
    except DomainError as exc:
        db.refresh(catalogue)
        return _editor(
            request, db, catalogue, status=exc.http_status, problems=_problems(request, exc)
        )
    return _done(_editor_url(slug), "replaced")


@router.get("/catalogi/{slug}/verwijderen")
def delete_page(
    request: Request, db: DbSession, organisation_id: OrganisationId, slug: str
) -> Response:
    """The confirmation step: says what goes, and that a catalogue in use stays."""
    catalogue = catalogues.get_writable(db, slug=slug, organisation_id=organisation_id)
    return _page(
        request,
        "catalogue/delete.html",
        catalogue=catalogues.summary(db, catalogue),
        problems=[],
    )


@router.post("/catalogi/{slug}/verwijderen")
def delete_catalogue(
    request: Request, db: DbSession, organisation_id: OrganisationId, slug: str
) -> Response:
    catalogue = catalogues.get_writable(db, slug=slug, organisation_id=organisation_id)
    summary = catalogues.summary(db, catalogue)
    refused = _change(
        request,
        db,
        lambda: catalogues.delete(db, catalogue=catalogue),
        lambda status, problems: _page(
            request, "catalogue/delete.html", status=status, catalogue=summary, problems=problems
        ),
    )
    return refused or _done("/catalogi", "deleted")
