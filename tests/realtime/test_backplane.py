"""Both backplanes deliver a published message to a subscriber, the publisher included."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from app.realtime.backplane import Backplane, backplane_from_url
from tests.services import REDIS_URL, require_redis


@pytest.fixture(params=["memory://", REDIS_URL])
async def backplane(request: pytest.FixtureRequest) -> AsyncIterator[Backplane]:
    if request.param.startswith("redis"):
        require_redis()
    plane = backplane_from_url(request.param)
    await plane.connect()
    yield plane
    await plane.disconnect()


class TestBackplane:
    async def test_delivers_own_messages_back(self, backplane: Backplane) -> None:
        channel = f"denksessie.test.{uuid.uuid4().hex}"
        await backplane.subscribe(channel)
        await backplane.publish(channel, '{"type": "ping"}')
        message = await asyncio.wait_for(backplane.next_published(), timeout=5)
        assert (message.channel, message.data) == (channel, '{"type": "ping"}')

    async def test_ignores_channels_not_subscribed(self, backplane: Backplane) -> None:
        wanted = f"denksessie.test.{uuid.uuid4().hex}"
        await backplane.subscribe(wanted)
        await backplane.publish(f"denksessie.other.{uuid.uuid4().hex}", "nope")
        await backplane.publish(wanted, "yes")
        message = await asyncio.wait_for(backplane.next_published(), timeout=5)
        assert message.data == "yes"

    def test_unknown_scheme_is_refused(self) -> None:
        with pytest.raises(ValueError, match="memory:// or redis://"):
            backplane_from_url("kafka://localhost")
