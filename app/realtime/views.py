"""What the hub sends, built in two places: reads of the database (in worker threads, which
return values and never touch a room) and frames from the running tallies (on the event loop).

The database stays the truth for snapshots, state frames and final results
(``sessions/results.py``); a tally's numbers come from the running tallies the hub keeps
(``aggregation/running.py``), in the same shape as ``results.aggregate``, built by the round's
kind (``Kind.running_result``); a kind without a running result is recounted from the database
in the texts' read (``read_texts``). Phones get their results sized for a phone
(``phone_sized``, ``Kind.phone_result``): the aggregate without the long lists of texts, which
the projector and the facilitator still get whole.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Table, bindparam
from sqlalchemy import select as select_columns
from sqlmodel import Session

from app.aggregation.methods import OTHER_ROLE
from app.aggregation.running import RunningTally
from app.sessions import results
from app.sessions import service as sessions
from app.sessions.kinds import KINDS, kind_of
from app.sessions.kinds.base import LiveTexts
from app.sessions.models import Ballot, Denksessie, Participant, Principle, SessionRound

Role = Literal["facilitator", "screen", "participant"]
BALLOT: Table = Ballot.__table__  # type: ignore[attr-defined]
PARTICIPANT: Table = Participant.__table__  # type: ignore[attr-defined]
PRINCIPLE: Table = Principle.__table__  # type: ignore[attr-defined]


def dumps(frame: dict[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False, default=str)


# --- reads (worker threads) ----------------------------------------------------------------------


@dataclass(frozen=True)
class OpenRound:
    """What a running tally needs to know of an open round."""

    id: int
    kind: str
    candidates: tuple[str, ...]
    tie_break_order: tuple[str, ...]
    revealed: bool
    result_snapshot: dict[str, Any] | None

    @classmethod
    def of(cls, session_round: SessionRound) -> OpenRound:
        assert session_round.id is not None
        return cls(
            id=session_round.id,
            kind=session_round.kind,
            candidates=tuple(session_round.config.get("candidates") or ()),
            tie_break_order=tuple(session_round.tie_break_order),
            revealed=session_round.revealed,
            result_snapshot=session_round.result_snapshot,
        )


# One stored ballot: participant, revision, payload, participant's role.
Row = tuple[str, int, dict[str, Any], str]


@dataclass(frozen=True)
class LiveRead:
    """Everything the running tallies are rebuilt from (a reconcile)."""

    seq: int
    show_results_live: bool
    rounds: tuple[OpenRound, ...]
    rows: dict[int, list[Row]]
    participants: int


def _rows(db: Session, round_ids: list[int]) -> dict[int, list[Row]]:
    """The active ballots of these rounds (a removed participant stops counting)."""
    found: dict[int, list[Row]] = {round_id: [] for round_id in round_ids}
    if not round_ids:
        return found
    query = (
        select_columns(
            BALLOT.c.round_id,
            BALLOT.c.participant_id,
            BALLOT.c.revision,
            BALLOT.c.payload,
            PARTICIPANT.c.role,
        )
        .join_from(BALLOT, PARTICIPANT, PARTICIPANT.c.id == BALLOT.c.participant_id)
        .where(BALLOT.c.round_id.in_(round_ids), PARTICIPANT.c.removed.is_(False))
        .order_by(BALLOT.c.id)  # as ``results.aggregate``: equal reasons keep this order
    )
    for round_id, pid, revision, payload, role in db.connection().execute(query):
        found[round_id].append((pid, revision, dict(payload), role or OTHER_ROLE))
    return found


def read_live(db: Session, denksessie: Denksessie) -> LiveRead:
    assert denksessie.id is not None
    rounds = [OpenRound.of(r) for r in sessions.rounds_of(db, denksessie.id) if r.status == "open"]
    return LiveRead(
        seq=denksessie.seq,
        show_results_live=denksessie.show_results_live,
        rounds=tuple(rounds),
        rows=_rows(db, [r.id for r in rounds]),
        participants=sessions.participant_count(db, denksessie.id),
    )


@dataclass(frozen=True)
class StateRead:
    snapshots: dict[Role, dict[str, Any]]
    ended: bool
    live: LiveRead
    # What the screen sees, and a phone before ``phone_sized`` (the same results), when either
    # is in the room: the base of the next state built in memory (``Room.light_state``).
    room: dict[str, Any] | None = None


def read_state(db: Session, denksessie_id: int, roles: list[Role]) -> StateRead | None:
    """Each role's complete state, and the running tallies' source, in one visit."""
    denksessie = db.get(Denksessie, denksessie_id)
    if denksessie is None:
        return None
    phones = "participant" in roles
    wanted: list[Role] = [*roles, "screen"] if phones and "screen" not in roles else roles
    snapshots = results.snapshots(db, denksessie, roles=wanted)
    room = snapshots.get("screen")
    if phones:
        snapshots["participant"] = phone_sized(snapshots["participant"])
    if "screen" not in roles:
        snapshots.pop("screen", None)
    return StateRead(snapshots, denksessie.status == "ended", read_live(db, denksessie), room)


# State events whose state needs no database visit: what they change travels in the event
# (``Room.light_state``); every other state event reads the state again.
LIGHT_EVENTS = frozenset({"timer_set", "round_revealed", "joining_locked"})
# State events after which the results of rounds not open stay what they were (a round opened
# or closed drops its own); every other state event may change them (a moderation, a removal).
SETTLED_KEPT_BY = LIGHT_EVENTS | {"round_opened", "round_closed", "round_added"}


def read_room_results(
    db: Session, denksessie_id: int, round_ids: list[int]
) -> dict[int, dict[str, Any]]:
    """The results of these rounds as the room (screen, phones) would see them once revealed:
    read ahead of the reveal, so the reveal itself needs no recount."""
    denksessie = db.get(Denksessie, denksessie_id)
    if denksessie is None:
        return {}
    found: dict[int, dict[str, Any]] = {}
    for round_id in round_ids:
        session_round = db.get(SessionRound, round_id)
        if session_round is not None and session_round.status == "closed":
            found[round_id] = results.aggregate(db, denksessie, session_round, role="screen")
    return found


Texts = LiveTexts


def reads_database(open_round: OpenRound) -> bool:
    """Whether the live result of this round needs reads of the database beside its running
    tally (its texts, or a recount when its kind has no running result)."""
    kind = kind_of(open_round.kind)
    return kind.reads_texts or not kind.runs_live


def read_texts(
    db: Session,
    denksessie: Denksessie,
    open_round: OpenRound,
    kept_rows: results.RoundRows | None = None,
) -> Texts:
    """What the round's live result needs of the database: the principles written (plain
    columns, not ORM objects: a round of thousands writes thousands) and the vote list of a kind
    that reads texts; the aggregate, per facilitator variant, of a kind without a running
    result (``kept_rows`` reads only the ballots changed since its last read)."""
    kind = kind_of(open_round.kind)
    session_round = db.get(SessionRound, open_round.id)
    if session_round is None:
        return Texts()
    written: list[dict[str, Any]] = []
    shown: list[int] = []
    extras: dict[str, Any] = {}
    if kind.reads_texts:
        rows = db.connection().execute(
            select_columns(
                PRINCIPLE.c.id,
                PRINCIPLE.c.value_key,
                PRINCIPLE.c.text,
                PRINCIPLE.c.hidden,
                PRINCIPLE.c.rewords_id,
            )
            .join_from(
                PRINCIPLE,
                PARTICIPANT,
                PARTICIPANT.c.id == PRINCIPLE.c.participant_id,
                isouter=True,
            )
            .where(PRINCIPLE.c.round_id == open_round.id, PARTICIPANT.c.removed.is_not(True))
            .order_by(PRINCIPLE.c.id)
        )
        written = [
            {"id": pid, "value_key": key, "text": text, "hidden": hidden, "rewords_id": rewords}
            for pid, key, text, hidden, rewords in rows
        ]
        to_vote = kind.principles_to_vote(db, denksessie, session_round) or []
        shown = [p.id for p in to_vote if p.id]
        extras = kind.live_extras(db, session_round)
    recount: dict[bool, dict[str, Any]] | None = None
    if not kind.runs_live:
        room = results.aggregate(db, denksessie, session_round, role="screen", kept_rows=kept_rows)
        own = (
            results.aggregate(
                db, denksessie, session_round, role="facilitator", kept_rows=kept_rows
            )
            if kind.per_role
            else room
        )
        recount = {False: room, True: own}
    return Texts(written, shown, recount, extras)


@dataclass(frozen=True)
class ExtrasRead:
    """What a tally needs beside the running tallies, read only when it changed."""

    participants: int | None
    people: list[dict[str, Any]] | None
    texts: dict[int, Texts]


def read_extras(
    db: Session,
    denksessie_id: int,
    *,
    participants: bool,
    people: bool,
    text_rounds: list[OpenRound],
    kept_rows: dict[int, results.RoundRows] | None = None,
) -> ExtrasRead | None:
    denksessie = db.get(Denksessie, denksessie_id)
    if denksessie is None:
        return None
    return ExtrasRead(
        participants=sessions.participant_count(db, denksessie_id) if participants else None,
        people=results.participant_list(db, denksessie_id) if people else None,
        texts={
            r.id: read_texts(db, denksessie, r, (kept_rows or {}).get(r.id)) for r in text_rounds
        },
    )


@dataclass(frozen=True)
class SnapshotRead:
    shared: dict[str, Any] | None  # None: the hub's shared one was asked for reuse
    personal: dict[str, Any] | None  # a participant's own part


def shared_part(db: Session, denksessie_id: int, role: Role) -> dict[str, Any] | None:
    """The part of a snapshot every socket of a role gets (sized for a phone for
    participants); None when the denksessie is gone."""
    denksessie = db.get(Denksessie, denksessie_id)
    if denksessie is None:
        return None
    frame = results.snapshot(db, denksessie, role=role)
    return phone_sized(frame) if role == "participant" else frame


@dataclass(frozen=True)
class Person:
    """What a participant's own part of a snapshot, and the check that it may come in, read of
    its row (``sessions.check_active`` takes it as a ``Membership``)."""

    id: str
    denksessie_id: int
    removed: bool
    display_name: str | None
    role: str | None


_PEOPLE = select_columns(
    PARTICIPANT.c.id,
    PARTICIPANT.c.denksessie_id,
    PARTICIPANT.c.removed,
    PARTICIPANT.c.display_name,
    PARTICIPANT.c.role,
).where(PARTICIPANT.c.id.in_(bindparam("ids", expanding=True)))
_OWN_BALLOTS = select_columns(
    BALLOT.c.participant_id,
    BALLOT.c.round_id,
    BALLOT.c.payload,
    BALLOT.c.revision,
    BALLOT.c.client_msg_id,
).where(
    BALLOT.c.round_id.in_(bindparam("rounds", expanding=True)),
    BALLOT.c.participant_id.in_(bindparam("ids", expanding=True)),
)


def people(db: Session, participant_ids: Collection[str]) -> dict[str, Person]:
    """These participants' rows, in one statement (built once, as the ones below)."""
    if not participant_ids:
        return {}
    rows = db.connection().execute(_PEOPLE, {"ids": list(participant_ids)})
    return {row[0]: Person(*row) for row in rows}


