"""Casting a ballot: validate, write, and let the caller commit before it acknowledges.

Idempotency lives in the database: a ``ballot_submission`` row per client message id with a
unique constraint. A resend hits the constraint inside a savepoint and is answered with the
acknowledgement of the first time; it never counts twice. A participant's ballot for a round is
one row (unique on round and participant), revised in place with an atomic revision bump.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from app.catalogue import service as catalogues
from app.db import DbSession
from app.errors import Rejected
from app.organisations.models import utcnow
from app.sessions.kinds import kind_of
from app.sessions.kinds.base import _reject
from app.sessions.kinds.base import shown_principles as shown_principles
from app.sessions.kinds.casus import visible_principles as visible_principles
from app.sessions.kinds.principle import round_principles as round_principles
from app.sessions.models import (
    Ballot,
    BallotSubmission,
    Denksessie,
    Participant,
    SessionRound,
)
from app.sessions.schemas import PRINCIPLE_MAX, REASON_MAX
from app.text import storable
from app.validation import problems_from_validation_error


@dataclass(frozen=True)
class BallotCast:
    round_id: int
    client_msg_id: str
    revision: int
    duplicate: bool


def unstorable_text() -> Rejected:
    """Text PostgreSQL cannot store (a NUL character, half of a surrogate pair): refused as
    input, so it never reaches a batch of other people's ballots."""
    return Rejected("TEXT_INVALID", http_status=422)  # words at the edge: app/i18n/errors.py


def open_round(session_round: SessionRound | None, denksessie_id: int | None) -> SessionRound:
    """The round a ballot names, if it is an open round of the ballot's denksessie."""
    if session_round is None or session_round.denksessie_id != denksessie_id:
        raise Rejected("UNKNOWN_ROUND", http_status=404)
    if session_round.status != "open":
        raise Rejected("ROUND_CLOSED")
    return session_round


def before_close(denksessie: Denksessie, *, now: datetime | None = None) -> None:
    """A self-paced denksessie takes no ballot after its closing time, also in the seconds
    before the closing job has closed its rounds (decision 0033)."""
    if not denksessie.self_paced:
        return
    past = denksessie.closes_at is not None and denksessie.closes_at <= (now or utcnow())
    if past or denksessie.closed_at is not None:
        raise Rejected("ROUND_CLOSED", reason="SELF_PACED")


def check_kind(session_round: SessionRound, kind: str) -> None:
    if kind != session_round.kind:
        raise _reject("WRONG_ROUND_KIND")


class Lookups:
    """What checking a ballot reads besides the ballot: the catalogue's value keys and a
    principle round's principles. Read once per session, so a batch of ballots reads them once
    (they cannot change while its transaction runs: rounds are configured before they open)."""

    def __init__(self, db: DbSession) -> None:
        self._db = db
        self._value_keys: dict[int, frozenset[str]] = {}
        self._principle_ids: dict[int, set[int]] = {}

    def value_keys(self, denksessie: Denksessie) -> frozenset[str]:
        if denksessie.catalogue_id not in self._value_keys:
            self._value_keys[denksessie.catalogue_id] = catalogues.current_value_keys(
                self._db, denksessie.catalogue_id
            )
        return self._value_keys[denksessie.catalogue_id]

    def principle_ids(self, denksessie: Denksessie, session_round: SessionRound) -> set[int]:
        assert session_round.id is not None
        if session_round.id not in self._principle_ids:
            shown = kind_of(session_round.kind).principles_to_vote(
                self._db, denksessie, session_round
            )
            assert shown is not None
            self._principle_ids[session_round.id] = {p.id for p in shown if p.id is not None}
        return self._principle_ids[session_round.id]


