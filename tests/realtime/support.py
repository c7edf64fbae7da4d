"""Helpers for the realtime tests: a committed database of their own, and clients of the protocol.

Websocket tests cannot run inside the rolled-back test transaction of ``tests/conftest.py``: the
endpoint and the hub open their own database sessions on ``app.state.engine``. They get a fresh
PostgreSQL database of their own instead, where every write is a real commit and every test
makes its own denksessie.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import anyio
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, text
from sqlmodel import Session, col, select
from starlette.testclient import WebSocketTestSession
from starlette.types import Message
from starlette.websockets import WebSocketDisconnect

from app import migrate
from app.content import load_builtin_content
from app.db import build_engine, transaction
from app.organisations import service as organisations
from app.realtime.protocol import PROTOCOL_VERSION
from app.sessions import results
from app.sessions.models import Ballot, BallotSubmission, Denksessie, Principle, SessionRound
from tests.conftest import settings_for
from tests.services import fresh_postgres_database

Frame = dict[str, Any]
# Four catalogue values whose alphabetical order is not their listed order.
CANDIDATES = ("zelfbeschikking", "privacy", "compassie", "eenvoud")
PRINCIPLE = "Ik laat mensen zelf kiezen."
TIMEOUT_S = 5.0


def poll(condition: Callable[[], bool]) -> None:
    """Wait until ``condition`` holds (checked every 10 ms), failing after ``TIMEOUT_S``."""
    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        assert time.monotonic() < deadline, "the condition did not become true in time"
        time.sleep(0.01)


def aggregate_in_db(engine: Engine, denksessie_id: int, round_id: int) -> Frame:
    """The facilitator's aggregate of a round recomputed from the database, JSON-normalised so
    it compares with what a screen received."""
    with Session(engine) as db:
        denksessie = db.get(Denksessie, denksessie_id)
        session_round = db.get(SessionRound, round_id)
        assert denksessie is not None
        assert session_round is not None
        computed = results.aggregate(db, denksessie, session_round, role="facilitator")
    normalised: Frame = json.loads(json.dumps(computed))
    return normalised


@contextmanager
def prepared_database() -> Iterator[str]:
    """A migrated PostgreSQL database with the built-in content and the demo organisation.

    Denksessie ids start at a random offset: Redis pub/sub channels ignore the database number,
    so two test runs sharing one Redis must not both publish on ``denksessie.1``.
    """
    with fresh_postgres_database() as url:
        settings = settings_for(url)
        migrate.upgrade(settings)
        engine = build_engine(settings)
        try:
            with transaction(engine) as db:
                load_builtin_content(db)
                organisations.ensure_demo(db)
                db.execute(
                    text("SELECT setval(pg_get_serial_sequence('denksessie', 'id'), :start)"),
                    {"start": 1_000_000 + secrets.randbelow(1_000_000_000)},
                )
        finally:
            engine.dispose()
        yield url


def new_msg_id() -> str:
    return secrets.token_hex(8)


def hello(role: str, token: str, *, protocol: int = PROTOCOL_VERSION) -> Frame:
    return {"type": "hello", "protocol": protocol, "role": role, "token": token}


def ballot(round_id: int, kind: str, payload: dict[str, Any], msg_id: str | None = None) -> Frame:
    return {
        "type": "ballot",
        "msg_id": msg_id or new_msg_id(),
        "round_id": round_id,
        "kind": kind,
        "payload": payload,
    }


def casus_payload(*values: str, principle: str = PRINCIPLE) -> dict[str, Any]:
    return {
        "decision": "toekennen",
        "values": list(values),
        "principles": {values[0]: principle} if principle else {},
    }


@dataclass(frozen=True)
class Rows:
    """What one participant has in the ballot tables."""

    ballots: int
    submissions: int
    principles: int
    revision: int | None
    payload: dict[str, Any] | None


def rows_of(engine: Engine, participant_id: str) -> Rows:
    with Session(engine) as db:

        def counted(model: type[Ballot] | type[BallotSubmission] | type[Principle]) -> int:
            return db.exec(
                select(func.count())
                .select_from(model)
                .where(col(model.participant_id) == participant_id)
            ).one()

        mine = db.exec(select(Ballot).where(Ballot.participant_id == participant_id)).first()
        return Rows(
            ballots=counted(Ballot),
            submissions=counted(BallotSubmission),
            principles=counted(Principle),
            revision=mine.revision if mine else None,
            payload=dict(mine.payload) if mine else None,
        )


# --- a websocket of the in-process TestClient, with timeouts -------------------------------------


class Socket:
    """A TestClient websocket whose reads time out instead of hanging the test run."""

    def __init__(self, ws: WebSocketTestSession) -> None:
        self.ws = ws

    def send(self, frame: Frame) -> None:
        self.ws.send_text(json.dumps(frame))

    def send_text(self, data: str) -> None:
        self.ws.send_text(data)

    def send_bytes(self, data: bytes) -> None:
        self.ws.send_bytes(data)

    def message(self, timeout: float = TIMEOUT_S) -> Message:
        async def next_message() -> Message:
            with anyio.fail_after(timeout):
                return await self.ws._send_rx.receive()

        return self.ws.portal.call(next_message)

    def receive(self, timeout: float = TIMEOUT_S) -> Frame:
        """The next frame; ``WebSocketDisconnect`` (with the close code) when the server closed."""
        message = self.message(timeout)
        if message["type"] == "websocket.close":
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason") or "")
        frame: Frame = json.loads(message["text"])
        return frame

    def until(self, wanted: Callable[[Frame], bool], timeout: float = TIMEOUT_S) -> Frame:
        """The first frame ``wanted`` accepts, skipping the others (tallies, older states)."""
        with _deadline(timeout) as remaining:
            while True:
                frame = self.receive(remaining())
                if wanted(frame):
                    return frame

    def of_type(self, frame_type: str, timeout: float = TIMEOUT_S) -> Frame:
        return self.until(lambda frame: frame["type"] == frame_type, timeout)

    def closed(self, timeout: float = TIMEOUT_S) -> tuple[list[Frame], int]:
        """Every frame until the server closes, and the close code."""
        frames: list[Frame] = []
        with _deadline(timeout) as remaining:
            while True:
                try:
                    frames.append(self.receive(remaining()))
                except WebSocketDisconnect as closed:
                    return frames, closed.code

    def quiet(self, seconds: float) -> list[Frame]:
        """Every frame that arrives within ``seconds`` (for asserting that nothing arrives)."""
        frames: list[Frame] = []
        with _deadline(seconds) as remaining:
            while True:
                left = remaining()
                if left <= 0:
                    return frames
                try:
                    frames.append(self.receive(left))
                except TimeoutError:
                    return frames


@contextmanager
def _deadline(seconds: float) -> Iterator[Callable[[], float]]:
    limit = time.monotonic() + seconds

    def remaining() -> float:
        return max(limit - time.monotonic(), 0.0)

    yield remaining


# --- a denksessie driven through the HTTP API of an in-process app -------------------------------


@dataclass(frozen=True)
class Member:
    participant_id: str
    token: str


@dataclass(frozen=True)
class Connected:
    socket: Socket
    welcome: Frame
    snapshot: Frame


@dataclass(frozen=True)
class Live:
    """One denksessie made through the API, with its facilitator's controls and sockets."""

    client: TestClient
    id: int
    code: str
    facilitator_token: str
    screen_token: str
    casus_ids: tuple[int, ...]

    @classmethod
    def create(cls, client: TestClient, *, show_results_live: bool = False) -> Live:
        casus_ids = [casus["id"] for casus in client.get("/api/v1/casussen").json()][:2]
        response = client.post(
            "/api/v1/denksessies",
            json={
                "title": "Denksessie Wmo",
                "casus_ids": casus_ids,
                "show_results_live": show_results_live,
            },
        )
        assert response.status_code == 201, response.text
        created = response.json()
        return cls(
            client=client,
            id=created["id"],
            code=created["code"],
            facilitator_token=created["facilitator_token"],
            screen_token=created["screen_token"],
            casus_ids=tuple(casus_ids),
        )

    def post(self, path: str, body: Frame | None = None) -> Frame:
        response = self.client.post(f"/api/v1/denksessies/{self.id}/{path}", json=body or {})
        assert response.status_code in (200, 201), response.text
        answer: Frame = response.json()
        return answer

    def add_round(self, kind: str, **config: Any) -> int:
        defaults: dict[str, dict[str, Any]] = {
            "casus": {"casus_id": self.casus_ids[0]},
            "principle": {"value_key": CANDIDATES[0]},
            "open": {"question": "Wat heb je nodig om goed te beslissen?"},
        }
        base = defaults.get(kind, {"candidates": list(CANDIDATES)})
        made = self.post("rounds", {"kind": kind, "config": {**base, **config}})
        round_id: int = made["id"]
        return round_id

    def control(self, path: str, body: Frame | None = None) -> int:
        """Run one facilitator control and return the ``seq`` its event carries."""
        seq: int = self.post(path, body)["seq"]
        return seq

    def open_round(self, kind: str, **config: Any) -> int:
        round_id = self.add_round(kind, **config)
        self.control(f"rounds/{round_id}/open")
        return round_id

    def join(self, display_name: str | None = None) -> Member:
        response = self.client.post(
            f"/api/v1/join/{self.code}", json={"display_name": display_name}
        )
        assert response.status_code == 201, response.text
        joined = response.json()
        return Member(joined["participant_id"], joined["token"])

    def token_of(self, role: str) -> str:
        return {"facilitator": self.facilitator_token, "screen": self.screen_token}[role]

    @contextmanager
    def raw_socket(self, code: str | None = None) -> Iterator[Socket]:
        with self.client.websocket_connect(f"/ws/{code or self.code}") as ws:
            yield Socket(ws)

    @contextmanager
    def connect(self, role: str, token: str | None = None) -> Iterator[Connected]:
        """A socket past the handshake: ``welcome`` and the first ``snapshot`` already read."""
        with self.raw_socket() as socket:
            socket.send(hello(role, token or self.token_of(role)))
            welcome = socket.receive()
            assert welcome["type"] == "welcome", welcome
            snapshot = socket.receive()
            assert snapshot["type"] == "snapshot", snapshot
            yield Connected(socket, welcome, snapshot)

    @contextmanager
    def participant(self, display_name: str | None = None) -> Iterator[tuple[Member, Connected]]:
        member = self.join(display_name)
        with self.connect("participant", member.token) as connected:
            yield member, connected
