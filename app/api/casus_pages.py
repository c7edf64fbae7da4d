"""Casus pages: the library, one casus, and writing own casussen without JSON.

A facilitator makes, edits, copies, deletes, imports and downloads casussen here with native
forms (docs/decisions/0023-casus-authoring-pages.md). Every change goes through the casussen
domain service, as the JSON API's do (``app/api/casussen.py``); a form that is refused is shown
again with what was typed, each problem next to its field and a summary on top. Viewers see the
same pages without a form or button that changes anything, and their posts are refused (403).
Forms carry the login's CSRF token as ``csrf_token``; ``deps.current_login`` checks it, also on
the multipart upload of the import form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from app.accounts import service as accounts
from app.accounts.service import Login
from app.api.deps import CurrentLogin, DbSession, OptionalLogin, PathId, ReaderOrganisationId
from app.api.errors import domain_error_text, language_of
from app.api.files import MAX_UPLOAD_BYTES, download, parse_upload
from app.api.pages import NO_STORE, render
from app.casussen import service as casussen
from app.casussen.models import Casus
from app.casussen.schemas import CasusCreate, CasusDoc, CasusSource, CasusUpdate
from app.catalogue import service as catalogues
from app.errors import DomainError, InvalidInput, Problem, Rejected
from app.exchange import format_from_filename
from app.i18n.errors import problem_text
from app.schemas import DB_ID_MAX
from app.validation import problems_from_validation_error

router = APIRouter(include_in_schema=False)

# The form's fields, in the order of the page (the summary lists problems in this order).
FIELDS = (
    "title",
    "situation",
    "decision_question",
    "domain",
    "catalogue",
    "values_in_tension",
    "tension",
    "source_document",
    "source_note",
)
# A sentence longer than this many words gets the plain-language hint (static/js/casus-editor.js).
LONG_SENTENCE_WORDS = 20

FormText = Annotated[str, Form()]


def _writer(login: CurrentLogin) -> Login:
    """Owners and facilitators write casussen; a viewer only reads (also the forms: 403)."""
    if not accounts.may(login.role, "facilitator"):
        raise Rejected("FORBIDDEN", reason="VIEWER", http_status=403)
    return login


WriterLogin = Annotated[Login, Depends(_writer)]


def _can_write(login: Login | None) -> bool:
    return login is not None and accounts.may(login.role, "facilitator")


# --- the form's values and problems ----------------------------------------------------------


@dataclass
class CasusForm:
    """What the form shows: typed text as typed, so a refused form keeps all of it."""

    title: str = ""
    situation: str = ""
    decision_question: str = ""
    domain: str = ""
    catalogue: str = catalogues.BUILTIN_SLUG
    values_in_tension: list[str] = field(default_factory=list)
    tension: str = ""
    source_document: str = ""
    source_note: str = ""
    seed: str = ""  # kept from the casus it was copied from; not on the form

    @classmethod
    def of(cls, doc: CasusDoc) -> CasusForm:
        source = doc.source or CasusSource()
        return cls(
            title=doc.title,
            situation=doc.situation,
            decision_question=doc.decision_question,
            domain=doc.domain,
            catalogue=doc.catalogue,
            values_in_tension=list(doc.values_in_tension),
            tension=doc.tension,
            source_document=source.document,
            source_note=source.note,
            seed=source.seed,
        )

    def payload(self) -> dict[str, Any]:
        document, note = self.source_document.strip(), self.source_note.strip()
        source = (
            {"seed": self.seed, "document": document, "note": note} if document or note else None
        )
        return {
            "title": self.title,
            "situation": _normal_newlines(self.situation),
            "decision_question": self.decision_question,
            "domain": self.domain,
            "catalogue": self.catalogue,
            "values_in_tension": list(self.values_in_tension),
            "tension": self.tension,
            "source": source,
        }


def _normal_newlines(text: str) -> str:
    """A browser sends a textarea's line breaks as CRLF; stored as plain newlines."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _field_of(loc: str) -> str:
    """The form field a problem's place belongs to ('' for the form as a whole)."""
    parts = loc.split(".")
    if parts[0] == "source" and len(parts) > 1:
        return f"source_{parts[1]}" if f"source_{parts[1]}" in FIELDS else "source_note"
    if parts[0] == "slug":
        return "title"  # the slug is made from the title
    return parts[0] if parts[0] in FIELDS else ""


