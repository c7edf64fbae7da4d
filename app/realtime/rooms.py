"""A denksessie's live state on one worker: its sockets, what they hold, its running tallies.

Only the event loop reads and writes a ``Room`` (decision 0027): worker threads read the
database and return values (``realtime/views.py``), and the hub applies them here. So nothing
here takes a lock.
"""

from __future__ import annotations

import functools
import hashlib
import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

from app.aggregation.running import RunningTally
from app.events import Event
from app.realtime.connection import Connection
from app.realtime.views import (
    LIGHT_EVENTS,
    SETTLED_KEPT_BY,
    LiveRead,
    OpenRound,
    StateRead,
    Texts,
    dumps,
    phone_result,
    phone_sized,
    reads_database,
    round_results,
)
from app.realtime.wire import Prepared
from app.sessions import results
from app.sessions.kinds import kind_of
from app.tokens import Role

# How often the facilitator's participant list is read again while people keep joining, and
# how often an unchanged list is sent again.
PEOPLE_REFRESH_S = 1.0
PEOPLE_RESEND_S = 5.0


def settled_results(frame: dict[str, Any]) -> dict[str, Any]:
    """The results of the rounds a snapshot or state shows as not open: only a state event
    changes them (tallies carry open rounds only), so a client may keep them from frame to
    frame."""
    open_ids = {str(r["id"]) for r in frame["rounds"] if r["status"] == "open"}
    return {key: value for key, value in frame["results"].items() if key not in open_ids}


@dataclass(frozen=True)
class SharedSnapshot:
    """The shared part of a role's snapshot, read at ``read_at`` (monotonic), as a dict (for
    what the room's sockets hold) and serialised once without ``server_time``, so a
    participant's own part is spliced in without serialising the whole again.

    ``kept_id`` names its kept parts (the values and casus texts, most of a phone's snapshot);
    ``light`` is the same snapshot without them, for a socket whose ``hello`` says it holds
    them already (a reconnect, decision 0038)."""

    read_at: float
    frame: dict[str, Any]
    json: str
    round_ids: tuple[int, ...]
    kept_id: str = ""
    light: str = ""

    @classmethod
    def of(cls, read_at: float, frame: dict[str, Any]) -> SharedSnapshot:
        shared = {key: value for key, value in frame.items() if key != "server_time"}
        kept = {part: shared[part] for part in results.KEPT_PARTS if part in shared}
        kept_id = hashlib.sha256(dumps(kept).encode()).hexdigest()[:16]
        light = {key: value for key, value in shared.items() if key not in kept}
        return cls(
            read_at,
            frame,
            dumps({**shared, "kept_id": kept_id}),
            tuple(r["id"] for r in frame["rounds"]),
            kept_id,
            dumps({**light, "kept_id": kept_id}),
        )

    def with_part(self, part: dict[str, Any], *, held: str | None = None) -> str:
        """The serialised snapshot with ``part`` (``server_time``, and ``you`` and
        ``own_ballots`` for a participant) added; without the kept parts when ``held`` (the
        ``kept`` of the socket's hello) names them."""
        whole = self.light if held is not None and held == self.kept_id else self.json
        return whole[:-1] + "," + dumps(part)[1:]


