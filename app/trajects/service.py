"""Trajects: creating them, attaching denksessies to stages, and reading the funnel's state.

Everything shown (counts, shortlist, selection, principle groups) is recomputed from the
ballots of the attached denksessies and the traject's audit trail; nothing is cached, so what a
facilitator sees is what the card's verantwoording will say.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, select

from app.aggregation.methods import TIEBREAK, AggregateResult, Explanation
from app.aggregation.methods import aggregate as aggregate_ballots
from app.aggregation.profile import AggregationError, RankingBallot
from app.catalogue import service as catalogues
from app.catalogue.models import Catalogue
from app.db import DbSession
from app.errors import InvalidInput, NotFound, Problem, Rejected
from app.sessions import service as sessions
from app.sessions.ballots import shown_principles
from app.sessions.kinds.casus import NAME as CASUS
from app.sessions.kinds.ranking import NAME as RANKING
from app.sessions.models import Ballot, Denksessie, Participant, Principle, SessionRound
from app.sessions.schemas import DenksessieCreate
from app.trajects import folding
from app.trajects.models import (
    QUOTE_POSITION,
    STAGES,
    Traject,
    TrajectAudit,
    TrajectPrinciple,
    TrajectSession,
)
from app.trajects.schemas import (
    CurationChoice,
    SessionAttach,
    SessionCreate,
    ShortlistChange,
    TieResolution,
    TrajectCreate,
)
from app.trajects.shortlist import Change, CutTie, Named, RuleResult, apply_rule, replay

PRINCIPLES_PER_VALUE_WHILE_RANKING = 10


# --- trajects ----------------------------------------------------------------------------------


def _card_fits(card_size: int, max_values: int) -> None:
    """A card cannot hold more values than the shortlist can offer as candidates."""
    if card_size > max_values:
        raise InvalidInput(
            reason="TRAJECT", problems=[Problem("card_size", code="CARD_LARGER_THAN_SHORTLIST")]
        )


def create(db: DbSession, *, organisation_id: int, data: TrajectCreate) -> Traject:
    _card_fits(data.card_size, data.max_values)
    catalogue = catalogues.get_visible(db, slug=data.catalogue, organisation_id=organisation_id)
    order = sorted(catalogues.value_keys(db, catalogue))
    secrets.SystemRandom().shuffle(order)
    assert catalogue.id is not None
    traject = Traject(
        organisation_id=organisation_id,
        catalogue_id=catalogue.id,
        title=data.title,
        central_question=data.central_question,
        card_size=data.card_size,
        method=data.method,
        min_participants=data.min_participants,
        max_values=data.max_values,
        illustrative=data.illustrative,
        tie_break_order=order,
    )
    db.add(traject)
    db.flush()
    return traject


def list_for(db: DbSession, *, organisation_id: int) -> list[Traject]:
    return list(
        db.exec(
            select(Traject)
            .where(Traject.organisation_id == organisation_id)
            .order_by(col(Traject.created_at).desc(), col(Traject.id).desc())
        ).all()
    )


def get_for_organisation(db: DbSession, *, traject_id: int, organisation_id: int) -> Traject:
    """Another organisation's traject is indistinguishable from one that does not exist."""
    traject = db.get(Traject, traject_id)
    if traject is None or traject.organisation_id != organisation_id:
        raise NotFound(reason="TRAJECT", params={"traject_id": traject_id})
    return traject


def catalogue_of(db: DbSession, traject: Traject) -> Catalogue:
    catalogue = db.get(Catalogue, traject.catalogue_id)
    assert catalogue is not None
    return catalogue


def value_names(db: DbSession, traject: Traject) -> dict[str, str]:
    return catalogues.value_names(db, catalogue_of(db, traject))


# --- sessions per stage ------------------------------------------------------------------------


def sessions_of(
    db: DbSession, traject: Traject, *, stage: str | None = None
) -> list[tuple[TrajectSession, Denksessie]]:
    query = (
        select(TrajectSession, Denksessie)
        .join(Denksessie, col(Denksessie.id) == col(TrajectSession.denksessie_id))
        .where(TrajectSession.traject_id == traject.id)
    )
    if stage is not None:
        query = query.where(TrajectSession.stage == stage)
    rows = db.exec(query.order_by(col(Denksessie.created_at), col(Denksessie.id))).all()
    return [(link, denksessie) for link, denksessie in rows]


