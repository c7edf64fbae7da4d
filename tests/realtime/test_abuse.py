"""Websocket abuse resistance: Origin check, frame rate limits, one socket per participant, fuzz.

Apps with other limits than the defaults are built per test (``_live_with``); the rest uses the
package's ``live`` app. See docs/security.md for the why.
"""

from __future__ import annotations

import json
import random
import string
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from starlette.websockets import WebSocketDisconnect

from app.main import create_app
from app.realtime.abuse import origin_allowed
from app.realtime.protocol import (
    CLOSE_BAD_ORIGIN,
    CLOSE_POLICY,
    CLOSE_REPLACED,
    CLOSE_TOO_BIG,
    CLOSE_TRY_AGAIN,
    MAX_FRAME_BYTES,
    PROTOCOL_VERSION,
)
from tests.conftest import settings_for, with_committed_login
from tests.realtime.support import CANDIDATES, Frame, Live, Socket, ballot, hello, rows_of

APPROVE: dict[str, Any] = {"approve": ["privacy", "eenvoud"]}
TEST_HOST = "testserver"  # the Host header of the TestClient
# Every close code docs/realtime-protocol.md lists as sent by the server.
DOCUMENTED_CLOSES = {1008, 1009, 1013, 4400, 4401, 4403, 4404, 4406, 4409, 4410}


@contextmanager
def _live_with(database_url: str, **overrides: object) -> Iterator[Live]:
    with TestClient(create_app(settings_for(database_url, **overrides))) as client:
        yield Live.create(with_committed_login(client, database_url))


@contextmanager
def _socket(live: Live, headers: dict[str, str] | None = None) -> Iterator[Socket]:
    with live.client.websocket_connect(f"/ws/{live.code}", headers=dict(headers or {})) as ws:
        yield Socket(ws)


def _welcomed(socket: Socket, live: Live) -> Frame:
    socket.send(hello("screen", live.screen_token))
    return socket.receive()


def _answer(socket: Socket) -> Frame:
    """The next direct answer (``ack``, ``error`` or ``pong``), skipping aggregates."""
    return socket.until(lambda frame: frame["type"] in {"ack", "error", "pong"})


# --- Origin ------------------------------------------------------------------------------------


class TestOriginAllowed:
    @pytest.mark.parametrize(
        ("origin", "host", "allowed", "expected"),
        [
            pytest.param(None, "x.nl", [], True, id="no-origin-no-browser"),
            pytest.param("https://x.nl", "x.nl", [], True, id="same-host"),
            pytest.param("https://X.NL", "x.nl", [], True, id="case-insensitive"),
            pytest.param("https://x.nl", "x.nl:443", [], True, id="explicit-default-port"),
            pytest.param("http://x.nl:8000", "x.nl:8000", [], True, id="same-port"),
            pytest.param("http://x.nl:8001", "x.nl:8000", [], False, id="other-port"),
            pytest.param("http://[::1]:8000", "[::1]:8000", [], True, id="ipv6"),
            pytest.param("https://evil.nl", "x.nl", [], False, id="other-host"),
            pytest.param("https://x.nl.evil.nl", "x.nl", [], False, id="suffix-host"),
            pytest.param("null", "x.nl", [], False, id="null-origin"),
            pytest.param("https://x.nl", None, [], False, id="no-host"),
            pytest.param("https://app.nl", "x.nl", ["https://app.nl"], True, id="listed"),
            pytest.param("https://app.nl", "x.nl", ["https://app.nl:443"], True, id="listed-port"),
            pytest.param("http://app.nl", "x.nl", ["https://app.nl"], False, id="listed-scheme"),
        ],
    )
    def test_decides(
        self, origin: str | None, host: str | None, allowed: list[str], expected: bool
    ) -> None:
        assert origin_allowed(origin, host, allowed) is expected


