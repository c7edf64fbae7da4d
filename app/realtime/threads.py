"""Blocking work (the database) in worker threads; only the event loop writes live state.

A thread reads and returns values; the event loop applies them to rooms (decision 0027), so no
room is ever written from two sides of the sync/async line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

import anyio

T = TypeVar("T")


async def in_thread(work: Callable[[], T], *, limiter: anyio.CapacityLimiter | None = None) -> T:
    """Run blocking database work in a worker thread, and wait for it even when cancelled.

    ``anyio.to_thread.run_sync`` shields its thread from anyio cancel scopes but abandons it
    when the awaiting task is cancelled with ``Task.cancel()`` (as ``Hub.stop`` does): the
    thread then keeps a connection checked out while the lifespan disposes the engine, and that
    connection leaks. Waiting for the thread, shielded from both kinds of cancellation, before
    the cancellation goes on keeps shutdown clean.
    """
    future = asyncio.ensure_future(anyio.to_thread.run_sync(work, limiter=limiter))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        with anyio.CancelScope(shield=True):
            await asyncio.wait({future})
        raise
