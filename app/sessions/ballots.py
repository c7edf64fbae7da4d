"""Casting a ballot: validate, write, and let the caller commit before it acknowledges.

Idempotency lives in the database: a ``ballot_submission`` row per client message id with a
unique constraint. A resend hits the constraint inside a savepoint and is answered with the
acknowledgement of the first time; it never counts twice. A participant's ballot for a round is
one row (unique on round and participant), revised in place with an atomic revision bump.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.catalogue import service as catalogues
from app.db import DbSession
from app.errors import Rejected
from app.organisations.models import utcnow
from app.sessions import service as sessions
from app.sessions.models import (
    Ballot,
    BallotSubmission,
    Denksessie,
    Participant,
    Principle,
    SessionRound,
)
from app.sessions.schemas import BALLOT_MODELS, PRINCIPLE_MAX
from app.text import storable
from app.validation import problems_from_validation_error


@dataclass(frozen=True)
class BallotCast:
    round_id: int
    client_msg_id: str
    revision: int
    duplicate: bool


def _reject(
    code: str, *, reason: str | None = None, params: dict[str, object] | None = None
) -> Rejected:
    """A refused ballot: the code a phone keys on, the facts; words at the edge
    (``app/i18n/errors.py``)."""
    return Rejected(code, http_status=422, reason=reason, params=params)


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


def check_kind(session_round: SessionRound, kind: str) -> None:
    if kind != session_round.kind:
        raise _reject("WRONG_ROUND_KIND")


class Lookups:
    """What checking a ballot reads besides the ballot: the catalogue's value keys and a
    principle round's principles. Read once per session, so a batch of ballots reads them once
    (they cannot change while its transaction runs: rounds are configured before they open)."""

    def __init__(self, db: DbSession) -> None:
        self._db = db
        self._value_keys: dict[int, set[str]] = {}
        self._principle_ids: dict[int, set[int]] = {}

    def value_keys(self, denksessie: Denksessie) -> set[str]:
        if denksessie.catalogue_id not in self._value_keys:
            catalogue = sessions.catalogue_of(self._db, denksessie)
            self._value_keys[denksessie.catalogue_id] = catalogues.value_keys(self._db, catalogue)
        return self._value_keys[denksessie.catalogue_id]

    def principle_ids(self, denksessie: Denksessie, session_round: SessionRound) -> set[int]:
        assert session_round.id is not None
        if session_round.id not in self._principle_ids:
            shown = round_principles(self._db, denksessie, session_round)
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
    if not storable(payload):
        raise unstorable_text()
    try:
        ballot = BALLOT_MODELS[session_round.kind].model_validate(payload).model_dump()
    except ValidationError as exc:
        problems = problems_from_validation_error(exc)
        if any(
            p.loc.startswith(("principles", "rewording.text")) and p.code == "string_too_long"
            for p in problems
        ):
            raise _reject("PRINCIPLE_TOO_LONG", params={"max": PRINCIPLE_MAX}) from exc
        fields = ", ".join(dict.fromkeys(p.loc for p in problems))
        raise _reject("BALLOT_INVALID", reason="FIELDS", params={"fields": fields}) from exc
    config = session_round.config
    if session_round.kind == "casus":
        _check_casus(lookups.value_keys(denksessie), config, ballot)
    elif session_round.kind in ("ranking", "approval", "points"):
        _check_candidates(session_round, config, ballot)
    else:
        _check_principle_votes(lookups.principle_ids(denksessie, session_round), config, ballot)
    return ballot


def _check_casus(known: set[str], config: dict[str, Any], ballot: dict[str, Any]) -> None:
    if ballot["decision"] == "twijfel" and not config.get("allow_twijfel", True):
        raise _reject("BALLOT_INVALID", reason="TWIJFEL")
    values: list[str] = ballot["values"]
    if len(set(values)) != len(values):
        raise _reject("DUPLICATE_VALUE", reason="VALUE")
    if len(values) > config["max_values"]:
        raise _reject("TOO_MANY_VALUES", reason="VALUES", params={"max": config["max_values"]})
    unknown = [value for value in values if value not in known]
    if unknown:
        raise _reject("UNKNOWN_VALUE", reason="CASUS", params={"values": ", ".join(unknown)})
    for value, text in ballot["principles"].items():
        if value not in values:
            raise _reject("BALLOT_INVALID", reason="PRINCIPLE_WITHOUT_VALUE")
        if text.strip() and not text.strip().startswith("Ik "):
            raise _reject("PRINCIPLE_INVALID")


def _check_candidates(
    session_round: SessionRound, config: dict[str, Any], ballot: dict[str, Any]
) -> None:
    candidates = set(config["candidates"])
    chosen: list[str] = (
        ballot.get("ranking") or ballot.get("approve") or list(ballot.get("points", {}))
    )
    unknown = [value for value in chosen if value not in candidates]
    if unknown:
        raise _reject("UNKNOWN_VALUE", reason="CANDIDATE", params={"values": ", ".join(unknown)})
    if len(set(chosen)) != len(chosen):
        raise _reject("DUPLICATE_VALUE", reason="VALUE")
    if session_round.kind == "ranking" and config.get("top_k") and len(chosen) > config["top_k"]:
        raise _reject("TOO_MANY_VALUES", reason="RANKING", params={"max": config["top_k"]})
    if session_round.kind == "approval" and len(chosen) > config["max_approvals"]:
        raise _reject("TOO_MANY_VALUES", reason="VALUES", params={"max": config["max_approvals"]})
    if session_round.kind == "points":
        spent = sum(ballot["points"].values())
        if spent == 0 or spent > config["budget"]:
            raise _reject("POINTS_BUDGET", params={"budget": config["budget"]})


def _check_principle_votes(
    allowed: set[int], config: dict[str, Any], ballot: dict[str, Any]
) -> None:
    chosen = ballot["approve"]
    if any(principle_id not in allowed for principle_id in chosen):
        raise _reject("UNKNOWN_PRINCIPLE")
    if len(set(chosen)) != len(chosen):
        raise _reject("DUPLICATE_VALUE", reason="PRINCIPLE")
    if len(chosen) > config["max_approvals"]:
        raise _reject(
            "TOO_MANY_VALUES", reason="PRINCIPLES", params={"max": config["max_approvals"]}
        )
    rewording = ballot.get("rewording")
    if rewording and rewording["principle_id"] not in allowed:
        raise _reject("UNKNOWN_PRINCIPLE")
    if rewording and not rewording["text"].strip().startswith("Ik "):
        raise _reject("PRINCIPLE_INVALID")


def shown_principles() -> SelectOfScalar[Principle]:
    """Principles that may be shown: not hidden, and not by a removed participant (a principle
    whose participant was deleted with the raw data has no participant and stays shown)."""
    return (
        select(Principle)
        .join(Participant, col(Participant.id) == col(Principle.participant_id), isouter=True)
        .where(col(Principle.hidden).is_(False), col(Participant.removed).is_not(True))
    )


def round_principles(
    db: DbSession, denksessie: Denksessie, session_round: SessionRound
) -> list[Principle]:
    """What a principle round puts to the vote: the principles named in its configuration
    (earlier denksessies of a traject), else those written in this denksessie's casus rounds."""
    chosen = session_round.config.get("principle_ids")
    if chosen:
        return list(
            db.exec(
                shown_principles().where(col(Principle.id).in_(chosen)).order_by(col(Principle.id))
            )
        )
    return visible_principles(db, denksessie, session_round.config["value_key"])


