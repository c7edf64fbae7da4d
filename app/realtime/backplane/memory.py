"""In-process backplane: one worker, no external service."""

from __future__ import annotations

import asyncio

from app.realtime.backplane.base import Message


class MemoryBackplane:
    def __init__(self) -> None:
        self._channels: set[str] = set()
        self._queue: asyncio.Queue[Message] = asyncio.Queue()

    async def connect(self) -> None:
        return None

    async def disconnect(self) -> None:
        self._channels.clear()

    async def subscribe(self, channel: str) -> None:
        self._channels.add(channel)

    async def unsubscribe(self, channel: str) -> None:
        self._channels.discard(channel)

    async def publish(self, channel: str, data: str) -> None:
        if channel in self._channels:
            self._queue.put_nowait(Message(channel, data))

    async def next_published(self) -> Message:
        return await self._queue.get()
