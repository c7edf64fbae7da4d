"""Steps that carry the funnel from one stage into the next: the ranking round made from the
shortlist, and the draft Principekaart with its verantwoording.

Each step checks everything before it writes, so a refused step leaves nothing behind; the
caller commits (one commit boundary per request).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select

from app.aggregation.methods import OTHER_ROLE
from app.anonymity import role_labels
from app.cards.models import Principekaart, PrincipekaartValue
from app.cards.schemas import (
    Agreement,
    AuditEntry,
    CasusDecision,
    NamedValue,
    PrincipleRewording,
    RoleCount,
    ShortlistRule,
    TieAtCut,
    Verantwoording,
    VerantwoordingClash,
    VerantwoordingSession,
)
from app.casussen import service as casussen
from app.catalogue.models import CatalogueValue
from app.db import DbSession
from app.errors import InvalidInput, Problem, Rejected
from app.i18n.explain import explanation_text
from app.organisations.models import utcnow
from app.sessions import service as sessions
from app.sessions.models import Ballot, Denksessie, Participant, SessionRound
from app.sessions.schemas import RoundCreate
from app.text import slugify
from app.trajects import service as trajects
from app.trajects.clashes import top_clashes
from app.trajects.models import Traject
from app.trajects.schemas import CardCreate, PrincipleRoundsCreate, RankingRoundCreate


def _prioritising_session(db: DbSession, traject: Traject, denksessie_id: int | None) -> Denksessie:
    return _session_in_stage(db, traject, "prioritising", denksessie_id)


def _session_in_stage(
    db: DbSession, traject: Traject, stage: str, denksessie_id: int | None
) -> Denksessie:
    attached = [d for _, d in trajects.sessions_of(db, traject, stage=stage)]
    if denksessie_id is not None:
        for denksessie in attached:
            if denksessie.id == denksessie_id:
                return denksessie
        raise Rejected(
            "NOT_PRIORITISING" if stage == "prioritising" else "NOT_IN_STAGE",
            http_status=422,
            params={"stage": stage},
        )
    if len(attached) != 1:
        raise Rejected(
            "CHOOSE_SESSION",
            http_status=422,
            params={"stage": stage},
        )
    return attached[0]


MAX_PRINCIPLES_PER_ROUND = 60


def create_principle_rounds(
    db: DbSession, *, traject: Traject, data: PrincipleRoundsCreate
) -> tuple[Denksessie, list[SessionRound]]:
    """One principle round per selected value in the principles stage: the room votes on the
    principles the traject collected (every wording of every folded group, the groups side by
    side), and may propose a rewording. The votes count in curation (``principle_groups``)."""
    trajects.stage_open(traject, "principles")
    denksessie = _session_in_stage(db, traject, "principles", data.denksessie_id)
    selected = trajects.selection(db, traject).selection
    if not selected:
        raise Rejected("NO_SELECTION", http_status=422)
    names = trajects.value_names(db, traject)
    made = []
    for value in selected:
        groups = trajects.principle_groups(db, traject, value)
        ids = [item.id for group in groups for item in group.variants][:MAX_PRINCIPLES_PER_ROUND]
        if not ids:
            continue
        made.append(
            sessions.add_round(
                db,
                denksessie=denksessie,
                data=RoundCreate(
                    kind="principle",
                    title=f"Welke principes horen bij {names.get(value, value)}?",
                    config={
                        "value_key": value,
                        "principle_ids": ids,
                        "max_approvals": min(data.max_approvals, len(ids)),
                    },
                ),
            )
        )
    if not made:
        raise Rejected("NO_PRINCIPLES", http_status=422)
    return denksessie, made


def create_ranking_round(
    db: DbSession, *, traject: Traject, data: RankingRoundCreate
) -> tuple[Denksessie, SessionRound]:
    """The ranking round over the shortlist, with the naming stage's principles per value.

    Ranking a value outside the shortlist needs a reason; it is written in the round (shown with
    it) and in the traject's audit trail. The first ranking round freezes the shortlist."""
    trajects.stage_open(traject, "prioritising")
    denksessie = _prioritising_session(db, traject, data.denksessie_id)
    state = trajects.shortlist(db, traject)
    candidates = list(data.candidates or state.values)
    outside = [value for value in candidates if value not in state.values]
    if outside and not data.override_reason:
        raise Rejected("OUTSIDE_SHORTLIST", http_status=422, params={"values": ", ".join(outside)})
    if len(candidates) < 2:
        raise Rejected("SHORTLIST_TOO_SHORT", http_status=422)
    if traject.card_size > len(candidates):
        raise Rejected(
            "CARD_TOO_LARGE",
            http_status=422,
            params={"card_size": traject.card_size, "candidates": len(candidates)},
        )
    config: dict[str, object] = {
        "candidates": candidates,
        "top_k": data.top_k,
        "principles": trajects.principles_while_ranking(db, traject, candidates),
    }
    if outside:
        config["override"] = {"values": outside, "reason": data.override_reason}
    new_round = sessions.add_round(
        db,
        denksessie=denksessie,
        data=RoundCreate(kind="ranking", title=data.title, config=config),
    )
    if outside:
        trajects.record(
            db,
            traject,
            stage="selection",
            action="override",
            values=outside,
            reason=data.override_reason,
        )
    if traject.shortlist_frozen is None:
        traject.shortlist_frozen = list(state.values)
        db.add(traject)
    db.flush()
    return denksessie, new_round


