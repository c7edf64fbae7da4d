"""Typed factories for denksessies, participants, rounds and ballots (polar's random_objects)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from app.casussen import service as casussen
from app.events import Event
from app.sessions import flows
from app.sessions import service as sessions
from app.sessions.ballots import BallotCast, cast_ballot
from app.sessions.models import Denksessie, Participant, SessionRound
from app.sessions.schemas import DenksessieCreate, JoinRequest, RoundCreate

# Four catalogue values whose alphabetical order is not their listed order.
CANDIDATES = ("zelfbeschikking", "privacy", "compassie", "eenvoud")


def casus_ids(db: Session, *, organisation_id: int, count: int) -> list[int]:
    ids = [c.id for c in casussen.list_visible(db, organisation_id=organisation_id)]
    return [casus_id for casus_id in ids if casus_id is not None][:count]


def make_denksessie(
    db: Session,
    *,
    organisation_id: int,
    casus_count: int = 2,
    show_results_live: bool = False,
    title: str = "Denksessie Wmo",
    roles: list[str] | None = None,
) -> Denksessie:
    extra: dict[str, Any] = {} if roles is None else {"roles": roles}
    data = DenksessieCreate(
        title=title,
        casus_ids=casus_ids(db, organisation_id=organisation_id, count=casus_count),
        show_results_live=show_results_live,
        **extra,
    )
    return sessions.create(db, organisation_id=organisation_id, data=data)


def make_participant(
    db: Session,
    denksessie: Denksessie,
    *,
    role: str | None = None,
    display_name: str | None = None,
) -> Participant:
    return sessions.join(
        db, denksessie=denksessie, data=JoinRequest(display_name=display_name, role=role)
    )


def default_config(denksessie: Denksessie, kind: str) -> dict[str, object]:
    """A valid configuration per kind, so a test names only what it is about."""
    if kind == "casus":
        return {"casus_id": denksessie.casus_ids[0]}
    if kind == "principle":
        return {"value_key": CANDIDATES[0]}
    if kind == "open":
        return {"question": "Wat heb je nodig om goed te beslissen?"}
    return {"candidates": list(CANDIDATES)}


def make_round(db: Session, denksessie: Denksessie, kind: str, **config: object) -> SessionRound:
    data = RoundCreate.model_validate(
        {"kind": kind, "config": {**default_config(denksessie, kind), **config}}
    )
    return sessions.add_round(db, denksessie=denksessie, data=data)


def round_id(session_round: SessionRound) -> int:
    assert session_round.id is not None
    return session_round.id


def open_(db: Session, denksessie: Denksessie, session_round: SessionRound) -> Event:
    return flows.open_round(db, denksessie=denksessie, round_id=round_id(session_round))


def close(db: Session, denksessie: Denksessie, session_round: SessionRound) -> Event:
    return flows.close_round(db, denksessie=denksessie, round_id=round_id(session_round))


def make_open_round(
    db: Session, denksessie: Denksessie, kind: str, **config: object
) -> SessionRound:
    session_round = make_round(db, denksessie, kind, **config)
    open_(db, denksessie, session_round)
    return session_round


def new_msg_id() -> str:
    return uuid.uuid4().hex


def cast(
    db: Session,
    denksessie: Denksessie,
    participant: Participant,
    session_round: SessionRound,
    payload: Any,
    *,
    kind: str | None = None,
    client_msg_id: str | None = None,
) -> BallotCast:
    return cast_ballot(
        db,
        denksessie=denksessie,
        participant=participant,
        round_id=round_id(session_round),
        kind=kind or session_round.kind,
        payload=payload,
        client_msg_id=client_msg_id or new_msg_id(),
    )


def count(db: Session, model: type[SQLModel]) -> int:
    return db.exec(select(func.count()).select_from(model)).one()
