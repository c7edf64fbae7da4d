"""Carrying events between workers, shaped like encode/broadcaster's backend.

Every event is published through the backplane, also on a single worker, so a worker receives
its own events back and needs no echo filtering. Choose it by URL: ``memory://`` (one process,
the default) or ``redis://host:port/db`` (production, several workers).
"""

from __future__ import annotations

from app.realtime.backplane.base import Backplane, Message
from app.realtime.backplane.memory import MemoryBackplane
from app.realtime.backplane.redis import RedisBackplane


def backplane_from_url(url: str, *, name: str = "denksessie") -> Backplane:
    """``name`` labels the worker's Redis connections (``CLIENT LIST``), so an operator (or a
    fault test) can tell them apart from other clients of a shared Redis."""
    if url.startswith("memory://"):
        return MemoryBackplane()
    if url.startswith(("redis://", "rediss://")):
        return RedisBackplane(url, client_name=f"{name}-backplane")
    raise ValueError(f"Unknown backplane URL scheme: {url!r} (use memory:// or redis://)")


__all__ = ["Backplane", "MemoryBackplane", "Message", "RedisBackplane", "backplane_from_url"]
