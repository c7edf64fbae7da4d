"""Coalescing markers: one ``ballots_changed`` per burst of ballots, not one per ballot.

A marker carries no data; it only tells every worker to recount a denksessie on its next tick.
So a marker published after a ballot's commit also covers every ballot of that denksessie
committed before the marker goes out. Publishing one per ballot cost a backplane message per
ballot on every worker (1,000 a second per worker at the issue's load); here a marker waits a
few milliseconds, ballots acknowledged meanwhile join it, and the first ballot after it left
starts the next one. The tick (100 ms) is far longer than the wait, so screens see no delay.

A ``ballots_changed`` also carries the ballots stored (``payload["ballots"]``, decision 0028):
the marks that join a waiting marker add theirs to it, so one message carries a burst's deltas.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import replace

from app.events import Event

WINDOW_S = 0.005


class MarkerCoalescer:
    def __init__(
        self, publish: Callable[[Event], Awaitable[None]], *, window: float = WINDOW_S
    ) -> None:
        self._publish = publish
        self._window = window
        self._pending: dict[tuple[str, int], list[object]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def mark(self, event: Event) -> None:
        """Publish ``event`` soon, unless a marker of its kind for its denksessie is waiting."""
        key = (event.type, event.denksessie_id)
        ballots = list(event.payload.get("ballots") or ())
        if key in self._pending:
            self._pending[key].extend(ballots)
            return
        self._pending[key] = ballots
        task = asyncio.get_running_loop().create_task(self._send(key, event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, key: tuple[str, int], event: Event) -> None:
        try:
            await asyncio.sleep(self._window)
        finally:
            # Cleared before publishing: a ballot committed from here on starts a new marker.
            ballots = self._pending.pop(key, [])
        if ballots:
            event = replace(event, payload={**event.payload, "ballots": ballots})
        await self._publish(event)

    async def flush(self) -> None:
        """Wait for the markers under way (the tests use it)."""
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*list(self._tasks))