class TestOriginAtTheHandshake:
    def test_a_foreign_origin_is_refused_with_4406(self, live: Live) -> None:
        with _socket(live, {"origin": "https://evil.example"}) as socket:
            frames, code = socket.closed()
        assert code == CLOSE_BAD_ORIGIN
        assert [frame["code"] for frame in frames] == ["HANDSHAKE_REFUSED"]

    def test_the_same_origin_is_welcomed(self, live: Live) -> None:
        with _socket(live, {"origin": f"http://{TEST_HOST}"}) as socket:
            assert _welcomed(socket, live)["type"] == "welcome"

    def test_no_origin_is_welcomed(self, live: Live) -> None:
        with _socket(live) as socket:
            assert _welcomed(socket, live)["type"] == "welcome"

    def test_a_listed_origin_is_welcomed(self, realtime_database: str) -> None:
        allowed = "https://denksessie.example.nl"
        with _live_with(realtime_database, allowed_origins=[allowed]) as live:
            with _socket(live, {"origin": allowed}) as socket:
                assert _welcomed(socket, live)["type"] == "welcome"
            with _socket(live, {"origin": "https://other.example.nl"}) as socket:
                assert socket.closed()[1] == CLOSE_BAD_ORIGIN


# --- frame rate limits -------------------------------------------------------------------------


class TestRateLimit:
    def test_ballots_over_the_limit_are_refused_and_not_written(
        self, realtime_database: str, realtime_engine: Engine
    ) -> None:
        with _live_with(realtime_database, ws_rate_limit="5/minute") as live:
            round_id = live.open_round("approval")
            with live.participant() as (member, me):
                for _ in range(12):
                    me.socket.send(ballot(round_id, "approval", APPROVE))
                answers = [_answer(me.socket) for _ in range(12)]
                _pong_after_the_window_is_full(me.socket)
        kinds = [answer.get("code", answer["type"]) for answer in answers]
        assert kinds == ["ack"] * 5 + ["RATE_LIMITED"] * 7
        limited = answers[-1]
        assert limited["retry"] is True
        assert "msg_id" not in limited  # a refused frame is not even parsed
        rows = rows_of(realtime_engine, member.participant_id)
        assert (rows.ballots, rows.submissions, rows.revision) == (1, 5, 5)

    def test_a_socket_far_over_the_limit_is_closed_with_1008(self, realtime_database: str) -> None:
        with (
            _live_with(
                realtime_database, ws_rate_limit="5/minute", ws_flood_limit="10/minute"
            ) as live,
            live.connect("screen") as screen,
        ):
            for _ in range(11):
                screen.socket.send({"type": "ping"})
            frames, code = screen.socket.closed()
        answers = [f.get("code", f["type"]) for f in frames if f["type"] in {"pong", "error"}]
        assert answers == ["pong"] * 5 + ["RATE_LIMITED"] * 6
        assert code == CLOSE_POLICY

    def test_the_default_limits_close_a_flood(self, live: Live) -> None:
        with live.connect("screen") as screen:
            for _ in range(300):
                screen.socket.send({"type": "ping"})
            frames, code = screen.socket.closed()
        assert code == CLOSE_POLICY
        pongs = sum(frame["type"] == "pong" for frame in frames)
        assert 20 <= pongs < 100
        assert any(frame.get("code") == "RATE_LIMITED" for frame in frames)


def _pong_after_the_window_is_full(socket: Socket) -> None:
    """Still open while limited: a ping is answered, with RATE_LIMITED."""
    socket.send({"type": "ping"})
    assert _answer(socket)["code"] == "RATE_LIMITED"


# --- one socket per participant ----------------------------------------------------------------


class TestOneSocketPerParticipant:
    def test_a_second_socket_replaces_the_first(self, live: Live) -> None:
        member = live.join("Sam")
        with live.connect("participant", member.token) as first:
            with live.connect("participant", member.token) as second:
                frames, code = first.socket.closed()
                second.socket.send({"type": "ping"})
                assert _answer(second.socket)["type"] == "pong"
        assert code == CLOSE_REPLACED
        assert [f["code"] for f in frames if f["type"] == "error"] == ["REPLACED"]

    def test_another_participant_keeps_its_socket(self, live: Live) -> None:
        with live.participant("Sam") as (_, sam), live.participant("Kim") as (kim, _):
            with live.connect("participant", kim.token):
                sam.socket.send({"type": "ping"})
                assert _answer(sam.socket)["type"] == "pong"

    def test_the_facilitator_may_have_two_screens(self, live: Live) -> None:
        with live.connect("facilitator") as first, live.connect("facilitator"):
            first.socket.send({"type": "ping"})
            assert _answer(first.socket)["type"] == "pong"


# --- fuzz --------------------------------------------------------------------------------------

