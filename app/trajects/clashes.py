"""The values that clash in a traject: the top pairs of its sessions' schuur rounds.

Derived from the database each time, like the traject's other results: every opened schuur
round of every session of the traject is counted (``results.aggregate``, so a round whose raw
data was deleted still counts from its kept snapshot), the counts of a pair are added over the
rounds, and the pairs are ranked with shared places for equal counts
(``app/aggregation/clashes.py``). The first ``TOP_PLACES`` places are kept, a tie at the edge
whole (decision 0032).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.aggregation.clashes import Pair, pair_key, ranked_pairs, top_pairs
from app.db import DbSession
from app.sessions import results
from app.sessions import service as sessions
from app.sessions.kinds import schuur
from app.trajects import service as trajects
from app.trajects.models import Traject


@dataclass(frozen=True)
class TrajectClash:
    a: str
    b: str
    count: int  # ballots that named the pair, over all schuur rounds of the traject
    rank: int
    tied: bool
    rounds: int  # schuur rounds in which the pair was named


def top_clashes(
    db: DbSession, traject: Traject, *, places: int = schuur.TOP_PLACES
) -> list[TrajectClash]:
    counts: dict[Pair, int] = {}
    named_in: dict[Pair, int] = {}
    for _, denksessie in trajects.sessions_of(db, traject):
        assert denksessie.id is not None
        for session_round in sessions.rounds_of(db, denksessie.id):
            if session_round.kind != schuur.NAME or session_round.status == "draft":
                continue
            result = results.aggregate(db, denksessie, session_round, role="facilitator")
            for pair in result.get("pairs", []):
                key = pair_key(pair["a"], pair["b"])
                counts[key] = counts.get(key, 0) + int(pair["count"])
                named_in[key] = named_in.get(key, 0) + 1
    ranked = ranked_pairs(counts, tie_break_order=traject.tie_break_order)
    return [
        TrajectClash(p.a, p.b, p.count, p.rank, p.tied, named_in[(p.a, p.b)])
        for p in top_pairs(ranked, places=places)
    ]
