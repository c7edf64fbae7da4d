"""Reading and changing catalogues.

Every change, from a whole import to one new opvatting, is checked by building the document the
catalogue would become and running the one validator on it (``validation.py``). So the rules
(unique names, one cluster per value, known groups) hold the same way for files and for edits,
and a rejected change writes nothing. Keys are fixed once created: later rounds and ballots refer
to values by key.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import bindparam, func
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from app.catalogue.groups import GROUPS, GROUPS_BY_KEY
from app.catalogue.models import Catalogue, CatalogueCluster, CatalogueValue, Opvatting
from app.catalogue.schemas import (
    CatalogueDocument,
    CataloguePublic,
    CatalogueSummary,
    ClusterCreate,
    ClusterDoc,
    ClusterPublic,
    ClusterUpdate,
    GroupDoc,
    GroupPublic,
    SourceDoc,
    ValueCreate,
    ValueDoc,
    ValuePublic,
    ValueUpdate,
)
from app.catalogue.validation import validate_document
from app.db import DbSession
from app.errors import Conflict, InvalidInput, NotFound, Problem, ReadOnly, Rejected
from app.organisations import service as organisations
from app.organisations.models import utcnow
from app.text import slugify

BUILTIN_SLUG = "waardenkaart-sociaal-domein"


# --- reading -----------------------------------------------------------------------------------


def is_builtin(db: DbSession, catalogue: Catalogue) -> bool:
    return catalogue.organisation_id in organisations.builtin_ids(db)


def list_visible(db: DbSession, *, organisation_id: int) -> list[Catalogue]:
    """Built-in catalogues first, then the organisation's own, each by name."""
    builtin = organisations.builtin_ids(db)
    rows = db.exec(
        select(Catalogue).where(col(Catalogue.organisation_id).in_([organisation_id, *builtin]))
    ).all()
    return sorted(rows, key=lambda c: (c.organisation_id not in builtin, c.name.casefold()))


def get_visible(db: DbSession, *, slug: str, organisation_id: int) -> Catalogue:
    """The organisation's own catalogue with this slug, else the built-in one; else 404."""
    catalogue = organisations.first_visible(
        db.exec(select(Catalogue).where(Catalogue.slug == slug)).all(),
        owner=lambda row: row.organisation_id,
        order=organisations.visible_ids(db, organisation_id),
    )
    if catalogue is None:
        raise NotFound(reason="CATALOGUE", params={"slug": slug})
    return catalogue


def get_writable(db: DbSession, *, slug: str, organisation_id: int) -> Catalogue:
    catalogue = get_visible(db, slug=slug, organisation_id=organisation_id)
    if catalogue.organisation_id != organisation_id:
        raise ReadOnly(reason="CATALOGUE", params={"name": catalogue.name})
    return catalogue


def _clusters(db: DbSession, catalogue_id: int) -> list[CatalogueCluster]:
    return list(
        db.exec(
            select(CatalogueCluster)
            .where(CatalogueCluster.catalogue_id == catalogue_id)
            .order_by(col(CatalogueCluster.position), col(CatalogueCluster.id))
        ).all()
    )


def _values(db: DbSession, catalogue_id: int) -> list[CatalogueValue]:
    return list(
        db.exec(
            select(CatalogueValue)
            .where(CatalogueValue.catalogue_id == catalogue_id)
            .order_by(col(CatalogueValue.position), col(CatalogueValue.id))
        ).all()
    )


def _opvattingen(db: DbSession, catalogue_id: int) -> dict[int, list[Opvatting]]:
    rows = db.exec(
        select(Opvatting)
        .join(CatalogueValue, col(CatalogueValue.id) == col(Opvatting.value_id))
        .where(CatalogueValue.catalogue_id == catalogue_id)
        .order_by(col(Opvatting.position), col(Opvatting.id))
    ).all()
    result: dict[int, list[Opvatting]] = {}
    for row in rows:
        result.setdefault(row.value_id, []).append(row)
    return result


