"""Denksessies, participants and rounds: creating, finding and configuring them.

Join codes use an alphabet without look-alikes (no 0/O, 1/I/L): 31 symbols, 6 places, about 887
million codes, drawn with ``secrets``.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from pydantic import ValidationError
from sqlalchemy import bindparam, func, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select

from app.casussen import service as casussen
from app.catalogue import service as catalogues
from app.catalogue.models import Catalogue
from app.db import DbSession
from app.errors import InvalidInput, NotFound, Problem, Rejected
from app.organisations.models import utcnow
from app.sessions.kinds import kind_of
from app.sessions.models import Denksessie, Participant, SessionRound
from app.sessions.schemas import (
    DenksessieCreate,
    DenksessieUpdate,
    JoinRequest,
    RoundCreate,
)
from app.validation import problems_from_errors

JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6
ROOM_PIN_LENGTH = 4
# How far ahead a self-paced denksessie may close (decision 0033).
SELF_PACED_MAX_DAYS = 60


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_code(code: str) -> str:
    """People type codes in lower case, with spaces or dashes (app/sessions/codes.py)."""
    return "".join(ch for ch in code if ch.isalnum()).upper()


def bump_seq(db: DbSession, denksessie_id: int) -> int:
    """Atomically increase and return the event sequence number (no read-modify-write)."""
    result = db.execute(
        update(Denksessie)
        .where(col(Denksessie.id) == denksessie_id)
        .values(seq=col(Denksessie.seq) + 1)
        .returning(col(Denksessie.seq))
    )
    return int(result.scalar_one())


def create(db: DbSession, *, organisation_id: int, data: DenksessieCreate) -> Denksessie:
    catalogue = catalogues.get_visible(db, slug=data.catalogue, organisation_id=organisation_id)
    problems = []
    for index, casus_id in enumerate(data.casus_ids):
        try:
            casussen.get_visible(db, casus_id=casus_id, organisation_id=organisation_id)
        except NotFound:
            problems.append(
                Problem(f"casus_ids.{index}", code="UNKNOWN_CASUS", params={"casus_id": casus_id})
            )
    if len(set(data.roles)) != len(data.roles):
        problems.append(Problem("roles", code="DUPLICATE_ROLE"))
    problems.extend(closing_problems(data))
    if problems:
        raise InvalidInput(reason="DENKSESSIE", problems=problems)
    code = new_join_code()
    while db.exec(select(Denksessie.id).where(Denksessie.join_code == code)).first():
        code = new_join_code()
    assert catalogue.id is not None
    denksessie = Denksessie(
        organisation_id=organisation_id,
        catalogue_id=catalogue.id,
        title=data.title,
        join_code=code,
        roles=list(data.roles),
        casus_ids=list(data.casus_ids),
        # Self-paced results stay hidden until the close (or the facilitator's reveal).
        show_results_live=data.show_results_live and not data.self_paced,
        room_size=data.room_size,
        room_pin=new_room_pin() if data.require_pin else None,
        self_paced=data.self_paced,
        closes_at=data.closes_at if data.self_paced else None,
    )
    db.add(denksessie)
    db.flush()
    return denksessie


def closing_problems(data: DenksessieCreate, *, now: datetime | None = None) -> list[Problem]:
    """A self-paced denksessie needs a closing time in the future, at most
    ``SELF_PACED_MAX_DAYS`` away (decision 0033)."""
    if not data.self_paced:
        return []
    if data.closes_at is None:
        return [Problem("closes_at", code="CLOSES_AT_REQUIRED")]
    now = now or utcnow()
    if data.closes_at <= now:
        return [Problem("closes_at", code="CLOSES_AT_PAST")]
    if data.closes_at > now + timedelta(days=SELF_PACED_MAX_DAYS):
        return [
            Problem("closes_at", code="CLOSES_AT_TOO_FAR", params={"days": SELF_PACED_MAX_DAYS})
        ]
    return []


def list_recent(db: DbSession, *, organisation_id: int, limit: int = 100) -> list[Denksessie]:
    """The organisation's denksessies, newest first."""
    return list(
        db.exec(
            select(Denksessie)
            .where(Denksessie.organisation_id == organisation_id)
            .order_by(col(Denksessie.created_at).desc(), col(Denksessie.id).desc())
            .limit(limit)
        ).all()
    )