def visible_principles(db: DbSession, denksessie: Denksessie, value_key: str) -> list[Principle]:
    """Principles written for a value in this denksessie's casus rounds, as shown to the room."""
    return list(
        db.exec(
            shown_principles()
            .join(SessionRound, col(SessionRound.id) == col(Principle.round_id))
            .where(
                SessionRound.denksessie_id == denksessie.id,
                SessionRound.kind == "casus",
                Principle.value_key == value_key,
            )
            .order_by(col(Principle.id))
        ).all()
    )


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
    if session_round.kind == "casus":
        _store_principles(db, session_round, participant.id, ballot["principles"])
    elif session_round.kind == "principle":
        _store_rewording(db, session_round, participant.id, ballot.get("rewording"))
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


def _store_principles(
    db: DbSession, session_round: SessionRound, participant_id: str, principles: dict[str, str]
) -> None:
    """Keep the participant's principles equal to the ballot; a kept text keeps its moderation."""
    existing = db.exec(
        select(Principle).where(
            Principle.round_id == session_round.id, Principle.participant_id == participant_id
        )
    ).all()
    wanted = {(value, " ".join(text.split())) for value, text in principles.items() if text.strip()}
    for row in existing:
        if (row.value_key, row.text) in wanted:
            wanted.discard((row.value_key, row.text))
        else:
            db.delete(row)
    assert session_round.id is not None
    for value, text in sorted(wanted):
        db.add(
            Principle(
                round_id=session_round.id,
                participant_id=participant_id,
                value_key=value,
                text=text,
            )
        )


def _store_rewording(
    db: DbSession, session_round: SessionRound, participant_id: str, rewording: Any
) -> None:
    for row in db.exec(
        select(Principle).where(
            Principle.round_id == session_round.id, Principle.participant_id == participant_id
        )
    ).all():
        db.delete(row)
    if rewording:
        assert session_round.id is not None
        db.add(
            Principle(
                round_id=session_round.id,
                participant_id=participant_id,
                value_key=session_round.config["value_key"],
                text=" ".join(rewording["text"].split()),
                rewords_id=rewording["principle_id"],
            )
        )


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
