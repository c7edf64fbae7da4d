"""A reveal is sized for a phone: its frame stays small however many people wrote principles,
while the projector and the facilitator still get every principle (docs/realtime-protocol.md).

A room of ``N`` participants, each writing a principle of their own in a casus round and then
approving principles in a principle round. After each round is closed and revealed, a phone's
``state`` (and its snapshot, on a reconnect) must stay under ``PHONE_BOUND`` bytes, a bound
that does not grow with the room, and still carry the aggregate; the screen's frame carries
every principle.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from app.db import transaction
from app.realtime.wire import COMPRESS_FROM
from app.sessions import ballot_batch
from app.sessions.ballot_batch import BallotRequest
from app.sessions.ballots import BallotCast
from app.sessions.kinds.casus import PHONE_VALUES
from app.sessions.models import Participant, Principle
from tests.realtime.support import CANDIDATES, Frame, Live, Socket, new_msg_id

pytestmark = [pytest.mark.postgres]

N = 150
# A phone's whole frame at this room: rounds, counts, the casus aggregate (at most the
# catalogue's 25 values) and the ten most chosen principles; never the room's texts.
PHONE_BOUND = 8_000
VALUE = CANDIDATES[0]


def _a_principle_of_their_own(n: int) -> dict[str, Any]:
    return {
        "decision": "toekennen",
        "values": [VALUE],
        "principles": {VALUE: f"Ik zorg dat nummer {n} zelf mag kiezen, altijd."},
    }


def _room_votes(
    engine: Engine,
    live: Live,
    casus_round: int,
    payload: Callable[[int], dict[str, Any]] = _a_principle_of_their_own,
) -> list[str]:
    """N participants, each with a casus ballot (by default with a principle of their own)."""
    ids = [f"many{secrets.token_hex(6)}{n:04d}" for n in range(N)]
    with transaction(engine) as db:
        db.add_all(Participant(id=pid, denksessie_id=live.id) for pid in ids)
        db.flush()
        outcomes = ballot_batch.cast_ballots(
            db,
            [
                BallotRequest(live.id, pid, casus_round, "casus", payload(n), new_msg_id())
                for n, pid in enumerate(ids)
            ],
        )
    assert all(isinstance(o, BallotCast) for o in outcomes), outcomes
    return ids


def _approve(engine: Engine, live: Live, round_id: int, ids: list[str]) -> None:
    with transaction(engine) as db:
        principles = list(
            db.exec(
                select(Principle.id)
                .where(Principle.value_key == VALUE)
                .join(Participant, col(Participant.id) == col(Principle.participant_id))
                .where(Participant.denksessie_id == live.id)
                .order_by(col(Principle.id))
            ).all()
        )
        assert len(principles) == N
        outcomes = ballot_batch.cast_ballots(
            db,
            [
                BallotRequest(
                    live.id,
                    pid,
                    round_id,
                    "principle",
                    {"approve": [principles[n], principles[(n * 7 + 1) % N]]},
                    new_msg_id(),
                )
                for n, pid in enumerate(ids)
            ],
        )
    assert all(isinstance(o, BallotCast) for o in outcomes), outcomes


def _revealed_state(socket: Socket, round_id: int) -> tuple[int, Frame]:
    """The first ``state`` in which the round is revealed: its size in bytes, and the frame."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        message = socket.message()
        text: str = message["text"]
        frame: Frame = json.loads(text)
        if frame["type"] != "state":
            continue
        if any(r["id"] == round_id and r["revealed"] for r in frame["rounds"]):
            return len(text.encode()), frame
    raise AssertionError("no revealed state")


def _close_and_reveal(live: Live, round_id: int) -> None:
    live.control(f"rounds/{round_id}/close")
    live.control(f"rounds/{round_id}/reveal", {"revealed": True})


class TestRevealSizedForPhones:
    def test_a_casus_and_a_principle_reveal_stay_small_on_a_phone(
        self, live: Live, realtime_engine: Engine
    ) -> None:
        casus_round = live.open_round("casus", max_values=3)
        ids = _room_votes(realtime_engine, live, casus_round)
        with live.participant() as (_, phone), live.connect("screen") as screen:
            _close_and_reveal(live, casus_round)
            phone_bytes, phone_frame = _revealed_state(phone.socket, casus_round)
            screen_bytes, screen_frame = _revealed_state(screen.socket, casus_round)

            mine: dict[str, Any] = phone_frame["results"][str(casus_round)]
            assert mine["n_ballots"] == N
            assert mine["values"][0] == {
                "value": VALUE,
                "total": N,
                "by_decision": {"toekennen": N, "niet_toekennen": 0, "twijfel": 0},
            }
            assert phone_bytes < PHONE_BOUND
            wall = screen_frame["results"][str(casus_round)]["principles"][VALUE]
            assert len(wall) == N  # the projector's wall of principles is whole
            assert screen_bytes > N * 40

            principle_round = live.open_round("principle", value_key=VALUE, max_approvals=2)
            _approve(realtime_engine, live, principle_round, ids)
            _close_and_reveal(live, principle_round)
            phone_bytes, phone_frame = _revealed_state(phone.socket, principle_round)
            _, screen_frame = _revealed_state(screen.socket, principle_round)

            shown = phone_frame["results"][str(principle_round)]
            assert shown["n_ballots"] == N
            assert len(shown["counts"]) == 10
            assert shown["n_principles"] == N
            top = max(shown["counts"].values())
            assert top == max(screen_frame["results"][str(principle_round)]["counts"].values())
            assert {str(p["id"]) for p in phone_frame["principles"][str(principle_round)]} == set(
                shown["counts"]
            )
            assert phone_bytes < PHONE_BOUND
            assert len(screen_frame["results"][str(principle_round)]["counts"]) == N

        # A phone that comes back gets a snapshot of the same size class.
        with live.participant() as (_, again):
            assert len(json.dumps(again.snapshot).encode()) < PHONE_BOUND + 12_000
            assert len(again.snapshot["results"][str(principle_round)]["counts"]) == 10


class TestACasusRevealNamingEveryValue:
    def test_reaches_a_phone_uncompressed_with_the_values_it_shows(
        self, live: Live, realtime_engine: Engine
    ) -> None:
        """Counts of all 25 values made a phone's revealed state 4.6 KB, past what goes
        uncompressed, so every phone in the room had to inflate it; a phone shows the five
        most named (participant.js), and gets those."""
        casus_round = live.open_round("casus", max_values=3)
        with live.participant() as (_, phone), live.connect("screen") as screen:
            keys = [value["key"] for value in phone.snapshot["values"]]
            assert len(keys) == 25
            _room_votes(
                realtime_engine,
                live,
                casus_round,
                lambda n: {
                    "decision": ("toekennen", "niet_toekennen")[n % 2],
                    "values": [keys[(n + k * 7) % 25] for k in range(3)],
                },
            )
            _close_and_reveal(live, casus_round)
            phone_bytes, phone_frame = _revealed_state(phone.socket, casus_round)
            _, screen_frame = _revealed_state(screen.socket, casus_round)
        on_screen = screen_frame["results"][str(casus_round)]["values"]
        assert len(on_screen) == 25
        assert phone_frame["results"][str(casus_round)]["values"] == on_screen[:PHONE_VALUES]
        assert phone_bytes < COMPRESS_FROM
