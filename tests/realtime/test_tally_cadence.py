"""Tallies come from running tallies (decision 0028): a ballot reaches the facilitator without
the tick recounting the round from the database, and the principles written in a casus round,
which are read from the database, never hold up the counts: while their read is not due again
(at most every twice its own cost) tallies carry fresh counts with the texts last read, and the
texts follow by themselves, without another ballot."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import Engine

from app.realtime import views
from app.realtime.hub import PEOPLE_REFRESH_S, Hub
from tests.realtime.support import (
    Frame,
    Live,
    Socket,
    aggregate_in_db,
    ballot,
    casus_payload,
)


def _tally(socket: Socket, round_id: int, n_ballots: int) -> Frame:
    frame = socket.until(
        lambda f: (
            f["type"] == "tally"
            and f["rounds"].get(str(round_id), {}).get("n_ballots") == n_ballots
        )
    )
    entry: Frame = frame["rounds"][str(round_id)]
    return entry


def _results(socket: Socket, round_id: int, results: Frame) -> Frame:
    frame = socket.until(
        lambda f: (
            f["type"] == "tally" and f["rounds"].get(str(round_id), {}).get("results") == results
        )
    )
    entry: Frame = frame["rounds"][str(round_id)]
    return entry


def test_a_ballot_reaches_the_facilitator_without_a_recount(
    live: Live, realtime_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    round_id = live.open_round("approval")
    with live.connect("facilitator") as facilitator:
        with live.participant() as (_, first):
            first.socket.send(ballot(round_id, "approval", {"approve": ["privacy"]}))
            first.socket.of_type("ack")
        assert _tally(facilitator.socket, round_id, 1)["results"] == aggregate_in_db(
            realtime_engine, live.id, round_id
        )
        recounts: list[int] = []
        read_live = views.read_live

        def counted_read_live(*args: Any, **kwargs: Any) -> Any:
            recounts.append(1)
            return read_live(*args, **kwargs)

        monkeypatch.setattr(views, "read_live", counted_read_live)
        with live.participant() as (_, second):
            second.socket.send(ballot(round_id, "approval", {"approve": ["eenvoud", "privacy"]}))
            second.socket.of_type("ack")
        two = _tally(facilitator.socket, round_id, 2)
    assert two["results"] == aggregate_in_db(realtime_engine, live.id, round_id)
    assert recounts == []


def test_counts_flow_while_the_principles_wait_and_they_follow(
    live: Live, realtime_engine: Engine
) -> None:
    round_id = live.open_round("casus")
    hub: Hub = live.client.app.state.hub  # type: ignore[attr-defined]
    with live.connect("facilitator") as facilitator:
        with live.participant() as (_, first):
            first.socket.send(ballot(round_id, "casus", casus_payload("privacy")))
            first.socket.of_type("ack")
        # The count comes at once, the principle written with it when its read is back.
        written = aggregate_in_db(realtime_engine, live.id, round_id)
        assert written["principles"]
        one = _results(facilitator.socket, round_id, written)

        room = hub.rooms[live.id]
        room.texts_cost, room.texts_read_at = 3600.0, time.monotonic()  # "very slow"
        with live.participant() as (_, second):
            second.socket.send(
                ballot(round_id, "casus", casus_payload("privacy", principle="Ik luister eerst."))
            )
            second.socket.of_type("ack")
        two = _tally(facilitator.socket, round_id, 2)
        assert two["results"]["values"][0]["total"] == 2  # the count moved on
        assert two["results"]["principles"] == one["results"]["principles"]  # the texts waited

        # Past the pause of the facilitator's participant list (which also keeps the room dirty
        # for a moment after a join), only the waiting texts can bring another tally.
        time.sleep(PEOPLE_REFRESH_S * 1.5)
        room.texts_cost = 0.0  # due again: the room stayed dirty, so no ballot is needed
        fresh = aggregate_in_db(realtime_engine, live.id, round_id)
        assert fresh != one["results"]
        _results(facilitator.socket, round_id, fresh)