Maker = Callable[[random.Random], str]


def _word(rng: random.Random, n: int = 8) -> str:
    return "".join(rng.choice(string.ascii_letters) for _ in range(n))


class Fuzz:
    """Frames that must all be refused, for the three roles of one denksessie."""

    def __init__(self, *, open_id: int, draft_id: int, closed_id: int) -> None:
        self.open_id, self.draft_id, self.closed_id = open_id, draft_id, closed_id

    def malformed_json(self, rng: random.Random) -> str:
        text = "{" + "".join(rng.choice(string.printable) for _ in range(rng.randint(0, 40)))
        try:
            json.loads(text)
        except ValueError:
            return text
        return text + "{"

    def not_an_object(self, rng: random.Random) -> str:
        return rng.choice(["[]", "42", '"ping"', "null", "true", '[{"type": "ping"}]'])

    def unknown_type(self, rng: random.Random) -> str:
        return json.dumps({"type": rng.choice(["vote", "PING", "", _word(rng), 7, None])})

    def second_hello(self, rng: random.Random) -> str:
        return json.dumps(hello("participant", _word(rng, 40), protocol=PROTOCOL_VERSION))

    def wrongly_typed_ballot(self, rng: random.Random) -> str:
        frame: dict[str, Any] = ballot(self.open_id, "approval", APPROVE)
        field, bad = rng.choice(
            [
                ("round_id", "abc"),
                ("round_id", [self.open_id]),
                ("round_id", 2**70),
                ("round_id", -1),
                ("msg_id", "short"),
                ("msg_id", "bad id with spaces"),
                ("msg_id", 12345678),
                ("kind", "referendum"),
                ("payload", ["privacy"]),
                ("payload", None),
                ("extra", True),
            ]
        )
        frame[field] = bad
        return json.dumps(frame)

    def invalid_payload(self, rng: random.Random) -> str:
        choices: list[tuple[str, dict[str, Any]]] = [
            ("approval", {"approve": 5}),
            ("approval", {"approve": []}),
            ("approval", {"approve": [_word(rng)]}),
            ("approval", {"approve": ["privacy", "privacy"]}),
            ("approval", {"approve": list(CANDIDATES), "x": 1}),
            ("approval", {}),
            ("ranking", {"ranking": list(CANDIDATES)}),
            ("points", {"points": {"privacy": "veel"}}),
            ("casus", {"decision": None}),
        ]
        kind, payload = rng.choice(choices)
        return json.dumps(ballot(self.open_id, kind, payload))

    def out_of_order_ballot(self, rng: random.Random) -> str:
        round_id = rng.choice([self.draft_id, self.closed_id, 2**31 - 1])
        return json.dumps(ballot(round_id, "approval", APPROVE))

    def huge(self, rng: random.Random) -> str:
        pad = "x" * (MAX_FRAME_BYTES + rng.randint(1, 4096))
        return json.dumps({"type": "ping", "pad": pad})

    def valid_ballot(self, rng: random.Random) -> str:
        """Valid, but sent by the facilitator or the screen: WRONG_ROLE."""
        return json.dumps(ballot(self.open_id, "approval", APPROVE))

    def makers(self) -> list[Maker]:
        return [
            self.malformed_json,
            self.not_an_object,
            self.unknown_type,
            self.second_hello,
            self.wrongly_typed_ballot,
            self.invalid_payload,
            self.out_of_order_ballot,
            self.huge,
        ]


class Sockets:
    """One open socket per role, reopened after the server closes one."""

    def __init__(self, live: Live, token: str) -> None:
        self.live = live
        self.tokens = {"participant": token}
        self.stacks: dict[str, ExitStack] = {}
        self.sockets: dict[str, Socket] = {}

    def get(self, role: str) -> Socket:
        if role not in self.sockets:
            stack = self.stacks[role] = ExitStack()
            connected = stack.enter_context(self.live.connect(role, self.tokens.get(role)))
            self.sockets[role] = connected.socket
        return self.sockets[role]

    def drop(self, role: str) -> None:
        self.sockets.pop(role)
        self.stacks.pop(role).close()

    def close_all(self) -> None:
        for role in list(self.sockets):
            self.drop(role)


