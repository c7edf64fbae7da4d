"""Event envelopes carried over the backplane; topic names are built here only.

State changes (a round opened, a participant removed, ...) carry the denksessie's ``seq`` after the
change, so a client that sees a gap asks for a snapshot. Markers (``ballots_changed``,
``participants_changed``) only make workers refresh counts and aggregates on their next tick and
carry no seq: ballots and joins are many, and counting them on one row would serialise them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

BALLOTS_CHANGED = "ballots_changed"
PARTICIPANTS_CHANGED = "participants_changed"
# Markers only make a worker refresh counts and aggregates on its next tick; they carry no seq.
MARKER_SEQ = -1
MARKERS = frozenset({BALLOTS_CHANGED, PARTICIPANTS_CHANGED})


def topic(denksessie_id: int, *, namespace: str = "denksessie") -> str:
    """The backplane channel of one denksessie; the namespace keeps deployments that share one
    Redis apart (``DENKSESSIE_BACKPLANE_NAMESPACE``)."""
    return f"{namespace}.{denksessie_id}"


@dataclass(frozen=True)
class Event:
    type: str
    denksessie_id: int
    seq: int
    payload: dict[str, Any] = field(default_factory=dict)
    # Wall-clock time of publishing (set by the relay), so every worker measures the lag.
    sent_at: float | None = None

    def to_json(self) -> str:
        # Not ``dataclasses.asdict``: it deep-copies the payload first, and a burst's ballots
        # made that copy a few percent of a voting worker (py-spy, 1,000 ballots/s).
        fields = {
            "type": self.type,
            "denksessie_id": self.denksessie_id,
            "seq": self.seq,
            "payload": self.payload,
            "sent_at": self.sent_at,
        }
        return json.dumps(fields, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, data: str) -> Event:
        raw = json.loads(data)
        return cls(
            type=str(raw["type"]),
            denksessie_id=int(raw["denksessie_id"]),
            seq=int(raw["seq"]),
            payload=dict(raw.get("payload") or {}),
            sent_at=float(raw["sent_at"]) if isinstance(raw.get("sent_at"), int | float) else None,
        )