def get_for_organisation(db: DbSession, *, denksessie_id: int, organisation_id: int) -> Denksessie:
    denksessie = db.get(Denksessie, denksessie_id)
    if denksessie is None or denksessie.organisation_id != organisation_id:
        raise NotFound(reason="DENKSESSIE", params={"denksessie_id": denksessie_id})
    return denksessie


def get_by_code(db: DbSession, code: str) -> Denksessie:
    """The denksessie behind a join code; an ended one no longer answers to its code."""
    denksessie = db.exec(
        select(Denksessie).where(Denksessie.join_code == normalise_code(code))
    ).first()
    if denksessie is None or denksessie.status == "ended":
        raise NotFound(reason="JOIN_CODE")
    return denksessie


def live_id_by_code(db: DbSession, code: str) -> int:
    """``get_by_code``'s answer as an id only, without loading the row: every websocket asks
    it on connecting, thousands at once after a worker restart."""
    row = db.exec(
        select(Denksessie.id, Denksessie.status).where(Denksessie.join_code == normalise_code(code))
    ).first()
    if row is None or row[0] is None or row[1] == "ended":
        raise NotFound(reason="JOIN_CODE")
    return row[0]


def catalogue_of(db: DbSession, denksessie: Denksessie) -> Catalogue:
    catalogue = db.get(Catalogue, denksessie.catalogue_id)
    assert catalogue is not None
    return catalogue


# --- participants ------------------------------------------------------------------------------


def new_room_pin() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(ROOM_PIN_LENGTH))