def _session_ids(db: DbSession, traject: Traject, stage: str | None = None) -> list[int]:
    return [d.id for _, d in sessions_of(db, traject, stage=stage) if d.id is not None]


def stage_open(traject: Traject, stage: str) -> None:
    if stage in traject.closed_stages:
        raise Rejected("STAGE_CLOSED", reason="ATTACH", params={"stage": stage})


def attach(
    db: DbSession, *, traject: Traject, organisation_id: int, data: SessionAttach
) -> TrajectSession:
    denksessie = sessions.get_for_organisation(
        db, denksessie_id=data.denksessie_id, organisation_id=organisation_id
    )
    stage_open(traject, data.stage)
    existing = db.exec(
        select(TrajectSession).where(TrajectSession.denksessie_id == data.denksessie_id)
    ).first()
    if existing is not None:
        other = db.get(Traject, existing.traject_id)
        where, facts = "OTHER", {"title": denksessie.title}
        if existing.traject_id == traject.id:
            where = "THIS"
        elif other is not None and other.organisation_id == organisation_id:
            where, facts = "NAMED", {**facts, "traject": other.title}
        raise Rejected("SESSION_IN_TRAJECT", reason=where, params=facts)
    if denksessie.catalogue_id != traject.catalogue_id:
        raise Rejected("WRONG_CATALOGUE", http_status=422)
    assert traject.id is not None
    assert denksessie.id is not None
    link = TrajectSession(traject_id=traject.id, denksessie_id=denksessie.id, stage=data.stage)
    db.add(link)
    db.flush()
    return link


def create_session(
    db: DbSession, *, traject: Traject, organisation_id: int, data: SessionCreate
) -> Denksessie:
    """A new denksessie with the traject's catalogue, attached to a stage in one step."""
    stage_open(traject, data.stage)
    denksessie = sessions.create(
        db,
        organisation_id=organisation_id,
        data=DenksessieCreate(
            title=data.title,
            catalogue=catalogue_of(db, traject).slug,
            casus_ids=data.casus_ids,
            roles=data.roles,
            show_results_live=data.show_results_live,
        ),
    )
    assert denksessie.id is not None
    attach(
        db,
        traject=traject,
        organisation_id=organisation_id,
        data=SessionAttach(denksessie_id=denksessie.id, stage=data.stage),
    )
    return denksessie


def close_stage(db: DbSession, *, traject: Traject, stage: str) -> Traject:
    if stage not in STAGES:
        raise NotFound(reason="STAGE", params={"stage": stage})
    if stage in traject.closed_stages:
        raise Rejected("STAGE_CLOSED", params={"stage": stage})
    open_rounds = [
        f"{denksessie.title}: {session_round.title}"
        for _, denksessie in sessions_of(db, traject, stage=stage)
        for session_round in sessions.rounds_of(db, denksessie.id or 0)
        if session_round.status == "open"
    ]
    if open_rounds:
        raise Rejected("STAGE_HAS_OPEN_ROUNDS", params={"rounds": "; ".join(open_rounds)})
    traject.closed_stages = [*traject.closed_stages, stage]
    db.add(traject)
    db.flush()
    return traject


# --- audit trail -------------------------------------------------------------------------------


def record(
    db: DbSession, traject: Traject, *, stage: str, action: str, values: Sequence[str], reason: str
) -> TrajectAudit:
    assert traject.id is not None
    entry = TrajectAudit(
        traject_id=traject.id, stage=stage, action=action, values=list(values), reason=reason
    )
    db.add(entry)
    db.flush()
    return entry


def audit_trail(db: DbSession, traject: Traject, *, stage: str | None = None) -> list[TrajectAudit]:
    query = select(TrajectAudit).where(TrajectAudit.traject_id == traject.id)
    if stage is not None:
        query = query.where(TrajectAudit.stage == stage)
    return list(db.exec(query.order_by(col(TrajectAudit.id))).all())


# --- naming stage: counts and shortlist -------------------------------------------------------


