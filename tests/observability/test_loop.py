"""The loop watch sees a stall: a callback that holds the event loop shows as a late beat."""

from __future__ import annotations

import asyncio
import time

from app.observability.loop import LoopWatch
from app.observability.metrics import Metrics


def _beats(metrics: Metrics) -> float:
    return metrics.registry.get_sample_value("denksessie_loop_stall_seconds_count") or 0.0


def _late_beats(metrics: Metrics, over_s: float) -> float:
    within = metrics.registry.get_sample_value(
        "denksessie_loop_stall_seconds_bucket", {"le": str(over_s)}
    )
    return _beats(metrics) - (within or 0.0)


async def test_a_callback_that_holds_the_loop_shows_as_a_late_beat() -> None:
    metrics = Metrics()
    watch = LoopWatch(metrics.loop_stall_seconds, beat=0.005)
    watch.start()
    try:
        deadline = time.monotonic() + 5
        while _beats(metrics) < 1 and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.005)  # until the watch beats (and waits for its next beat)
        before = _late_beats(metrics, 0.1)
        time.sleep(0.12)  # noqa: ASYNC251 (the stall under test: the loop runs nothing else)
        while _late_beats(metrics, 0.1) <= before and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        assert _late_beats(metrics, 0.1) == before + 1
    finally:
        await watch.stop()