def summary(db: DbSession, catalogue: Catalogue) -> CatalogueSummary:
    assert catalogue.id is not None
    n_clusters = db.exec(
        select(func.count()).where(CatalogueCluster.catalogue_id == catalogue.id)
    ).one()
    n_values = db.exec(
        select(func.count()).where(CatalogueValue.catalogue_id == catalogue.id)
    ).one()
    return CatalogueSummary(
        slug=catalogue.slug,
        name=catalogue.name,
        description=catalogue.description,
        builtin=is_builtin(db, catalogue),
        n_clusters=n_clusters,
        n_values=n_values,
    )


def to_document(db: DbSession, catalogue: Catalogue) -> CatalogueDocument:
    """The exchange document of a stored catalogue (what export writes and import reads)."""
    assert catalogue.id is not None
    clusters = _clusters(db, catalogue.id)
    cluster_keys = {cluster.id: cluster.key for cluster in clusters}
    opvattingen = _opvattingen(db, catalogue.id)
    return CatalogueDocument(
        slug=catalogue.slug,
        name=catalogue.name,
        description=catalogue.description,
        language="en" if catalogue.language == "en" else "nl",
        source=SourceDoc.model_validate(catalogue.source) if catalogue.source else None,
        groups=[GroupDoc.model_validate(group) for group in catalogue.groups],
        clusters=[
            ClusterDoc(
                key=cluster.key,
                name=cluster.name,
                group=cluster.group,
                description=cluster.description,
            )
            for cluster in clusters
        ],
        values=[
            ValueDoc(
                key=value.key,
                name=value.name,
                cluster=cluster_keys[value.cluster_id],
                opvattingen=[o.text for o in opvattingen.get(value.id or 0, [])],
            )
            for value in _values(db, catalogue.id)
        ],
    )


def to_public(db: DbSession, catalogue: Catalogue) -> CataloguePublic:
    assert catalogue.id is not None
    document = to_document(db, catalogue)
    opvattingen = _opvattingen(db, catalogue.id)
    ids_by_key = {
        value.key: [o.id for o in opvattingen.get(value.id or 0, []) if o.id is not None]
        for value in _values(db, catalogue.id)
    }
    group_docs = {group.key: group for group in document.groups}
    return CataloguePublic(
        slug=document.slug,
        name=document.name,
        description=document.description,
        language=document.language,
        builtin=is_builtin(db, catalogue),
        source=document.source,
        groups=[
            GroupPublic(
                key=group.key,
                name=group_docs[group.key].name if group.key in group_docs else group.name_nl,
                description=group_docs[group.key].description if group.key in group_docs else "",
                colour=group.colour,
            )
            for group in GROUPS
        ],
        clusters=[
            ClusterPublic(
                key=cluster.key,
                name=cluster.name,
                group=cluster.group,
                group_name=GROUPS_BY_KEY[cluster.group].name_nl,
                colour=GROUPS_BY_KEY[cluster.group].colour,
                description=cluster.description,
                values=[
                    ValuePublic(
                        key=value.key,
                        name=value.name,
                        cluster=value.cluster,
                        opvattingen=value.opvattingen,
                        opvatting_ids=ids_by_key[value.key],
                    )
                    for value in document.values
                    if value.cluster == cluster.key
                ],
            )
            for cluster in document.clusters
        ],
    )


# --- writing whole documents -------------------------------------------------------------------


def _slug_taken(db: DbSession, *, organisation_id: int, slug: str) -> bool:
    return (
        db.exec(
            select(Catalogue.id).where(
                Catalogue.organisation_id == organisation_id, Catalogue.slug == slug
            )
        ).first()
        is not None
    )


def create_from_document(db: DbSession, *, raw: Any, organisation_id: int) -> Catalogue:
    """Import: validate the whole document, then write it; a rejected import writes nothing."""
    document = validate_document(raw)
    if _slug_taken(db, organisation_id=organisation_id, slug=document.slug):
        raise InvalidInput(
            reason="CATALOGUE",
            problems=[Problem("slug", code="CATALOGUE_SLUG_TAKEN", params={"slug": document.slug})],
        )
    catalogue = Catalogue(organisation_id=organisation_id, slug=document.slug, name=document.name)
    db.add(catalogue)
    write_document(db, catalogue=catalogue, document=document)
    return catalogue