def _active_ballots(
    db: DbSession, session_ids: Sequence[int], kind: str
) -> list[tuple[int, SessionRound, str, dict[str, Any]]]:
    """(denksessie id, round, participant id, payload) of participants still in their session."""
    if not session_ids:
        return []
    rows = db.exec(
        select(SessionRound, Ballot.participant_id, Ballot.payload)
        .join(Ballot, col(Ballot.round_id) == col(SessionRound.id))
        .join(Participant, col(Participant.id) == col(Ballot.participant_id))
        .where(
            col(SessionRound.denksessie_id).in_(session_ids),
            SessionRound.kind == kind,
            col(Participant.removed).is_(False),
        )
        .order_by(col(SessionRound.denksessie_id), col(SessionRound.position), col(Ballot.id))
    ).all()
    return [(r.denksessie_id, r, pid, dict(payload)) for r, pid, payload in rows]


def named_values(db: DbSession, traject: Traject) -> list[Named]:
    """Per value: distinct participants who named it in a naming-stage casus round, and in how
    many sessions. Participants are per session, so nobody is linked across sessions."""
    people: dict[str, set[str]] = {}
    where: dict[str, set[int]] = {}
    for denksessie_id, _, participant_id, payload in _active_ballots(
        db, _session_ids(db, traject, "naming"), CASUS
    ):
        for value in payload.get("values", []):
            people.setdefault(value, set()).add(participant_id)
            where.setdefault(value, set()).add(denksessie_id)
    return [Named(value, len(people[value]), len(where[value])) for value in people]


@dataclass(frozen=True)
class TieDecision:
    decided_by: str  # facilitator | tiebreak | take_all
    taken: list[str]
    reason: str


@dataclass(frozen=True)
class ShortlistState:
    rule: RuleResult
    values: list[str]  # after the facilitator's changes; frozen once the ranking round exists
    tie_decision: TieDecision | None
    frozen: bool
    changes: list[TrajectAudit] = field(default_factory=list)


def shortlist(db: DbSession, traject: Traject) -> ShortlistState:
    rule = apply_rule(
        named_values(db, traject),
        min_participants=traject.min_participants,
        max_values=traject.max_values,
        tie_break_order=traject.tie_break_order,
    )
    entries = audit_trail(db, traject, stage="shortlist")
    changes = [Change(e.action, tuple(e.values)) for e in entries]
    values = replay(rule, changes)
    if traject.shortlist_frozen is not None:
        values = list(traject.shortlist_frozen)
    decision = None
    if rule.tie is not None:
        taken = [v for v in rule.tie.values if v in values]
        took_all = [e for e in entries if e.action == "take_all_tied"]
        touched = [e for e in entries if set(e.values) & set(rule.tie.values)]
        if took_all:
            decision = TieDecision("take_all", taken, took_all[-1].reason)
        elif touched:
            decision = TieDecision("facilitator", taken, touched[-1].reason)
        else:
            decision = TieDecision("tiebreak", taken, "")
    return ShortlistState(rule, values, decision, traject.shortlist_frozen is not None, entries)


def change_shortlist(db: DbSession, *, traject: Traject, data: ShortlistChange) -> TrajectAudit:
    if traject.shortlist_frozen is not None:
        raise Rejected("SHORTLIST_FROZEN")
    state = shortlist(db, traject)
    known = set(traject.tie_break_order) | catalogues.value_keys(db, catalogue_of(db, traject))
    problems = [
        Problem(f"values.{i}", code="UNKNOWN_VALUE", params={"key": v})
        for i, v in enumerate(data.values)
        if v not in known
    ]
    if data.action == "add":
        problems += [
            Problem(f"values.{i}", code="ON_SHORTLIST", params={"key": v})
            for i, v in enumerate(data.values)
            if v in state.values
        ]
    if data.action == "drop":
        problems += [
            Problem(f"values.{i}", code="NOT_ON_SHORTLIST", params={"key": v})
            for i, v in enumerate(data.values)
            if v not in state.values and v in known
        ]
    if data.action == "take_all_tied" and state.rule.tie is None:
        problems.append(Problem("action", code="NO_TIE"))
    if problems:
        raise InvalidInput(reason="SHORTLIST", problems=problems)
    values = (
        list(state.rule.tie.values) if data.action == "take_all_tied" and state.rule.tie else []
    )
    reason = data.reason or "Alle waarden die gelijk staan bij de grens meegenomen."
    return record(
        db,
        traject,
        stage="shortlist",
        action=data.action,
        values=values or data.values,
        reason=reason,
    )


