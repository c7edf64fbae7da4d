"""What each screen shows: aggregates per round and the snapshot a client resyncs from.

Everything here is read from the database, so a snapshot after a reconnect, a gap or a worker
restart is always the truth. Results are shown to the facilitator always, to the screen and the
phones only once revealed (or live, when the denksessie is set to show them live).
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Table, func
from sqlalchemy import select as select_columns
from sqlmodel import col, select

from app.aggregation.methods import OTHER_ROLE
from app.anonymity import role_labels
from app.casussen import service as casussen
from app.catalogue import service as catalogues
from app.db import DbSession
from app.organisations.models import utcnow
from app.sessions import service as sessions
from app.sessions.ballots import own_ballots
from app.sessions.kinds import KINDS, kind_of
from app.sessions.models import Ballot, Denksessie, Participant, SessionRound

Role = Literal["facilitator", "screen", "participant"]


def _active_rows(db: DbSession, round_id: int) -> list[tuple[dict[str, Any], str]]:
    """Ballots of participants still in the denksessie (a removed participant stops counting),
    each with its participant's role (none counts as "overig"; only groups of at least 3 are
    ever shown, app/aggregation). One query, so ballots and roles always match."""
    rows = db.exec(
        select(Ballot.payload, Participant.role)
        .join(Participant, col(Participant.id) == col(Ballot.participant_id))
        .where(Ballot.round_id == round_id, col(Participant.removed).is_(False))
        .order_by(col(Ballot.id))
    ).all()
    return [(dict(payload), role or OTHER_ROLE) for payload, role in rows]


BALLOT: Table = Ballot.__table__  # type: ignore[attr-defined]
PARTICIPANT: Table = Participant.__table__  # type: ignore[attr-defined]
PAYLOAD_CHUNK = 500


class RoundRows:
    """One open round's active ballots, kept between ticks: each tick reads only every ballot's
    revision (and its participant's role), and the payload only of ballots that are new or
    revised since the last tick.

    Decoding every payload of a round each tick cost about 16 ms at 5,000 ballots on SQLite, on
    a 100 ms tick. A revision is bumped atomically with every change of a ballot, so an equal
    revision means an equal payload; a ballot of a removed participant drops out with the
    first query, as in ``_active_rows``. The hub keeps one per open round and room.
    """

    def __init__(self) -> None:
        self._held: dict[str, tuple[int, dict[str, Any]]] = {}

    def read(self, db: DbSession, round_id: int) -> list[tuple[dict[str, Any], str]]:
        current = (
            db.connection()
            .execute(
                select_columns(BALLOT.c.participant_id, BALLOT.c.revision, PARTICIPANT.c.role)
                .join_from(BALLOT, PARTICIPANT, PARTICIPANT.c.id == BALLOT.c.participant_id)
                .where(BALLOT.c.round_id == round_id, PARTICIPANT.c.removed.is_(False))
                .order_by(BALLOT.c.id)
            )
            .all()
        )
        stale = [pid for pid, revision, _ in current if self._held.get(pid, (0,))[0] != revision]
        fresh = dict(self._held)
        for start in range(0, len(stale), PAYLOAD_CHUNK):
            for pid, revision, payload in db.connection().execute(
                select_columns(BALLOT.c.participant_id, BALLOT.c.revision, BALLOT.c.payload).where(
                    BALLOT.c.round_id == round_id,
                    BALLOT.c.participant_id.in_(stale[start : start + PAYLOAD_CHUNK]),
                )
            ):
                fresh[pid] = (revision, payload)
        rows = [(fresh[pid][1], role or OTHER_ROLE) for pid, _, role in current if pid in fresh]
        self._held = {pid: fresh[pid] for pid, _, _ in current if pid in fresh}
        return rows


def ballot_count(db: DbSession, round_id: int) -> int:
    return db.exec(
        select(func.count())
        .select_from(Ballot)
        .join(Participant, col(Participant.id) == col(Ballot.participant_id))
        .where(Ballot.round_id == round_id, col(Participant.removed).is_(False))
    ).one()


def aggregate(
    db: DbSession,
    denksessie: Denksessie,
    session_round: SessionRound,
    *,
    role: Role,
    kept_rows: RoundRows | None = None,
) -> dict[str, Any]:
    """The live aggregate of one round, recomputed from the database; once the ballots have been
    deleted (app/privacy.py) the snapshot kept at that moment. ``kept_rows`` reads only what
    changed since its last read (the hub's tick)."""
    assert session_round.id is not None
    if session_round.result_snapshot is not None:
        return kind_of(session_round.kind).kept(
            dict(session_round.result_snapshot), include_hidden=role == "facilitator"
        )
    rows = (
        kept_rows.read(db, session_round.id)
        if kept_rows is not None
        else _active_rows(db, session_round.id)
    )
    return kind_of(session_round.kind).aggregate(
        db, denksessie, session_round, rows, include_hidden=role == "facilitator"
    )


def participant_list(db: DbSession, denksessie_id: int) -> list[dict[str, Any]]:
    """For removing a prankster: who is in the room, never what anyone answered. Roles are
    folded as in every download (app/anonymity.py): a rare role next to a name would single the
    person out to anyone reading the snapshot, viewers who were not in the room included."""
    rows = (
        db.connection()
        .execute(
            select_columns(PARTICIPANT.c.id, PARTICIPANT.c.display_name, PARTICIPANT.c.role)
            .where(PARTICIPANT.c.denksessie_id == denksessie_id, PARTICIPANT.c.removed.is_(False))
            .order_by(PARTICIPANT.c.joined_at)
        )
        .all()
    )
    roles = role_labels({pid: role for pid, _, role in rows})
    return [{"id": pid, "display_name": name, "role": roles[pid]} for pid, name, _ in rows]


def results_visible(denksessie: Denksessie, session_round: SessionRound, role: Role) -> bool:
    return role == "facilitator" or session_round.revealed or denksessie.show_results_live


def round_public(db: DbSession, session_round: SessionRound) -> dict[str, Any]:
    assert session_round.id is not None
    return {
        "id": session_round.id,
        "position": session_round.position,
        "kind": session_round.kind,
        "title": session_round.title,
        "status": session_round.status,
        "revealed": session_round.revealed,
        "config": session_round.config,
        "tie_break_order": session_round.tie_break_order,
        "deadline_at": session_round.deadline_at.isoformat() if session_round.deadline_at else None,
        "n_ballots": ballot_count(db, session_round.id),
    }


# Round kinds whose aggregate differs for the facilitator (hidden principles are shown, flagged).
PER_ROLE_KINDS = frozenset(name for name, kind in KINDS.items() if kind.per_role)
# The parts of a snapshot a client keeps between ``state`` frames: the catalogue's values and the
# casus texts change only when a round with a new casus is added (docs/realtime-protocol.md).
KEPT_PARTS = ("values", "casussen")


def kept_parts(db: DbSession, denksessie: Denksessie, rounds: list[SessionRound]) -> dict[str, Any]:
    """The catalogue's values and the texts of the casussen of the casus rounds."""
    catalogue = catalogues.to_public(db, sessions.catalogue_of(db, denksessie))
    casus_ids = {i for r in rounds for i in kind_of(r.kind).casus_ids(r.config)}
    casus_rows = [casussen.get_by_id(db, casus_id) for casus_id in sorted(casus_ids)]
    return {
        "values": [
            {
                "key": v.key,
                "name": v.name,
                "cluster": c.key,
                "cluster_name": c.name,
                "group": c.group,
                # What the value means, for the "i" beside its name on the phone (~7 KB in all).
                "opvattingen": v.opvattingen,
            }
            for c in catalogue.clusters
            for v in c.values
        ],
        "casussen": {
            str(casus.id): {
                "title": casus.title,
                "situation": casus.situation,
                "decision_question": casus.decision_question,
                "domain": casus.domain,
            }
            for casus in casus_rows
            if casus is not None
        },
    }


def snapshots(
    db: DbSession, denksessie: Denksessie, *, roles: list[Role]
) -> dict[Role, dict[str, Any]]:
    """The complete state of each role, built from the database in one read: what the roles
    share (rounds, counts, catalogue, one aggregate per round and variant) is read once, not
    once per role."""
    assert denksessie.id is not None
    rounds = sessions.rounds_of(db, denksessie.id)
    shared: dict[str, Any] = {
        "type": "snapshot",
        "seq": denksessie.seq,
        # Phones' clocks are often wrong; countdowns use the offset to this.
        "server_time": utcnow().isoformat(),
        "denksessie": {
            "id": denksessie.id,
            "title": denksessie.title,
            "code": denksessie.join_code,
            "status": denksessie.status,
            "join_locked": denksessie.join_locked,
            "show_results_live": denksessie.show_results_live,
            "roles": denksessie.roles,
            # Self-paced (decision 0033): every round open side by side until ``closes_at``.
            "self_paced": denksessie.self_paced,
            "closes_at": denksessie.closes_at.isoformat() if denksessie.closes_at else None,
            "closed": denksessie.closed_at is not None,
        },
        "participants": sessions.participant_count(db, denksessie.id),
        "rounds": [round_public(db, r) for r in rounds],
        "current_round_id": next((r.id for r in rounds if r.status == "open"), None),
    }
    shared.update(kept_parts(db, denksessie, rounds))
    to_vote = {r.id: kind_of(r.kind).principles_to_vote(db, denksessie, r) for r in rounds}
    shared["principles"] = {
        str(round_id): [{"id": p.id, "text": p.text} for p in principles]
        for round_id, principles in to_vote.items()
        if principles is not None
    }
    computed: dict[tuple[int, bool], dict[str, Any]] = {}
    frames: dict[Role, dict[str, Any]] = {}
    for role in roles:
        visible: dict[str, Any] = {}
        for r in rounds:
            assert r.id is not None
            if r.status == "draft" or not results_visible(denksessie, r, role):
                continue
            key = (r.id, role == "facilitator" and r.kind in PER_ROLE_KINDS)
            if key not in computed:
                computed[key] = aggregate(db, denksessie, r, role=role)
            visible[str(r.id)] = computed[key]
        frame = {**shared, "results": visible}
        if role == "facilitator":
            frame["participant_list"] = participant_list(db, denksessie.id)
        frames[role] = frame
    return frames


def personal_part(db: DbSession, participant: Participant, round_ids: list[int]) -> dict[str, Any]:
    """What a participant's snapshot adds to its role's: who it is and its own ballots in these
    rounds (one query), so a phone that comes back shows what it answered."""
    mine = own_ballots(db, round_ids=round_ids, participant_id=participant.id)
    return {
        "you": {
            "participant_id": participant.id,
            "display_name": participant.display_name,
            "role": participant.role,
        },
        "own_ballots": {
            str(round_id): {
                "payload": ballot.payload,
                "revision": ballot.revision,
                "client_msg_id": ballot.client_msg_id,
            }
            for round_id, ballot in mine.items()
        },
    }


def snapshot(
    db: DbSession, denksessie: Denksessie, *, role: Role, participant: Participant | None = None
) -> dict[str, Any]:
    """The complete state one client needs, built from the database."""
    data = snapshots(db, denksessie, roles=[role])[role]
    if participant is not None:
        data.update(personal_part(db, participant, [r["id"] for r in data["rounds"]]))
    return data