def write_document(db: DbSession, *, catalogue: Catalogue, document: CatalogueDocument) -> None:
    """Make the stored catalogue equal to ``document``, keeping rows (and ids) of known keys.

    Used by the built-in loader (so reloading is idempotent) and by import-over-existing.
    """
    catalogue.name = document.name
    catalogue.description = document.description
    catalogue.language = document.language
    catalogue.source = document.source.model_dump() if document.source else None
    catalogue.groups = [group.model_dump() for group in document.groups]
    catalogue.updated_at = utcnow()
    db.add(catalogue)
    db.flush()
    assert catalogue.id is not None
    clusters = {cluster.key: cluster for cluster in _clusters(db, catalogue.id)}
    values = {value.key: value for value in _values(db, catalogue.id)}
    wanted_values = {value.key for value in document.values}
    dropped = [row for key, row in values.items() if key not in wanted_values]
    _refuse_values_in_use(db, dropped)
    for value_row in dropped:
        db.delete(value_row)
    for position, cluster_doc in enumerate(document.clusters):
        cluster_row = clusters.get(cluster_doc.key) or CatalogueCluster(
            catalogue_id=catalogue.id, key=cluster_doc.key, name="", group=cluster_doc.group
        )
        cluster_row.name = cluster_doc.name
        cluster_row.group = cluster_doc.group
        cluster_row.description = cluster_doc.description
        cluster_row.position = position
        db.add(cluster_row)
        clusters[cluster_doc.key] = cluster_row
    db.flush()
    for position, value_doc in enumerate(document.values):
        cluster_id = clusters[value_doc.cluster].id
        assert cluster_id is not None
        value_row = values.get(value_doc.key) or CatalogueValue(
            catalogue_id=catalogue.id, cluster_id=cluster_id, key=value_doc.key, name=""
        )
        value_row.name = value_doc.name
        value_row.cluster_id = cluster_id
        value_row.position = position
        db.add(value_row)
        db.flush()
        _write_opvattingen(db, value_row, value_doc.opvattingen)
    wanted_clusters = {cluster.key for cluster in document.clusters}
    for key, cluster_row in clusters.items():
        if key not in wanted_clusters:
            db.delete(cluster_row)
    db.flush()


def _write_opvattingen(db: DbSession, value: CatalogueValue, texts: list[str]) -> None:
    """Keep the rows whose text is unchanged, so their ids stay stable across reloads."""
    existing = db.exec(select(Opvatting).where(Opvatting.value_id == value.id)).all()
    by_text = {row.text: row for row in existing}
    for position, text in enumerate(texts):
        row = by_text.pop(text, None) or Opvatting(value_id=value.id or 0, text=text)
        row.position = position
        db.add(row)
    for leftover in by_text.values():
        db.delete(leftover)


def clone(
    db: DbSession, *, source: Catalogue, organisation_id: int, slug: str, name: str
) -> Catalogue:
    document = to_document(db, source).model_copy(update={"slug": slug, "name": name})
    raw = document.model_dump()
    return create_from_document(db, raw=raw, organisation_id=organisation_id)


def free_slug(db: DbSession, *, organisation_id: int, name: str) -> str:
    """A slug made from ``name`` that the organisation has no catalogue under yet."""
    base = slugify(name)[:70].strip("-") or "catalogus"
    slug, n = base, 1
    while _slug_taken(db, organisation_id=organisation_id, slug=slug):
        n += 1
        slug = f"{base}-{n}"
    return slug


def replace_from_document(db: DbSession, *, catalogue: Catalogue, raw: Any) -> None:
    """Import over an existing own catalogue; its slug stays what it is."""
    if isinstance(raw, dict):
        raw = {**raw, "slug": catalogue.slug}
    document = validate_document(raw)
    write_document(db, catalogue=catalogue, document=document)


def update_meta(
    db: DbSession, *, catalogue: Catalogue, name: str | None, description: str | None
) -> None:
    document = to_document(db, catalogue)
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = name
    if description is not None:
        changes["description"] = description
    _validated(document, document_changes=changes)
    catalogue.name = name if name is not None else catalogue.name
    catalogue.description = description if description is not None else catalogue.description
    catalogue.updated_at = utcnow()
    db.add(catalogue)
    db.flush()