def principles_while_ranking(
    db: DbSession, traject: Traject, candidates: Sequence[str]
) -> dict[str, list[str]]:
    """Per candidate the principles of the naming sessions, most often written first, at most
    ten: enough to recall the conversation on a phone. A folded group gives every wording it
    holds (each once), side by side, so a variant written by fewer people is never hidden."""
    out: dict[str, list[str]] = {}
    alone = split_off(db, traject)
    rows = _principles(db, _session_ids(db, traject, "naming"), candidates)
    for value in candidates:
        texts = [folding.Text(p.id or 0, p.text) for p in rows if p.value_key == value]
        groups = sorted(
            folding.fold(texts, alone=alone), key=lambda g: (-len(g.members), g.first.id)
        )
        if groups:
            wordings = [t.text for g in groups for t in g.variants]
            out[value] = wordings[:PRINCIPLES_PER_VALUE_WHILE_RANKING]
    return out


def _principles(
    db: DbSession, session_ids: Sequence[int], values: Sequence[str]
) -> list[Principle]:
    if not session_ids or not values:
        return []
    return list(
        db.exec(
            shown_principles()
            .join(SessionRound, col(SessionRound.id) == col(Principle.round_id))
            .where(
                col(SessionRound.denksessie_id).in_(session_ids),
                col(Principle.value_key).in_(list(values)),
            )
            .order_by(col(Principle.id))
        ).all()
    )


# --- prioritising stage: the selection -------------------------------------------------------


def ranking_rounds(
    db: DbSession, traject: Traject
) -> tuple[list[SessionRound], list[SessionRound]]:
    """(counted, ignored) ranking rounds of the prioritising sessions. A round ranking a value
    outside the frozen shortlist counts only when it carries a recorded override."""
    allowed = set(traject.shortlist_frozen or [])
    counted: list[SessionRound] = []
    ignored: list[SessionRound] = []
    for _, denksessie in sessions_of(db, traject, stage="prioritising"):
        for session_round in sessions.rounds_of(db, denksessie.id or 0):
            if session_round.kind != RANKING:
                continue
            outside = set(session_round.config["candidates"]) - allowed
            override = set((session_round.config.get("override") or {}).get("values", []))
            (counted if outside <= override else ignored).append(session_round)
    return counted, ignored


@dataclass(frozen=True)
class SelectionState:
    candidates: list[str]
    problem: Problem | None  # why there is no selection yet: a code and its facts
    result: AggregateResult | None
    n_ballots: int
    selection: list[str]
    tie: CutTie | None
    tie_decision: TieDecision | None
    explanation: Explanation | None  # worded at the edge (app/i18n/explain.py)
    ignored_rounds: list[int]


def selection(db: DbSession, traject: Traject) -> SelectionState:
    counted, ignored = ranking_rounds(db, traject)
    ignored_ids = [r.id for r in ignored if r.id is not None]
    candidates: list[str] = []
    for session_round in counted:
        candidates += [c for c in session_round.config["candidates"] if c not in candidates]

    def without(problem: Problem) -> SelectionState:
        return SelectionState(candidates, problem, None, 0, [], None, None, None, ignored_ids)

    if not counted:
        return without(Problem("selection", code="NO_RANKING_ROUND"))
    if traject.card_size > len(candidates):
        return without(
            Problem(
                "selection",
                code="CARD_LARGER_THAN_CANDIDATES",
                params={"card_size": traject.card_size, "candidates": len(candidates)},
            )
        )
    counted_ids = {r.id for r in counted}
    ballots = [
        RankingBallot(tuple(payload["ranking"]))
        for _, r, _, payload in _active_ballots(
            db, sorted({r.denksessie_id for r in counted}), RANKING
        )
        if r.id in counted_ids
    ]
    rank = {value: index for index, value in enumerate(traject.tie_break_order)}
    order = sorted(candidates, key=lambda v: (rank.get(v, len(rank)), v))
    try:
        result = aggregate_ballots(
            traject.method, candidates, ballots, seats=traject.card_size, tie_break_order=order
        )
    except AggregationError as exc:
        codes = "; ".join(map(str, exc.problems))  # codes: the input is built here, not typed
        return without(Problem("selection", code="RANKING_NOT_COUNTED", params={"codes": codes}))
    k = traject.card_size
    chosen = list(result.order[:k])
    tie = None
    decision = None
    if k < len(result.order) and result.decided_by[k - 1] == TIEBREAK:
        group = next(g for g in result.weak_order if result.order[k - 1] in g)
        places = sum(v in chosen for v in group)
        tie = CutTie(values=tuple(group), places=places)
        decision = TieDecision("tiebreak", [v for v in group if v in chosen], "")
        for entry in reversed(audit_trail(db, traject, stage="selection")):
            if (
                entry.action == "resolve_tie"
                and set(entry.values) <= set(group)
                and len(entry.values) == places
            ):
                chosen = [v for v in chosen if v not in group] + list(entry.values)
                decision = TieDecision("facilitator", list(entry.values), entry.reason)
                break
    return SelectionState(
        candidates=candidates,
        problem=None,
        result=result,
        n_ballots=result.n_ballots,
        selection=chosen,
        tie=tie,
        tie_decision=decision,
        explanation=result.explanation,
        ignored_rounds=ignored_ids,
    )


