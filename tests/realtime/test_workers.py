"""Two real uvicorn workers sharing PostgreSQL and Redis.

A ballot cast on worker A reaches a facilitator on worker B; a facilitator's control made on A
reaches a screen on B. Then worker A is killed with SIGKILL while twenty phones vote: they come
back (to A once it is restarted on its port, or to B), resend what was not acknowledged under
the same message id, and in the end every acknowledged ballot is stored once and the aggregate
the facilitator sees equals the one computed from the database.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from websockets.exceptions import WebSocketException

from app.api.deps import CSRF_HEADER, LOGIN_COOKIE
from app.sessions.models import Ballot, BallotSubmission
from tests.conftest import committed_login
from tests.realtime.support import CANDIDATES, Frame, aggregate_in_db, ballot, new_msg_id
from tests.realtime.workers import (
    NetSocket,
    Remote,
    Worker,
    joined,
    worker_environment,
    write_timings,
)
from tests.services import REDIS_URL, require_redis

N_PHONES = 20
VOTES_EACH = 8
KILL_AFTER_ACKS = N_PHONES * VOTES_EACH // 2
BACKOFF_BASE_S = 0.05
BACKOFF_CAP_S = 1.0
SCENARIO_TIMEOUT_S = 90.0


@pytest.fixture
async def workers(realtime_database: str, tmp_path: Path) -> AsyncIterator[tuple[Worker, Worker]]:
    require_redis()
    environment = worker_environment(realtime_database, REDIS_URL)
    a = Worker("a", environment, tmp_path)
    b = Worker("b", environment, tmp_path)
    try:
        await asyncio.gather(a.start(), b.start())
        yield a, b
    finally:
        await asyncio.gather(a.stop(), b.stop())


@pytest.fixture
async def api(
    workers: tuple[Worker, Worker], realtime_database: str
) -> AsyncIterator[httpx.AsyncClient]:
    login = committed_login(realtime_database)
    async with httpx.AsyncClient(
        base_url=workers[0].url,
        trust_env=False,
        timeout=10,
        cookies={LOGIN_COOKIE: login["cookie"]},
        headers={CSRF_HEADER: login["csrf"]},
    ) as client:
        yield client


def _counts(round_id: int, n_ballots: int) -> Callable[[Frame], bool]:
    def wanted(frame: Frame) -> bool:
        entry = frame.get("rounds", {}).get(str(round_id), {})
        return bool(frame["type"] == "tally" and entry.get("n_ballots") == n_ballots)

    return wanted


class TestFanOutAcrossWorkers:
    async def test_a_ballot_on_a_reaches_the_facilitator_on_b(
        self, workers: tuple[Worker, Worker], api: httpx.AsyncClient
    ) -> None:
        a, b = workers
        remote = await Remote.create(api)
        round_id = await remote.open_approval_round()
        _, token = await remote.join("Sam")
        async with (
            joined(b, remote.code, "facilitator", remote.facilitator_token) as (facilitator, _),
            joined(a, remote.code, "participant", token) as (phone, _),
        ):
            sent = time.monotonic()
            await phone.send(ballot(round_id, "approval", {"approve": ["privacy"]}))
            ack = await phone.until(lambda frame: frame["type"] == "ack")
            acked = time.monotonic()
            tally = await facilitator.until(_counts(round_id, 1))
            arrived = time.monotonic()
        assert ack["revision"] == 1
        assert tally["rounds"][str(round_id)]["results"]["scores"]["privacy"] == 1
        write_timings(
            "realtime-fan-out",
            {
                "ballot_to_ack_ms": round((acked - sent) * 1000, 1),
                "ballot_to_facilitator_tally_on_other_worker_ms": round((arrived - sent) * 1000, 1),
            },
        )

    async def test_a_control_on_a_reaches_the_screen_on_b(
        self, workers: tuple[Worker, Worker], api: httpx.AsyncClient
    ) -> None:
        _, b = workers
        remote = await Remote.create(api)
        async with joined(b, remote.code, "screen", remote.screen_token) as (screen, snapshot):
            round_id = await remote.open_approval_round()
            state = await screen.until(
                lambda frame: frame["type"] == "state" and frame["current_round_id"] == round_id
            )
        assert state["seq"] == snapshot["seq"] + 2  # round added, round opened


# --- SIGKILL while phones vote -----------------------------------------------------------------


@dataclass
class Phone:
    """One participant that votes ``VOTES_EACH`` times, reconnecting and resending as needed."""

    index: int
    participant_id: str
    token: str
    goes_back_to_a: bool
    acks: list[Frame] = field(default_factory=list)
    payloads: dict[str, dict[str, Any]] = field(default_factory=dict)
    resends: int = 0
    disconnects: int = 0
    snapshots: list[tuple[int, int | None]] = field(default_factory=list)  # (acks, revision)
    back_at: float | None = None

    def payload(self, vote: int) -> dict[str, Any]:
        first = (self.index + vote) % len(CANDIDATES)
        return {"approve": [CANDIDATES[first], CANDIDATES[(first + 1) % len(CANDIDATES)]]}


@dataclass
class Scenario:
    a: Worker
    b: Worker
    round_id: int
    acked: int = 0
    kill_now: asyncio.Event = field(default_factory=asyncio.Event)
    killed_at: float | None = None

    def target(self, phone: Phone) -> Worker:
        if phone.disconnects == 0 or phone.goes_back_to_a:
            return self.a
        return self.b


async def _vote(scenario: Scenario, phone: Phone, code: str) -> None:
    pending: Frame | None = None
    attempt = 0
    while len(phone.acks) < VOTES_EACH:
        worker = scenario.target(phone)
        try:
            async with joined(worker, code, "participant", phone.token) as (socket, snapshot):
                own = snapshot["own_ballots"].get(str(scenario.round_id))
                phone.snapshots.append((len(phone.acks), own["revision"] if own else None))
                if phone.disconnects and phone.back_at is None:
                    phone.back_at = time.monotonic()
                attempt = 0
                while len(phone.acks) < VOTES_EACH:
                    if pending is None:
                        payload = phone.payload(len(phone.acks))
                        pending = ballot(scenario.round_id, "approval", payload, new_msg_id())
                        phone.payloads[pending["msg_id"]] = payload
                    else:
                        phone.resends += 1
                    await socket.send(pending)
                    msg_id = pending["msg_id"]
                    answer = await _answer_to(socket, msg_id)
                    assert answer["type"] == "ack", answer
                    phone.acks.append(answer)
                    pending = None
                    scenario.acked += 1
                    # Kill mid-round: at half the acks, or sooner when one phone (connected
                    # early, acked fast) is nearly done, so that no phone is done before it.
                    if scenario.acked == KILL_AFTER_ACKS or len(phone.acks) == VOTES_EACH - 2:
                        scenario.kill_now.set()
                    await asyncio.sleep(random.uniform(0, 0.03))
        except (OSError, TimeoutError, WebSocketException):
            if scenario.killed_at is None:
                raise
            phone.disconnects += 1
            # Full jitter: a random wait up to an exponentially growing cap.
            await asyncio.sleep(random.uniform(0, min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2**attempt)))
            attempt += 1


async def _answer_to(socket: NetSocket, msg_id: str) -> Frame:
    return await socket.until(
        lambda frame: frame["type"] in ("ack", "error") and frame.get("msg_id") == msg_id
    )


@dataclass
class Watcher:
    """The facilitator on worker B: keeps the newest results it was sent for the round."""

    socket: NetSocket
    round_id: int
    results: Frame | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def showing(self, expected: Frame) -> None:
        while self.results != expected:
            self.changed.clear()
            await self.changed.wait()

    async def run(self) -> None:
        while True:
            frame = await self.socket.receive(within=3600)
            if frame["type"] == "tally":
                entry = frame["rounds"].get(str(self.round_id))
                if entry is not None:
                    self.results = entry["results"]
            elif frame["type"] in ("state", "snapshot"):
                self.results = frame["results"].get(str(self.round_id), self.results)
            self.changed.set()


class TestWorkerKilledWhilePhonesVote:
    async def test_every_acknowledged_ballot_survives_once(
        self,
        workers: tuple[Worker, Worker],
        api: httpx.AsyncClient,
        realtime_engine: Engine,
    ) -> None:
        a, b = workers
        remote = await Remote.create(api)
        round_id = await remote.open_approval_round()
        phones = []
        for index in range(N_PHONES):
            participant_id, token = await remote.join(f"Telefoon {index}")
            phones.append(Phone(index, participant_id, token, goes_back_to_a=index % 2 == 0))
        scenario = Scenario(a, b, round_id)

        async with joined(b, remote.code, "facilitator", remote.facilitator_token) as (
            facilitator,
            _,
        ):
            watcher = Watcher(facilitator, round_id)
            watching = asyncio.create_task(watcher.run())
            voting = [asyncio.create_task(_vote(scenario, p, remote.code)) for p in phones]
            try:
                async with asyncio.timeout(SCENARIO_TIMEOUT_S):
                    kill_now = asyncio.create_task(scenario.kill_now.wait())
                    await asyncio.wait([kill_now, *voting], return_when=asyncio.FIRST_COMPLETED)
                    if not scenario.kill_now.is_set():  # a phone failed before the kill
                        kill_now.cancel()
                        await asyncio.gather(*voting)
                    scenario.killed_at = time.monotonic()
                    await a.kill()
                    await asyncio.sleep(0.3)  # phones that go back to A find it gone a while
                    restart_s = await a.start()
                    ready_at = time.monotonic()
                    await asyncio.gather(*voting)
                    done_at = time.monotonic()
                    expected = aggregate_in_db(realtime_engine, remote.id, round_id)
                    await watcher.showing(expected)
                    converged_at = time.monotonic()
            finally:
                for task in [*voting, watching]:
                    task.cancel()
                await asyncio.gather(*voting, watching, return_exceptions=True)

        assert scenario.killed_at is not None
        # Every phone got an ack for every vote, with revisions 1..n: none lost, none twice.
        for phone in phones:
            assert [ack["revision"] for ack in phone.acks] == list(range(1, VOTES_EACH + 1))
        # Every phone that lost its socket came back and resynced from a snapshot whose own
        # ballot is the last acknowledged one, or the one in flight when the worker died.
        cut_off = [phone for phone in phones if phone.disconnects]
        assert cut_off, "killing worker A cut no phone off"
        for phone in cut_off:
            acked_before, revision = phone.snapshots[-1]
            assert (revision or 0) in (acked_before, acked_before + 1)

        with Session(realtime_engine) as db:
            stored = db.exec(select(Ballot).where(Ballot.round_id == round_id)).all()
            submissions = db.exec(
                select(BallotSubmission).where(BallotSubmission.round_id == round_id)
            ).all()
        by_participant = {row.participant_id: row for row in stored}
        assert len(stored) == len(by_participant) == N_PHONES  # one ballot row per phone
        pairs = [(s.participant_id, s.client_msg_id) for s in submissions]
        assert len(pairs) == len(set(pairs)) == N_PHONES * VOTES_EACH
        for phone in phones:
            acked_ids = {ack["msg_id"] for ack in phone.acks}
            assert {m for p, m in pairs if p == phone.participant_id} == acked_ids
            row = by_participant[phone.participant_id]
            last = phone.acks[-1]["msg_id"]
            assert (row.revision, row.client_msg_id) == (VOTES_EACH, last)
            assert row.payload == phone.payloads[last]
        assert expected["n_ballots"] == N_PHONES
        assert watcher.results == expected

        back_at = [phone.back_at for phone in cut_off if phone.back_at is not None]
        to_a = [p.back_at for p in cut_off if p.goes_back_to_a and p.back_at is not None]
        to_b = [p.back_at for p in cut_off if not p.goes_back_to_a and p.back_at is not None]
        write_timings(
            "realtime-sigkill",
            {
                "phones": N_PHONES,
                "votes_each": VOTES_EACH,
                "phones_cut_off": len(cut_off),
                "resent_ballots": sum(phone.resends for phone in phones),
                "duplicate_acks": sum(
                    1 for phone in phones for ack in phone.acks if ack["duplicate"]
                ),
                "worker_restart_to_healthy_s": round(restart_s, 3),
                "kill_to_all_phones_back_s": round(max(back_at) - scenario.killed_at, 3),
                "kill_to_phones_back_on_b_s": round(max(to_b) - scenario.killed_at, 3),
                "restart_ready_to_phones_back_on_a_s": round(max(to_a) - ready_at, 3),
                "last_ack_to_facilitator_converged_ms": round((converged_at - done_at) * 1000, 1),
                "scores": expected["scores"],
                "stored_ballots": len(stored),
                "stored_submissions": len(submissions),
            },
        )