# --- editing clusters, values and opvattingen --------------------------------------------------


def _validated(
    document: CatalogueDocument,
    *,
    document_changes: dict[str, Any] | None = None,
    clusters: list[dict[str, Any]] | None = None,
    values: list[dict[str, Any]] | None = None,
) -> CatalogueDocument:
    raw = document.model_dump()
    raw.update(document_changes or {})
    if clusters is not None:
        raw["clusters"] = clusters
    if values is not None:
        raw["values"] = values
    return validate_document(raw)


def _find(items: list[dict[str, Any]], key: str, what: str) -> dict[str, Any]:
    """The item with ``key``; ``what`` ("CLUSTER", "VALUE") is the reason of the NotFound."""
    for item in items:
        if item["key"] == key:
            return item
    raise NotFound(reason=what, params={"key": key})


def _row_by_key(
    db: DbSession,
    model: type[CatalogueCluster] | type[CatalogueValue],
    catalogue_id: int,
    key: str,
) -> Any:
    row = db.exec(select(model).where(model.catalogue_id == catalogue_id, model.key == key)).first()
    if row is None:
        raise NotFound(reason="CATALOGUE_KEY", params={"key": key})
    return row


def _touch(db: DbSession, catalogue: Catalogue) -> None:
    catalogue.updated_at = utcnow()
    db.add(catalogue)
    db.flush()


def add_cluster(db: DbSession, *, catalogue: Catalogue, data: ClusterCreate) -> str:
    document = to_document(db, catalogue)
    key = data.key or slugify(data.name)
    if any(cluster.key == key for cluster in document.clusters):
        raise Conflict(reason="CLUSTER_KEY", params={"key": key})
    new = {"key": key, "name": data.name, "group": data.group, "description": data.description}
    _validated(document, clusters=[*document.model_dump()["clusters"], new])
    assert catalogue.id is not None
    db.add(
        CatalogueCluster(
            catalogue_id=catalogue.id,
            key=key,
            name=data.name.strip(),
            group=data.group,
            description=data.description.strip(),
            position=len(document.clusters),
        )
    )
    _touch(db, catalogue)
    return key


def update_cluster(db: DbSession, *, catalogue: Catalogue, key: str, data: ClusterUpdate) -> None:
    document = to_document(db, catalogue)
    clusters = document.model_dump()["clusters"]
    target = _find(clusters, key, "CLUSTER")
    target.update(data.model_dump(exclude_none=True))
    _validated(document, clusters=clusters)
    assert catalogue.id is not None
    row = _row_by_key(db, CatalogueCluster, catalogue.id, key)
    for name, value in data.model_dump(exclude_none=True).items():
        setattr(row, name, value.strip() if isinstance(value, str) else value)
    db.add(row)
    _touch(db, catalogue)


def delete_cluster(db: DbSession, *, catalogue: Catalogue, key: str) -> None:
    document = to_document(db, catalogue)
    _find(document.model_dump()["clusters"], key, "CLUSTER")
    members = [value.name for value in document.values if value.cluster == key]
    if members:
        raise Conflict(
            reason="CLUSTER_NOT_EMPTY", params={"key": key, "values": ", ".join(members)}
        )
    assert catalogue.id is not None
    db.delete(_row_by_key(db, CatalogueCluster, catalogue.id, key))
    _touch(db, catalogue)


def add_value(db: DbSession, *, catalogue: Catalogue, data: ValueCreate) -> str:
    document = to_document(db, catalogue)
    key = data.key or slugify(data.name)
    if any(value.key == key for value in document.values):
        raise Conflict(reason="VALUE_KEY", params={"key": key})
    new = {"key": key, "name": data.name, "cluster": data.cluster, "opvattingen": data.opvattingen}
    checked = _validated(document, values=[*document.model_dump()["values"], new])
    assert catalogue.id is not None
    value_doc = checked.values[-1]
    cluster = _row_by_key(db, CatalogueCluster, catalogue.id, value_doc.cluster)
    row = CatalogueValue(
        catalogue_id=catalogue.id,
        cluster_id=cluster.id,
        key=key,
        name=value_doc.name,
        position=len(document.values),
    )
    db.add(row)
    db.flush()
    _write_opvattingen(db, row, value_doc.opvattingen)
    _touch(db, catalogue)
    return key