def resolve_tie(db: DbSession, *, traject: Traject, data: TieResolution) -> TrajectAudit:
    state = selection(db, traject)
    if state.tie is None:
        raise Rejected("NO_TIE")
    problems = [
        Problem(f"take.{i}", code="NOT_TIED", params={"key": v})
        for i, v in enumerate(data.take)
        if v not in state.tie.values
    ]
    if len(set(data.take)) != state.tie.places or len(data.take) != state.tie.places:
        problems.append(Problem("take", code="TAKE_EXACTLY", params={"places": state.tie.places}))
    if problems:
        raise InvalidInput(reason="TIE", problems=problems)
    return record(
        db, traject, stage="selection", action="resolve_tie", values=data.take, reason=data.reason
    )


# --- principles stage: curation ---------------------------------------------------------------


@dataclass(frozen=True)
class PrincipleItem:
    id: int
    text: str
    session: str
    rewords_id: int | None
    votes: int
    split: bool = False  # the facilitator split it off from its folded group (``split_off``)


@dataclass(frozen=True)
class PrincipleGroup:
    items: list[PrincipleItem]
    exact: bool

    @property
    def votes(self) -> int:
        return sum(item.votes for item in self.items)

    @property
    def variants(self) -> list[PrincipleItem]:
        """One item per distinct wording, the first written: every variant the room sees."""
        texts = folding.distinct_wordings([folding.Text(i.id, i.text) for i in self.items])
        keep = {t.id for t in texts}
        return [item for item in self.items if item.id in keep]


def principle_groups(db: DbSession, traject: Traject, value_key: str) -> list[PrincipleGroup]:
    """All principles for a value from every session of the traject, folded; most votes first,
    then the largest group, then the one written first."""
    titles = {d.id: d.title for _, d in sessions_of(db, traject)}
    session_ids = [i for i in titles if i is not None]
    rows = _principles(db, session_ids, [value_key])
    round_session = {
        r.id: r.denksessie_id
        for r in db.exec(
            select(SessionRound).where(col(SessionRound.denksessie_id).in_(session_ids or [0]))
        ).all()
    }
    votes: Counter[int] = Counter()
    for _, session_round, _, payload in _active_ballots(db, session_ids, "principle"):
        if session_round.config.get("value_key") == value_key:
            votes.update(set(payload.get("approve", [])))
    alone = split_off(db, traject)
    by_id = {
        p.id: PrincipleItem(
            id=p.id or 0,
            text=p.text,
            session=titles.get(round_session.get(p.round_id, 0), ""),
            rewords_id=p.rewords_id,
            votes=votes[p.id or 0],
            split=p.id in alone,
        )
        for p in rows
    }
    groups = folding.fold([folding.Text(p.id or 0, p.text) for p in rows], alone=alone)
    result = [PrincipleGroup(items=[by_id[m.id] for m in g.members], exact=g.exact) for g in groups]
    return sorted(result, key=lambda g: (-g.votes, -len(g.items), g.items[0].id))


def split_off(db: DbSession, traject: Traject) -> frozenset[int]:
    """Principles the facilitator split off from their folded group: replayed from the audit
    trail ("split" adds, "join" takes back), like every other facilitator decision."""
    alone: set[int] = set()
    for entry in audit_trail(db, traject, stage="principles"):
        ids = {int(value) for value in entry.values if value.isdigit()}
        if entry.action == "split":
            alone |= ids
        elif entry.action == "join":
            alone -= ids
    return frozenset(alone)