# --- the card ----------------------------------------------------------------------------------


def _ballot_count(db: DbSession, denksessie_id: int) -> int:
    return db.exec(
        select(func.count())
        .select_from(Ballot)
        .join(SessionRound, col(SessionRound.id) == col(Ballot.round_id))
        .where(SessionRound.denksessie_id == denksessie_id)
    ).one()


def _date(moment: datetime | None) -> str | None:
    return moment.date().isoformat() if moment else None


def role_counts(db: DbSession, denksessie_id: int) -> list[RoleCount]:
    """Participants per role, most first, folded by the same rule as every export
    (``anonymity.role_labels``): a role shows only for a group of at least three, the rest (and
    no role at all) is counted together as ``overig`` (last), so a small group is not singled
    out on a card anyone can read."""
    rows = db.exec(
        select(Participant.id, Participant.role).where(
            Participant.denksessie_id == denksessie_id, col(Participant.removed).is_(False)
        )
    ).all()
    labels = role_labels(dict(rows))
    counted = Counter(label or OTHER_ROLE for label in labels.values())
    other = counted.pop(OTHER_ROLE, 0)
    counts = [
        RoleCount(role=role, count=n)
        for role, n in sorted(counted.items(), key=lambda r: (-r[1], r[0]))
    ]
    return [*counts, RoleCount(role=OTHER_ROLE, count=other)] if other else counts


def casus_decisions(db: DbSession, traject: Traject) -> list[CasusDecision]:
    """Per casus round of the traject's sessions: how many granted, did not, or doubted."""
    titles = {d.id: d.title for _, d in trajects.sessions_of(db, traject)}
    split: dict[int, CasusDecision] = {}
    ballots = trajects._active_ballots(db, [i for i in titles if i is not None], "casus")
    for denksessie_id, session_round, _, payload in ballots:
        assert session_round.id is not None
        if session_round.id not in split:
            casus = casussen.get_by_id(db, int(session_round.config.get("casus_id", 0)))
            split[session_round.id] = CasusDecision(
                casus=casus.title if casus else session_round.title,
                session=titles.get(denksessie_id, ""),
            )
        row = split[session_round.id]
        decision = payload.get("decision")
        if decision in ("toekennen", "niet_toekennen", "twijfel"):
            setattr(row, decision, getattr(row, decision) + 1)
    return list(split.values())


def verantwoording(
    db: DbSession, traject: Traject, state: trajects.SelectionState
) -> Verantwoording:
    """Every number on the card, explained from the data (no participant identity)."""
    names = trajects.value_names(db, traject)
    shortlist = trajects.shortlist(db, traject)
    session_rows = []
    for link, denksessie in trajects.sessions_of(db, traject):
        assert denksessie.id is not None
        titles = [
            casus.title
            for casus in (casussen.get_by_id(db, casus_id) for casus_id in denksessie.casus_ids)
            if casus is not None
        ]
        session_rows.append(
            VerantwoordingSession(
                title=denksessie.title,
                stage=link.stage,
                date=_date(denksessie.ended_at or denksessie.created_at),
                participants=sessions.participant_count(db, denksessie.id),
                ballots=_ballot_count(db, denksessie.id),
                casussen=titles,
                roles=role_counts(db, denksessie.id),
            )
        )
    ties = []
    if shortlist.rule.tie is not None and shortlist.tie_decision is not None:
        ties.append(
            TieAtCut(
                stage="shortlist",
                values=list(shortlist.rule.tie.values),
                places=shortlist.rule.tie.places,
                decided_by=shortlist.tie_decision.decided_by,
                taken=shortlist.tie_decision.taken,
                reason=shortlist.tie_decision.reason,
            )
        )
    if state.tie is not None and state.tie_decision is not None:
        ties.append(
            TieAtCut(
                stage="selection",
                values=list(state.tie.values),
                places=state.tie.places,
                decided_by=state.tie_decision.decided_by,
                taken=state.tie_decision.taken,
                reason=state.tie_decision.reason,
            )
        )
    result = state.result
    assert result is not None
    return Verantwoording(
        traject_id=traject.id,
        traject_title=traject.title,
        sessions=session_rows,
        values_named=[
            NamedValue(
                value=n.value, name=names.get(n.value, n.value), count=n.count, sessions=n.sessions
            )
            for n in shortlist.rule.ordered
        ],
        shortlist_rule=ShortlistRule(
            min_participants=traject.min_participants, max_values=traject.max_values
        ),
        shortlist=list(shortlist.values),
        method=traject.method,
        method_explanation=explanation_text(state.explanation, names) if state.explanation else "",
        ranking_ballots=result.n_ballots,
        group_order=list(result.order),
        selection=list(state.selection),
        agreement=Agreement(
            kendall_w=round(result.agreement.kendall_w, 3),
            mean_kendall_distance=round(result.agreement.mean_kendall_distance, 3),
        ),
        ties=ties,
        audit=[
            AuditEntry(
                stage=entry.stage,
                action=entry.action,
                values=list(entry.values),
                reason=entry.reason,
                at=entry.at.isoformat(),
            )
            for entry in trajects.audit_trail(db, traject)
            if entry.action not in CURATION_ACTIONS
        ],
        casus_decisions=casus_decisions(db, traject),
        principles_written={
            value: sum(len(g.items) for g in trajects.principle_groups(db, traject, value))
            for value in state.selection
        },
        rewordings=[
            PrincipleRewording(value=value, original=row.original, text=row.text)
            for value in state.selection
            for row in trajects.curation_of(db, traject, value)
            if row.text != row.original
        ],
        illustrative=traject.illustrative,
        clashes=[
            VerantwoordingClash(a=c.a, b=c.b, count=c.count, rank=c.rank, tied=c.tied)
            for c in top_clashes(db, traject)
        ],
    )


