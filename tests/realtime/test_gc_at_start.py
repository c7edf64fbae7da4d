"""A worker freezes the collector at start-up, before its first socket (decision 0038): after a
restart thousands of phones come back before the first quiet tick, and until a freeze every full
collection walked the whole application too (pauses of 0.25-2.5 s in ``bench/storm.py``)."""

from __future__ import annotations

import gc

import pytest
from sqlalchemy import Engine

from app.realtime.backplane import MemoryBackplane
from app.realtime.hub import Hub


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the hub asked of the collector (the test process's own collector is untouched)."""
    calls: list[str] = []
    monkeypatch.setattr(gc, "collect", lambda generation=2: calls.append(f"collect{generation}"))
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(gc, "set_threshold", lambda *t: calls.append(f"threshold{t}"))
    return calls


class TestTheCollectorAtStartUp:
    async def test_is_frozen_before_the_first_socket(
        self, realtime_engine: Engine, frozen: list[str]
    ) -> None:
        hub = Hub(realtime_engine, MemoryBackplane(), gc_freeze_after=5.0)
        await hub.start()
        try:
            assert frozen == ["collect1", "freeze", "threshold(700, 10, 100)"]
        finally:
            await hub.stop()

    async def test_is_left_alone_when_freezing_is_off(
        self, realtime_engine: Engine, frozen: list[str]
    ) -> None:
        hub = Hub(realtime_engine, MemoryBackplane(), gc_freeze_after=0.0)
        await hub.start()
        try:
            assert frozen == []
        finally:
            await hub.stop()