def split_group(
    db: DbSession, *, traject: Traject, value_key: str, principle_ids: Sequence[int], apart: bool
) -> None:
    """Split a folded group into its wordings (``apart``), or let them fold again. Only
    principles of this traject and value; a rejected call writes nothing."""
    known = {item.id for group in principle_groups(db, traject, value_key) for item in group.items}
    unknown = sorted(set(principle_ids) - known)
    if unknown:
        raise InvalidInput(
            reason="SPLIT",
            problems=[
                Problem("principle_ids", code="UNKNOWN_PRINCIPLE", params={"principle_id": i})
                for i in unknown
            ],
        )
    record(
        db,
        traject,
        stage="principles",
        action="split" if apart else "join",
        values=[str(i) for i in sorted(set(principle_ids))],
        reason=value_key,
    )


def curation_of(db: DbSession, traject: Traject, value_key: str) -> list[TrajectPrinciple]:
    """The headline and sub-principles chosen for a value, in card order (no quote)."""
    return [row for row in _curation_rows(db, traject, value_key) if row.position >= 0]


def quote_of(db: DbSession, traject: Traject, value_key: str) -> TrajectPrinciple | None:
    """The principle marked as the value's quote on the card, if any."""
    rows = _curation_rows(db, traject, value_key)
    return next((row for row in rows if row.position == QUOTE_POSITION), None)


def _curation_rows(db: DbSession, traject: Traject, value_key: str) -> list[TrajectPrinciple]:
    return list(
        db.exec(
            select(TrajectPrinciple)
            .where(
                TrajectPrinciple.traject_id == traject.id,
                TrajectPrinciple.value_key == value_key,
            )
            .order_by(col(TrajectPrinciple.position))
        ).all()
    )


def suggestion(groups: Sequence[PrincipleGroup]) -> dict[str, Any] | None:
    """The group's choice by vote, one principle per slot: the most voted group gives the
    headline, the next (up to four) the sub-principles; within a group its most voted text
    (then the first written). None when there are not two groups to fill a headline and a sub."""
    if len(groups) < 2:
        return None
    picks = [max(g.items, key=lambda item: (item.votes, -item.id)).id for g in groups[:5]]
    return {"headline": picks[0], "subs": picks[1:]}


def choose_principles(
    db: DbSession, *, traject: Traject, value_key: str, data: CurationChoice
) -> list[TrajectPrinciple]:
    state = selection(db, traject)
    if value_key not in state.selection:
        raise Rejected("VALUE_NOT_SELECTED", http_status=422)
    items = {
        item.id: item for group in principle_groups(db, traject, value_key) for item in group.items
    }
    picks = [data.headline, *data.subs]
    problems = [
        Problem("headline" if i == 0 else f"subs.{i - 1}", code="PRINCIPLE_NOT_OF_VALUE")
        for i, pick in enumerate(picks)
        if pick.principle_id not in items
    ]
    if len({p.principle_id for p in picks}) != len(picks):
        problems.append(Problem("subs", code="DUPLICATE_PRINCIPLE"))
    if problems:
        raise InvalidInput(reason="CURATION", problems=problems)
    if data.quote_id is not None and data.quote_id not in items:
        raise InvalidInput(
            reason="CURATION", problems=[Problem("quote_id", code="PRINCIPLE_NOT_OF_VALUE")]
        )
    for row in _curation_rows(db, traject, value_key):
        db.delete(row)
    db.flush()
    assert traject.id is not None
    rows = []
    for position, pick in enumerate(picks):
        original = items[pick.principle_id].text
        text = " ".join(pick.text.split()) or original
        rows.append(
            TrajectPrinciple(
                traject_id=traject.id,
                value_key=value_key,
                position=position,
                principle_id=pick.principle_id,
                original=original,
                text=text,
            )
        )
        if text != original:
            record(
                db,
                traject,
                stage="principles",
                action="edit",
                values=[value_key],
                reason=f"'{original}' -> '{text}'",
            )
    if data.quote_id is not None:
        quoted = items[data.quote_id].text
        rows.append(
            TrajectPrinciple(
                traject_id=traject.id,
                value_key=value_key,
                position=QUOTE_POSITION,
                principle_id=data.quote_id,
                original=quoted,
                text=quoted,
            )
        )
    db.add_all(rows)
    record(
        db,
        traject,
        stage="principles",
        action="choose",
        values=[value_key],
        reason=f"kopprincipe en {len(data.subs)} subprincipes gekozen"
        + (", met citaat" if data.quote_id is not None else ""),
    )
    db.flush()
    return rows
