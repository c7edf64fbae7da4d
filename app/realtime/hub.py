"""The hub: local sockets per denksessie, events from the backplane, aggregates on a tick.

Every event goes out through the backplane and comes back to every worker, this one included,
so all workers treat all events alike. State events mark a room for a new ``state`` frame
(built once per role from the database and serialised once) and wake the tick at once, so a
facilitator's click does not wait for the next tick; markers (ballots, joins) mark it for a
``tally`` on the next tick: screen and facilitator every 100 ms, phones every second (less often
in rooms of thousands, see ``PHONE_SENDS_PER_S``), and only when something changed. Nothing is
ever broadcast per ballot.

A ``state`` frame leaves out what every socket of the room already holds: the catalogue's values
and the casus texts (``results.KEPT_PARTS``) unless they changed, and the results of rounds that
are not open and did not change (listed in ``results_kept``); clients keep those from their
snapshot or an earlier state (docs/realtime-protocol.md). A tally read with a higher ``seq`` than
the room's sockets hold (a state event not heard yet) is replaced by a state, so clients never
see a tally from the future and ask for snapshots all at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.events import MARKERS, Event, topic
from app.i18n.errors import error_text
from app.observability.metrics import Metrics
from app.realtime.backplane import Backplane
from app.realtime.connection import Connection
from app.realtime.protocol import CLOSE_ENDED, CLOSE_REMOVED, CLOSE_REPLACED
from app.realtime.writer import BallotWriter
from app.sessions import results
from app.sessions import service as sessions
from app.sessions.models import Denksessie
from app.tokens import Role

logger = logging.getLogger(__name__)
T = TypeVar("T")

SCREEN_INTERVAL_S = 0.1
PHONE_INTERVAL_S = 1.0
# Phone tallies per second a worker spends on one room at most: each is one send (and one
# compression) per phone, so a room of 5,000 phones on one worker gets one every 2 s.
PHONE_SENDS_PER_S = 2_500
# How often the facilitator's participant list is read again while people keep joining, and
# how often an unchanged list is sent again.
PEOPLE_REFRESH_S = 1.0
PEOPLE_RESEND_S = 5.0
# How long the shared part of a snapshot may be reused. A state event drops it at once; counts
# and open rounds' results may lag by this much, and the tally that ``ready`` asks for corrects
# them. (At 1 s, rebuilding it, every round's aggregate included, was 8 % of a worker's CPU in a
# reconnect storm of 1,000 phones.)
SNAPSHOT_REUSE_S = 5.0
PER_ROLE_KINDS = results.PER_ROLE_KINDS
# Aggregates of open rounds are recomputed at most every this many times their own cost.
AGGREGATE_COST_FACTOR = 2.0
# With the collector frozen (``gc_freeze_after``), freeze again after this many new sockets even
# if joins never pause: reconnecting phones keep a wave going for minutes.
GC_FREEZE_EVERY_SOCKETS = 1_000
# Collector thresholds once frozen: full collections 10x rarer than CPython's (700, 10, 10).
# Raising the young thresholds too (2,000 or 10,000) made no fewer milliseconds of pauses in all,
# only longer single pauses (docs/performance.md).
GC_THRESHOLDS_FROZEN = (700, 10, 100)


def dumps(frame: dict[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False, default=str)


async def in_thread(work: Callable[[], T], *, limiter: anyio.CapacityLimiter | None = None) -> T:
    """Run blocking database work in a worker thread, and wait for it even when cancelled.

    ``anyio.to_thread.run_sync`` shields its thread from anyio cancel scopes but abandons it
    when the awaiting task is cancelled with ``Task.cancel()`` (as ``Hub.stop`` does): the
    thread then keeps a connection checked out while the lifespan disposes the engine, and that
    connection leaks. Waiting for the thread, shielded from both kinds of cancellation, before
    the cancellation goes on keeps shutdown clean.
    """
    future = asyncio.ensure_future(anyio.to_thread.run_sync(work, limiter=limiter))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        with anyio.CancelScope(shield=True):
            await asyncio.wait({future})
        raise


def _send_off(connection: Connection, code: str, close_code: int) -> None:
    """Tell a socket why in an error frame (in its language), then close it (once: a closing
    socket is left)."""
    if connection.closing:
        return
    message = error_text(code, language=connection.language)
    connection.send_direct(dumps({"type": "error", "code": code, "message": message}))
    connection.close(close_code, code)


def settled_results(frame: dict[str, Any]) -> dict[str, Any]:
    """The results of the rounds a snapshot or state shows as not open: only a state event
    changes them (tallies carry open rounds only), so a client may keep them from frame to
    frame."""
    open_ids = {str(r["id"]) for r in frame["rounds"] if r["status"] == "open"}
    return {key: value for key, value in frame["results"].items() if key not in open_ids}


@dataclass
class Room:
    denksessie_id: int
    connections: set[Connection] = field(default_factory=set)
    # Each participant's newest socket on this worker: finding an older one is a lookup, not a
    # walk over every socket (which made a wave of 5,000 connections quadratic).
    phones: dict[str, Connection] = field(default_factory=dict)
    # The aggregates the last tally carried, by (round, facilitator variant), when they were
    # last all computed afresh and what that cost (seconds).
    aggregates: dict[tuple[int, bool], dict[str, Any]] = field(default_factory=dict)
    aggregated_at: float = 0.0
    aggregate_cost: float = 0.0
    # Each open round's ballots as the last tick read them (``results.RoundRows``).
    rows: dict[int, results.RoundRows] = field(default_factory=dict)
    state_dirty: bool = False
    tally_dirty: bool = False
    phones_dirty: bool = False
    last_phone_push: float = 0.0
    state_changed_at: float = 0.0  # when the last state event arrived (monotonic)
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
    # The shared (not personal) part of a snapshot per role, with when it was read: a wave of
    # (re)connecting phones reads the database once per role, not once per phone.
    snapshots: dict[str, tuple[float, dict[str, Any]]] = field(default_factory=dict)
    # What every socket of the room holds, so a state frame can leave it out (``Hub.held``
    # guards these; snapshots are noted from worker threads). ``kept``: the kept parts (values,
    # casus texts), None when sockets may hold different ones; ``kept_known`` is False until the
    # first snapshot or state. ``settled``: per role, the results of rounds that were not open,
    # by round id, that every socket of the role holds. ``reading``: sockets whose snapshot is
    # being read (not noted yet); they get whole state frames.
    kept: dict[str, Any] | None = None
    kept_known: bool = False
    settled: dict[str, dict[str, Any]] = field(default_factory=dict)
    reading: set[Connection] = field(default_factory=set)
    # The seq every socket of the room has a state or snapshot of (None: no snapshot yet). A
    # tally read with a higher seq would make each client ask for a snapshot (a state it has
    # not had): the room gets that state instead.
    seq: int | None = None

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

    def rows_of(self, round_id: int) -> results.RoundRows:
        """The kept ballots of an open round (read from the tick's thread only)."""
        return self.rows.setdefault(round_id, results.RoundRows())

    def in_send_order(self) -> list[Connection]:
        """Screens and the facilitator first: every woken sender task runs in the order it was
        woken, so behind 5,000 phones a screen would wait for all their sends."""
        staff = [c for c in self.connections if c.role != "participant"]
        return staff + [c for c in self.connections if c.role == "participant"]

    def has_role(self, role: Role) -> bool:
        return any(c.role == role and not c.closing for c in self.connections)


class Hub:
    def __init__(
        self,
        engine: Engine,
        backplane: Backplane,
        *,
        screen_interval: float = SCREEN_INTERVAL_S,
        phone_interval: float = PHONE_INTERVAL_S,
        namespace: str = "denksessie",
        metrics: Metrics | None = None,
        gc_freeze_after: float = 0.0,
        gc_freeze_every: int = GC_FREEZE_EVERY_SOCKETS,
        gc_thresholds: tuple[int, int, int] | None = None,
        write_concurrency: int = 1,
    ) -> None:
        self._namespace = namespace
        self.metrics = metrics or Metrics()
        self.writer = BallotWriter(engine, concurrency=write_concurrency)
        self._gc_freeze_after = gc_freeze_after
        self._gc_freeze_every = gc_freeze_every
        self._gc_thresholds = gc_thresholds or GC_THRESHOLDS_FROZEN
        self._last_join = 0.0
        self._joined_since_freeze = 1  # freeze once right after start-up (imports, app, engine)
        self._engine = engine
        self._backplane = backplane
        self._screen_interval = screen_interval
        self._phone_interval = phone_interval
        self.rooms: dict[int, Room] = {}
        self._tasks: list[asyncio.Task[None]] = []
        # Set by a state event: the tick runs at once instead of at its next interval.
        self._wake = asyncio.Event()
        # Guards what rooms know their sockets hold (``Room.kept``, ``Room.settled``).
        self.held = threading.Lock()

    # --- lifecycle -----------------------------------------------------------------------------

    def _topic(self, denksessie_id: int) -> str:
        return topic(denksessie_id, namespace=self._namespace)

    async def start(self) -> None:
        self.writer.start()
        self._tasks = [
            asyncio.create_task(self._read_backplane(), name="hub-backplane"),
            asyncio.create_task(self._tick(), name="hub-tick"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.writer.stop()
        for room in self.rooms.values():
            for connection in list(room.connections):
                await connection.stop()

    # --- sockets -------------------------------------------------------------------------------

    async def add(self, connection: Connection, *, claim: bool = True) -> None:
        """Register a socket before its snapshot is read, so no event after that read is missed.

        Its sender starts only with ``ready``, once the welcome and the snapshot are queued: a
        client reads those two first, never an aggregate it has no snapshot for. With
        ``claim=False`` the socket does not (yet) replace an older one of its participant: the
        endpoint claims only once the database has confirmed the participant.
        """
        room = self.rooms.get(connection.denksessie_id)
        if room is None:
            room = self.rooms[connection.denksessie_id] = Room(connection.denksessie_id)
            await self._backplane.subscribe(self._topic(connection.denksessie_id))
        room.connections.add(connection)
        self._last_join = time.monotonic()
        self._joined_since_freeze += 1
        if claim:
            self.claim(connection)

    def claim(self, connection: Connection) -> None:
        """Make this the participant's one socket in the denksessie on this worker: an older one
        (another tab, or a reconnect while the dropped socket still lingers) gets ``REPLACED``
        and 4409. A socket of the same participant on another worker is not seen (best
        effort)."""
        room = self.rooms.get(connection.denksessie_id)
        if room is None or connection.participant_id is None:
            return
        older = room.phones.get(connection.participant_id)
        if older is not None and older is not connection:
            _send_off(older, "REPLACED", CLOSE_REPLACED)
        room.phones[connection.participant_id] = connection

    def ready(self, connection: Connection) -> None:
        """Start sending to a socket whose snapshot is queued."""
        connection.start()
        self.refresh(connection)

    def refresh(self, connection: Connection) -> None:
        """Push a fresh tally to this socket's role on the next tick.

        A tally built before the snapshot was read may be waiting in the socket's slot and go
        out after it; the next tick replaces it with one read after the snapshot.
        """
        room = self.rooms.get(connection.denksessie_id)
        if room is None:
            return
        room.last_tally.pop(connection.role, None)
        if connection.role == "participant":
            room.phones_dirty = True
        else:
            room.tally_dirty = True

    async def remove(self, connection: Connection) -> None:
        await connection.stop()
        room = self.rooms.get(connection.denksessie_id)
        if room is None:
            return
        room.connections.discard(connection)
        if (
            connection.participant_id is not None
            and room.phones.get(connection.participant_id) is connection
        ):
            del room.phones[connection.participant_id]
        with self.held:
            room.reading.discard(connection)
        if not room.connections:
            del self.rooms[connection.denksessie_id]
            with contextlib.suppress(Exception):
                await self._backplane.unsubscribe(self._topic(connection.denksessie_id))

    def shared_snapshot(self, denksessie_id: int, role: Role) -> dict[str, Any] | None:
        """A copy of the shared part of a snapshot read less than ``SNAPSHOT_REUSE_S`` ago and
        not outdated by a state event since, or None."""
        room = self.rooms.get(denksessie_id)
        cached = room.snapshots.get(role) if room is not None else None
        if cached is None or time.monotonic() - cached[0] > SNAPSHOT_REUSE_S:
            return None
        return dict(cached[1])

    def keep_snapshot(
        self, denksessie_id: int, role: Role, frame: dict[str, Any], read_at: float
    ) -> None:
        """Remember a shared snapshot read at ``read_at`` (before the read began), only for a
        room this worker is subscribed to: only then does a state event reach it and drop it."""
        room = self.rooms.get(denksessie_id)
        if room is not None and read_at >= room.state_changed_at:
            room.snapshots[role] = (read_at, frame)

    def snapshot_begins(self, connection: Connection) -> None:
        """A snapshot for this socket is about to be read (in a worker thread): until
        ``snapshot_given``, state frames to it are whole, since what it will hold is not known
        yet."""
        room = self.rooms.get(connection.denksessie_id)
        if room is not None:
            with self.held:
                room.reading.add(connection)

    def snapshot_given(self, connection: Connection, frame: dict[str, Any]) -> None:
        """This socket's snapshot (fresh or shared) is ``frame``: later state frames may leave
        out only what it holds too."""
        room = self.rooms.get(connection.denksessie_id)
        if room is not None:
            with self.held:
                room.note_snapshot(connection.role, frame)
                room.reading.discard(connection)
                if room.seq is None:
                    room.seq = int(frame["seq"])

    def count(self, role: Role | None = None) -> int:
        return sum(
            1
            for room in self.rooms.values()
            for c in room.connections
            if role is None or c.role == role
        )

    # --- events --------------------------------------------------------------------------------

    async def publish(self, event: Event) -> None:
        """Send an event to every worker, this one included (no echo filtering).

        The envelope carries its wall-clock send time next to the event (readers ignore unknown
        keys), so every worker can measure the backplane's lag."""
        envelope = {
            "type": event.type,
            "denksessie_id": event.denksessie_id,
            "seq": event.seq,
            "payload": event.payload,
            "sent_at": time.time(),
        }
        await self._backplane.publish(self._topic(event.denksessie_id), dumps(envelope))

    async def publish_safely(self, event: Event) -> None:
        """Like ``publish``, but a backplane outage only costs other workers a late refresh:
        the change is already durable, and this worker still refreshes its own sockets (others
        catch up through the resync that follows their own backplane reconnect)."""
        try:
            await self.publish(event)
        except Exception:
            logger.warning("backplane unavailable; marking locally", exc_info=True)
            self.on_event(event)

    async def _read_backplane(self) -> None:
        while True:
            try:
                message = await self._backplane.next_published()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("backplane lost; reconnecting", exc_info=True)
                self.metrics.backplane_reconnects.inc()
                await self._reconnect_backplane()
                continue
            try:
                raw = json.loads(message.data)
                event = Event(
                    type=str(raw["type"]),
                    denksessie_id=int(raw["denksessie_id"]),
                    seq=int(raw["seq"]),
                    payload=dict(raw.get("payload") or {}),
                )
            except (ValueError, KeyError, TypeError, AttributeError):
                logger.warning("ignoring a malformed backplane message")
                continue
            sent_at = raw.get("sent_at")
            if isinstance(sent_at, int | float):
                self.metrics.backplane_lag_seconds.observe(max(0.0, time.time() - sent_at))
            self.on_event(event)

    async def _reconnect_backplane(self) -> None:
        """Reconnect and resubscribe; every room resyncs from the database, so nothing is lost."""
        delay = 0.2
        while True:
            try:
                with contextlib.suppress(Exception):
                    await self._backplane.disconnect()
                await self._backplane.connect()
                for denksessie_id, room in self.rooms.items():
                    await self._backplane.subscribe(self._topic(denksessie_id))
                    room.state_dirty = True
                    room.snapshots.clear()
                    room.state_changed_at = time.monotonic()
                self._wake.set()
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    def on_event(self, event: Event) -> None:
        room = self.rooms.get(event.denksessie_id)
        if room is None:
            return
        if event.type in MARKERS:
            room.tally_dirty = room.phones_dirty = True
            return
        room.state_dirty = True
        room.snapshots.clear()
        room.aggregates = {}  # a round opened, closed or reopened: no aggregate of before it
        room.state_changed_at = time.monotonic()
        self._wake.set()
        if event.type == "participant_removed":
            removed = room.phones.get(str(event.payload.get("participant_id")))
            if removed is not None:
                _send_off(removed, "PARTICIPANT_REMOVED", CLOSE_REMOVED)

    # --- ticks ---------------------------------------------------------------------------------

    def _maybe_freeze_gc(self) -> None:
        """Once a wave of connections has settled, or every ``gc_freeze_every`` new sockets while
        it goes on (reconnecting phones may never leave the worker quiet), move every object
        alive now out of the collector's reach: full collections then stop walking thousands of
        long-lived socket objects (0.5-2.5 s pauses at 5,000 sockets, docs/performance.md).

        A young collection first, so fresh garbage is not frozen with the rest (a full one, to
        free older cycles too, cost a 170 ms pause at 600 sockets); frozen objects that die
        later are freed by reference counting, only cycles among them (and cycles already dead
        in the old generation) stay until unfreeze. The first freeze also sets the collector's
        thresholds (``gc_thresholds``, by default ``GC_THRESHOLDS_FROZEN``) for the process."""
        if self._gc_freeze_after <= 0 or not self._joined_since_freeze:
            return
        quiet = time.monotonic() - self._last_join >= self._gc_freeze_after
        stepped = 0 < self._gc_freeze_every <= self._joined_since_freeze
        if quiet or stepped:
            self._joined_since_freeze = 0
            gc.collect(1)
            gc.freeze()
            if gc.get_threshold() != self._gc_thresholds:
                gc.set_threshold(*self._gc_thresholds)

    async def _tick(self) -> None:
        """Every ``screen_interval``, at once after a state event, and less often when a tick's
        own work takes longer: then the next tick waits as long as the last one took (a state
        event included), so the loop spends at most half its time building frames, and ballots
        keep flowing in while a busy room's screens update a little less often (each update then
        carries more). Several state events in one burst give one ``state`` frame."""
        busy = 0.0
        while True:
            ended = time.monotonic()
            if not self._wake.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), max(self._screen_interval, busy))
            back_off = busy - (time.monotonic() - ended)
            if back_off > 0:
                await asyncio.sleep(back_off)
            self._wake.clear()
            began = time.monotonic()
            for room in list(self.rooms.values()):
                try:
                    await self._push(room)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    logger.exception("tick failed for denksessie %s", room.denksessie_id)
            self._maybe_freeze_gc()  # after the frames: a state event's frame does not wait
            busy = time.monotonic() - began

    async def _push(self, room: Room) -> None:
        now = time.monotonic()
        if room.state_dirty:
            room.state_dirty = False
            await self._push_state(room)
            room.tally_dirty = room.phones_dirty = False
            room.last_phone_push = now
            self.metrics.tick_seconds.labels("state").observe(time.monotonic() - now)
            return
        phone_interval = max(self._phone_interval, len(room.connections) / PHONE_SENDS_PER_S)
        phones_due = room.phones_dirty and now - room.last_phone_push >= phone_interval
        if room.tally_dirty or phones_due:
            roles: list[Role] = []
            if room.tally_dirty:
                roles += ["facilitator", "screen"]
                room.tally_dirty = False
            if phones_due:
                roles.append("participant")
                room.phones_dirty = False
                room.last_phone_push = now
            await self._push_tally(room, roles)
            self.metrics.tick_seconds.labels("tally").observe(time.monotonic() - now)

    async def _in_db(self, work: Callable[[Session], T]) -> T:
        def run() -> T:
            with Session(self._engine, expire_on_commit=False) as db:
                return work(db)

        return await in_thread(run)

    async def _push_state(self, room: Room) -> None:
        """One ``state`` frame per role, serialised once, in two versions: light and whole.

        The light one leaves out what every socket of the role already holds: the kept parts
        (values, casus texts) unless they changed, and the results of rounds that were not open
        at the last state and still equal it (listed in ``results_kept``). A socket whose
        snapshot was being read when the frames were built, or whose state slot still holds an
        unsent frame (see ``Connection.send_latest``), gets the whole one.

        Whether the denksessie has ended is taken from the very read the frames are built from,
        never from the ``denksessie_ended`` event: a state read just before the end committed
        (built for a control a moment earlier) would otherwise go out as the "final" state
        with ``status: "running"`` before 4410. An ended read sends its whole frame to every
        socket and closes it with 4410; the event only makes sure such a read follows."""
        roles = sorted({c.role for c in room.connections})

        def build(
            db: Session,
        ) -> tuple[dict[str, tuple[str, str | None]], set[Connection], int | None, bool]:
            denksessie = db.get(Denksessie, room.denksessie_id)
            if denksessie is None:
                return {}, set(), None, False
            ended = denksessie.status == "ended"
            snapshots = results.snapshots(db, denksessie, roles=roles)
            with self.held:
                frames = self._state_frames(room, snapshots, ended=ended)
                return frames, set(room.reading), denksessie.seq, ended

        frames, reading, seq, ended = await self._in_db(build)
        if seq is not None:
            room.seq = seq if room.seq is None else max(room.seq, seq)
        for connection in room.in_send_order():
            pair = frames.get(connection.role)
            if pair is None:
                continue
            whole, light = pair
            if ended:
                connection.send_direct(whole)
                connection.close(CLOSE_ENDED, "ENDED")
            elif light is None or connection in reading:
                connection.send_latest("state", whole, drop=("tally",))
            else:
                connection.send_latest("state", light, drop=("tally",), whole=whole)

    @staticmethod
    def _state_frames(
        room: Room, snapshots: dict[Role, dict[str, Any]], *, ended: bool = False
    ) -> dict[str, tuple[str, str | None]]:
        """Per role the whole ``state`` and the light one (None when it would leave out
        nothing), and what the room's sockets hold once they have it. Under ``Hub.held``."""
        frames: dict[str, tuple[str, str | None]] = {}
        if not snapshots:
            return frames
        any_role = next(iter(snapshots.values()))
        kept = {part: any_role[part] for part in results.KEPT_PARTS}  # the same for every role
        same_kept = room.kept_known and room.kept == kept and not ended
        room.kept, room.kept_known = kept, True
        for role, frame in snapshots.items():
            frame["type"] = "state"
            settled = settled_results(frame)
            held = room.settled.get(role, {})
            room.settled[role] = settled
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
            frames[role] = (dumps(frame), dumps(light) if omits else None)
        return frames

    @staticmethod
    def _participant_list(db: Session, room: Room, count: int) -> list[dict[str, Any]]:
        read_at = time.monotonic()
        if room.people is not None:
            known, built_at, people = room.people
            # Joins change the count every tick during a wave: the list (5,000 rows, most of the
            # facilitator's tally) is then read again at most once a second; the count in the
            # same frame is always current. A state event (a removal) refreshes it at once.
            if built_at >= room.state_changed_at:
                if known == count:
                    return people
                if read_at - built_at < PEOPLE_REFRESH_S:
                    room.tally_dirty = True  # come back for the newcomers after the pause
                    return people
        assert room.denksessie_id is not None
        people = results.participant_list(db, room.denksessie_id)
        if len(people) == count:  # a join between the two reads: read again next tick
            room.people = (count, read_at, people)
        return people

    async def _push_tally(self, room: Room, roles: list[Role]) -> None:
        present = [role for role in roles if room.has_role(role)]
        if not present:
            return

        def build(db: Session) -> dict[str, str] | None:
            denksessie = db.get(Denksessie, room.denksessie_id)
            if denksessie is None or denksessie.id is None:
                return {}
            if room.seq is not None and denksessie.seq > room.seq:
                return None  # a state event not heard yet (or lost): a state goes instead
            open_rounds = [r for r in sessions.rounds_of(db, denksessie.id) if r.status == "open"]
            room.rows = {r.id: room.rows_of(r.id) for r in open_rounds if r.id is not None}
            participants = sessions.participant_count(db, denksessie.id)
            counts = {r.id: results.ballot_count(db, r.id) for r in open_rounds if r.id}
            # One aggregate per round and variant, not per role: only casus and principle
            # rounds differ (the facilitator also sees hidden principles, flagged).
            computed: dict[tuple[int, bool], dict[str, Any]] = {}
            # Counts go out every tick; aggregates are recomputed at most every twice their
            # own cost (under load the last ones are reused meanwhile, and the room stays dirty
            # so that a fresh one follows), so a slow aggregate no longer holds up the counts.
            began = time.monotonic()
            due = began - room.aggregated_at >= max(
                self._screen_interval, AGGREGATE_COST_FACTOR * room.aggregate_cost
            )
            spent = 0.0
            kept = room.aggregates
            frames: dict[str, str] = {}
            for role in present:
                rounds = {}
                for session_round in open_rounds:
                    assert session_round.id is not None
                    entry: dict[str, Any] = {"n_ballots": counts[session_round.id]}
                    if results.results_visible(denksessie, session_round, role):
                        variant = role == "facilitator" and session_round.kind in PER_ROLE_KINDS
                        key = (session_round.id, variant)
                        cached = None if due else kept.get(key)
                        if key not in computed and cached is not None:
                            computed[key] = cached
                            room.tally_dirty = True
                        elif key not in computed:
                            started = time.monotonic()
                            computed[key] = results.aggregate(
                                db,
                                denksessie,
                                session_round,
                                role=role,
                                kept_rows=room.rows_of(session_round.id),
                            )
                            spent += time.monotonic() - started
                        entry["results"] = computed[key]
                    rounds[str(session_round.id)] = entry
                frame: dict[str, Any] = {
                    "type": "tally",
                    "seq": denksessie.seq,
                    "participants": participants,
                    "rounds": rounds,
                }
                if role == "facilitator":
                    people = self._participant_list(db, room, participants)
                    # Unchanged, the list (5,000 rows, 250 KB) stays out of the tally (live.js
                    # keeps the last one); it still travels every few seconds, in case a tally
                    # that carried it was replaced in a slow socket's slot before it went out.
                    now = time.monotonic()
                    if (
                        people is not room.people_sent
                        or now - room.people_sent_at >= PEOPLE_RESEND_S
                    ):
                        frame["participant_list"] = people
                        room.people_sent, room.people_sent_at = people, now
                frames[role] = dumps(frame)
            if due:
                room.aggregated_at, room.aggregate_cost = began, spent
            if room.state_changed_at <= began:  # else a state event dropped them meanwhile
                room.aggregates = dict(computed)
            return frames

        frames = await self._in_db(build)
        if frames is None:
            room.state_dirty = True
            self._wake.set()
            return
        changed = {role for role, frame in frames.items() if room.last_tally.get(role) != frame}
        room.last_tally.update(frames)
        for connection in room.in_send_order():
            if connection.role in changed and connection.role in present:
                connection.send_latest("tally", frames[connection.role])
