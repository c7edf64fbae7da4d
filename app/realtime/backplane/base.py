"""The backplane interface: six methods, as in encode/broadcaster."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Message:
    channel: str
    data: str


class Backplane(Protocol):
    async def connect(self) -> None: ...

    async def disconnect(self) -> None: ...

    async def subscribe(self, channel: str) -> None: ...

    async def unsubscribe(self, channel: str) -> None: ...

    async def publish(self, channel: str, data: str) -> None: ...

    async def next_published(self) -> Message:
        """Wait for the next message on any subscribed channel."""
        ...