def personal_parts(
    db: Session, persons: Collection[Person], round_ids: Collection[int]
) -> dict[str, dict[str, Any]]:
    """Each participant's own part of a snapshot (``results.personal_part``: who it is, its
    ballots in these rounds), for many participants in one statement."""
    own: dict[str, dict[str, Any]] = {person.id: {} for person in persons}
    if own and round_ids:
        rows = db.connection().execute(_OWN_BALLOTS, {"rounds": list(round_ids), "ids": list(own)})
        for pid, round_id, payload, revision, msg_id in rows:
            own[pid][str(round_id)] = {
                "payload": payload,
                "revision": revision,
                "client_msg_id": msg_id,
            }
    return {
        person.id: {
            "you": {
                "participant_id": person.id,
                "display_name": person.display_name,
                "role": person.role,
            },
            "own_ballots": own[person.id],
        }
        for person in persons
    }


# --- results from running tallies (event loop) ---------------------------------------------------


def round_results(
    open_round: OpenRound, running: RunningTally, texts: Texts | None, *, facilitator: bool
) -> dict[str, Any] | None:
    """The live aggregate of an open round, as ``results.aggregate`` shapes it for this role:
    from its running tally (and the texts last read) when its kind runs live, else the recount
    last read; None while that read is still to come. A kept result goes through the kind's
    ``kept``, as in ``results.aggregate``: hidden answers and reasons stay with the
    facilitator."""
    kind = kind_of(open_round.kind)
    if open_round.result_snapshot is not None:
        return kind.kept(dict(open_round.result_snapshot), include_hidden=facilitator)
    if kind.runs_live:
        return kind.running_result(running, texts, facilitator=facilitator)
    if texts is None or texts.recount is None:
        return None
    return texts.recount[facilitator]


# --- sized for a phone ---------------------------------------------------------------------------


def phone_result(result: dict[str, Any]) -> dict[str, Any]:
    """A round's results as a phone shows them (``Kind.phone_result``): without the lists that
    grow with the room, which the projector shows."""
    kind = KINDS.get(str(result.get("kind")))
    return result if kind is None else kind.phone_result(result)


def phone_sized(frame: dict[str, Any]) -> dict[str, Any]:
    """A snapshot or state for phones: results via ``phone_result``; the principles of a
    principle round only while it is open (the phone votes on them), afterwards only those its
    results name."""
    sized = dict(frame)
    shown = {key: phone_result(value) for key, value in frame.get("results", {}).items()}
    sized["results"] = shown
    if "principles" in frame:
        open_ids = {str(r["id"]) for r in frame.get("rounds", []) if r["status"] == "open"}
        principles: dict[str, list[dict[str, Any]]] = {}
        for round_id, listed in frame["principles"].items():
            if round_id in open_ids:
                principles[round_id] = listed
            else:
                named = set(shown.get(round_id, {}).get("counts", {}))
                principles[round_id] = [p for p in listed if str(p["id"]) in named]
        sized["principles"] = principles
    return sized
