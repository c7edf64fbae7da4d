"""Typed builders for a traject's funnel: naming sessions with casus ballots, a prioritising
session with ranking ballots, principle votes. Everything through the real services."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlmodel import Session

from app.sessions.models import Denksessie, SessionRound
from app.trajects import service as trajects
from app.trajects.models import Traject
from app.trajects.schemas import SessionAttach, TrajectCreate
from tests.sessions.factories import (
    cast,
    close,
    make_denksessie,
    make_open_round,
    make_participant,
)


def make_traject(db: Session, *, organisation_id: int, **fields: object) -> Traject:
    data = TrajectCreate.model_validate({"title": "Traject Wmo", **fields})
    return trajects.create(db, organisation_id=organisation_id, data=data)


def attach(
    db: Session, traject: Traject, denksessie: Denksessie, stage: str, *, organisation_id: int
) -> None:
    assert denksessie.id is not None
    trajects.attach(
        db,
        traject=traject,
        organisation_id=organisation_id,
        data=SessionAttach.model_validate({"denksessie_id": denksessie.id, "stage": stage}),
    )


Answer = Sequence[str] | Mapping[str, str]


def naming_session(
    db: Session,
    traject: Traject,
    answers: Sequence[Answer],
    *,
    organisation_id: int,
    title: str = "Benoemen",
    keep_open: bool = False,
) -> tuple[Denksessie, SessionRound]:
    """One casus round; each answer is one participant's values (a mapping adds principles)."""
    denksessie = make_denksessie(db, organisation_id=organisation_id, title=title)
    attach(db, traject, denksessie, "naming", organisation_id=organisation_id)
    casus_round = make_open_round(db, denksessie, "casus", max_values=10)
    for answer in answers:
        principles = dict(answer) if isinstance(answer, Mapping) else {}
        participant = make_participant(db, denksessie)
        cast(
            db,
            denksessie,
            participant,
            casus_round,
            {"decision": "toekennen", "values": list(answer), "principles": principles},
        )
    if not keep_open:
        close(db, denksessie, casus_round)
    return denksessie, casus_round


def prioritising_session(
    db: Session, traject: Traject, *, organisation_id: int, title: str = "Prioriteren"
) -> Denksessie:
    denksessie = make_denksessie(db, organisation_id=organisation_id, title=title)
    attach(db, traject, denksessie, "prioritising", organisation_id=organisation_id)
    return denksessie


def rank(
    db: Session,
    denksessie: Denksessie,
    ranking_round: SessionRound,
    rankings: Sequence[Sequence[str]],
) -> None:
    from tests.sessions.factories import open_

    if ranking_round.status != "open":
        open_(db, denksessie, ranking_round)
    for ranking in rankings:
        cast(
            db,
            denksessie,
            make_participant(db, denksessie),
            ranking_round,
            {"ranking": list(ranking)},
        )