def _plain(problem: Problem) -> Problem:
    """An empty required field says "fill this in", not "at least 1 character"."""
    if problem.code == "string_too_short" and str(problem.params.get("min_length")) == "1":
        return Problem(problem.loc, code="FIELD_EMPTY")
    return problem


@dataclass(frozen=True)
class Refusal:
    """Why a form was refused: the sentence on top and the problems by field."""

    message: str
    by_field: dict[str, list[str]]

    @property
    def summary(self) -> list[tuple[str, str]]:
        """(field, sentence) in the order of the form; field '' for the form as a whole."""
        order = {name: index for index, name in enumerate(("", *FIELDS))}
        return [
            (name, text)
            for name in sorted(self.by_field, key=lambda n: order.get(n, 0))
            for text in self.by_field[name]
        ]


def _refusal(request: Request, exc: DomainError) -> Refusal:
    language = language_of(request)
    by_field: dict[str, list[str]] = {}
    problems = exc.problems if isinstance(exc, InvalidInput) else []
    for problem in problems:
        text = problem_text(_plain(problem), language=language)
        words = by_field.setdefault(_field_of(problem.loc), [])
        if text not in words:
            words.append(text)
    return Refusal(domain_error_text(request, exc), by_field)


def _validated_create(form: CasusForm) -> CasusCreate:
    try:
        return CasusCreate.model_validate(form.payload())
    except ValidationError as exc:
        raise InvalidInput(reason="CASUS", problems=problems_from_validation_error(exc)) from exc


def _validated_update(form: CasusForm) -> CasusUpdate:
    """Every field of the form, so the edit replaces the casus as the form shows it."""
    validated = _validated_create(form)  # the same rules as a new casus (required fields)
    return CasusUpdate.model_validate(validated.model_dump(exclude={"slug"}))


# --- rendering -------------------------------------------------------------------------------


def _catalogue_choices(db: DbSession, organisation_id: int) -> list[Any]:
    """Every catalogue the organisation may pick from, with its clusters and values."""
    return [
        catalogues.to_public(db, catalogue)
        for catalogue in catalogues.list_visible(db, organisation_id=organisation_id)
    ]


def _page(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    response = render(request, template, **context)
    response.status_code = status
    response.headers.update(NO_STORE)
    return response


def _form_page(
    request: Request,
    db: DbSession,
    login: Login,
    *,
    form: CasusForm,
    casus: Casus | None,
    refusal: Refusal | None = None,
    status: int = 200,
) -> HTMLResponse:
    choices = _catalogue_choices(db, login.organisation_id)
    if not any(choice.slug == form.catalogue for choice in choices):
        form.catalogue = catalogues.BUILTIN_SLUG
    return _page(
        request,
        "casussen/form.html",
        status=status,
        form=form,
        casus=casus,
        catalogues=choices,
        refusal=refusal,
        long_sentence_words=LONG_SENTENCE_WORDS,
    )


def _typed_form(
    title: FormText = "",
    situation: FormText = "",
    decision_question: FormText = "",
    domain: FormText = "",
    catalogue: FormText = "",
    values_in_tension: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies it)
    tension: FormText = "",
    source_document: FormText = "",
    source_note: FormText = "",
) -> CasusForm:
    """The posted fields as typed; no limits here, so an over-long text comes back with its
    problem next to it instead of a bare 422 (the body limit caps the whole post)."""
    return CasusForm(
        title=title,
        situation=situation,
        decision_question=decision_question,
        domain=domain,
        catalogue=catalogue or catalogues.BUILTIN_SLUG,
        values_in_tension=values_in_tension,
        tension=tension,
        source_document=source_document,
        source_note=source_note,
    )


TypedForm = Annotated[CasusForm, Depends(_typed_form)]


