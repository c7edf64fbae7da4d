"""Programmes: saving a denksessie's rounds as a template, listing, deleting, starting from one.

What carries over from a denksessie (docs/decisions/0025): per round its kind, title and
configuration, minus what belongs to that denksessie or its traject and would be wrong
anywhere else:

- ranking: ``principles`` (texts written in a traject's naming sessions) and ``override``
  (a traject's recorded decision) are left out; the candidates and ``top_k`` carry over;
- principle: ``principle_ids`` (principles written in other denksessies) are left out; the
  value and ``max_approvals`` carry over;
- casus: the casus carries over (it is library content, checked again when started).

A step may leave out what only the start or the room can fill in: a casus round without a
casus (picked when starting), a ranking, points or approval round without candidates (every
value of the new denksessie's catalogue), a principle round without a value (one per value
the room chooses: made after the ranking, so not at the start; ``later``).

Built-in programmes are readable by all and writable by none, like all built-in content.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from app.casussen import service as casussen
from app.catalogue import service as catalogues
from app.db import DbSession
from app.errors import InvalidInput, NotFound, Problem, ReadOnly
from app.organisations import service as organisations
from app.programmes.models import Programme
from app.programmes.schemas import ProgrammeCreate, ProgrammesFile, ProgrammeStart
from app.sessions import service as sessions
from app.sessions.kinds.approval import NAME as APPROVAL
from app.sessions.kinds.casus import NAME as CASUS
from app.sessions.kinds.open import NAME as OPEN_QUESTION
from app.sessions.kinds.points import NAME as POINTS
from app.sessions.kinds.principle import NAME as PRINCIPLE
from app.sessions.kinds.ranking import NAME as RANKING
from app.sessions.kinds.schuur import NAME as SCHUUR
from app.sessions.models import Denksessie
from app.sessions.schemas import DenksessieCreate, RoundCreate
from app.text import slugify


@dataclass(frozen=True)
class StepRule:
    """What a programme does with a round of one kind: the configuration keys tied to the
    denksessie it came from (left out when saving), the key a step may leave open, and how
    that is filled when starting: ``pick`` (the start form asks), ``catalogue`` (every value
    of the new denksessie's catalogue) or ``later`` (by the room's choice: not made at start).
    A table by kind name (the names of app/sessions/kinds), so no code switches on a kind;
    it could become attributes of each ``Kind``."""

    tied: tuple[str, ...] = ()
    open: str = ""
    fill: str = ""


STEP_RULES: dict[str, StepRule] = {
    CASUS: StepRule(open="casus_id", fill="pick"),
    RANKING: StepRule(tied=("principles", "override"), open="candidates", fill="catalogue"),
    POINTS: StepRule(open="candidates", fill="catalogue"),
    APPROVAL: StepRule(open="candidates", fill="catalogue"),
    PRINCIPLE: StepRule(tied=("principle_ids",), open="value_key", fill="later"),
    # Its casus, if it names one, comes along into the new denksessie's casussen.
    SCHUUR: StepRule(),
    # An open question carries its question, its limits and what the screen shows.
    OPEN_QUESTION: StepRule(),
}
MAX_CANDIDATES = 25


def rule_of(step: dict[str, Any]) -> StepRule:
    return STEP_RULES.get(str(step["kind"]), StepRule())


def carry(kind: str, config: dict[str, Any]) -> dict[str, Any]:
    """A round's configuration without what cannot carry over to another denksessie."""
    tied = STEP_RULES.get(kind, StepRule()).tied
    return {key: value for key, value in config.items() if key not in tied}


def takes_casus(step: dict[str, Any]) -> bool:
    """A casus round: the start form offers a casus for it (its own, if it names one)."""
    return rule_of(step).fill == "pick"


def is_open(step: dict[str, Any]) -> bool:
    """The step leaves out what the start or the room fills in."""
    rule = rule_of(step)
    return bool(rule.open) and not step["config"].get(rule.open)


def needs_casus(step: dict[str, Any]) -> bool:
    return takes_casus(step) and is_open(step)


def later(step: dict[str, Any]) -> bool:
    """A principle round per value the room chooses: made after the ranking, not at start."""
    return rule_of(step).fill == "later" and is_open(step)


def is_builtin(db: DbSession, programme: Programme) -> bool:
    return programme.organisation_id in organisations.builtin_ids(db)


def list_visible(db: DbSession, *, organisation_id: int) -> list[Programme]:
    """Built-in ones first (the 2024 process), then the organisation's own by name."""
    builtin = organisations.builtin_ids(db)
    rows = db.exec(
        select(Programme)
        .where(col(Programme.organisation_id).in_([organisation_id, *builtin]))
        .order_by(col(Programme.name), col(Programme.id))
    ).all()
    return sorted(rows, key=lambda p: p.organisation_id not in builtin)


def get_visible(db: DbSession, *, programme_id: int, organisation_id: int) -> Programme:
    programme = db.get(Programme, programme_id)
    if programme is None or programme.organisation_id not in organisations.visible_ids(
        db, organisation_id
    ):
        raise NotFound(reason="PROGRAMME", params={"programme_id": programme_id})
    return programme


def get_writable(db: DbSession, *, programme_id: int, organisation_id: int) -> Programme:
    programme = get_visible(db, programme_id=programme_id, organisation_id=organisation_id)
    if programme.organisation_id != organisation_id:
        raise ReadOnly(reason="PROGRAMME", params={"name": programme.name})
    return programme