def update_value(db: DbSession, *, catalogue: Catalogue, key: str, data: ValueUpdate) -> None:
    """Rename a value, give it other opvattingen or move it; its key stays. A value moved to
    another cluster goes last in that cluster."""
    document = to_document(db, catalogue)
    values = document.model_dump()["values"]
    target = _find(values, key, "VALUE")
    moved = data.cluster is not None and data.cluster != target["cluster"]
    target.update(data.model_dump(exclude_none=True))
    if moved:
        values.remove(target)
        last = max(
            (i for i, value in enumerate(values) if value["cluster"] == target["cluster"]),
            default=len(values) - 1,
        )
        values.insert(last + 1, target)
    checked = _validated(document, values=values)
    value_doc = next(value for value in checked.values if value.key == key)
    assert catalogue.id is not None
    row = _row_by_key(db, CatalogueValue, catalogue.id, key)
    row.name = value_doc.name
    row.cluster_id = _row_by_key(db, CatalogueCluster, catalogue.id, value_doc.cluster).id
    db.add(row)
    db.flush()
    _write_opvattingen(db, row, value_doc.opvattingen)
    if moved:
        _write_positions(db, catalogue.id, [value["key"] for value in values])
    _touch(db, catalogue)


def move_value(
    db: DbSession, *, catalogue: Catalogue, key: str, direction: Literal["up", "down"]
) -> bool:
    """Swap a value with its neighbour in its cluster (the order the card shows). False when
    it is already first (up) or last (down): nothing changes then."""
    document = to_document(db, catalogue)
    values = document.model_dump()["values"]
    target = _find(values, key, "VALUE")
    siblings = [i for i, value in enumerate(values) if value["cluster"] == target["cluster"]]
    at = siblings.index(values.index(target)) + (-1 if direction == "up" else 1)
    if not 0 <= at < len(siblings):
        return False
    here, there = values.index(target), siblings[at]
    values[here], values[there] = values[there], values[here]
    _validated(document, values=values)
    assert catalogue.id is not None
    _write_positions(db, catalogue.id, [value["key"] for value in values])
    _touch(db, catalogue)
    return True


def _write_positions(db: DbSession, catalogue_id: int, keys: list[str]) -> None:
    rows = {row.key: row for row in _values(db, catalogue_id)}
    for position, key in enumerate(keys):
        rows[key].position = position
        db.add(rows[key])
    db.flush()


def delete_value(db: DbSession, *, catalogue: Catalogue, key: str) -> None:
    assert catalogue.id is not None
    row = _row_by_key(db, CatalogueValue, catalogue.id, key)
    _refuse_values_in_use(db, [row])
    db.delete(row)
    _touch(db, catalogue)


def _refuse_values_in_use(db: DbSession, rows: list[CatalogueValue]) -> None:
    """A value something is built on stays, and so does its key (keys are never renamed).

    Refused with a 409 naming the values and what holds them, instead of a foreign key failing
    the request or a denksessie silently losing a value it shows: a Principekaart points at the
    value, a traject chose it (shortlist, selection, principles), or a round of a denksessie on
    this catalogue names its key (candidates, the value of a principle round, the tie-break
    order drawn when a round opens, which for a casus round is every value) or has principles
    written for it. Round configurations are searched for the key as a whole word in any field,
    so a new round kind needs no change here."""
    ids = [row.id for row in rows if row.id is not None]
    if not ids:
        return
    catalogue_id = rows[0].catalogue_id
    for reason, keys, title in _uses_of_values(db, catalogue_id, rows):
        names = [row.name for row in rows if row.key in keys]
        if names:
            raise Rejected(
                "VALUE_IN_USE",
                reason=reason,
                params={"values": ", ".join(names), "title": title},
            )