# --- the library and one casus ----------------------------------------------------------------


@router.get("/casussen")
def casus_list(
    request: Request,
    db: DbSession,
    organisation_id: ReaderOrganisationId,
    login: OptionalLogin,
    opgeslagen: Annotated[int | None, Query(ge=1, le=DB_ID_MAX)] = None,
    geimporteerd: Annotated[int | None, Query(ge=0, le=500)] = None,
    verwijderd: bool = False,
) -> HTMLResponse:
    rows = [
        casussen.to_public(db, casus)
        for casus in casussen.list_visible(db, organisation_id=organisation_id)
    ]
    saved = next((row for row in rows if row.id == opgeslagen and not row.builtin), None)
    return _page(
        request,
        "casussen/list.html",
        casussen=rows,
        can_write=_can_write(login),
        saved=saved,
        imported=geimporteerd,
        deleted=verwijderd,
    )


def _detail_context(
    db: DbSession, casus: Casus, organisation_id: int
) -> tuple[Any, dict[str, str]]:
    public = casussen.to_public(db, casus)
    catalogue = catalogues.get_visible(db, slug=public.catalogue, organisation_id=organisation_id)
    return public, catalogues.value_names(db, catalogue)


@router.get("/casussen/nieuw")
def new_casus_page(request: Request, db: DbSession, login: WriterLogin) -> Response:
    return _form_page(request, db, login, form=CasusForm(), casus=None)


@router.post("/casussen/nieuw")
def create_casus(
    request: Request,
    db: DbSession,
    login: WriterLogin,
    form: TypedForm,
) -> Response:
    try:
        casus = casussen.create(
            db, data=_validated_create(form), organisation_id=login.organisation_id
        )
    except InvalidInput as exc:
        refusal = _refusal(request, exc)
        return _form_page(request, db, login, form=form, casus=None, refusal=refusal, status=422)
    return RedirectResponse(f"/casussen?opgeslagen={casus.id}", status_code=303)


@router.get("/casussen/importeren")
def import_page(request: Request, login: WriterLogin) -> Response:
    return _page(
        request, "casussen/import.html", refusal=None, max_mb=MAX_UPLOAD_BYTES // 1_000_000
    )