def join_budget(room_size: int) -> int:
    """How many may join in all: the expected room size plus headroom for phones that join
    twice (another browser, a cleared cookie) and people nobody expected (decision 0011)."""
    return room_size + max(10, room_size // 5)


def update_room(db: DbSession, *, denksessie: Denksessie, data: DenksessieUpdate) -> Denksessie:
    if data.room_size is not None:
        denksessie.room_size = data.room_size
    if data.require_pin is not None:
        denksessie.room_pin = new_room_pin() if data.require_pin else None
    db.add(denksessie)
    db.flush()
    return denksessie


class Joinable(Protocol):
    """What deciding whether one may join reads: a ``Denksessie`` or a lighter row
    (``join_batch.Room``)."""

    @property
    def room_pin(self) -> str | None: ...
    @property
    def join_locked(self) -> bool: ...
    @property
    def roles(self) -> list[str]: ...


def check_pin(denksessie: Joinable, pin: str | None) -> None:
    """Refuse a join without the room's PIN, when it has one (compared in constant time)."""
    if denksessie.room_pin is None:
        return
    if not secrets.compare_digest((pin or "").strip().encode(), denksessie.room_pin.encode()):
        raise Rejected("WRONG_PIN" if pin else "PIN_REQUIRED", http_status=403)


def joining_role(denksessie: Joinable, data: JoinRequest) -> str | None:
    """The role one joins with, if joining is open and the role is known."""
    if denksessie.join_locked:
        raise Rejected("JOIN_LOCKED")
    role = data.role or None
    if role is not None and role not in denksessie.roles:
        raise Rejected(
            "UNKNOWN_ROLE", http_status=422, params={"roles": ", ".join(denksessie.roles)}
        )
    return role


def display_name(data: JoinRequest) -> str | None:
    return (data.display_name or "").strip() or None


def _seat_statement() -> Any:
    table = Denksessie.__table__  # type: ignore[attr-defined]
    return (
        update(table)
        .where(table.c.id == bindparam("denksessie_id"), table.c.joined < bindparam("budget"))
        .values(joined=table.c.joined + 1)
        .returning(table.c.joined)
    )


# Built once: a join is the busiest write there is, and building and keying an ORM update took
# about as long as running it (decision 0035).
_TAKE_SEAT = _seat_statement()


def _take_seat(db: DbSession, denksessie: Denksessie) -> None:
    """Count one join atomically, unless the join budget is spent."""
    taken = db.execute(
        _TAKE_SEAT,
        {"denksessie_id": denksessie.id, "budget": join_budget(denksessie.room_size)},
    ).first()
    if taken is None:
        raise Rejected("ROOM_FULL")  # words at the edge: app/i18n/errors.py
    # The loaded row shows the new count, as the ORM update kept it, without marking it changed.
    set_committed_value(denksessie, "joined", taken[0])


def join(db: DbSession, *, denksessie: Denksessie, data: JoinRequest) -> Participant:
    """A new participant, if joining is open, the role is known and the budget is not spent.
    The PIN is checked before (``check_pin``), so a wrong one can be counted as a guess."""
    role = joining_role(denksessie, data)
    assert denksessie.id is not None
    _take_seat(db, denksessie)
    participant = Participant(
        id=secrets.token_hex(16),
        denksessie_id=denksessie.id,
        display_name=display_name(data),
        role=role,
    )
    db.add(participant)
    db.flush()
    return participant


def active_participant(db: DbSession, *, denksessie_id: int, participant_id: str) -> Participant:
    return check_active(db.get(Participant, participant_id), denksessie_id)


class Membership(Protocol):
    """What deciding whether a participant may act reads: a ``Participant`` or a lighter row."""

    @property
    def denksessie_id(self) -> int: ...
    @property
    def removed(self) -> bool: ...


M = TypeVar("M", bound=Membership)


def check_active(participant: M | None, denksessie_id: int) -> M:
    """The participant, if it belongs to this denksessie and was not removed from it."""
    if participant is None or participant.denksessie_id != denksessie_id:
        raise Rejected("UNKNOWN_PARTICIPANT", http_status=404)
    if participant.removed:
        raise Rejected("PARTICIPANT_REMOVED", http_status=403)
    return participant


def participant_count(db: DbSession, denksessie_id: int) -> int:
    return db.exec(
        select(func.count())
        .select_from(Participant)
        .where(Participant.denksessie_id == denksessie_id, col(Participant.removed).is_(False))
    ).one()


# --- rounds ------------------------------------------------------------------------------------


def rounds_of(db: DbSession, denksessie_id: int) -> list[SessionRound]:
    return list(
        db.exec(
            select(SessionRound)
            .where(SessionRound.denksessie_id == denksessie_id)
            .order_by(col(SessionRound.position), col(SessionRound.id))
        ).all()
    )


def get_round(db: DbSession, *, denksessie: Denksessie, round_id: int) -> SessionRound:
    found = db.get(SessionRound, round_id)
    if found is None or found.denksessie_id != denksessie.id:
        raise NotFound(reason="ROUND", params={"round_id": round_id})
    return found


def validate_config(
    db: DbSession, *, denksessie: Denksessie, kind: str, raw: dict[str, Any]
) -> dict[str, Any]:
    """Check a round's configuration against its kind, the catalogue and the denksessie."""
    round_kind = kind_of(kind)
    try:
        config = round_kind.config_model.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput(
            reason="ROUND", problems=problems_from_errors(exc.errors(), prefix=("config",))
        ) from exc
    data = config.model_dump()
    data = round_kind.complete_config(db, denksessie, data)
    known = catalogues.value_keys(db, catalogue_of(db, denksessie))
    problems = round_kind.check_config(db, denksessie, data, known)
    if problems:
        raise InvalidInput(reason="ROUND", problems=problems)
    return data


def add_round(db: DbSession, *, denksessie: Denksessie, data: RoundCreate) -> SessionRound:
    if denksessie.status == "ended":
        raise Rejected("DENKSESSIE_ENDED")
    config = validate_config(db, denksessie=denksessie, kind=data.kind, raw=dict(data.config))
    assert denksessie.id is not None
    position = len(rounds_of(db, denksessie.id))
    new_round = SessionRound(
        denksessie_id=denksessie.id,
        position=position,
        kind=data.kind,
        title=data.title or kind_of(data.kind).default_title(db, config),
        config=config,
    )
    db.add(new_round)
    db.flush()
    return new_round


def candidates_of(db: DbSession, denksessie: Denksessie, session_round: SessionRound) -> list[str]:
    """The values a round asks about: its candidates, or the whole catalogue for a casus."""
    return kind_of(session_round.kind).candidates(db, denksessie, session_round)