def _uses_of_values(
    db: DbSession, catalogue_id: int, rows: list[CatalogueValue]
) -> Iterator[tuple[str, set[str], str]]:
    """(what, which of the keys it uses, its title) for each thing that uses some of ``rows``."""
    # Imported here: these packages build on catalogues, not the other way round.
    from app.cards.models import Principekaart, PrincipekaartValue
    from app.sessions.models import Denksessie, Principle, SessionRound
    from app.trajects.models import Traject, TrajectAudit, TrajectPrinciple

    keys = {row.key for row in rows}
    by_id = {row.id: row.key for row in rows}
    on_card = db.exec(
        select(PrincipekaartValue.value_id, Principekaart.title)
        .join(Principekaart, col(Principekaart.id) == col(PrincipekaartValue.principekaart_id))
        .where(col(PrincipekaartValue.value_id).in_(list(by_id)))
    ).all()
    for value_id, title in on_card:
        yield "PRINCIPEKAART", {by_id[value_id]}, title
    for traject in db.exec(select(Traject).where(Traject.catalogue_id == catalogue_id)).all():
        chosen = set(traject.shortlist_frozen or [])
        chosen |= {
            key
            for values in db.exec(
                select(TrajectAudit.values).where(TrajectAudit.traject_id == traject.id)
            ).all()
            for key in values
        }
        chosen |= set(
            db.exec(
                select(TrajectPrinciple.value_key).where(TrajectPrinciple.traject_id == traject.id)
            ).all()
        )
        yield "TRAJECT", chosen & keys, traject.title
    rounds = db.exec(
        select(Denksessie.title, SessionRound.config, SessionRound.tie_break_order)
        .join(Denksessie, col(Denksessie.id) == col(SessionRound.denksessie_id))
        .where(Denksessie.catalogue_id == catalogue_id)
    ).all()
    for title, config, order in rounds:
        yield "DENKSESSIE", (_words_in(config) | set(order or [])) & keys, title
    written = db.exec(
        select(Denksessie.title, Principle.value_key)
        .join(SessionRound, col(SessionRound.id) == col(Principle.round_id))
        .join(Denksessie, col(Denksessie.id) == col(SessionRound.denksessie_id))
        .where(Denksessie.catalogue_id == catalogue_id, col(Principle.value_key).in_(keys))
        .distinct()
    ).all()
    for title, key in written:
        yield "DENKSESSIE", {key}, title


def _words_in(data: Any) -> set[str]:
    """Every text and every mapping key anywhere in a JSON structure."""
    if isinstance(data, str):
        return {data}
    if isinstance(data, dict):
        return set(data) | {word for item in data.values() for word in _words_in(item)}
    if isinstance(data, list):
        return {word for item in data for word in _words_in(item)}
    return set()


def values_in_use(db: DbSession, catalogue: Catalogue) -> set[str]:
    """The keys of the values that cannot be deleted now (what the editor marks)."""
    assert catalogue.id is not None
    rows = _values(db, catalogue.id)
    return {key for _, keys, _ in _uses_of_values(db, catalogue.id, rows) for key in keys}


def add_opvatting(db: DbSession, *, catalogue: Catalogue, key: str, text: str) -> int:
    document = to_document(db, catalogue)
    values = document.model_dump()["values"]
    target = _find(values, key, "VALUE")
    target["opvattingen"] = [*target["opvattingen"], text]
    checked = _validated(document, values=values)
    assert catalogue.id is not None
    value_row = _row_by_key(db, CatalogueValue, catalogue.id, key)
    row = Opvatting(
        value_id=value_row.id,
        text=next(v for v in checked.values if v.key == key).opvattingen[-1],
        position=len(target["opvattingen"]) - 1,
    )
    db.add(row)
    _touch(db, catalogue)
    assert row.id is not None
    return row.id


def _opvatting_in(db: DbSession, catalogue: Catalogue, opvatting_id: int) -> Opvatting:
    row = db.exec(
        select(Opvatting)
        .join(CatalogueValue, col(CatalogueValue.id) == col(Opvatting.value_id))
        .where(Opvatting.id == opvatting_id, CatalogueValue.catalogue_id == catalogue.id)
    ).first()
    if row is None:
        raise NotFound(reason="OPVATTING", params={"opvatting_id": opvatting_id})
    return row


