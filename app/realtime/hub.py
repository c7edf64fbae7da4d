"""The hub: a worker's rooms, fed by events, pushed to their sockets on a tick.

Its parts (decision 0027): ``rooms.py`` holds a denksessie's live state on this worker,
``views.py`` reads the database in worker threads and builds frames, ``relay.py`` carries
events between workers, ``threads.py`` runs the blocking work, ``observability/gc.py`` freezes
the collector. Only the event loop writes a room: thread work returns values, applied here.

Every event goes out through the backplane and comes back to every worker, this one included,
so all workers treat all events alike. State events mark a room for a new ``state`` frame
(built once per role from the database and serialised once) and wake the tick at once, so a
facilitator's click does not wait for the next tick; ballots arrive as deltas that update the
room's running tallies (decision 0028) and mark it for a ``tally`` on the next tick: screen and
facilitator every 100 ms, phones every second (less often in rooms of thousands, see
``PHONE_SENDS_PER_S``), and only when something changed. Nothing is ever broadcast per ballot,
and a tally's numbers cost the same whatever the number of ballots: the running tallies are
rebuilt from the database only when this worker may have missed some (its first tick, a state
event such as a round closed or revealed, a backplane reconnect, a delta it cannot place).

A ``state`` frame leaves out what every socket of the room already holds (``Room.state_frames``,
docs/realtime-protocol.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.events import BALLOTS_CHANGED, MARKER_SEQ, MARKERS, PARTICIPANTS_CHANGED, Event
from app.i18n.errors import error_text
from app.observability.gc import FREEZE_EVERY_SOCKETS, GcFreezer
from app.observability.metrics import Metrics
from app.organisations.models import utcnow
from app.realtime import views
from app.realtime.backplane import Backplane
from app.realtime.connection import Connection
from app.realtime.markers import MarkerCoalescer
from app.realtime.protocol import CLOSE_ENDED, CLOSE_REMOVED, CLOSE_REPLACED
from app.realtime.relay import Relay
from app.realtime.rooms import PEOPLE_REFRESH_S, PEOPLE_RESEND_S, Room, SharedSnapshot
from app.realtime.threads import in_thread
from app.realtime.views import dumps
from app.realtime.wire import Prepared
from app.realtime.writer import BallotWriter
from app.sessions.ballot_batch import StoredBallot
from app.sessions.models import Denksessie
from app.sessions.service import normalise_code
from app.tokens import Role

logger = logging.getLogger(__name__)
T = TypeVar("T")

__all__ = ["PEOPLE_REFRESH_S", "PEOPLE_RESEND_S", "Hub", "Room", "dumps", "in_thread"]

# Screens and the facilitator get tallies this often (``DENKSESSIE_TICK_INTERVAL_S``): a ballot
# reaches the projector within one interval of its commit. At 0.1 s its p99 was 115-120 ms of
# the 150 ms target; at 0.075 s it is about 90 ms, for 2 % more CPU per ballot (decision 0042).
SCREEN_INTERVAL_S = 0.075
PHONE_INTERVAL_S = 1.0
# Phone tallies per second a worker spends on one room at most: each is one send (and one
# compression) per phone, so a room of 5,000 phones on one worker gets one every 2 s.
PHONE_SENDS_PER_S = 2_500
# How long the shared part of a snapshot may be reused. A state event drops it at once; counts
# and open rounds' results may lag by this much, and the tally that ``ready`` asks for corrects
# them. (At 1 s, rebuilding it, every round's aggregate included, was 8 % of a worker's CPU in a
# reconnect storm of 1,000 phones.)
SNAPSHOT_REUSE_S = 5.0
# Phones a tick sends a tally to at the least (``Room.phones_to_tell``): a small room's all.
PHONES_PER_TICK = 100
# The principles written in an open round are read again at most every this many times what
# the read cost (the counts never wait for them).
AGGREGATE_COST_FACTOR = 2.0
# ... and not more often than this: read aside, in a thread, the read takes the loop's core
# from the ballots (on one core, at 1,000 ballots/s, reads back to back cost acknowledgements
# tens of ms), while a principle on the projector half a second later is not noticed.
TEXTS_EVERY_S = 0.5
GC_FREEZE_EVERY_SOCKETS = FREEZE_EVERY_SOCKETS
# How long after a state the results a reveal would show are read ahead: after the state's own
# frames, and the clicks and ballots they set off.
READ_AHEAD_AFTER_S = 1.0


def _send_off(connection: Connection, code: str, close_code: int) -> None:
    """Tell a socket why in an error frame (in its language), then close it (once: a closing
    socket is left)."""
    if connection.closing:
        return
    message = error_text(code, language=connection.language)
    connection.send_direct(dumps({"type": "error", "code": code, "message": message}))
    connection.close(close_code, code)


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
        self.metrics = metrics or Metrics()
        self.writer = BallotWriter(engine, concurrency=write_concurrency, on_stored=self._stored)
        self.gc = GcFreezer(after=gc_freeze_after, every=gc_freeze_every, thresholds=gc_thresholds)
        self._engine = engine
        self._relay = Relay(
            backplane,
            on_event=self.on_event,
            on_reconnect=self._backplane_back,
            metrics=self.metrics,
            namespace=namespace,
        )
        # Ballots stored by this worker go out as deltas, one backplane message per burst.
        self.markers = MarkerCoalescer(self.publish_safely)
        self._screen_interval = screen_interval
        self._phone_interval = phone_interval
        self.rooms: dict[int, Room] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._tick_waited = 0.0  # of this tick's time, waiting for the database (``_read_live``)
        self._aside: set[asyncio.Task[None]] = set()  # reads not waited for (``_aside_task``)
        # Set by a state event: the tick runs at once instead of at its next interval.
        self._wake = asyncio.Event()

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        self.gc.start()
        self.writer.start()
        self._tasks = [
            asyncio.create_task(self._relay.run(), name="hub-backplane"),
            asyncio.create_task(self._tick(), name="hub-tick"),
        ]

    async def stop(self) -> None:
        for task in [*self._tasks, *self._aside]:
            task.cancel()
        for task in [*self._tasks, *self._aside]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.writer.stop()
        await self.markers.flush()
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
            await self._relay.subscribe(connection.denksessie_id)
        room.enter(connection)
        self.gc.joined()
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
        room.leave(connection)
        if (
            connection.participant_id is not None
            and room.phones.get(connection.participant_id) is connection
        ):
            del room.phones[connection.participant_id]
        room.reading.discard(connection)
        if not room.connections:
            del self.rooms[connection.denksessie_id]
            await self._relay.unsubscribe(connection.denksessie_id)

    def count(self, role: Role | None = None) -> int:
        return sum(
            1
            for room in self.rooms.values()
            for c in room.connections
            if role is None or c.role == role
        )

    # --- snapshots -----------------------------------------------------------------------------

    def shared_snapshot(self, denksessie_id: int, role: Role) -> SharedSnapshot | None:
        """The shared part of a snapshot read less than ``SNAPSHOT_REUSE_S`` ago and not
        outdated by a state event since, or None."""
        room = self.rooms.get(denksessie_id)
        cached = room.snapshots.get(role) if room is not None else None
        if cached is None or time.monotonic() - cached.read_at > SNAPSHOT_REUSE_S:
            return None
        return cached

    def snapshot_begins(self, connection: Connection) -> float:
        """A snapshot for this socket is about to be read (in a worker thread): until
        ``snapshot_given``, state frames to it are whole, since what it will hold is not known
        yet. Returns when the read begins (monotonic)."""
        room = self.rooms.get(connection.denksessie_id)
        if room is not None:
            room.reading.add(connection)
        return time.monotonic()

    def snapshot_read(
        self,
        connection: Connection,
        read: views.SnapshotRead,
        shared: SharedSnapshot | None,
        read_at: float,
        *,
        held: str | None = None,
    ) -> str:
        """The socket's snapshot, serialised: the shared part (just read, then kept for the
        sockets that follow, or the one reused) with its own part spliced in; without the kept
        parts when ``held`` (the hello's ``kept``) says the socket holds them."""
        if read.shared is not None:
            shared = self.keep_snapshot(
                connection.denksessie_id, connection.role, read.shared, read_at
            )
        assert shared is not None
        self.snapshot_given(connection, shared.frame)
        return shared.with_part(
            {"server_time": utcnow().isoformat(), **(read.personal or {})}, held=held
        )

    def keep_snapshot(
        self, denksessie_id: int, role: Role, frame: dict[str, Any], read_at: float
    ) -> SharedSnapshot:
        """The shared part of a role's snapshot as read at ``read_at``, serialised once, and
        kept for the sockets that follow unless a state event came since the read began."""
        shared = SharedSnapshot.of(read_at, frame)
        room = self.rooms.get(denksessie_id)
        # Kept only for a room this worker is subscribed to: only then does a state event
        # reach it and drop it.
        if room is not None and read_at >= room.state_changed_at:
            room.snapshots[role] = shared
        return shared

    def remember(
        self, connection: Connection, code: str, read: views.SnapshotRead, read_at: float
    ) -> None:
        """The database confirmed this participant in this room (under this code) and read its
        own part: a reconnect of it on this worker can then be answered from memory
        (``snapshot_from_memory``). Not when a state event came since the read began."""
        room = self.rooms.get(connection.denksessie_id)
        pid = connection.participant_id
        if room is None or pid is None or read.personal is None:
            return
        if read_at < room.state_changed_at:
            return
        room.code = normalise_code(code)
        room.personal[pid] = read.personal

    def snapshot_from_memory(
        self, connection: Connection, code: str, *, held: str | None = None
    ) -> str | None:
        """A reconnecting phone's snapshot without a database visit, in the common case: the
        room confirmed it (and its code) since the last state event, the shared part is fresh,
        and its own ballots are known (as read, with the deltas heard since). None: ask the
        database."""
        room = self.rooms.get(connection.denksessie_id)
        pid = connection.participant_id
        if room is None or pid is None or room.code != normalise_code(code):
            return None
        shared = self.shared_snapshot(connection.denksessie_id, connection.role)
        if shared is None:
            return None
        own = room.own_part(pid, shared.round_ids)
        if own is None:
            return None
        read_at = self.snapshot_begins(connection)
        self.metrics.snapshots_from_memory.inc()
        return self.snapshot_read(
            connection, views.SnapshotRead(None, own), shared, read_at, held=held
        )

    def snapshot_given(self, connection: Connection, frame: dict[str, Any]) -> None:
        """This socket's snapshot (fresh or shared) is ``frame``: later state frames may leave
        out only what it holds too."""
        room = self.rooms.get(connection.denksessie_id)
        if room is not None:
            room.note_snapshot(connection.role, frame)
            room.reading.discard(connection)
            if room.seq is None:
                room.seq = int(frame["seq"])

    # --- events --------------------------------------------------------------------------------

    async def publish(self, event: Event) -> None:
        """Send an event to every worker, this one included (no echo filtering)."""
        await self._relay.publish(event)

    async def publish_safely(self, event: Event) -> None:
        await self._relay.publish_safely(event)

    def _stored(self, stored: list[StoredBallot]) -> None:
        """Ballots this worker committed: counted here at once (before their acks go out, so
        a phone that reconnects right after its ack finds its ballot in memory), and to every
        worker as deltas (this one hears them again, which changes nothing: same revision)."""
        by_room: dict[int, list[dict[str, Any]]] = {}
        for ballot in stored:
            by_room.setdefault(ballot.denksessie_id, []).append(ballot.delta())
        for denksessie_id, deltas in by_room.items():
            room = self.rooms.get(denksessie_id)
            if room is not None:
                room.apply_deltas(deltas)
            self.markers.mark(
                Event(BALLOTS_CHANGED, denksessie_id, MARKER_SEQ, {"ballots": deltas})
            )

    def on_event(self, event: Event) -> None:
        room = self.rooms.get(event.denksessie_id)
        if room is None:
            return
        if event.type in MARKERS:
            room.tally_dirty = room.phones_dirty = True
            if event.type == PARTICIPANTS_CHANGED:
                room.participants_dirty = True
            elif isinstance(event.payload.get("ballots"), list):
                room.apply_deltas(event.payload["ballots"])
            else:  # a marker without its ballots: only the database knows them
                room.reconcile_due = True
            return
        room.state_dirty = True
        room.heard_state_event(event)
        room.snapshots.clear()
        room.forget_people()
        room.state_changed_at = time.monotonic()
        if event.type == "participant_removed":
            removed = str(event.payload.get("participant_id"))
            phone = room.phones.get(removed)
            if phone is not None:
                _send_off(phone, "PARTICIPANT_REMOVED", CLOSE_REMOVED)
            for running in (room.tallies or {}).values():
                running.withdraw(removed)
        began = time.monotonic()
        if self._try_light(room):
            self.metrics.tick_seconds.labels("state").observe(time.monotonic() - began)
        else:
            self._wake.set()

    def _backplane_back(self) -> None:
        """The backplane was lost and is back: events (and deltas) may have been lost, so every
        room gets a state and its running tallies are rebuilt from the database."""
        for room in self.rooms.values():
            room.state_dirty = True
            room.forget_state()
            room.reconcile_due = True
            room.snapshots.clear()
            room.forget_people()
            room.state_changed_at = time.monotonic()
        self._wake.set()

    # --- ticks ---------------------------------------------------------------------------------

    async def _tick(self) -> None:
        """Every ``screen_interval``, at once after a state event, and less often when a tick's
        own work takes longer: then the next tick waits as long as the last one kept the loop
        busy (a state event included), so the loop spends at most half its time building frames,
        and ballots keep flowing in while a busy room's screens update a little less often (each
        update then carries more). Waiting for the database in a thread is not the loop's work:
        a state read while ballots flow may take 150 ms, and backing off that long made the
        first counts of a round just opened reach the screen a third of a second late. Several
        state events in one burst give one ``state`` frame."""
        busy = 0.0
        while True:
            ended = time.monotonic()
            if not self._wake.is_set():
                # (Not ``wait_for``: on Python 3.11 it swallows a cancellation that comes as the
                # wake does, and ``stop`` then waits for this task for ever.)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(max(self._screen_interval, busy)):
                        await self._wake.wait()
            back_off = busy - (time.monotonic() - ended)
            if back_off > 0:
                await asyncio.sleep(back_off)
            self._wake.clear()
            began, self._tick_waited = time.monotonic(), 0.0
            for room in list(self.rooms.values()):
                try:
                    await self._push(room)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    logger.exception("tick failed for denksessie %s", room.denksessie_id)
            self.gc.maybe_freeze()  # after the frames: a state event's frame does not wait
            busy = time.monotonic() - began - self._tick_waited

    async def _push(self, room: Room) -> None:
        now = time.monotonic()
        if room.state_dirty:
            room.state_dirty = False
            await self._push_state(room)
            room.last_phone_push, room.phones_waiting = now, []  # the state has the counts
            self.metrics.tick_seconds.labels("state").observe(time.monotonic() - now)
            return
        phone_interval = max(self._phone_interval, len(room.connections) / PHONE_SENDS_PER_S)
        if (
            not room.phones_waiting
            and room.phones_dirty
            and now - room.last_phone_push >= phone_interval
        ):
            room.tell_phones(now, phone_interval / max(self._screen_interval, 1e-3))
        phones = room.phones_to_tell(PHONES_PER_TICK)
        if room.tally_dirty or phones:
            roles: list[Role] = []
            if room.tally_dirty:
                roles += ["facilitator", "screen"]
                room.tally_dirty = False
            await self._push_tally(room, roles, phones)
            self.metrics.tick_seconds.labels("tally").observe(time.monotonic() - now)

    async def _in_db(self, work: Callable[[Session], T]) -> T:
        def run() -> T:
            with Session(self._engine, expire_on_commit=False) as db:
                return work(db)

        return await in_thread(run)

    async def _in_db_waited(self, work: Callable[[Session], T]) -> T:
        """``_in_db`` for the tick: its time counts as waiting, not as the loop's work
        (``_tick``'s back-off)."""
        began = time.monotonic()
        try:
            return await self._in_db(work)
        finally:
            self._tick_waited += time.monotonic() - began

    async def _read_live(self, room: Room, work: Callable[[Session], T]) -> T:
        """A read that rebuilds the running tallies: deltas heard meanwhile are kept to be
        replayed on it."""
        room.reading_live, room.heard_meanwhile = True, []
        try:
            return await self._in_db_waited(work)
        finally:
            room.reading_live = False

    async def _push_state(self, room: Room) -> None:
        """One ``state`` frame per role, serialised once, in two versions: light and whole.

        The light one leaves out what every socket of the role already holds: the kept parts
        (values, casus texts) unless they changed, and the results of rounds that were not open
        at the last state and still equal it (listed in ``results_kept``). A socket whose
        snapshot is being read, or whose state slot still holds an unsent frame (see
        ``Connection.send_latest``), gets the whole one.

        After a light state event (a timer, a reveal, joining locked; decision 0037) the state
        is the last one with the event applied, built on the loop without a database visit
        (``Room.light_state``). Any other state event reads it from the database, and the same
        read rebuilds the running tallies (a round opened, closed; a participant removed).

        Whether the denksessie has ended is taken from the very read the frames are built from,
        never from the ``denksessie_ended`` event: a state read just before the end committed
        (built for a control a moment earlier) would otherwise go out as the "final" state
        with ``status: "running"`` before 4410. An ended read sends its whole frame to every
        socket and closes it with 4410; the event only makes sure such a read follows."""
        if self._try_light(room):
            return
        room.state_dirty = False  # the read below covers every event heard so far
        roles: list[Role] = sorted({c.role for c in room.connections})
        room.light_events, room.full_state_due = [], False
        read_at = time.monotonic()
        read = await self._read_live(
            room, lambda db: views.read_state(db, room.denksessie_id, roles)
        )
        if read is None:
            return
        frames = room.state_frames(read.snapshots, ended=read.ended)
        room.seq = read.live.seq if room.seq is None else max(room.seq, read.live.seq)
        replayed = room.rebuild(read.live)
        room.remember_state(read, read_at)
        # The state carries the same counts, unless ballots were heard during its read: they
        # may have been stored after it, so a tally follows.
        room.tally_dirty = room.phones_dirty = replayed
        self._send_state(room, frames, ended=read.ended)
        if not read.ended:
            self._read_ahead(room)

    def _try_light(self, room: Room) -> bool:
        """``_push_light``, and should it fail, the state is read instead (never losing the
        relay, which calls ``on_event``, or the state)."""
        try:
            return self._push_light(room)
        except Exception:
            logger.exception("state from memory failed for denksessie %s", room.denksessie_id)
            room.full_state_due = room.state_dirty = True
            return False

    def _push_light(self, room: Room) -> bool:
        """The state after light events (a timer, a reveal, joining locked) built from the last
        one in memory and sent at once, not on the next tick (which may be waiting for a read of
        the database, or backing off after a long one); False when the database must be read
        (on the tick): a heavy event came, a read is under way, or memory is not enough."""
        if room.full_state_due or room.reading_live:
            return False
        began = time.monotonic()
        roles: list[Role] = sorted({c.role for c in room.connections})
        if not room.has_bases(roles):
            return False
        bases = room.light_state(room.light_events, utcnow().isoformat())
        if bases is None:
            return False
        room.light_events, room.state_dirty = [], False
        if not bases:
            return True  # the last state, read after these events, holds them
        snapshots = room.state_of(roles, bases)
        self.metrics.states_from_memory.inc()
        self._send_state(room, room.state_frames(snapshots), ended=False)
        room.seq = max(room.seq or 0, room.last_state_seq)
        room.last_phone_push = began
        return True

    def _send_state(
        self, room: Room, frames: dict[str, tuple[Prepared, Prepared | None]], *, ended: bool
    ) -> None:
        for connection in room.in_send_order():
            pair = frames.get(connection.role)
            if pair is None:
                continue
            whole, light = pair
            if ended:
                connection.send_direct(whole.text)
                connection.close(CLOSE_ENDED, "ENDED")
            elif light is None or connection in room.reading:
                connection.send_latest("state", whole, drop=("tally",))
            else:
                connection.send_latest("state", light, drop=("tally",), whole=whole)

    def _read_ahead(self, room: Room) -> None:
        """Read, a moment after a state, the results the room would see of closed rounds not
        revealed yet, so their reveal is built in memory (``Room.results_to_read``).

        A state event during the read makes what it found stale, so it is read again a moment
        later. (A facilitator who closes a round and opens the next one at once sends the
        second event while the first read waits; that read used to be dropped and none
        followed, so the reveal was read from the database.)"""
        if room.reading_ahead or not room.results_to_read():
            return
        room.reading_ahead = True

        async def read() -> None:
            try:
                while True:
                    await asyncio.sleep(READ_AHEAD_AFTER_S)
                    wanted, generation = room.results_to_read(), room.results_generation
                    if not wanted:
                        return
                    found = await self._in_db(
                        functools.partial(
                            views.read_room_results,
                            denksessie_id=room.denksessie_id,
                            round_ids=wanted,
                        )
                    )
                    if room.results_generation == generation:
                        for round_id, result in found.items():
                            room.known_results[(round_id, False)] = result
                        return
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("read ahead failed for denksessie %s", room.denksessie_id)
            finally:
                room.reading_ahead = False

        self._aside_task(read(), f"read-ahead-{room.denksessie_id}")

    async def _reconcile(self, room: Room) -> bool:
        """Rebuild the running tallies from the database; False when a state must go first (the
        database is at a seq the room's sockets have no state for)."""

        def read(db: Session) -> views.LiveRead | None:
            denksessie = db.get(Denksessie, room.denksessie_id)
            return None if denksessie is None else views.read_live(db, denksessie)

        live = await self._read_live(room, read)
        if live is None:
            return False
        room.rebuild(live)
        if room.seq is None:
            room.seq = live.seq
        if live.seq > room.seq:  # a state event not heard yet (or lost): a state goes instead
            room.state_dirty = True
            self._wake.set()
            return False
        return True

    async def _push_tally(self, room: Room, roles: list[Role], phones: list[Connection]) -> None:
        """The staff's tallies when they changed, and the phones' to ``phones`` (a share of the
        room's, see ``Room.tell_phones``)."""
        present: list[Role] = [role for role in roles if room.has_role(role)]
        if phones:
            present.append("participant")
        if not present:
            return
        if (room.tallies is None or room.reconcile_due) and not await self._reconcile(room):
            return
        now = time.monotonic()
        texts_due = now - room.texts_read_at >= max(
            self._screen_interval, TEXTS_EVERY_S, AGGREGATE_COST_FACTOR * room.texts_cost
        )
        text_rounds = [
            r
            for r in room.open_rounds.values()
            if r.id in room.texts_dirty
            and views.reads_database(r)
            and any(room.visible(r, role) for role in present)
        ]
        if text_rounds and not texts_due:
            text_rounds, room.tally_dirty = [], True  # the counts go now, the texts follow
        if room.participants_dirty:
            await self._read_participants(room)
        people = "facilitator" in present and room.people_due(now)
        if (people or text_rounds) and not room.reading_extras:
            self._read_extras(room, people, text_rounds)
        frames = room.tally_frames(present)
        changed = {
            role
            for role, frame in frames.items()
            if role != "participant" and room.last_tally.get(role) != frame
        }
        prepared = {role: Prepared(frames[role]) for role in changed}
        room.last_tally.update({role: frames[role] for role in changed})
        for connection in list(room.staff):
            frame = prepared.get(connection.role)
            if frame is not None:
                connection.send_latest("tally", frame)
        if phones:
            for_phones = Prepared(frames["participant"])
            for connection in phones:
                connection.send_latest("tally", for_phones)

    async def _read_participants(self, room: Room) -> None:
        """The participant count after a join, before the tally goes: a screen must not show
        more answers than participants ("1 van 0"). Joins come in waves before voting, rarely
        during it, so this wait seldom holds up a ballot's count."""
        room.participants_dirty = False  # a join committed during the read marks it again
        try:
            read = await self._in_db_waited(
                lambda db: views.read_extras(
                    db, room.denksessie_id, participants=True, people=False, text_rounds=[]
                )
            )
        except BaseException:  # the database is away: read again on the next tick
            room.participants_dirty = room.tally_dirty = True
            raise
        if read is not None and read.participants is not None:
            room.participants = read.participants

    def _read_extras(self, room: Room, people: bool, text_rounds: list[views.OpenRound]) -> None:
        """Read aside what the running tallies do not hold (the facilitator's participant
        list, the texts written); a tally with them follows when it is back. The counts never
        wait for it: under a flow of ballots the read waits its turn for the database and a
        thread, and a screen that waited with it lagged by a third of a second."""
        room.reading_extras = True
        generation = room.tallies_generation
        # Cleared before the read: a ballot heard during it marks the room for the next.
        room.texts_dirty -= {r.id for r in text_rounds}
        kept_rows = room.kept_rows

        async def read() -> None:
            began = time.monotonic()
            try:
                extras = await self._in_db(
                    lambda db: views.read_extras(
                        db,
                        room.denksessie_id,
                        participants=False,
                        people=people,
                        text_rounds=text_rounds,
                        kept_rows=kept_rows,
                    )
                )
            except asyncio.CancelledError:
                room.reading_extras = False
                raise
            except Exception:  # the database is away: read again on the next tick
                logger.exception("reading the tally's extras failed for %s", room.denksessie_id)
                room.texts_dirty |= {r.id for r in text_rounds}
                extras = None
            room.reading_extras, room.tally_dirty = False, True
            self._wake.set()
            if extras is None or room.tallies_generation != generation:
                return  # a rebuild since (a state event) asked for its own read
            if extras.people is not None:
                room.people = (room.participants, began, extras.people)
            if text_rounds:
                room.texts.update(extras.texts)
                room.texts_read_at, room.texts_cost = began, time.monotonic() - began

        self._aside_task(read(), f"extras-{room.denksessie_id}")

    def _aside_task(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """A read the loop does not wait for, kept until done (and cancelled by ``stop``)."""
        task = asyncio.create_task(work, name=name)
        self._aside.add(task)
        task.add_done_callback(self._aside.discard)