def validate_payload(
    db: DbSession,
    *,
    denksessie: Denksessie,
    session_round: SessionRound,
    payload: Any,
    lookups: Lookups | None = None,
) -> dict[str, Any]:
    """The ballot as it will be stored, or a ``Rejected`` with a precise code."""
    lookups = lookups or Lookups(db)
    round_kind = kind_of(session_round.kind)
    if not storable(payload):
        raise unstorable_text()
    try:
        ballot = round_kind.ballot_model.model_validate(payload).model_dump()
    except ValidationError as exc:
        problems = problems_from_validation_error(exc)
        if any(
            p.loc.startswith(("principles", "rewording.text")) and p.code == "string_too_long"
            for p in problems
        ):
            raise _reject("PRINCIPLE_TOO_LONG", params={"max": PRINCIPLE_MAX}) from exc
        if any(p.loc.startswith("reasons") and p.code == "string_too_long" for p in problems):
            raise _reject("REASON_TOO_LONG", params={"max": REASON_MAX}) from exc
        fields = ", ".join(dict.fromkeys(p.loc for p in problems))
        raise _reject("BALLOT_INVALID", reason="FIELDS", params={"fields": fields}) from exc
    round_kind.check_ballot(
        ballot, denksessie=denksessie, session_round=session_round, lookups=lookups
    )
    return ballot


def cast_ballot(
    db: DbSession,
    *,
    denksessie: Denksessie,
    participant: Participant,
    round_id: int,
    kind: str,
    payload: Any,
    client_msg_id: str,
) -> BallotCast:
    """Validate and write; the caller commits, then acknowledges, then publishes."""
    previous = _submission(db, participant.id, client_msg_id)
    if previous is not None:
        return BallotCast(previous.round_id, client_msg_id, previous.revision, duplicate=True)
    before_close(denksessie)
    session_round = open_round(db.get(SessionRound, round_id), denksessie.id)
    check_kind(session_round, kind)
    ballot = validate_payload(
        db, denksessie=denksessie, session_round=session_round, payload=payload
    )
    try:
        with db.begin_nested():
            db.add(
                BallotSubmission(
                    participant_id=participant.id, client_msg_id=client_msg_id, round_id=round_id
                )
            )
    except IntegrityError:
        # A concurrent resend won the race; answer with what it stored.
        previous = _submission(db, participant.id, client_msg_id)
        assert previous is not None
        return BallotCast(previous.round_id, client_msg_id, previous.revision, duplicate=True)
    revision = _upsert_ballot(db, round_id, participant.id, ballot, client_msg_id)
    db.execute(
        update(BallotSubmission)
        .where(
            col(BallotSubmission.participant_id) == participant.id,
            col(BallotSubmission.client_msg_id) == client_msg_id,
        )
        .values(revision=revision)
    )
    kind_of(session_round.kind).store_extras(db, session_round, participant.id, ballot)
    db.flush()
    return BallotCast(round_id, client_msg_id, revision, duplicate=False)


def _submission(db: DbSession, participant_id: str, client_msg_id: str) -> BallotSubmission | None:
    return db.exec(
        select(BallotSubmission).where(
            BallotSubmission.participant_id == participant_id,
            BallotSubmission.client_msg_id == client_msg_id,
        )
    ).first()


def _upsert_ballot(
    db: DbSession, round_id: int, participant_id: str, ballot: dict[str, Any], msg_id: str
) -> int:
    try:
        with db.begin_nested():
            db.add(
                Ballot(
                    round_id=round_id,
                    participant_id=participant_id,
                    payload=ballot,
                    client_msg_id=msg_id,
                )
            )
        return 1
    except IntegrityError:
        result = db.execute(
            update(Ballot)
            .where(col(Ballot.round_id) == round_id, col(Ballot.participant_id) == participant_id)
            .values(
                payload=ballot,
                client_msg_id=msg_id,
                revision=col(Ballot.revision) + 1,
                updated_at=utcnow(),
            )
            .returning(col(Ballot.revision))
        )
        return int(result.scalar_one())


def own_ballot(db: DbSession, *, round_id: int, participant_id: str) -> Ballot | None:
    return db.exec(
        select(Ballot).where(Ballot.round_id == round_id, Ballot.participant_id == participant_id)
    ).first()


def own_ballots(db: DbSession, *, round_ids: list[int], participant_id: str) -> dict[int, Ballot]:
    """A participant's ballots in these rounds, by round: one query for a whole snapshot."""
    if not round_ids:
        return {}
    return {
        ballot.round_id: ballot
        for ballot in db.exec(
            select(Ballot).where(
                col(Ballot.round_id).in_(round_ids), Ballot.participant_id == participant_id
            )
        )
    }