def value_key_of_opvatting(db: DbSession, *, catalogue: Catalogue, opvatting_id: int) -> str:
    """The key of the value an opvatting belongs to (404 when it is not in this catalogue)."""
    value = db.get(CatalogueValue, _opvatting_in(db, catalogue, opvatting_id).value_id)
    assert value is not None
    return value.key


def update_opvatting(db: DbSession, *, catalogue: Catalogue, opvatting_id: int, text: str) -> None:
    row = _opvatting_in(db, catalogue, opvatting_id)
    value_row = db.get(CatalogueValue, row.value_id)
    assert value_row is not None
    document = to_document(db, catalogue)
    values = document.model_dump()["values"]
    target = _find(values, value_row.key, "VALUE")
    target["opvattingen"][target["opvattingen"].index(row.text)] = text
    _validated(document, values=values)
    row.text = text.strip()
    db.add(row)
    _touch(db, catalogue)


def delete_opvatting(db: DbSession, *, catalogue: Catalogue, opvatting_id: int) -> None:
    db.delete(_opvatting_in(db, catalogue, opvatting_id))
    _touch(db, catalogue)


def value_names(db: DbSession, catalogue: Catalogue) -> dict[str, str]:
    """Value key -> name, in card order."""
    assert catalogue.id is not None
    return {value.key: value.name for value in _values(db, catalogue.id)}


def value_keys(db: DbSession, catalogue: Catalogue) -> set[str]:
    return set(value_names(db, catalogue))


# catalogue id -> (its updated_at when read, its value keys). Every change to a catalogue's
# values bumps its ``updated_at`` (``_touch``, ``write_document``), so an equal stamp means equal
# keys. Checking a batch of ballots read the values on every batch: 19 % of the ballot writer
# (cProfile, casus ballots in batches of 4); now one indexed read of one column.
_KEYS_BY_STAMP: dict[int, tuple[datetime, frozenset[str]]] = {}
_KEYS_KEPT = 256
_STAMP = sa_select(Catalogue.__table__.c.updated_at).where(  # type: ignore[attr-defined]
    Catalogue.__table__.c.id == bindparam("id")  # type: ignore[attr-defined]
)
_KEYS = sa_select(CatalogueValue.__table__.c.key).where(  # type: ignore[attr-defined]
    CatalogueValue.__table__.c.catalogue_id == bindparam("id")  # type: ignore[attr-defined]
)


def current_value_keys(db: DbSession, catalogue_id: int) -> frozenset[str]:
    """The catalogue's value keys as committed (or written in ``db``'s transaction), served
    from memory while the catalogue is unchanged. Safe from any thread: a worker's threads
    only ever replace an entry with one read from the database."""
    connection = db.connection()
    stamp = connection.execute(_STAMP, {"id": catalogue_id}).scalar_one()
    kept = _KEYS_BY_STAMP.get(catalogue_id)
    if kept is not None and kept[0] == stamp:
        return kept[1]
    keys = frozenset(connection.execute(_KEYS, {"id": catalogue_id}).scalars())
    if len(_KEYS_BY_STAMP) >= _KEYS_KEPT:
        _KEYS_BY_STAMP.clear()
    _KEYS_BY_STAMP[catalogue_id] = (stamp, keys)
    return keys


def delete(db: DbSession, *, catalogue: Catalogue) -> None:
    """Delete an own catalogue, unless a denksessie, traject or Principekaart is built on it.

    Checked here rather than left to the foreign keys, so the refusal is a clear 409 that says
    what holds the catalogue, and nothing is deleted."""
    # Imported here: these packages build on catalogues, not the other way round.
    from app.cards.models import Principekaart
    from app.sessions.models import Denksessie
    from app.trajects.models import Traject

    uses = (
        (select(Denksessie.id).where(Denksessie.catalogue_id == catalogue.id), "DENKSESSIE"),
        (select(Traject.id).where(Traject.catalogue_id == catalogue.id), "TRAJECT"),
        (
            select(Principekaart.id).where(Principekaart.catalogue_id == catalogue.id),
            "PRINCIPEKAART",
        ),
    )
    for query, what in uses:
        if db.exec(query.limit(1)).first() is not None:
            raise Rejected("CATALOGUE_IN_USE", reason=what, params={"name": catalogue.name})
    db.delete(catalogue)
    db.flush()
