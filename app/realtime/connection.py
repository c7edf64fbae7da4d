"""One websocket's sender: direct frames in order, aggregates latest-only.

Acks, errors and snapshots go through a small bounded queue in order. State and tally frames go
into slots that keep only the newest frame: a phone that stops reading (screen locked, train
tunnel) holds at most one stale frame per slot and never delays anyone else, because each socket
has its own sender task. A close goes out after the direct frames queued before it (an error,
then its close code). A client that lets the direct queue overflow is closed with 1013 at once,
even while a send to it hangs, and comes back through a snapshot.

An aggregate sent to a whole room is a ``Prepared`` frame (``realtime/wire.py``): built for the
wire once, and written at once to a socket whose sender has nothing waiting and no send under
way (most of them, most of the time), without waking its sender task; otherwise it waits in its
slot as any frame does. A short direct frame (an ack) is written at once the same way, plain:
at 1,000 ballots/s, waking a sender and compressing each ack was a tenth of the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable

from starlette.websockets import WebSocket

from app.i18n import Language
from app.realtime.protocol import CLOSE_TRY_AGAIN
from app.realtime.wire import Frame, Prepared, text_of, wire_of
from app.tokens import Role

logger = logging.getLogger(__name__)

DIRECT_CAPACITY = 64
CLOSE_TIMEOUT_S = 2.0
# Waiting aggregates go out in this order: a state before the tally built after it.
SLOT_ORDER = ("state", "tally")


def _slot_rank(slot: str) -> int:
    return SLOT_ORDER.index(slot) if slot in SLOT_ORDER else len(SLOT_ORDER)


class Connection:
    def __init__(
        self,
        websocket: WebSocket,
        *,
        role: Role,
        denksessie_id: int,
        participant_id: str | None = None,
        capacity: int = DIRECT_CAPACITY,
        on_slow: Callable[[], None] | None = None,
        language: Language = "nl",
    ) -> None:
        self.websocket = websocket
        self.role = role
        self.denksessie_id = denksessie_id
        self.participant_id = participant_id
        self.language = language  # of the words in error frames pushed to this socket
        self._capacity = capacity
        self._direct: deque[str] = deque()
        self._latest: dict[str, Frame] = {}
        self._wire = wire_of(websocket)
        self._wake = asyncio.Event()
        self._sent = asyncio.Event()  # set after every frame the sender hands to the socket
        self._close: tuple[int, str] | None = None
        self._task: asyncio.Task[None] | None = None
        self._sending = False
        self._on_slow = on_slow

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"sender-{id(self)}")

    @property
    def closing(self) -> bool:
        return self._close is not None

    def send_direct(self, frame: str) -> None:
        """Queue ``frame`` behind the direct frames before it; a short one (an ack, an error, a
        phone's snapshot) goes to the socket at once when nothing waits before it
        (``Wire.write_short``)."""
        if self._close is not None:
            return
        if self._idle() and self._wire is not None and self._wire.write_short(frame):
            return
        if len(self._direct) >= self._capacity:
            logger.info("closing a socket that does not read (role %s)", self.role)
            if self._on_slow is not None:
                self._on_slow()
            self._abandon(CLOSE_TRY_AGAIN, "SLOW_READER")
            return
        self._direct.append(frame)
        self._wake.set()

    async def room_to_answer(self) -> None:
        """Wait (at most ``CLOSE_TIMEOUT_S``) while half the direct queue is taken.

        The receiver calls this before it reads the next frame. A burst of frames arrives in
        one read from the network and is handled without the event loop ever turning to this
        socket's sender, so the answers of a client that reads everything would fill the queue
        and close it as a slow reader (1013). Waiting here lets the sender drain the queue; a
        client that does not read still fills it and is closed."""
        low = self._capacity // 2
        if len(self._direct) < low or self._close is not None or self._task is None:
            return
        deadline = asyncio.get_running_loop().time() + CLOSE_TIMEOUT_S
        while len(self._direct) >= low and self._close is None:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                return
            self._sent.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._sent.wait(), left)

    def send_latest(
        self, slot: str, frame: Frame, *, drop: tuple[str, ...] = (), whole: Frame | None = None
    ) -> None:
        """Put ``frame`` in ``slot``, replacing what waits there; ``drop`` empties other slots
        whose waiting frame this one makes stale (a state carries everything a tally does).

        ``whole``: ``frame`` leaves out what did not change since the previous frame of its slot
        (a state without the catalogue), and ``whole`` is the same frame complete. It goes
        instead when a frame still waits in the slot: the client never got that one, so what
        ``frame`` leaves out may be news to it.

        A prepared frame goes to the socket at once when nothing waits before it (no direct
        frame, no slot taken, no send under way), which is what the sender would do next."""
        if self._close is not None:
            return
        for stale in drop:
            self._latest.pop(stale, None)
        if (
            self._wire is not None
            and isinstance(frame, Prepared)
            and self._idle()
            and self._wire.write(frame)
        ):
            return
        self._latest[slot] = whole if whole is not None and slot in self._latest else frame
        self._wake.set()

    def _idle(self) -> bool:
        """Nothing waits to be sent and no send is under way: a frame written now is in order."""
        return (
            not self._latest
            and not self._direct
            and not self._sending
            and self._task is not None
            and not self._task.done()
        )

    def close(self, code: int, reason: str = "") -> None:
        """Close after the direct frames already queued, so an error arrives before its close
        code; aggregates still waiting in their slots are dropped."""
        if self._close is None:
            self._close = (code, reason)
            self._latest.clear()
            self._wake.set()

    def _abandon(self, code: int, reason: str) -> None:
        """Close at once, dropping everything queued. A sender stuck in a send to a client that
        does not read would never get to the close frame, so it is replaced by one that only
        closes (bounded by ``CLOSE_TIMEOUT_S``)."""
        if self._close is not None:
            return
        self._direct.clear()
        self._latest.clear()
        self._close = (code, reason)
        self._wake.set()
        if self._task is not None and not self._task.done() and self._sending:
            self._task.cancel()
            self._task = asyncio.create_task(self._send_close(), name=f"closer-{id(self)}")

    async def _send(self, frame: str) -> None:
        self._sending = True
        try:
            await self.websocket.send_text(frame)
        finally:
            self._sending = False
            self._sent.set()

    async def _send_close(self) -> None:
        assert self._close is not None
        code, reason = self._close
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.websocket.close(code=code, reason=reason), CLOSE_TIMEOUT_S)

    async def _run(self) -> None:
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while self._direct:
                    await self._send(self._direct.popleft())
                for slot in sorted(self._latest, key=_slot_rank):
                    if self._close is not None:
                        break
                    frame = self._latest.pop(slot, None)
                    if frame is None:
                        continue
                    if isinstance(frame, Prepared) and self._wire is not None:
                        if self._wire.write(frame):
                            self._sent.set()
                            continue
                    await self._send(text_of(frame))
                if self._close is not None:
                    await self._send_close()
                    return
        except Exception:  # a dropped connection ends its sender; the receiver cleans up
            return

    async def wait_closed(self) -> None:
        """Give the sender time to deliver what is queued and the close frame (bounded)."""
        if self._task is not None and not self._task.done():
            await asyncio.wait({self._task}, timeout=CLOSE_TIMEOUT_S + 1.0)

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