def _delta_fields(raw: Any) -> tuple[int, str, int, dict[str, Any], str] | None:
    try:
        return (
            int(raw["round_id"]),
            str(raw["participant_id"]),
            int(raw["revision"]),
            dict(raw["payload"]),
            str(raw["role"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _base_of(role: Role) -> str:
    """Which base of the last state a role's state is built from: the screen and the phones
    see the same results (a phone's sized by ``phone_sized``)."""
    return "facilitator" if role == "facilitator" else "room"


@dataclass
class Room:
    denksessie_id: int
    connections: set[Connection] = field(default_factory=set)  # via ``enter`` and ``leave``
    # Of those, the facilitator's and the screens': a tick that has nothing new for the phones
    # finds the few sockets it sends to without a walk over thousands.
    staff: set[Connection] = field(default_factory=set)
    # Each participant's newest socket on this worker: finding an older one is a lookup, not a
    # walk over every socket (which made a wave of 5,000 connections quadratic).
    phones: dict[str, Connection] = field(default_factory=dict)
    state_dirty: bool = False
    tally_dirty: bool = False
    phones_dirty: bool = False
    last_phone_push: float = 0.0  # when the last round of phone tallies began
    # The phones still to get a tally in the round under way, and how many a tick tells.
    phones_waiting: list[Connection] = field(default_factory=list)
    phones_per_tick: int = 0
    state_changed_at: float = 0.0  # when the last state event arrived (monotonic)

    # --- running tallies (decision 0028) ---
    # None until the first read from the database; rebuilt from it by a reconcile.
    tallies: dict[int, RunningTally] | None = None
    open_rounds: dict[int, OpenRound] = field(default_factory=dict)
    show_results_live: bool = False
    # Rebuild the tallies from the database on the next tick (a marker without deltas, a
    # delta for a round not known to be open).
    reconcile_due: bool = False
    # Deltas heard while a reconcile's read is under way: replayed on what it read (a delta
    # already in the read changes nothing, its revision is not newer).
    reading_live: bool = False
    heard_meanwhile: list[Any] = field(default_factory=list)
    participants: int = 0
    participants_dirty: bool = True
    # Rounds whose live result reads the database (``views.reads_database``): the texts
    # written, or the kind's recount, read again (at most every twice what the read cost) when
    # ballots may have changed them; dropped by a rebuild (a state event: a moderation).
    texts: dict[int, Texts] = field(default_factory=dict)
    texts_dirty: set[int] = field(default_factory=set)
    # A recounted round's ballots as last read: the next read decodes only the changed ones.
    kept_rows: dict[int, results.RoundRows] = field(default_factory=dict)
    texts_read_at: float = 0.0
    texts_cost: float = 0.0
    # A read of the facilitator's list and the texts is under way (``Hub._read_extras``);
    # ``tallies_generation`` counts rebuilds, so one that raced a rebuild is not kept.
    reading_extras: bool = False
    tallies_generation: int = 0
    # Results last built per (round, facilitator variant): the tally's change count and the
    # texts they were built from, and the results.
    built: dict[tuple[int, bool], tuple[int, Texts | None, dict[str, Any] | None]] = field(
        default_factory=dict
    )

    # The facilitator's participant list with the count it was read at: with thousands of phones
    # it is the largest part of a tally, and only joins (the count) or a removal (a state
    # event) change it.
    people: tuple[int, float, list[dict[str, Any]]] | None = None
    # The list last put in a facilitator's tally, and when.
    people_sent: list[dict[str, Any]] | None = None
    people_sent_at: float = 0.0
    # The last tally frame pushed per role: a marker whose change an earlier tick already
    # counted (say a join and a ballot in one tick) sends nothing a second time.
    last_tally: dict[str, str] = field(default_factory=dict)
    # The shared (not personal) part of a snapshot per role: a wave of (re)connecting phones
    # reads the database once per role, not once per phone.
    snapshots: dict[str, SharedSnapshot] = field(default_factory=dict)
    # What every socket of the room holds, so a state frame can leave it out. ``kept``: the kept
    # parts (values, casus texts), None when sockets may hold different ones; ``kept_known`` is
    # False until the first snapshot or state. ``settled``: per role, the results of rounds that
    # were not open, by round id, that every socket of the role holds. ``reading``: sockets
    # whose snapshot is being read (not noted yet); they get whole state frames.
    kept: dict[str, Any] | None = None
    kept_known: bool = False
    settled: dict[str, dict[str, Any]] = field(default_factory=dict)
    reading: set[Connection] = field(default_factory=set)
    # The seq every socket of the room has a state or snapshot of (None: no snapshot yet).
    seq: int | None = None

    # --- states built in memory (decision 0037) ---
    # The last state as built, before sizing: the facilitator's and the room's (the screen's,
    # and a phone's before ``phone_sized``), at ``last_state_seq``. A light state event
    # (``views.LIGHT_EVENTS``: a timer, a reveal, joining locked) changes it without a visit to
    # the database; ``full_state_due``: a state event since that needs one.
    last_state: dict[str, dict[str, Any]] | None = None
    last_state_seq: int = 0
    last_state_at: float = 0.0  # when what it shows was read (monotonic)
    light_events: list[Event] = field(default_factory=list)
    full_state_due: bool = False
    # Results of rounds not open, per (round id, facilitator's variant), as last read; a reveal
    # shows them from here. ``results_generation`` counts the events that dropped them, so a
    # read ahead (``views.read_room_results``) that raced one is not kept.
    known_results: dict[tuple[int, bool], dict[str, Any]] = field(default_factory=dict)
    results_generation: int = 0
    reading_ahead: bool = False

    # --- reconnects from memory ---
    # The join code (normalised) the database confirmed for this room, and per participant
    # confirmed active its own part of a snapshot as read (``you``, ``own_ballots``); dropped
    # by every state event and a backplane loss, after which the database is asked again.
    code: str | None = None
    personal: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Per (round, participant): the newest revision heard in a delta and its message id.
    msg_ids: dict[tuple[int, str], tuple[int, str]] = field(default_factory=dict)

    # --- sockets -------------------------------------------------------------------------------

    def note_snapshot(self, role: str, frame: dict[str, Any]) -> None:
        """A socket of this room was given ``frame`` as its snapshot."""
        kept = {part: frame.get(part) for part in results.KEPT_PARTS}
        if not self.kept_known:
            self.kept, self.kept_known = kept, True
        elif self.kept != kept:
            self.kept = None
        settled = settled_results(frame)
        held = self.settled.get(role)
        self.settled[role] = (
            settled
            if held is None
            else {key: value for key, value in held.items() if settled.get(key) == value}
        )

    def enter(self, connection: Connection) -> None:
        self.connections.add(connection)
        if connection.role != "participant":
            self.staff.add(connection)

    def leave(self, connection: Connection) -> None:
        self.connections.discard(connection)
        self.staff.discard(connection)

    def tell_phones(self, now: float, ticks: float) -> None:
        """Begin a round of phone tallies, spread over ``ticks`` ticks: written to 2,000
        sockets in one tick it held the loop for 40 ms every second, and the ballots that came
        in meanwhile waited that long for their acknowledgement. Each tick tells the next share
        the counts as they are then."""
        self.phones_waiting = [c for c in self.connections if c.role == "participant"]
        self.phones_per_tick = math.ceil(len(self.phones_waiting) / max(ticks, 1.0))
        self.phones_dirty, self.last_phone_push = False, now

    def phones_to_tell(self, at_least: int) -> list[Connection]:
        """This tick's share of the phones waiting for a tally (at least ``at_least``)."""
        share = max(at_least, self.phones_per_tick)
        told, self.phones_waiting = self.phones_waiting[:share], self.phones_waiting[share:]
        return [c for c in told if c in self.connections]

    def in_send_order(self) -> list[Connection]:
        """Phones first, then the screens and the facilitator. A phone's state is small; the
        staff's carry the live results, and serialising and compressing them took 6-7 ms that
        2,000 phones waited for, while a projector does not show a state 20-30 ms later. (A
        socket whose frame cannot go onto the wire at once is sent it by its sender task, in
        the order woken; the staff's frames nearly always go at once.)"""
        return [*(c for c in self.connections if c.role == "participant"), *self.staff]

    def has_role(self, role: Role) -> bool:
        among = self.connections if role == "participant" else self.staff
        return any(c.role == role and not c.closing for c in among)

    def state_frames(
        self, snapshots: dict[Role, dict[str, Any]], *, ended: bool = False
    ) -> dict[str, tuple[Prepared, Prepared | None]]:
        """Per role the whole ``state`` and the light one (None when it would leave out
        nothing), and what the room's sockets hold once they have it. Each is serialised when
        the first socket needs it (most get the light one; the phones' goes out first)."""
        frames: dict[str, tuple[Prepared, Prepared | None]] = {}
        if not snapshots:
            return frames
        any_role = next(iter(snapshots.values()))
        kept = {part: any_role[part] for part in results.KEPT_PARTS}  # the same for every role
        same_kept = self.kept_known and self.kept == kept and not ended
        self.kept, self.kept_known = kept, True
        for role, frame in snapshots.items():
            frame["type"] = "state"
            settled = settled_results(frame)
            held = self.settled.get(role, {})
            self.settled[role] = settled
            unchanged = [key for key, value in settled.items() if held.get(key) == value]
            light = {key: value for key, value in frame.items() if key not in results.KEPT_PARTS}
            if unchanged:
                light["results"] = {
                    key: value for key, value in frame["results"].items() if key not in unchanged
                }
                light["results_kept"] = unchanged
            omits = same_kept or bool(unchanged)
            if not same_kept:
                light.update(kept)
            frames[role] = (
                Prepared.later(functools.partial(dumps, frame)),
                Prepared.later(functools.partial(dumps, light)) if omits else None,
            )
        return frames

    # --- states built in memory (decision 0037) ----------------------------------------------

    def heard_state_event(self, event: Event) -> None:
        """A state event: a state follows, built in memory when it is light (and nothing but
        light ones came since the last state), else read from the database."""
        if event.type in LIGHT_EVENTS:
            self.light_events.append(event)
            return
        self.full_state_due = True
        self.results_generation += 1
        round_id = event.payload.get("round_id")
        if event.type in SETTLED_KEPT_BY and isinstance(round_id, int):
            self.known_results.pop((round_id, True), None)
            self.known_results.pop((round_id, False), None)
        else:
            self.known_results.clear()

    def forget_state(self) -> None:
        """Events may have been lost (a backplane loss): the next state is read whole."""
        self.full_state_due = True
        self.known_results.clear()
        self.results_generation += 1

    def remember_state(self, read: StateRead, read_at: float) -> None:
        """A state read from the database (begun at ``read_at``): the base of the next light
        one, and the results of the rounds not open in it."""
        bases = {"facilitator": read.snapshots.get("facilitator"), "room": read.room}
        self.last_state = {key: frame for key, frame in bases.items() if frame is not None}
        self.last_state_seq, self.last_state_at = read.live.seq, read_at
        facilitator, room = bases["facilitator"], bases["room"]
        for frame in (facilitator, room):
            if frame is None:
                continue
            for listed in frame["rounds"]:
                result = frame["results"].get(str(listed["id"]))
                if listed["status"] != "closed" or result is None:
                    continue
                per_role = kind_of(listed["kind"]).per_role
                if frame is facilitator:
                    self.known_results[(listed["id"], True)] = result
                if frame is room or not per_role:
                    self.known_results[(listed["id"], False)] = result

    def results_to_read(self) -> list[int]:
        """Closed rounds whose results the room does not see yet and that a reveal would have to
        read: those that differ for the facilitator (the others the facilitator's state has)."""
        if self.last_state is None or not any(c.role != "facilitator" for c in self.connections):
            return []
        rounds = next(iter(self.last_state.values()))["rounds"]
        return [
            r["id"]
            for r in rounds
            if r["status"] == "closed"
            and (r["id"], False) not in self.known_results
            and kind_of(r["kind"]).per_role
        ]

    def light_state(self, heard: list[Event], server_time: str) -> dict[str, dict[str, Any]] | None:
        """The last state with the light events ``heard`` since applied, and the counts, open
        rounds' results and participant list as this worker knows them now (what a tally would
        carry); ``{}`` when the last state already holds every event; None when the database
        must be read (an event missed or out of order, a result not known here)."""
        events = [e for e in heard if e.seq > self.last_state_seq]
        base = self.last_state
        if base is None or self.tallies is None or self.reconcile_due:
            return None
        if not events:
            return {}
        if [e.seq for e in events] != list(
            range(self.last_state_seq + 1, self.last_state_seq + 1 + len(events))
        ):
            return None
        deadlines: dict[int, Any] = {}
        revealed: dict[int, bool] = {}
        locked: bool | None = None
        for event in events:
            payload = event.payload
            if event.type == "joining_locked" and isinstance(payload.get("locked"), bool):
                locked = payload["locked"]
            elif event.type == "timer_set" and isinstance(payload.get("round_id"), int):
                deadline = payload.get("deadline_at")
                if deadline is not None and not isinstance(deadline, str):
                    return None
                deadlines[payload["round_id"]] = deadline
            elif event.type == "round_revealed" and isinstance(payload.get("round_id"), int):
                revealed[payload["round_id"]] = bool(payload.get("revealed", True))
            else:
                return None
        for round_id, now_shown in revealed.items():
            open_round = self.open_rounds.get(round_id)
            if open_round is not None:
                self.open_rounds[round_id] = replace(open_round, revealed=now_shown)
        built: dict[str, dict[str, Any]] = {}
        for key, frame in base.items():
            facilitator = key == "facilitator"
            live = bool(frame["denksessie"]["show_results_live"])
            rounds: list[dict[str, Any]] = []
            results = dict(frame["results"])
            for listed in frame["rounds"]:
                round_id = listed["id"]
                listed = dict(listed)
                if round_id in deadlines:
                    listed["deadline_at"] = deadlines[round_id]
                if round_id in revealed:
                    listed["revealed"] = revealed[round_id]
                running = self.tallies.get(round_id)
                if running is not None:
                    listed["n_ballots"] = running.n_ballots
                rounds.append(listed)
                if listed["status"] == "draft":
                    continue
                shown = str(round_id)
                if not (facilitator or listed["revealed"] or live):
                    results.pop(shown, None)
                    continue
                open_round = self.open_rounds.get(round_id)
                result = (
                    self.results_of(open_round, facilitator)
                    if open_round is not None and running is not None
                    else None
                )
                if (
                    result is None
                    and listed["status"] == "closed"
                    and (shown not in results or round_id in revealed)
                ):
                    result = self.known_results.get((round_id, facilitator))
                if result is not None:
                    results[shown] = result
                elif shown not in results:
                    return None  # a result to show that is not known here
            changed = {
                **frame,
                "seq": events[-1].seq,
                "server_time": server_time,
                "participants": self.participants_shown(),
                "rounds": rounds,
                "results": results,
            }
            if locked is not None:
                changed["denksessie"] = {**frame["denksessie"], "join_locked": locked}
            if facilitator and self.people is not None and self.people[1] > self.last_state_at:
                changed["participant_list"] = self.people[2]  # read since the last state
            built[key] = changed
        self.last_state, self.last_state_seq = built, events[-1].seq
        if self.people is not None:
            self.last_state_at = max(self.last_state_at, self.people[1])
        return built

    def has_bases(self, roles: list[Role]) -> bool:
        """Whether the last state has a base for each of these roles (a role whose first socket
        came since has none)."""
        held = self.last_state or {}
        return all(_base_of(role) in held for role in roles)

    @staticmethod
    def state_of(roles: list[Role], bases: dict[str, dict[str, Any]]) -> dict[Role, dict[str, Any]]:
        """Each role's state from the bases (``light_state``; see ``has_bases``)."""
        return {
            role: phone_sized(bases[_base_of(role)])
            if role == "participant"
            else dict(bases[_base_of(role)])
            for role in roles
        }

    # --- running tallies -----------------------------------------------------------------------

    def rebuild(self, live: LiveRead) -> bool:
        """Running tallies afresh from the database, then the deltas heard during the read;
        whether there were any."""
        self.open_rounds = {r.id: r for r in live.rounds}
        self.show_results_live = live.show_results_live
        tallies: dict[int, RunningTally] = {}
        for open_round in live.rounds:
            running = RunningTally(
                kind_of(open_round.kind).counter(),
                candidates=open_round.candidates,
                tie_break_order=open_round.tie_break_order,
            )
            for pid, revision, payload, role in live.rows.get(open_round.id, []):
                running.apply(pid, revision, payload, role)
            tallies[open_round.id] = running
        self.tallies = tallies
        self.tallies_generation += 1
        self.built = {}
        self.participants = live.participants
        # Read again at once: a state event may have hidden what they show.
        self.texts, self.texts_read_at = {}, 0.0
        self.texts_dirty = {r.id for r in live.rounds if reads_database(r)}
        self.kept_rows = {
            r.id: self.kept_rows.get(r.id) or results.RoundRows()
            for r in live.rounds
            if r.id in self.texts_dirty
        }
        self.reconcile_due = False
        heard, self.heard_meanwhile = self.heard_meanwhile, []
        self.apply_deltas(heard)
        self.tally_dirty = self.phones_dirty = True
        return bool(heard)

    def forget_people(self) -> None:
        """Whom the database confirmed, and their own parts: asked again after a state event
        (a removal, the end, a deletion of ballots) or a backplane loss."""
        self.personal.clear()
        self.code = None

    def own_part(self, participant_id: str, round_ids: tuple[int, ...]) -> dict[str, Any] | None:
        """A confirmed participant's own part of a snapshot from memory: as read, with the
        ballots the running tallies hold since; None when not known here."""
        personal = self.personal.get(participant_id)
        if personal is None or self.tallies is None:
            return None
        own = dict(personal["own_ballots"])
        for round_id in round_ids:
            running = self.tallies.get(round_id)
            held = running.held.get(participant_id) if running is not None else None
            known = own.get(str(round_id))
            if held is None or (known is not None and known["revision"] >= held.revision):
                continue
            msg = self.msg_ids.get((round_id, participant_id))
            if msg is None or msg[0] != held.revision:
                return None  # held from a reconcile: its message id is in the database
            own[str(round_id)] = {
                "payload": held.payload,
                "revision": held.revision,
                "client_msg_id": msg[1],
            }
        return {"you": personal["you"], "own_ballots": own}

    def apply_deltas(self, deltas: list[Any]) -> None:
        """Ballots stored by some worker (this one included): each replaces its participant's
        older one in the running tally of its round."""
        if self.reading_live:
            self.heard_meanwhile.extend(deltas)
        for raw in deltas:
            fields = _delta_fields(raw)
            if fields is None:
                continue
            round_id, pid, revision, payload, role = fields
            msg_id = raw.get("client_msg_id")
            if isinstance(msg_id, str) and revision > self.msg_ids.get((round_id, pid), (0,))[0]:
                self.msg_ids[(round_id, pid)] = (revision, msg_id)
            if self.tallies is None:
                continue  # counted by the first read; its message id is kept for ``own_part``
            running = self.tallies.get(round_id)
            if running is None:
                # A round not known to be open here yet (its event is on its way): the
                # database knows.
                self.reconcile_due = True
                continue
            if running.apply(pid, revision, payload, role) and reads_database(
                self.open_rounds[round_id]
            ):
                self.texts_dirty.add(round_id)
        self.tally_dirty = self.phones_dirty = True

    # --- tallies (built on the event loop from the running tallies) ---------------------------

    def people_due(self, now: float) -> bool:
        """Whether the facilitator's participant list must be read again: joins change it every
        tick during a wave, so it is read at most once a second then (the count in the same
        frame is always current); a state event (a removal) refreshes it at once."""
        if self.people is None:
            return True
        known, built_at, _ = self.people
        if built_at < self.state_changed_at:
            return True
        if known == self.participants and not self.participants_dirty:
            return False
        if now - built_at < PEOPLE_REFRESH_S:
            self.tally_dirty = True  # come back for the newcomers after the pause
            return False
        return True

    def visible(self, open_round: OpenRound, role: Role) -> bool:
        return role == "facilitator" or open_round.revealed or self.show_results_live

    def results_of(self, open_round: OpenRound, facilitator: bool) -> dict[str, Any] | None:
        """A round's live results (``views.round_results``), built again only when its running
        tally or its texts changed; None while its first read is to come."""
        assert self.tallies is not None
        running = self.tallies[open_round.id]
        texts = self.texts.get(open_round.id)
        key = (open_round.id, facilitator and kind_of(open_round.kind).per_role)
        built = self.built.get(key)
        if built is not None and built[0] == running.changes and built[1] is texts:
            return built[2]
        result = round_results(open_round, running, texts, facilitator=facilitator)
        self.built[key] = (running.changes, texts, result)
        return result

    def participants_shown(self) -> int:
        """The participant count as last read, and at least everyone who answered an open
        round: a count read a moment before a join committed must not put "1 van 0" on the
        projector until the next read."""
        return max([self.participants, *(t.n_ballots for t in (self.tallies or {}).values())])

    def tally_frames(self, present: list[Role]) -> dict[str, str]:
        """One ``tally`` per role present, serialised once, from the running tallies."""
        assert self.tallies is not None
        frames: dict[str, str] = {}
        participants = self.participants_shown()
        for role in present:
            rounds: dict[str, Any] = {}
            for open_round in self.open_rounds.values():
                running = self.tallies[open_round.id]
                entry: dict[str, Any] = {"n_ballots": running.n_ballots}
                result = (
                    self.results_of(open_round, role == "facilitator")
                    if self.visible(open_round, role)
                    else None
                )
                if result is not None:
                    entry["results"] = phone_result(result) if role == "participant" else result
                rounds[str(open_round.id)] = entry
            frame: dict[str, Any] = {
                "type": "tally",
                "seq": self.seq,
                "participants": participants,
                "rounds": rounds,
            }
            if role == "facilitator" and self.people is not None:
                people = self.people[2]
                # Unchanged, the list (5,000 rows, 250 KB) stays out of the tally (live.js
                # keeps the last one); it still travels every few seconds, in case a tally
                # that carried it was replaced in a slow socket's slot before it went out.
                now = time.monotonic()
                if people is not self.people_sent or now - self.people_sent_at >= PEOPLE_RESEND_S:
                    frame["participant_list"] = people
                    self.people_sent, self.people_sent_at = people, now
            frames[role] = dumps(frame)
        return frames
