"""Redis pub/sub backplane (redis-py asyncio) for several workers.

Redis is never the bottleneck here (over 250k publishes/s measured); one asyncio subscriber
handles 9k-29k messages/s (shared/PERF-NOTES.md). Delivery is best effort: correctness comes
from the database and snapshots, so a message lost during a Redis restart costs a resync.
"""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from app.realtime.backplane.base import Message


class RedisBackplane:
    def __init__(self, url: str, *, client_name: str | None = None) -> None:
        self._url = url
        self._client_name = client_name
        self._client: aioredis.Redis | None = None
        self._pubsub: aioredis.client.PubSub | None = None

    async def connect(self) -> None:
        self._client = aioredis.from_url(
            self._url, decode_responses=True, client_name=self._client_name
        )
        await self._client.ping()
        self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)

    async def disconnect(self) -> None:
        if self._pubsub is not None:
            await self._pubsub.aclose()
        if self._client is not None:
            await self._client.aclose()
        self._pubsub = self._client = None

    async def subscribe(self, channel: str) -> None:
        assert self._pubsub is not None, "connect() first"
        await self._pubsub.subscribe(channel)

    async def unsubscribe(self, channel: str) -> None:
        assert self._pubsub is not None, "connect() first"
        await self._pubsub.unsubscribe(channel)

    async def publish(self, channel: str, data: str) -> None:
        assert self._client is not None, "connect() first"
        await self._client.publish(channel, data)

    async def next_published(self) -> Message:
        assert self._pubsub is not None, "connect() first"
        while True:
            if not self._pubsub.subscribed:
                await asyncio.sleep(0.05)
                continue
            message = await self._pubsub.get_message(timeout=1.0)
            if message is not None and message.get("type") == "message":
                return Message(str(message["channel"]), str(message["data"]))