# Curation is told from its result (the card's principles, the rewordings, how many principles
# were written), not from the audit entries, which name principles by database id.
CURATION_ACTIONS = ("choose", "edit", "split", "join")


def _free_slug(db: DbSession, organisation_id: int, base: str) -> str:
    taken = set(
        db.exec(
            select(Principekaart.slug).where(Principekaart.organisation_id == organisation_id)
        ).all()
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def make_card(db: DbSession, *, traject: Traject, data: CardCreate) -> Principekaart:
    """The draft card in card order (the selection's order), linked to the traject. Making it
    again replaces the draft; a published card is never touched (a new version is the card
    owner's business)."""
    existing = db.get(Principekaart, traject.card_id) if traject.card_id else None
    if existing is not None and existing.status != "draft":
        raise Rejected("CARD_PUBLISHED")
    state = trajects.selection(db, traject)
    if state.problem is not None or state.result is None:
        problem = state.problem
        raise Rejected(
            "NO_SELECTION",
            reason=problem.code if problem else None,
            params=problem.params if problem else None,
            http_status=422,
        )
    catalogue_values = {
        v.key: v
        for v in db.exec(
            select(CatalogueValue).where(CatalogueValue.catalogue_id == traject.catalogue_id)
        ).all()
    }
    problems = []
    chosen: dict[str, list[str]] = {}
    quotes: dict[str, str | None] = {}
    for value in state.selection:
        rows = trajects.curation_of(db, traject, value)
        if value not in catalogue_values:
            problems.append(Problem(f"values.{value}", code="VALUE_NOT_IN_CATALOGUE"))
        elif len(rows) < 2:
            problems.append(Problem(f"values.{value}", code="CURATION_INCOMPLETE"))
        chosen[value] = [row.text for row in rows]
        quote = trajects.quote_of(db, traject, value)
        quotes[value] = quote.text if quote else None
    if problems:
        raise InvalidInput(reason="CARD", problems=problems)
    account = verantwoording(db, traject, state).model_dump()
    if existing is None:
        title = data.title or traject.title
        existing = Principekaart(
            organisation_id=traject.organisation_id,
            catalogue_id=traject.catalogue_id,
            slug=_free_slug(db, traject.organisation_id, slugify(title) or "principekaart"),
            title=title,
            central_question=traject.central_question,
            status="draft",
        )
    else:
        for old in db.exec(
            select(PrincipekaartValue).where(PrincipekaartValue.principekaart_id == existing.id)
        ).all():
            db.delete(old)
        db.flush()
        existing.title = data.title or existing.title
    existing.year = utcnow().year
    existing.central_question = traject.central_question
    existing.catalogue_id = traject.catalogue_id
    existing.verantwoording = account
    db.add(existing)
    db.flush()
    assert existing.id is not None
    for position, value in enumerate(state.selection):
        value_id = catalogue_values[value].id
        assert value_id is not None
        db.add(
            PrincipekaartValue(
                principekaart_id=existing.id,
                value_id=value_id,
                position=position,
                headline=chosen[value][0],
                sub_principles=chosen[value][1:],
                quote=quotes[value],
            )
        )
    traject.card_id = existing.id
    db.add(traject)
    db.flush()
    return existing