def _outcome(socket: Socket) -> str | int:
    """The error code answering the last frame, or the close code if the server closed."""
    try:
        frame = socket.until(lambda frame: frame["type"] in {"error", "ack", "pong", "snapshot"})
    except WebSocketDisconnect as closed:
        return closed.code
    assert frame["type"] == "error", frame
    code: str = frame["code"]
    return code


class TestFuzz:
    def test_two_hundred_random_frames_are_each_refused_and_nothing_is_written(
        self, realtime_database: str, realtime_engine: Engine
    ) -> None:
        rng = random.Random(6)
        unlimited = "100000/second"
        with _live_with(
            realtime_database, ws_rate_limit=unlimited, ws_flood_limit=unlimited
        ) as live:
            closed_id = live.open_round("approval")
            live.control(f"rounds/{closed_id}/close")
            open_id = live.open_round("approval")
            draft_id = live.add_round("approval")
            member = live.join("Fuzzer")
            fuzz = Fuzz(open_id=open_id, draft_id=draft_id, closed_id=closed_id)
            sockets = Sockets(live, member.token)
            outcomes: list[tuple[str, str, str | int]] = []
            try:
                for _ in range(200):
                    role = rng.choice(["participant", "participant", "facilitator", "screen"])
                    makers = fuzz.makers()
                    if role != "participant":
                        makers.append(fuzz.valid_ballot)
                    maker = rng.choice(makers)
                    socket = sockets.get(role)
                    text = maker(rng)
                    if rng.random() < 0.1 and maker != fuzz.valid_ballot:
                        socket.send_bytes(text.encode("utf-8") + b"\xff")
                    else:
                        socket.send_text(text)
                    outcome = _outcome(socket)
                    outcomes.append((role, maker.__name__, outcome))
                    if isinstance(outcome, int):
                        sockets.drop(role)
            finally:
                sockets.close_all()
            with live.connect("participant", member.token) as fresh:
                fresh.socket.send({"type": "ping"})
                assert _answer(fresh.socket)["type"] == "pong"

        closes = [outcome for _, _, outcome in outcomes if isinstance(outcome, int)]
        assert set(closes) <= DOCUMENTED_CLOSES
        for _, name, outcome in outcomes:
            assert (outcome == CLOSE_TOO_BIG) == (name == "huge"), (name, outcome)
        assert all(isinstance(o, str) for _, name, o in outcomes if name != "huge")
        roles = {(role, outcome) for role, name, outcome in outcomes if name == "valid_ballot"}
        assert {outcome for _, outcome in roles} == {"WRONG_ROLE"}
        assert len({name for _, name, _ in outcomes}) == 9  # every kind of frame was tried
        rows = rows_of(realtime_engine, member.participant_id)
        assert (rows.ballots, rows.submissions, rows.principles) == (0, 0, 0)


# --- sockets per token -------------------------------------------------------------------------


class TestSocketsPerToken:
    def test_one_screen_link_holds_at_most_the_limit(self, realtime_database: str) -> None:
        with _live_with(realtime_database, ws_per_token_limit=3) as live, ExitStack() as stack:
            screens = [stack.enter_context(_socket(live)) for _ in range(3)]
            for screen in screens:
                assert _welcomed(screen, live)["type"] == "welcome"
            with _socket(live) as fourth:
                fourth.send(hello("screen", live.screen_token))
                frames, code = fourth.closed()
            assert code == CLOSE_TRY_AGAIN
            assert frames[0]["code"] == "HANDSHAKE_REFUSED"
            assert "te veel schermen" in frames[0]["message"]
            with _socket(live) as facilitator:  # another link is counted apart
                facilitator.send(hello("facilitator", live.facilitator_token))
                assert facilitator.receive()["type"] == "welcome"

    def test_a_closed_socket_frees_its_place(self, realtime_database: str) -> None:
        with _live_with(realtime_database, ws_per_token_limit=1) as live:
            with _socket(live) as first:
                assert _welcomed(first, live)["type"] == "welcome"
            sockets = live.client.app.state.token_sockets  # type: ignore[attr-defined]
            deadline = time.monotonic() + 5
            while sockets.count(live.screen_token):
                assert time.monotonic() < deadline, "the closed socket was not released"
                time.sleep(0.01)
            with _socket(live) as second:
                assert _welcomed(second, live)["type"] == "welcome"