def save_from(
    db: DbSession, *, denksessie: Denksessie, organisation_id: int, data: ProgrammeCreate
) -> Programme:
    """The denksessie's rounds, in order, as a new programme of the organisation."""
    assert denksessie.id is not None
    rounds = sessions.rounds_of(db, denksessie.id)
    problems = []
    if not rounds:
        problems.append(Problem("denksessie_id", code="NO_ROUNDS"))
    # Cut to the column before the check: two long names alike in their first 80 characters are
    # the same name here, refused as taken (not a 500 from the unique index).
    slug = slugify(data.name)[:80].rstrip("-") or "programma"
    taken = db.exec(
        select(Programme.id).where(
            Programme.organisation_id == organisation_id, Programme.slug == slug
        )
    ).first()
    if taken is not None:
        problems.append(Problem("name", code="PROGRAMME_NAME_TAKEN"))
    if problems:
        raise InvalidInput(reason="PROGRAMME", problems=problems)
    programme = Programme(
        organisation_id=organisation_id,
        slug=slug,
        name=data.name,
        description=data.description,
        rounds=[
            {"kind": r.kind, "title": r.title, "config": carry(r.kind, dict(r.config))}
            for r in rounds
        ],
    )
    db.add(programme)
    db.flush()
    return programme


def delete(db: DbSession, *, programme: Programme) -> None:
    db.delete(programme)
    db.flush()


@dataclass(frozen=True)
class Started:
    denksessie: Denksessie
    later: int  # steps left for after the ranking (principle rounds per chosen value)


def _values_in_order(db: DbSession, slug: str, organisation_id: int) -> tuple[int, list[str]]:
    catalogue = catalogues.get_visible(db, slug=slug, organisation_id=organisation_id)
    assert catalogue.id is not None
    public = catalogues.to_public(db, catalogue)
    return catalogue.id, [value.key for cluster in public.clusters for value in cluster.values]


def start(
    db: DbSession, *, programme: Programme, organisation_id: int, data: ProgrammeStart
) -> Started:
    """A new denksessie with the programme's rounds as drafts. Everything is checked first
    (every problem at once, under ``casus.{i}`` and ``rounds.{i}``); a refusal writes nothing."""
    catalogue_id, keys = _values_in_order(db, data.catalogue, organisation_id)
    problems: list[Problem] = []
    steps: list[tuple[int, str, str, dict[str, Any]]] = []
    casus_ids: list[int] = []
    skipped = 0
    for index, step in enumerate(programme.rounds):
        kind, config, rule = step["kind"], dict(step["config"]), rule_of(step)
        if later(step):
            skipped += 1
            continue
        if rule.fill == "pick":
            pick = data.casus.get(index) or config.get(rule.open)
            if not pick:
                problems.append(
                    Problem(f"casus.{index}", code="CASUS_NEEDED", params={"position": index + 1})
                )
                continue
            try:
                casussen.get_visible(db, casus_id=pick, organisation_id=organisation_id)
            except NotFound:
                problems.append(
                    Problem(f"casus.{index}", code="UNKNOWN_CASUS", params={"casus_id": pick})
                )
                continue
            config[rule.open] = pick
            if pick not in casus_ids:
                casus_ids.append(pick)
        elif config.get("casus_id"):
            # Another round about a casus (a schuur round): that casus joins the denksessie.
            named = config["casus_id"]
            try:
                casussen.get_visible(db, casus_id=named, organisation_id=organisation_id)
            except NotFound:
                problems.append(
                    Problem(f"rounds.{index}", code="UNKNOWN_CASUS", params={"casus_id": named})
                )
                continue
            if named not in casus_ids:
                casus_ids.append(named)
        if rule.fill == "catalogue" and is_open(step):
            if len(keys) > MAX_CANDIDATES:
                problems.append(
                    Problem(f"rounds.{index}", code="TOO_MANY_VALUES", params={"n": len(keys)})
                )
                continue
            config[rule.open] = keys
        steps.append((index, kind, str(step.get("title", "")), config))
    # The rounds are checked as the new denksessie will check them, on a draft never stored.
    draft = Denksessie(
        organisation_id=organisation_id,
        catalogue_id=catalogue_id,
        title=data.title,
        join_code="",
        casus_ids=casus_ids,
    )
    for index, kind, _, config in steps:
        try:
            sessions.validate_config(db, denksessie=draft, kind=kind, raw=config)
        except InvalidInput as exc:
            problems += [
                Problem(f"rounds.{index}.{p.loc}", p.message, p.code, p.params)
                for p in exc.problems
            ]
    if problems:
        raise InvalidInput(reason="PROGRAMME_START", problems=problems)
    denksessie = sessions.create(
        db,
        organisation_id=organisation_id,
        data=DenksessieCreate(title=data.title, catalogue=data.catalogue, casus_ids=casus_ids),
    )
    for _, kind, title, config in steps:
        sessions.add_round(
            db,
            denksessie=denksessie,
            data=RoundCreate.model_validate({"kind": kind, "title": title, "config": config}),
        )
    return Started(denksessie=denksessie, later=skipped)


def sync_builtin(db: DbSession, *, document: ProgrammesFile, organisation_id: int) -> int:
    """Make the built-in organisation's programmes equal to the file, matched by slug (ids
    stay the same across loads)."""
    existing = {
        row.slug: row
        for row in db.exec(
            select(Programme).where(Programme.organisation_id == organisation_id)
        ).all()
    }
    for doc in document.programmes:
        row = existing.pop(doc.slug, None) or Programme(
            organisation_id=organisation_id, slug=doc.slug, name=doc.name
        )
        row.name = doc.name
        row.description = doc.description
        row.rounds = [step.model_dump() for step in doc.rounds]
        db.add(row)
    for leftover in existing.values():
        db.delete(leftover)
    db.flush()
    return len(document.programmes)
