"""The JSON shapes the console and the API show; built from the service's states, never from a
table object directly."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from app.cards.models import Principekaart
from app.db import DbSession
from app.sessions import service as sessions
from app.sessions.results import ballot_count
from app.trajects import service as trajects
from app.trajects.clashes import top_clashes
from app.trajects.models import STAGES, Traject, TrajectAudit, TrajectPrinciple
from app.trajects.schemas import USUAL_SUBS
from app.trajects.service import TieDecision
from app.trajects.shortlist import CutTie


def _audit(entry: TrajectAudit) -> dict[str, Any]:
    return {
        "stage": entry.stage,
        "action": entry.action,
        "values": entry.values,
        "reason": entry.reason,
        "at": entry.at.isoformat(),
    }


def summary(traject: Traject) -> dict[str, Any]:
    return {
        "id": traject.id,
        "title": traject.title,
        "central_question": traject.central_question,
        "card_size": traject.card_size,
        "method": traject.method,
        "min_participants": traject.min_participants,
        "max_values": traject.max_values,
        "illustrative": traject.illustrative,
        "tie_break_order": traject.tie_break_order,
        "closed_stages": traject.closed_stages,
        "url": f"/console/trajecten/{traject.id}",
    }


def stages(db: DbSession, traject: Traject) -> list[dict[str, Any]]:
    out = []
    for stage in STAGES:
        rows = []
        for _, denksessie in trajects.sessions_of(db, traject, stage=stage):
            assert denksessie.id is not None
            rounds = sessions.rounds_of(db, denksessie.id)
            rows.append(
                {
                    "id": denksessie.id,
                    "title": denksessie.title,
                    "code": denksessie.join_code,
                    "status": denksessie.status,
                    "participants": sessions.participant_count(db, denksessie.id),
                    "console_url": f"/console/{denksessie.id}",
                    "rounds": [
                        {
                            "id": r.id,
                            "kind": r.kind,
                            "title": r.title,
                            "status": r.status,
                            "n_ballots": ballot_count(db, r.id or 0),
                        }
                        for r in rounds
                    ],
                }
            )
        out.append({"stage": stage, "closed": stage in traject.closed_stages, "sessions": rows})
    return out


def shortlist(db: DbSession, traject: Traject) -> dict[str, Any]:
    state = trajects.shortlist(db, traject)
    names = trajects.value_names(db, traject)
    tie = state.rule.tie
    eligible = set(state.rule.eligible)
    return {
        "rule": {
            "min_participants": traject.min_participants,
            "max_values": traject.max_values,
            "order": "aantal deelnemers, dan aantal sessies, dan de loting van het traject",
        },
        "named": [
            {
                "value": n.value,
                "name": names.get(n.value, n.value),
                "count": n.count,
                "sessions": n.sessions,
                "eligible": n.value in eligible,
                "by_rule": n.value in state.rule.shortlist,
                "on_shortlist": n.value in state.values,
                "tied": bool(tie and n.value in tie.values),
            }
            for n in state.rule.ordered
        ],
        "by_rule": list(state.rule.shortlist),
        "values": state.values,
        "tie": _tie(tie, state.tie_decision),
        "frozen": state.frozen,
        "changes": [_audit(e) for e in state.changes],
    }


def _tie(tie: CutTie | None, decision: TieDecision | None) -> dict[str, Any] | None:
    """A tie at a cut and how it was decided (by the tie-break order until someone decides)."""
    if tie is None:
        return None
    return {
        "values": list(tie.values),
        "places": tie.places,
        "decided_by": decision.decided_by if decision else "tiebreak",
        "taken": decision.taken if decision else [],
        "reason": decision.reason if decision else "",
    }


def selection(db: DbSession, traject: Traject) -> dict[str, Any]:
    state = trajects.selection(db, traject)
    result = state.result
    tie = state.tie
    return {
        "method": traject.method,
        "card_size": traject.card_size,
        "candidates": state.candidates,
        # A code and its facts; the page words it (problem_words), the API gives both.
        "problem": (
            {
                "code": state.problem.code,
                "params": state.problem.params,
                "message": state.problem.message,
            }
            if state.problem is not None
            else None
        ),
        "n_ballots": state.n_ballots,
        "order": list(result.order) if result else [],
        "weak_order": [list(g) for g in result.weak_order] if result else [],
        "scores": result.scores if result else {},
        "selection": state.selection,
        # A code and its parts; the page words it in the reader's language (explain()).
        "explanation": asdict(state.explanation) if state.explanation else None,
        "agreement": {
            "kendall_w": round(result.agreement.kendall_w, 3) if result else None,
            "mean_kendall_distance": (
                round(result.agreement.mean_kendall_distance, 3) if result else None
            ),
        },
        "tie": _tie(tie, state.tie_decision),
        "ignored_rounds": state.ignored_rounds,
    }


def curation(db: DbSession, traject: Traject, value_key: str) -> dict[str, Any]:
    groups = trajects.principle_groups(db, traject, value_key)
    chosen = trajects.curation_of(db, traject, value_key)
    return {
        "value": value_key,
        "name": trajects.value_names(db, traject).get(value_key, value_key),
        "groups": [
            {
                "votes": g.votes,
                "exact": g.exact,
                "principles": [
                    {
                        "id": item.id,
                        "text": item.text,
                        "session": item.session,
                        "votes": item.votes,
                        "rewords_id": item.rewords_id,
                        "split": item.split,
                    }
                    for item in g.items
                ],
            }
            for g in groups
        ],
        "chosen": [
            {
                "position": row.position,
                "role": "headline" if row.position == 0 else "sub",
                "principle_id": row.principle_id,
                "original": row.original,
                "text": row.text,
                "edited": row.text != row.original,
            }
            for row in chosen
        ],
        "quote": _quote(trajects.quote_of(db, traject, value_key)),
        "usual_subs": list(USUAL_SUBS),
        "unusual_subs": bool(chosen) and not (USUAL_SUBS[0] <= len(chosen) - 1 <= USUAL_SUBS[1]),
        "suggestion": _suggestion(trajects.suggestion(groups), groups),
    }


def _quote(row: TrajectPrinciple | None) -> dict[str, Any] | None:
    return None if row is None else {"principle_id": row.principle_id, "text": row.text}


def _suggestion(
    pick: dict[str, Any] | None, groups: list[trajects.PrincipleGroup]
) -> dict[str, Any] | None:
    """The group's choice with its texts and votes per slot, so the page can show it."""
    if pick is None:
        return None
    items = {item.id: item for group in groups for item in group.items}
    return {
        **pick,
        "slots": [
            {
                "slot": "headline" if i == 0 else "sub",
                "id": pid,
                "text": items[pid].text,
                "votes": items[pid].votes,
            }
            for i, pid in enumerate([pick["headline"], *pick["subs"]])
        ],
    }


def card(db: DbSession, traject: Traject) -> dict[str, Any] | None:
    found = db.get(Principekaart, traject.card_id) if traject.card_id else None
    if found is None:
        return None
    return {
        "slug": found.slug,
        "title": found.title,
        "status": found.status,
        "url": f"/principekaarten/{found.slug}",
    }


def overview(db: DbSession, traject: Traject) -> dict[str, Any]:
    names = trajects.value_names(db, traject)
    return {
        **summary(traject),
        "value_names": names,
        "stages": stages(db, traject),
        "shortlist": shortlist(db, traject),
        "selection": selection(db, traject),
        "card": card(db, traject),
        "audit": [_audit(e) for e in trajects.audit_trail(db, traject)],
        "clashes": [asdict(c) for c in top_clashes(db, traject)],
    }
