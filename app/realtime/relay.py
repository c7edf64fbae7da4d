"""Events between workers: publish through the backplane, read it back, reconnect.

Every event goes out through the backplane and comes back to every worker, this one included,
so all workers treat all events alike (no echo filtering). ``Event.to_json``/``from_json`` is
the one codec on the wire. When the backplane is lost the relay reconnects, resubscribes and
tells the hub, which then rebuilds what it may have missed from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import replace

from app.events import Event, topic
from app.observability.metrics import Metrics
from app.realtime.backplane import Backplane

logger = logging.getLogger(__name__)


class Relay:
    def __init__(
        self,
        backplane: Backplane,
        *,
        on_event: Callable[[Event], None],
        on_reconnect: Callable[[], None],
        metrics: Metrics,
        namespace: str = "denksessie",
    ) -> None:
        self._backplane = backplane
        self._on_event = on_event
        self._on_reconnect = on_reconnect
        self._metrics = metrics
        self._namespace = namespace
        self._subscribed: set[int] = set()

    def _topic(self, denksessie_id: int) -> str:
        return topic(denksessie_id, namespace=self._namespace)

    async def subscribe(self, denksessie_id: int) -> None:
        self._subscribed.add(denksessie_id)
        await self._backplane.subscribe(self._topic(denksessie_id))

    async def unsubscribe(self, denksessie_id: int) -> None:
        self._subscribed.discard(denksessie_id)
        with contextlib.suppress(Exception):
            await self._backplane.unsubscribe(self._topic(denksessie_id))

    async def publish(self, event: Event) -> None:
        """Send an event to every worker, this one included."""
        stamped = replace(event, sent_at=time.time())
        await self._backplane.publish(self._topic(event.denksessie_id), stamped.to_json())

    async def publish_safely(self, event: Event) -> None:
        """Like ``publish``, but a backplane outage only costs other workers a late refresh:
        the change is already durable, and this worker still hears it itself (others catch up
        through the recount that follows their own backplane reconnect)."""
        try:
            await self.publish(event)
        except Exception:
            logger.warning("backplane unavailable; marking locally", exc_info=True)
            self._on_event(event)

    async def run(self) -> None:
        while True:
            try:
                message = await self._backplane.next_published()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("backplane lost; reconnecting", exc_info=True)
                self._metrics.backplane_reconnects.inc()
                await self._reconnect()
                continue
            try:
                event = Event.from_json(message.data)
            except (ValueError, KeyError, TypeError, AttributeError):
                logger.warning("ignoring a malformed backplane message")
                continue
            if event.sent_at is not None:
                self._metrics.backplane_lag_seconds.observe(max(0.0, time.time() - event.sent_at))
            self._on_event(event)

    async def _reconnect(self) -> None:
        """Reconnect and resubscribe, then let the hub recount: events may have been lost."""
        delay = 0.2
        while True:
            try:
                with contextlib.suppress(Exception):
                    await self._backplane.disconnect()
                await self._backplane.connect()
                for denksessie_id in list(self._subscribed):
                    await self._backplane.subscribe(self._topic(denksessie_id))
                self._on_reconnect()
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
