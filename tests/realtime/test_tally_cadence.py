"""Counts do not wait for a slow aggregate: while a round's aggregate is not due again (it is
recomputed at most every twice its own cost), tallies carry fresh counts with the last
aggregate, and a fresh aggregate follows by itself, without another ballot."""

from __future__ import annotations

import time

from sqlalchemy import Engine

from app.realtime.hub import PEOPLE_REFRESH_S, Hub
from tests.realtime.support import Frame, Live, Socket, aggregate_in_db, ballot


def _tally(socket: Socket, round_id: int, n_ballots: int) -> Frame:
    frame = socket.until(
        lambda f: (
            f["type"] == "tally"
            and f["rounds"].get(str(round_id), {}).get("n_ballots") == n_ballots
        )
    )
    entry: Frame = frame["rounds"][str(round_id)]
    return entry


def test_counts_flow_while_the_aggregate_waits_and_it_follows(
    live: Live, realtime_engine: Engine
) -> None:
    round_id = live.open_round("approval")
    hub: Hub = live.client.app.state.hub  # type: ignore[attr-defined]
    with live.connect("facilitator") as facilitator:
        with live.participant() as (_, first):
            first.socket.send(ballot(round_id, "approval", {"approve": ["privacy"]}))
            first.socket.of_type("ack")
        one = _tally(facilitator.socket, round_id, 1)
        assert one["results"] == aggregate_in_db(realtime_engine, live.id, round_id)

        room = hub.rooms[live.id]
        room.aggregate_cost, room.aggregated_at = 3600.0, time.monotonic()  # "very slow"
        with live.participant() as (_, second):
            second.socket.send(ballot(round_id, "approval", {"approve": ["eenvoud"]}))
            second.socket.of_type("ack")
        two = _tally(facilitator.socket, round_id, 2)
        assert two["results"] == one["results"]  # the count moved on, the aggregate waited

        # Past the pause of the facilitator's participant list (which also keeps the room dirty
        # for a moment after a join), only the waiting aggregate can bring another tally.
        time.sleep(PEOPLE_REFRESH_S * 1.5)
        room.aggregate_cost = 0.0  # due again: the room stayed dirty, so no ballot is needed
        fresh = aggregate_in_db(realtime_engine, live.id, round_id)
        assert fresh != one["results"]
        facilitator.socket.until(
            lambda f: (
                f["type"] == "tally" and f["rounds"].get(str(round_id), {}).get("results") == fresh
            )
        )
