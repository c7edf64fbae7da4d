"""Reading, changing, copying, importing and exporting casussen.

A casus names the catalogue values that plausibly clash in it; those keys are checked against
the catalogue it belongs to, so a facilitator never sees a casus pointing at a value that does
not exist. Built-in casussen are read-only; a copy belongs to the organisation that made it.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlmodel import col, select

from app.casussen.models import Casus
from app.casussen.schemas import (
    SLUG_MAX,
    CasusCreate,
    CasusDoc,
    CasusPublic,
    CasussenDocument,
    CasusSource,
    CasusUpdate,
)
from app.catalogue import service as catalogues
from app.db import DbSession
from app.errors import InvalidInput, NotFound, Problem, ReadOnly, Rejected
from app.organisations import service as organisations
from app.organisations.models import utcnow
from app.text import slugify
from app.validation import problems_from_validation_error


def list_visible(db: DbSession, *, organisation_id: int) -> list[Casus]:
    builtin = organisations.builtin_ids(db)
    rows = db.exec(
        select(Casus)
        .where(col(Casus.organisation_id).in_([organisation_id, *builtin]))
        .order_by(col(Casus.id))
    ).all()
    return sorted(rows, key=lambda casus: casus.organisation_id in builtin)


def get_visible(db: DbSession, *, casus_id: int, organisation_id: int) -> Casus:
    casus = db.get(Casus, casus_id)
    if casus is None or casus.organisation_id not in organisations.visible_ids(db, organisation_id):
        raise NotFound(reason="CASUS", params={"casus_id": casus_id})
    return casus


def get_writable(db: DbSession, *, casus_id: int, organisation_id: int) -> Casus:
    casus = get_visible(db, casus_id=casus_id, organisation_id=organisation_id)
    if casus.organisation_id != organisation_id:
        raise ReadOnly(reason="CASUS", params={"title": casus.title})
    return casus


def to_doc(casus: Casus) -> CasusDoc:
    return CasusDoc(
        slug=casus.slug,
        title=casus.title,
        situation=casus.situation,
        decision_question=casus.decision_question,
        domain=casus.domain,
        catalogue=casus.catalogue_slug,
        values_in_tension=list(casus.values_in_tension),
        tension=casus.tension,
        source=CasusSource.model_validate(casus.source) if casus.source else None,
    )


def to_public(db: DbSession, casus: Casus) -> CasusPublic:
    assert casus.id is not None
    return CasusPublic(
        id=casus.id,
        builtin=casus.organisation_id in organisations.builtin_ids(db),
        **to_doc(casus).model_dump(),
    )


def _value_problems(
    db: DbSession, doc: CasusDoc, *, organisation_id: int, where: str
) -> list[Problem]:
    try:
        catalogue = catalogues.get_visible(db, slug=doc.catalogue, organisation_id=organisation_id)
    except NotFound:
        return [
            Problem(f"{where}catalogue", code="UNKNOWN_CATALOGUE", params={"slug": doc.catalogue})
        ]
    known = catalogues.value_keys(db, catalogue)
    problems = [
        Problem(
            f"{where}values_in_tension.{index}",
            code="UNKNOWN_VALUE_IN_CATALOGUE",
            params={"key": key, "catalogue": doc.catalogue},
        )
        for index, key in enumerate(doc.values_in_tension)
        if key not in known
    ]
    if len(set(doc.values_in_tension)) != len(doc.values_in_tension):
        problems.append(Problem(f"{where}values_in_tension", code="DUPLICATE_VALUE"))
    return problems


def _slug_taken(db: DbSession, *, organisation_id: int, slug: str) -> bool:
    return (
        db.exec(
            select(Casus.id).where(Casus.organisation_id == organisation_id, Casus.slug == slug)
        ).first()
        is not None
    )


def _fitted(base: str, suffix: str = "") -> str:
    """``base`` cut so that ``base + suffix`` fits the slug column, without a trailing hyphen."""
    return base[: SLUG_MAX - len(suffix)].rstrip("-") + suffix


def _free_slug(db: DbSession, *, organisation_id: int, wanted: str) -> str:
    """``wanted``, or ``wanted-2``, ``wanted-3``...: the first free one, never past SLUG_MAX
    (a long title or a copy of a long slug is cut, not refused)."""
    slug, counter = _fitted(wanted), 2
    while _slug_taken(db, organisation_id=organisation_id, slug=slug):
        slug, counter = _fitted(wanted, f"-{counter}"), counter + 1
    return slug


def _write(db: DbSession, casus: Casus, doc: CasusDoc) -> Casus:
    casus.slug = doc.slug
    casus.title = doc.title
    casus.situation = doc.situation
    casus.decision_question = doc.decision_question
    casus.domain = doc.domain
    casus.catalogue_slug = doc.catalogue
    casus.values_in_tension = list(doc.values_in_tension)
    casus.tension = doc.tension
    casus.source = doc.source.model_dump() if doc.source else None
    casus.updated_at = utcnow()
    db.add(casus)
    db.flush()
    return casus


def create(db: DbSession, *, data: CasusCreate, organisation_id: int) -> Casus:
    slug = data.slug or slugify(data.title) or "casus"
    if data.slug and _slug_taken(db, organisation_id=organisation_id, slug=slug):
        raise InvalidInput(
            reason="CASUS", problems=[Problem("slug", code="SLUG_TAKEN", params={"slug": slug})]
        )
    if not data.slug:
        slug = _free_slug(db, organisation_id=organisation_id, wanted=slug)
    doc = CasusDoc(slug=slug, **data.model_dump(exclude={"slug"}))
    problems = _value_problems(db, doc, organisation_id=organisation_id, where="")
    if problems:
        raise InvalidInput(reason="CASUS", problems=problems)
    return _write(db, Casus(organisation_id=organisation_id, **_placeholder(doc)), doc)


def _placeholder(doc: CasusDoc) -> dict[str, Any]:
    return {
        "slug": doc.slug,
        "title": doc.title,
        "situation": doc.situation,
        "decision_question": doc.decision_question,
        "domain": doc.domain,
    }


def update(db: DbSession, *, casus: Casus, data: CasusUpdate, organisation_id: int) -> Casus:
    merged = to_doc(casus).model_dump()
    merged.update(data.model_dump(exclude_none=True))
    if "source" in data.model_fields_set and data.source is None:
        merged["source"] = None
    doc = CasusDoc.model_validate(merged)
    problems = _value_problems(db, doc, organisation_id=organisation_id, where="")
    if problems:
        raise InvalidInput(reason="CASUS", problems=problems)
    return _write(db, casus, doc)


def denksessies_using(db: DbSession, *, casus: Casus) -> list[str]:
    """Titles of the organisation's denksessies that list this casus (any state: results,
    reports and cards of an ended one still tell its casus)."""
    # Imported here: sessions build on casussen, not the other way round.
    from app.sessions.models import Denksessie

    rows = db.exec(
        select(Denksessie.title, Denksessie.casus_ids)
        .where(Denksessie.organisation_id == casus.organisation_id)
        .order_by(col(Denksessie.id))
    ).all()
    return [title for title, casus_ids in rows if casus.id in casus_ids]


def delete(db: DbSession, *, casus: Casus) -> None:
    """Delete an own casus, unless a denksessie uses it: refused with a 409 that names the
    denksessies, and nothing is deleted (a denksessie keeps only the casus ids)."""
    using = denksessies_using(db, casus=casus)
    if using:
        shown = ", ".join(f"'{title}'" for title in using[:3])
        if len(using) > 3:
            shown += ", ..."
        raise Rejected(
            "CASUS_IN_USE", params={"title": casus.title, "denksessies": shown, "n": len(using)}
        )
    db.delete(casus)
    db.flush()


def copy(
    db: DbSession, *, source: Casus, organisation_id: int, slug: str | None, title: str | None
) -> Casus:
    doc = to_doc(source)
    wanted = slug or doc.slug
    if slug and _slug_taken(db, organisation_id=organisation_id, slug=slug):
        raise InvalidInput(
            reason="CASUS", problems=[Problem("slug", code="SLUG_TAKEN", params={"slug": slug})]
        )
    doc = doc.model_copy(
        update={
            "slug": wanted
            if slug
            else _free_slug(db, organisation_id=organisation_id, wanted=wanted),
            "title": title or doc.title,
        }
    )
    return _write(db, Casus(organisation_id=organisation_id, **_placeholder(doc)), doc)


def export_one(casus: Casus) -> CasussenDocument:
    """One casus as a document that ``import_document`` reads back."""
    return CasussenDocument(casussen=[to_doc(casus)])


def export_document(db: DbSession, *, organisation_id: int, own_only: bool) -> CasussenDocument:
    rows = list_visible(db, organisation_id=organisation_id)
    if own_only:
        rows = [row for row in rows if row.organisation_id == organisation_id]
    return CasussenDocument(casussen=[to_doc(row) for row in rows])


def validate_document(
    db: DbSession, raw: Any, *, organisation_id: int, check_taken: bool = True
) -> CasussenDocument:
    """Every problem in the file at once: shape, duplicate slugs, taken slugs, unknown values."""
    try:
        document = CasussenDocument.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput(
            reason="CASUS_FILE", problems=problems_from_validation_error(exc)
        ) from exc
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, doc in enumerate(document.casussen):
        where = f"casussen.{index}."
        if doc.slug in seen:
            problems.append(
                Problem(f"{where}slug", code="SLUG_TWICE_IN_FILE", params={"slug": doc.slug})
            )
        elif check_taken and _slug_taken(db, organisation_id=organisation_id, slug=doc.slug):
            problems.append(Problem(f"{where}slug", code="SLUG_TAKEN", params={"slug": doc.slug}))
        seen.add(doc.slug)
        problems += _value_problems(db, doc, organisation_id=organisation_id, where=where)
    if problems:
        raise InvalidInput(reason="CASUS_FILE", problems=problems)
    return document


def import_document(db: DbSession, *, raw: Any, organisation_id: int) -> list[Casus]:
    document = validate_document(db, raw, organisation_id=organisation_id)
    return [
        _write(db, Casus(organisation_id=organisation_id, **_placeholder(doc)), doc)
        for doc in document.casussen
    ]


def sync_document(db: DbSession, *, document: CasussenDocument, organisation_id: int) -> None:
    """Make the organisation's casussen equal to ``document`` by slug (built-in loader)."""
    existing = {
        row.slug: row
        for row in db.exec(select(Casus).where(Casus.organisation_id == organisation_id)).all()
    }
    for doc in document.casussen:
        row = existing.pop(doc.slug) if doc.slug in existing else None
        _write(db, row or Casus(organisation_id=organisation_id, **_placeholder(doc)), doc)
    for leftover in existing.values():
        db.delete(leftover)
    db.flush()


def get_by_id(db: DbSession, casus_id: int) -> Casus | None:
    """Unscoped lookup for content already attached to a denksessie of the organisation."""
    return db.get(Casus, casus_id)
