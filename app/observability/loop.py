"""How long the event loop kept every socket waiting: the lateness of a steady heartbeat.

A ballot's ack, a screen's tally and a room-wide update all wait while the loop runs something
else (a state built for 2,000 phones, a collection, a thread holding the interpreter). A
heartbeat every ``BEAT_S`` that wakes late by X ms shows a stall of about X ms, whatever caused
it, so a slow run of ``bench/swarm.py`` can tell stalls from steady load (``loop_stalls`` in its
JSON). One wake-up per beat costs the loop about 0.1 % of a core.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from prometheus_client import Histogram

BEAT_S = 0.02


class LoopWatch:
    def __init__(self, stalls: Histogram, *, beat: float = BEAT_S) -> None:
        self._stalls = stalls
        self._beat = beat
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="loop-watch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            due = time.perf_counter() + self._beat
            await asyncio.sleep(self._beat)
            self._stalls.observe(max(0.0, time.perf_counter() - due))