@router.post("/casussen/importeren")
def import_casussen(
    request: Request,
    db: DbSession,
    login: WriterLogin,
    bestand: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """The same import as ``POST /api/v1/casussen/import`` (service, exchange format, limits):
    every problem at once, nothing stored unless the whole file is right."""
    name = (bestand.filename or "") if bestand is not None else ""
    body = bestand.file.read(MAX_UPLOAD_BYTES + 1) if bestand is not None else b""
    try:
        created = casussen.import_document(
            db, raw=_uploaded(name, body), organisation_id=login.organisation_id
        )
    except InvalidInput as exc:
        return _page(
            request,
            "casussen/import.html",
            status=422,
            refusal=_refusal(request, exc),
            problems=[
                (_where(problem.loc), problem_text(problem, language=language_of(request)))
                for problem in exc.problems
            ],
            file_name=name,
            max_mb=MAX_UPLOAD_BYTES // 1_000_000,
        )
    return RedirectResponse(f"/casussen?geimporteerd={len(created)}", status_code=303)


def _uploaded(name: str, body: bytes) -> Any:
    """The parsed file, or what is wrong with it, as the API says it (``app/api/files.py``)."""
    if not name and not body:
        raise InvalidInput(reason="CASUS_FILE", problems=[Problem("bestand", code="NO_FILE")])
    return parse_upload(body, format_from_filename(name))


def _where(loc: str) -> str:
    """'casussen.1.values_in_tension.0' -> 'casus 2 · values_in_tension.0' (people count
    from 1); the field names stay as they are in the file."""
    parts = loc.split(".")
    if len(parts) >= 2 and parts[0] == "casussen" and parts[1].isdigit():
        rest = ".".join(parts[2:])
        return f"{int(parts[1]) + 1} · {rest}" if rest else str(int(parts[1]) + 1)
    return "" if loc in ("bestand", "(document)") else loc


@router.get("/casussen/{casus_id}")
def casus_page(
    request: Request,
    db: DbSession,
    organisation_id: ReaderOrganisationId,
    login: OptionalLogin,
    casus_id: PathId,
) -> HTMLResponse:
    casus = casussen.get_visible(db, casus_id=casus_id, organisation_id=organisation_id)
    public, names = _detail_context(db, casus, organisation_id)
    return _page(
        request,
        "casussen/detail.html",
        casus=public,
        value_names=names,
        can_write=_can_write(login),
        own=casus.organisation_id == organisation_id and not public.builtin,
    )


@router.get("/casussen/{casus_id}/bewerken")
def edit_casus_page(
    request: Request, db: DbSession, login: WriterLogin, casus_id: PathId
) -> Response:
    casus = casussen.get_writable(db, casus_id=casus_id, organisation_id=login.organisation_id)
    return _form_page(request, db, login, form=CasusForm.of(casussen.to_doc(casus)), casus=casus)


@router.post("/casussen/{casus_id}/bewerken")
def edit_casus(
    request: Request,
    db: DbSession,
    login: WriterLogin,
    casus_id: PathId,
    form: TypedForm,
) -> Response:
    casus = casussen.get_writable(db, casus_id=casus_id, organisation_id=login.organisation_id)
    form.seed = (casus.source or {}).get("seed", "")
    try:
        casussen.update(
            db, casus=casus, data=_validated_update(form), organisation_id=login.organisation_id
        )
    except InvalidInput as exc:  # refused before anything is written (casussen.update)
        refusal = _refusal(request, exc)
        return _form_page(request, db, login, form=form, casus=casus, refusal=refusal, status=422)
    return RedirectResponse(f"/casussen?opgeslagen={casus.id}", status_code=303)


@router.post("/casussen/{casus_id}/kopieer")
def copy_casus(db: DbSession, login: WriterLogin, casus_id: PathId) -> Response:
    """A copy of a built-in (or own) casus that the organisation can change: its edit form."""
    source = casussen.get_visible(db, casus_id=casus_id, organisation_id=login.organisation_id)
    copy = casussen.copy(
        db, source=source, organisation_id=login.organisation_id, slug=None, title=None
    )
    return RedirectResponse(f"/casussen/{copy.id}/bewerken?kopie=1", status_code=303)


@router.get("/casussen/{casus_id}/verwijderen")
def delete_casus_page(
    request: Request, db: DbSession, login: WriterLogin, casus_id: PathId
) -> Response:
    """The confirmation step; says at once when a denksessie holds the casus."""
    casus = casussen.get_writable(db, casus_id=casus_id, organisation_id=login.organisation_id)
    return _page(
        request,
        "casussen/delete.html",
        casus=casus,
        using=casussen.denksessies_using(db, casus=casus),
        refusal=None,
    )


@router.post("/casussen/{casus_id}/verwijderen")
def delete_casus(request: Request, db: DbSession, login: WriterLogin, casus_id: PathId) -> Response:
    casus = casussen.get_writable(db, casus_id=casus_id, organisation_id=login.organisation_id)
    try:
        casussen.delete(db, casus=casus)
    except Rejected as exc:
        return _page(
            request,
            "casussen/delete.html",
            status=exc.http_status,
            casus=casus,
            using=casussen.denksessies_using(db, casus=casus),
            refusal=Refusal(domain_error_text(request, exc), {}),
        )
    return RedirectResponse("/casussen?verwijderd=1", status_code=303)


@router.get("/casussen/{casus_id}/download")
def download_casus(
    db: DbSession,
    organisation_id: ReaderOrganisationId,
    casus_id: PathId,
    formaat: Literal["json", "yaml"] = "json",
) -> Response:
    """One casus as a file that the import (page or API) reads back."""
    casus = casussen.get_visible(db, casus_id=casus_id, organisation_id=organisation_id)
    document = casussen.export_one(casus)
    return download(document.model_dump(mode="json"), formaat, f"casus-{casus.slug}")
