"""A traject's settings: which may still change, and what a change would do.

Each setting is fixed once the stage it affects has started (docs/decisions/0025):

- title: affects nothing counted; never fixed.
- central question: what the naming stage is asked; fixed once the naming stage started.
- catalogue: the values named; fixed once a denksessie is attached (it uses the catalogue).
- shortlist rule N, M: the shortlist the prioritising stage ranks; fixed once the shortlist
  is frozen (the ranking round exists) or the prioritising stage started.
- values on the card, method: the selection the principles stage works on; fixed once the
  principles stage started, a principle was chosen for the card, or the card is published.

A stage *has started* when a round of one of its denksessies has been opened, or the stage is
closed. Refusals are codes (``SETTING_LOCKED`` with the reason as ``reason``); the page and the
API word them (app/i18n/errors.py). ``preview`` computes, from the ballots so far, what a rule or
method would give, without writing anything.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from app.cards.models import Principekaart
from app.catalogue import service as catalogues
from app.db import DbSession
from app.errors import InvalidInput, Problem, Rejected
from app.sessions.models import SessionRound
from app.trajects import service as trajects
from app.trajects.models import Traject, TrajectPrinciple, TrajectSession
from app.trajects.schemas import TrajectUpdate
from app.trajects.shortlist import Change, apply_rule, replay

# Every setting the page shows, in the order it shows them.
FIELDS = (
    "title",
    "central_question",
    "catalogue",
    "card_size",
    "min_participants",
    "max_values",
    "method",
)
RULE = ("min_participants", "max_values")
SELECTION = ("card_size", "method")


def started_stages(db: DbSession, traject: Traject) -> set[str]:
    """Stages in which a round has been opened (or that are closed)."""
    rows = db.exec(
        select(TrajectSession.stage)
        .join(SessionRound, col(SessionRound.denksessie_id) == col(TrajectSession.denksessie_id))
        .where(TrajectSession.traject_id == traject.id, SessionRound.status != "draft")
        .distinct()
    ).all()
    return set(rows) | set(traject.closed_stages)


def locks(db: DbSession, traject: Traject) -> dict[str, str | None]:
    """Per setting: None while it may change, else the code of why it may not."""
    started = started_stages(db, traject)
    attached = db.exec(
        select(TrajectSession.id).where(TrajectSession.traject_id == traject.id)
    ).first()
    curated = db.exec(
        select(TrajectPrinciple.id).where(TrajectPrinciple.traject_id == traject.id)
    ).first()
    card = db.get(Principekaart, traject.card_id) if traject.card_id else None
    rule: str | None = None
    if traject.shortlist_frozen is not None:
        rule = "SHORTLIST_FROZEN"
    elif "prioritising" in started:
        rule = "PRIORITISING_STARTED"
    selection: str | None = None
    if card is not None and card.status == "published":
        selection = "CARD_PUBLISHED"
    elif "principles" in started:
        selection = "PRINCIPLES_STARTED"
    elif curated is not None:
        selection = "CURATION_STARTED"
    return {
        "title": None,
        "central_question": "NAMING_STARTED" if "naming" in started else None,
        "catalogue": "SESSIONS_ATTACHED" if attached is not None else None,
        "min_participants": rule,
        "max_values": rule,
        "card_size": selection,
        "method": selection,
    }


def current(db: DbSession, traject: Traject) -> dict[str, Any]:
    """The settings as the form shows them (the catalogue by slug)."""
    return {
        "title": traject.title,
        "central_question": traject.central_question,
        "catalogue": trajects.catalogue_of(db, traject).slug,
        "card_size": traject.card_size,
        "min_participants": traject.min_participants,
        "max_values": traject.max_values,
        "method": traject.method,
    }


def update(
    db: DbSession, *, traject: Traject, organisation_id: int, data: TrajectUpdate
) -> Traject:
    """Apply the settings that differ from the current ones; a locked one is refused (409
    ``SETTING_LOCKED``, the first locked field's reason) and nothing is written. Sending a
    locked setting unchanged is fine: a form always sends every field."""
    now = current(db, traject)
    changes = {
        name: value
        for name, value in data.model_dump(exclude_none=True).items()
        if now.get(name) != value
    }
    locked = locks(db, traject)
    for name in FIELDS:
        reason = locked.get(name)
        if name in changes and reason is not None:
            if reason == "SHORTLIST_FROZEN":
                raise Rejected("SHORTLIST_FROZEN", reason="RULE")
            raise Rejected("SETTING_LOCKED", reason=reason, params={"field": name})
    card_size = changes.get("card_size", traject.card_size)
    max_values = changes.get("max_values", traject.max_values)
    if card_size > max_values:
        raise InvalidInput(
            reason="TRAJECT", problems=[Problem("card_size", code="CARD_LARGER_THAN_SHORTLIST")]
        )
    slug = changes.pop("catalogue", None)
    if slug is not None:
        catalogue = catalogues.get_visible(db, slug=slug, organisation_id=organisation_id)
        assert catalogue.id is not None
        order = sorted(catalogues.value_keys(db, catalogue))
        # The tie-break order is drawn over the catalogue's values: a new catalogue, a new draw
        # (nothing was named yet, so nothing was decided by the old one).
        secrets.SystemRandom().shuffle(order)
        traject.catalogue_id = catalogue.id
        traject.tie_break_order = order
    for name, value in changes.items():
        setattr(traject, name, value)
    db.add(traject)
    db.flush()
    return traject


# --- the consequence of a change, before it is saved ------------------------------------------


@dataclass(frozen=True)
class RulePreview:
    """What the shortlist would be under a rule, from the naming ballots so far (the
    facilitator's recorded changes replayed on top, as on the page)."""

    min_participants: int
    max_values: int
    named: int  # values named so far
    eligible: int  # named by at least N
    values: list[str]  # the shortlist this rule gives
    now: list[str]  # the shortlist today
    tied: list[str]  # level at the cut (the tie-break order decides unless someone does)
    places: int

    @property
    def added(self) -> list[str]:
        return [v for v in self.values if v not in self.now]

    @property
    def dropped(self) -> list[str]:
        return [v for v in self.now if v not in self.values]


@dataclass(frozen=True)
class SelectionPreview:
    """What the card's values would be with a method and card size, from the ranking ballots
    so far; ``problem`` when there is nothing to count yet."""

    method: str
    card_size: int
    n_ballots: int
    values: list[str]
    now: list[str]
    problem: Problem | None

    @property
    def added(self) -> list[str]:
        return [v for v in self.values if v not in self.now]

    @property
    def dropped(self) -> list[str]:
        return [v for v in self.now if v not in self.values]


def preview_rule(
    db: DbSession, traject: Traject, *, min_participants: int, max_values: int
) -> RulePreview:
    state = trajects.shortlist(db, traject)
    rule = apply_rule(
        trajects.named_values(db, traject),
        min_participants=min_participants,
        max_values=max_values,
        tie_break_order=traject.tie_break_order,
    )
    values = replay(rule, [Change(e.action, tuple(e.values)) for e in state.changes])
    return RulePreview(
        min_participants=min_participants,
        max_values=max_values,
        named=len(rule.ordered),
        eligible=len(rule.eligible),
        values=values,
        now=list(state.values),
        tied=list(rule.tie.values) if rule.tie else [],
        places=rule.tie.places if rule.tie else 0,
    )


def preview_selection(
    db: DbSession, traject: Traject, *, method: str, card_size: int
) -> SelectionPreview:
    now = trajects.selection(db, traject)
    # A detached copy with the other settings: the selection reads them from the traject, and
    # the copy is never added to the session, so nothing can be flushed by accident.
    shadow = Traject.model_validate(
        {**traject.model_dump(), "method": method, "card_size": card_size}
    )
    then = trajects.selection(db, shadow)
    return SelectionPreview(
        method=method,
        card_size=card_size,
        n_ballots=then.n_ballots,
        values=list(then.selection),
        now=list(now.selection),
        problem=then.problem,
    )
