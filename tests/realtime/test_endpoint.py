"""The websocket endpoint in process: handshake, snapshots, ballots, rejections, tallies, states.

Every test runs the whole app (lifespan, memory backplane, hub ticks) with the TestClient against
this package's own PostgreSQL database, where every write is committed (see ``support.py``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col

from app.events import Event
from app.realtime import endpoint, markers
from app.realtime.protocol import (
    CLOSE_BAD_HELLO,
    CLOSE_ENDED,
    CLOSE_NOT_FOUND,
    CLOSE_REMOVED,
    CLOSE_TOO_BIG,
    CLOSE_UNAUTHORISED,
    MAX_FRAME_BYTES,
    PROTOCOL_VERSION,
)
from app.sessions import ballot_batch
from app.sessions.models import Participant
from app.sessions.schemas import PRINCIPLE_MAX
from app.tokens import ClientToken, sign
from tests.conftest import TEST_SECRET
from tests.realtime.support import (
    CANDIDATES,
    PRINCIPLE,
    TIMEOUT_S,
    Frame,
    Live,
    Member,
    Socket,
    ballot,
    casus_payload,
    hello,
    new_msg_id,
    rows_of,
)

APPROVE: dict[str, Any] = {"approve": ["privacy", "eenvoud"]}


def _refusal(socket: Socket) -> tuple[Frame, int]:
    """A refused handshake: one ``error`` frame, then the close code."""
    frames, code = socket.closed()
    assert len(frames) == 1, frames
    assert frames[0]["type"] == "error"
    assert frames[0]["code"] == "HANDSHAKE_REFUSED"
    assert frames[0]["message"]
    return frames[0], code


def _state_with(socket: Socket, seq: int) -> Frame:
    """The first ``state`` frame carrying at least ``seq`` (older ones are skipped)."""
    return socket.until(lambda frame: frame["type"] == "state" and frame["seq"] >= seq)


def _round(frame: Frame, round_id: int) -> Frame:
    found: Frame = next(r for r in frame["rounds"] if r["id"] == round_id)
    return found


def _pong(socket: Socket) -> None:
    """The socket is still served: a ping is answered (skipping aggregates on the way)."""
    socket.send({"type": "ping"})
    socket.of_type("pong")


# --- handshake -------------------------------------------------------------------------------


class TestHandshakeRefused:
    @pytest.mark.parametrize(
        "first",
        [
            pytest.param('{"type": "ping"}', id="no-hello-first"),
            pytest.param("{this is not json", id="bad-json"),
            pytest.param("[]", id="not-an-object"),
            pytest.param(
                json.dumps({"type": "hello", "protocol": 1, "role": "referee", "token": "x"}),
                id="unknown-role",
            ),
            pytest.param(
                json.dumps({"type": "hello", "protocol": 1, "role": "screen"}), id="no-token"
            ),
        ],
    )
    def test_a_first_frame_that_is_no_hello_gets_4400(self, live: Live, first: str) -> None:
        with live.raw_socket() as socket:
            socket.send_text(first)
            assert _refusal(socket)[1] == CLOSE_BAD_HELLO

    def test_no_hello_in_time_gets_4400(self, live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(endpoint, "HELLO_TIMEOUT_S", 0.2)
        with live.raw_socket() as socket:
            assert _refusal(socket)[1] == CLOSE_BAD_HELLO

    def test_another_protocol_version_gets_4400(self, live: Live) -> None:
        with live.raw_socket() as socket:
            socket.send(hello("screen", live.screen_token, protocol=PROTOCOL_VERSION + 1))
            error, code = _refusal(socket)
        assert code == CLOSE_BAD_HELLO
        assert str(PROTOCOL_VERSION) in error["message"]

    def test_a_forged_token_gets_4401(self, live: Live) -> None:
        forged = sign("another-secret-key-of-an-attacker", ClientToken("facilitator", live.id))
        with live.raw_socket() as socket:
            socket.send(hello("facilitator", forged))
            assert _refusal(socket)[1] == CLOSE_UNAUTHORISED

    def test_a_tampered_token_gets_4401(self, live: Live) -> None:
        with live.raw_socket() as socket:
            socket.send(hello("facilitator", live.facilitator_token[:-2] + "xx"))
            assert _refusal(socket)[1] == CLOSE_UNAUTHORISED

    def test_a_token_of_another_denksessie_gets_the_unknown_code_answer(self, live: Live) -> None:
        # The same close as for a code nobody uses: holding any token must not let someone
        # tell live codes from dead ones.
        other = Live.create(live.client)
        with live.raw_socket() as socket:
            socket.send(hello("facilitator", other.facilitator_token))
            frame, code = _refusal(socket)
            assert (frame["message"], code) == ("Onbekende code.", CLOSE_NOT_FOUND)

    def test_a_screen_token_cannot_claim_the_facilitator_role(self, live: Live) -> None:
        with live.raw_socket() as socket:
            socket.send(hello("facilitator", live.screen_token))
            assert _refusal(socket)[1] == CLOSE_UNAUTHORISED

    def test_a_participant_that_never_joined_gets_4401(self, live: Live) -> None:
        token = sign(TEST_SECRET, ClientToken("participant", live.id, "0" * 32))
        with live.raw_socket() as socket:
            socket.send(hello("participant", token))
            assert _refusal(socket)[1] == CLOSE_UNAUTHORISED

    def test_an_unknown_code_gets_4404(self, live: Live) -> None:
        with live.raw_socket(code="ZZZZZZ") as socket:
            socket.send(hello("facilitator", live.facilitator_token))
            assert _refusal(socket)[1] == CLOSE_NOT_FOUND

    def test_an_ended_denksessie_gets_4404(self, live: Live) -> None:
        live.control("end")
        with live.raw_socket() as socket:
            socket.send(hello("facilitator", live.facilitator_token))
            assert _refusal(socket)[1] == CLOSE_NOT_FOUND

    def test_a_removed_participant_gets_4403(self, live: Live) -> None:
        member = live.join("Sam")
        live.control(f"participants/{member.participant_id}/remove")
        with live.raw_socket() as socket:
            socket.send(hello("participant", member.token))
            error, code = _refusal(socket)
        assert code == CLOSE_REMOVED
        assert "facilitator" in error["message"]

    def test_an_oversized_hello_gets_1009(self, live: Live) -> None:
        with live.raw_socket() as socket:
            socket.send_text(json.dumps(hello("screen", "x" * (MAX_FRAME_BYTES + 1))))
            assert _refusal(socket)[1] == CLOSE_TOO_BIG

    def test_the_code_is_read_without_spaces_and_in_any_case(self, live: Live) -> None:
        spaced = f"{live.code[:3].lower()} {live.code[3:].lower()}"
        with live.raw_socket(code=spaced) as socket:
            socket.send(hello("screen", live.screen_token))
            assert socket.receive()["type"] == "welcome"


class TestWelcome:
    @pytest.mark.parametrize("role", ["facilitator", "screen"])
    def test_names_the_protocol_and_the_role(self, live: Live, role: str) -> None:
        with live.connect(role) as connected:
            assert connected.welcome == {
                "type": "welcome",
                "protocol": PROTOCOL_VERSION,
                "role": role,
            }

    def test_a_participant_is_welcomed_as_participant(self, live: Live) -> None:
        with live.participant() as (_, me):
            assert me.welcome["role"] == "participant"


# --- snapshots ---------------------------------------------------------------------------------


class TestSnapshot:
    def test_the_facilitator_sees_who_is_in_the_room_and_all_results(self, live: Live) -> None:
        round_id = live.open_round("approval")
        member = live.join("Sam")
        with live.connect("facilitator") as facilitator:
            snapshot = facilitator.snapshot
        assert snapshot["denksessie"]["code"] == live.code
        assert snapshot["current_round_id"] == round_id
        assert snapshot["participants"] == 1
        assert snapshot["participant_list"] == [
            {"id": member.participant_id, "display_name": "Sam", "role": None}
        ]
        assert snapshot["results"][str(round_id)]["n_ballots"] == 0
        assert "you" not in snapshot

    def test_the_screen_sees_no_results_and_nobody_by_name(self, live: Live) -> None:
        round_id = live.open_round("approval")
        live.join("Sam")
        with live.connect("screen") as screen:
            snapshot = screen.snapshot
        assert snapshot["results"] == {}
        assert _round(snapshot, round_id)["status"] == "open"
        assert snapshot["participants"] == 1
        assert "participant_list" not in snapshot
        assert "you" not in snapshot

    def test_a_participant_sees_itself_and_no_ballots_yet(self, live: Live) -> None:
        live.open_round("approval")
        with live.participant("Sam") as (member, me):
            snapshot = me.snapshot
        assert snapshot["you"] == {
            "participant_id": member.participant_id,
            "display_name": "Sam",
            "role": None,
        }
        assert snapshot["own_ballots"] == {}
        assert snapshot["results"] == {}
        assert "participant_list" not in snapshot

    def test_a_participant_comes_back_to_its_own_ballot(self, live: Live) -> None:
        round_id = live.open_round("approval")
        member = live.join("Sam")
        msg_id = new_msg_id()
        with live.connect("participant", member.token) as me:
            me.socket.send(ballot(round_id, "approval", APPROVE, msg_id))
            me.socket.of_type("ack")
        with live.connect("participant", member.token) as again:
            own = again.snapshot["own_ballots"]
        assert own == {str(round_id): {"payload": APPROVE, "revision": 1, "client_msg_id": msg_id}}

    def test_the_seq_is_the_denksessies(self, live: Live) -> None:
        seq = live.control(f"rounds/{live.add_round('approval')}/open")
        with live.connect("screen") as screen:
            assert screen.snapshot["seq"] == seq


# --- ballots -----------------------------------------------------------------------------------


class TestBallot:
    def test_is_acknowledged_with_revision_1(self, live: Live) -> None:
        round_id = live.open_round("approval")
        with live.participant() as (_, me):
            me.socket.send(ballot(round_id, "approval", APPROVE, "first-message"))
            ack = me.socket.of_type("ack")
        assert ack == {
            "type": "ack",
            "msg_id": "first-message",
            "round_id": round_id,
            "revision": 1,
            "duplicate": False,
        }

    def test_is_committed_when_the_ack_arrives(self, live: Live, realtime_engine: Engine) -> None:
        round_id = live.open_round("approval")
        with live.participant() as (member, me):
            me.socket.send(ballot(round_id, "approval", APPROVE))
            me.socket.of_type("ack")
            rows = rows_of(realtime_engine, member.participant_id)
        assert (rows.ballots, rows.submissions, rows.payload) == (1, 1, APPROVE)

    def test_a_resend_is_acknowledged_again_and_counted_once(
        self, live: Live, realtime_engine: Engine
    ) -> None:
        round_id = live.open_round("approval")
        frame = ballot(round_id, "approval", APPROVE)
        with live.participant() as (member, me):
            me.socket.send(frame)
            first = me.socket.of_type("ack")
            me.socket.send(frame)
            again = me.socket.of_type("ack")
        assert (first["revision"], first["duplicate"]) == (1, False)
        assert again == {**first, "duplicate": True}
        rows = rows_of(realtime_engine, member.participant_id)
        assert (rows.ballots, rows.submissions, rows.revision) == (1, 1, 1)

    def test_a_resend_after_a_revision_keeps_its_own_revision(self, live: Live) -> None:
        round_id = live.open_round("approval")
        first = ballot(round_id, "approval", APPROVE)
        with live.participant() as (_, me):
            me.socket.send(first)
            me.socket.of_type("ack")
            me.socket.send(ballot(round_id, "approval", {"approve": ["compassie"]}))
            me.socket.of_type("ack")
            me.socket.send(first)
            again = me.socket.of_type("ack")
        assert (again["revision"], again["duplicate"]) == (1, True)

    def test_a_new_message_revises_the_ballot(self, live: Live, realtime_engine: Engine) -> None:
        round_id = live.open_round("approval")
        with live.participant() as (member, me):
            me.socket.send(ballot(round_id, "approval", APPROVE))
            me.socket.of_type("ack")
            me.socket.send(ballot(round_id, "approval", {"approve": ["compassie"]}))
            ack = me.socket.of_type("ack")
        assert (ack["revision"], ack["duplicate"]) == (2, False)
        rows = rows_of(realtime_engine, member.participant_id)
        assert (rows.ballots, rows.submissions, rows.revision) == (1, 2, 2)
        assert rows.payload == {"approve": ["compassie"]}

    def test_a_casus_ballot_stores_its_principle(self, live: Live, realtime_engine: Engine) -> None:
        round_id = live.open_round("casus")
        with live.participant() as (member, me):
            me.socket.send(ballot(round_id, "casus", casus_payload("privacy", "eenvoud")))
            assert me.socket.of_type("ack")["revision"] == 1
        assert rows_of(realtime_engine, member.participant_id).principles == 1


def _delta(round_id: int, member: Member, msg_id: str, revision: int = 1) -> dict[str, Any]:
    """The ballot as every worker's running tally hears it (decision 0028)."""
    return {
        "ballots": [
            {
                "round_id": round_id,
                "participant_id": member.participant_id,
                "revision": revision,
                "payload": APPROVE,
                "role": "overig",
                "client_msg_id": msg_id,
            }
        ]
    }


class TestPublishedAfterCommit:
    def test_an_accepted_ballot_publishes_one_marker_once_it_is_stored(
        self, live: Live, realtime_engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        round_id = live.open_round("approval")
        frame = ballot(round_id, "approval", APPROVE)
        with live.participant() as (member, me):
            published = _spy_on_publish(live, monkeypatch, realtime_engine, member)
            me.socket.send(frame)
            me.socket.of_type("ack")
            _settled(published)
        assert published == [("ballots_changed", -1, _delta(round_id, member, frame["msg_id"]), 1)]

    def test_a_resend_publishes_its_marker_again(
        self, live: Live, realtime_engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The first attempt may have been stored by a worker that died before it published."""
        round_id = live.open_round("approval")
        frame = ballot(round_id, "approval", APPROVE)
        with live.participant() as (member, me):
            published = _spy_on_publish(live, monkeypatch, realtime_engine, member)
            me.socket.send(frame)
            me.socket.of_type("ack")
            _first_published(published)  # the first attempt's marker has gone out
            published.clear()
            me.socket.send(frame)
            assert me.socket.of_type("ack")["duplicate"] is True
            _settled(published)
        assert published == [("ballots_changed", -1, _delta(round_id, member, frame["msg_id"]), 1)]


def _first_published(published: list[Any]) -> None:
    """Poll until the first marker has been published (it leaves a few milliseconds after the
    ack, coalescing the ballots acknowledged meanwhile)."""
    deadline = time.monotonic() + TIMEOUT_S
    while not published:
        assert time.monotonic() < deadline, "no marker was published"
        time.sleep(0.005)


def _settled(published: list[Any]) -> None:
    """Wait for the first marker, then as long again 20 times over for any second one (a
    second marker that is not there cannot be waited for as an event)."""
    _first_published(published)
    time.sleep(markers.WINDOW_S * 20)


def _spy_on_publish(
    live: Live, monkeypatch: pytest.MonkeyPatch, engine: Engine, member: Member
) -> list[tuple[str, int, dict[str, Any], int]]:
    """Record each event this app publishes, with the member's stored ballots at that moment."""
    backplane = live.client.app.state.backplane  # type: ignore[attr-defined]
    original = backplane.publish
    published: list[tuple[str, int, dict[str, Any], int]] = []

    async def publish(channel: str, data: str) -> None:
        event = Event.from_json(data)
        if event.denksessie_id == live.id:
            stored = rows_of(engine, member.participant_id).ballots
            published.append((event.type, event.seq, event.payload, stored))
        await original(channel, data)

    monkeypatch.setattr(backplane, "publish", publish)
    return published


# --- rejections --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """A ballot refused with ``code``, sent after a first valid ballot of the same round."""

    code: str
    kind: str
    valid: dict[str, Any]
    payload: dict[str, Any]
    config: dict[str, Any] = field(default_factory=dict)
    frame_kind: str | None = None
    close_first: bool = False
    other_round: bool = False


LONG_PRINCIPLE = "Ik " + "x" * PRINCIPLE_MAX
REFUSALS = [
    Refusal("ROUND_CLOSED", "approval", APPROVE, {"approve": ["compassie"]}, close_first=True),
    Refusal("UNKNOWN_VALUE", "approval", APPROVE, {"approve": ["gelijkheid"]}),
    Refusal("UNKNOWN_VALUE", "casus", casus_payload("privacy"), casus_payload("no-such-value")),
    Refusal(
        "TOO_MANY_VALUES",
        "casus",
        casus_payload("privacy"),
        casus_payload("privacy", "eenvoud", "compassie", "gelijkheid"),
    ),
    Refusal(
        "TOO_MANY_VALUES",
        "approval",
        APPROVE,
        {"approve": list(CANDIDATES[:3])},
        config={"max_approvals": 2},
    ),
    Refusal(
        "PRINCIPLE_TOO_LONG",
        "casus",
        casus_payload("privacy"),
        casus_payload("privacy", principle=LONG_PRINCIPLE),
    ),
    Refusal(
        "TEXT_INVALID",
        "casus",
        casus_payload("privacy"),
        casus_payload("privacy", principle="Ik deel\x00 wat nodig is."),
    ),
    Refusal(
        "WRONG_ROUND_KIND",
        "approval",
        APPROVE,
        {"ranking": list(CANDIDATES)},
        frame_kind="ranking",
    ),
    Refusal("UNKNOWN_ROUND", "approval", APPROVE, APPROVE, other_round=True),
    Refusal("BALLOT_INVALID", "approval", APPROVE, {"approve": []}),
    Refusal("DUPLICATE_VALUE", "approval", APPROVE, {"approve": ["privacy", "privacy"]}),
]


class TestRejectedBallot:
    @pytest.mark.parametrize("refusal", REFUSALS, ids=[f"{r.code}-{r.kind}" for r in REFUSALS])
    def test_gets_an_error_with_its_code_and_changes_nothing(
        self, live: Live, realtime_engine: Engine, refusal: Refusal
    ) -> None:
        round_id = live.open_round(refusal.kind, **refusal.config)
        with live.participant() as (member, me):
            me.socket.send(ballot(round_id, refusal.kind, refusal.valid))
            me.socket.of_type("ack")
            if refusal.close_first:
                live.control(f"rounds/{round_id}/close")
            before = rows_of(realtime_engine, member.participant_id)
            target = round_id + 1_000_000 if refusal.other_round else round_id
            msg_id = new_msg_id()
            me.socket.send(
                ballot(target, refusal.frame_kind or refusal.kind, refusal.payload, msg_id)
            )
            error = me.socket.until(lambda frame: frame["type"] in ("error", "ack"))
            assert rows_of(realtime_engine, member.participant_id) == before
            _pong(me.socket)
        assert error["type"] == "error", error
        assert (error["code"], error["msg_id"]) == (refusal.code, msg_id)
        assert error["message"]
        assert before.revision == 1

    def test_publishes_nothing(
        self, live: Live, realtime_engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        round_id = live.open_round("approval")
        with live.participant() as (member, me):
            published = _spy_on_publish(live, monkeypatch, realtime_engine, member)
            me.socket.send(ballot(round_id, "approval", {"approve": ["gelijkheid"]}))
            assert me.socket.of_type("error")["code"] == "UNKNOWN_VALUE"
            _pong(me.socket)
        assert published == []

    @pytest.mark.parametrize("role", ["screen", "facilitator"])
    def test_only_participants_vote(self, live: Live, role: str) -> None:
        round_id = live.open_round("approval")
        with live.connect(role) as connected:
            connected.socket.send(ballot(round_id, "approval", APPROVE, "not-a-voter"))
            error = connected.socket.of_type("error")
            _pong(connected.socket)
        assert (error["code"], error["msg_id"]) == ("WRONG_ROLE", "not-a-voter")
        with live.connect("facilitator") as facilitator:
            assert facilitator.snapshot["results"][str(round_id)]["n_ballots"] == 0


class TestDatabaseUnavailable:
    def test_a_ballot_that_could_not_be_stored_asks_for_a_retry(
        self, live: Live, realtime_engine: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def unavailable(*_: object, **__: object) -> None:
            raise OperationalError("INSERT INTO ballot ...", {}, ConnectionError("gone"))

        round_id = live.open_round("approval")
        frame = ballot(round_id, "approval", APPROVE)
        with live.participant() as (member, me):
            monkeypatch.setattr(ballot_batch, "cast_batch", unavailable)
            me.socket.send(frame)
            error = me.socket.of_type("error")
            monkeypatch.undo()
            me.socket.send(frame)
            ack = me.socket.of_type("ack")
        assert (error["code"], error["msg_id"], error["retry"]) == (
            "UNAVAILABLE",
            frame["msg_id"],
            True,
        )
        assert (ack["revision"], ack["duplicate"]) == (1, False)
        assert rows_of(realtime_engine, member.participant_id).submissions == 1


class TestBadFrame:
    @pytest.mark.parametrize(
        "text",
        [
            pytest.param("{this is not json", id="malformed-json"),
            pytest.param("null", id="not-an-object"),
            pytest.param('{"type": "shout"}', id="unknown-type"),
            pytest.param('{"no": "type"}', id="no-type"),
            pytest.param('{"type": "ping", "extra": 1}', id="unknown-field"),
            pytest.param('{"type": "ballot", "round_id": 1}', id="ballot-without-fields"),
            pytest.param(
                json.dumps(ballot(1, "approval", APPROVE, "short")), id="msg-id-too-short"
            ),
            pytest.param(
                json.dumps(ballot(1, "approval", APPROVE, "no spaces allowed")),
                id="msg-id-with-spaces",
            ),
            pytest.param(
                json.dumps(ballot(1, "poll", APPROVE, "echoed-msg-id")), id="unknown-kind"
            ),
            pytest.param(json.dumps(hello("screen", "x")), id="a-second-hello"),
        ],
    )
    def test_is_answered_with_bad_frame_and_the_socket_stays(self, live: Live, text: str) -> None:
        with live.connect("screen") as screen:
            screen.socket.send_text(text)
            error = screen.socket.of_type("error")
            _pong(screen.socket)
        assert error["code"] == "BAD_FRAME"
        # Echoed only when the frame carries a well-formed one (the client then stops resending).
        assert error.get("msg_id") == ("echoed-msg-id" if "echoed-msg-id" in text else None)

    def test_a_bad_ballot_frame_stores_nothing(self, live: Live, realtime_engine: Engine) -> None:
        round_id = live.open_round("approval")
        with live.participant() as (member, me):
            frame = ballot(round_id, "approval", APPROVE)
            del frame["kind"]
            me.socket.send(frame)
            assert me.socket.of_type("error")["code"] == "BAD_FRAME"
        assert rows_of(realtime_engine, member.participant_id).submissions == 0


class TestFrameSize:
    @staticmethod
    def _padded_ping(size: int, pad: str = "x") -> str:
        head, tail = '{"type":"ping","pad":"', '"}'
        room = size - len(head) - len(tail)
        padding = pad * (room // len(pad.encode("utf-8")))
        text = head + padding + tail
        return text + " " * (size - len(text.encode("utf-8")))

    def test_a_frame_over_16_kb_closes_with_1009(self, live: Live) -> None:
        with live.connect("screen") as screen:
            screen.socket.send_text(self._padded_ping(MAX_FRAME_BYTES + 1))
            _, code = screen.socket.closed()
        assert code == CLOSE_TOO_BIG

    def test_the_limit_counts_bytes_not_characters(self, live: Live) -> None:
        text = self._padded_ping(MAX_FRAME_BYTES + 2, pad="é")
        assert len(text) <= MAX_FRAME_BYTES < len(text.encode("utf-8"))
        with live.connect("screen") as screen:
            screen.socket.send_text(text)
            _, code = screen.socket.closed()
        assert code == CLOSE_TOO_BIG

    def test_a_binary_frame_over_16_kb_closes_with_1009(self, live: Live) -> None:
        with live.connect("screen") as screen:
            screen.socket.send_bytes(self._padded_ping(MAX_FRAME_BYTES + 1).encode("utf-8"))
            _, code = screen.socket.closed()
        assert code == CLOSE_TOO_BIG

    def test_a_frame_of_exactly_16_kb_is_read(self, live: Live) -> None:
        text = self._padded_ping(MAX_FRAME_BYTES)
        assert len(text.encode("utf-8")) == MAX_FRAME_BYTES
        with live.connect("screen") as screen:
            screen.socket.send_text(text)
            assert screen.socket.of_type("error")["code"] == "BAD_FRAME"  # "pad" is no field
            _pong(screen.socket)

    def test_a_binary_frame_is_read_as_utf8_json(self, live: Live) -> None:
        with live.connect("screen") as screen:
            screen.socket.send_bytes(b'{"type": "ping"}')
            assert screen.socket.of_type("pong") == {"type": "pong"}


class TestResyncAndPing:
    def test_ping_gets_pong(self, live: Live) -> None:
        with live.connect("screen") as screen:
            screen.socket.send({"type": "ping"})
            assert screen.socket.receive() == {"type": "pong"}

    def test_resync_sends_a_fresh_snapshot(self, live: Live) -> None:
        with live.connect("screen") as screen:
            round_id = live.open_round("approval")
            screen.socket.send({"type": "resync"})
            snapshot = screen.socket.of_type("snapshot")
        assert snapshot["seq"] > screen.snapshot["seq"]
        assert snapshot["current_round_id"] == round_id

    def test_a_participants_resync_carries_its_own_ballots(self, live: Live) -> None:
        round_id = live.open_round("approval")
        with live.participant() as (_, me):
            me.socket.send(ballot(round_id, "approval", APPROVE))
            me.socket.of_type("ack")
            me.socket.send({"type": "resync"})
            snapshot = me.socket.of_type("snapshot")
        assert snapshot["own_ballots"][str(round_id)]["payload"] == APPROVE


# --- tallies -----------------------------------------------------------------------------------


def _tally_of(socket: Socket, round_id: int, n_ballots: int) -> Frame:
    return socket.until(
        lambda frame: (
            frame["type"] == "tally"
            and frame["rounds"].get(str(round_id), {}).get("n_ballots") == n_ballots
        )
    )


class TestTally:
    def test_the_screen_gets_the_ballot_count_without_results(self, live: Live) -> None:
        round_id = live.open_round("approval")
        with live.connect("screen") as screen, live.participant() as (_, me):
            me.socket.send(ballot(round_id, "approval", APPROVE))
            tally = _tally_of(screen.socket, round_id, 1)
        assert tally["rounds"][str(round_id)] == {"n_ballots": 1}
        assert tally["participants"] == 1

    def test_the_facilitator_gets_results_at_once(self, live: Live) -> None:
        round_id = live.open_round("approval")
        with live.connect("facilitator") as facilitator, live.participant() as (_, me):
            me.socket.send(ballot(round_id, "approval", APPROVE))
            tally = _tally_of(facilitator.socket, round_id, 1)
        scores = tally["rounds"][str(round_id)]["results"]["scores"]
        assert scores == {"zelfbeschikking": 0, "privacy": 1, "compassie": 0, "eenvoud": 1}

    def test_phones_get_tallies_too(self, live: Live) -> None:
        round_id = live.open_round("approval")
        with live.participant() as (_, me):
            me.socket.send(ballot(round_id, "approval", APPROVE))
            tally = _tally_of(me.socket, round_id, 1)
        assert "results" not in tally["rounds"][str(round_id)]

    def test_ballots_and_joins_do_not_bump_seq(self, live: Live) -> None:
        round_id = live.open_round("approval")
        with live.connect("screen") as screen, live.participant() as (_, me):
            seq = screen.snapshot["seq"]
            me.socket.send(ballot(round_id, "approval", APPROVE))
            assert _tally_of(screen.socket, round_id, 1)["seq"] == seq
            live.join("Kim")
            tally = screen.socket.until(
                lambda frame: frame["type"] == "tally" and frame["participants"] == 2
            )
        assert tally["seq"] == seq

    def test_nothing_is_sent_when_nothing_changed(self, live: Live) -> None:
        round_id = live.open_round("approval")
        with live.connect("screen") as screen, live.participant() as (_, me):
            me.socket.send(ballot(round_id, "approval", APPROVE))
            _tally_of(screen.socket, round_id, 1)
            assert screen.socket.quiet(0.5) == []

    def test_shows_results_live_when_the_denksessie_says_so(self, live_client: Any) -> None:
        live = Live.create(live_client, show_results_live=True)
        round_id = live.open_round("approval")
        with live.connect("screen") as screen, live.participant() as (_, me):
            me.socket.send(ballot(round_id, "approval", APPROVE))
            tally = _tally_of(screen.socket, round_id, 1)
        assert tally["rounds"][str(round_id)]["results"]["scores"]["privacy"] == 1


class TestReveal:
    def test_results_reach_the_screen_only_after_reveal(self, live: Live) -> None:
        round_id = live.open_round("approval")
        with live.connect("screen") as screen, live.participant() as (_, me):
            me.socket.send(ballot(round_id, "approval", APPROVE))
            hidden = _tally_of(screen.socket, round_id, 1)
            seq = live.control(f"rounds/{round_id}/reveal", {"revealed": True})
            state = _state_with(screen.socket, seq)
            me.socket.send(ballot(round_id, "approval", {"approve": ["compassie"]}))
            shown = screen.socket.until(
                lambda frame: (
                    frame["type"] == "tally"
                    and frame["rounds"][str(round_id)].get("results", {}).get("scores", {})
                    == {"zelfbeschikking": 0, "privacy": 0, "compassie": 1, "eenvoud": 0}
                )
            )
        assert "results" not in hidden["rounds"][str(round_id)]
        assert state["results"][str(round_id)]["scores"]["privacy"] == 1
        assert _round(state, round_id)["revealed"] is True
        assert shown["rounds"][str(round_id)]["n_ballots"] == 1

    def test_unrevealing_hides_them_again(self, live: Live) -> None:
        round_id = live.open_round("approval")
        live.control(f"rounds/{round_id}/reveal", {"revealed": True})
        with live.connect("screen") as screen:
            assert str(round_id) in screen.snapshot["results"]
            seq = live.control(f"rounds/{round_id}/reveal", {"revealed": False})
            assert _state_with(screen.socket, seq)["results"] == {}


# --- state frames ------------------------------------------------------------------------------


class TestStateFrames:
    def test_every_control_is_followed_by_a_state_with_its_higher_seq(self, live: Live) -> None:
        member = live.join("Sam")
        with live.connect("facilitator") as facilitator, live.participant() as (_, writer):
            socket = facilitator.socket
            seq = facilitator.snapshot["seq"]

            round_id = live.add_round("casus")
            state = _state_with(socket, seq + 1)
            assert state["seq"] == seq + 1
            assert _round(state, round_id)["status"] == "draft"
            seq = state["seq"]

            def step(path: str, body: Frame | None = None) -> Frame:
                nonlocal seq
                new_seq = live.control(path, body)
                assert new_seq > seq, path
                state = _state_with(socket, new_seq)
                assert state["seq"] == new_seq, path
                seq = new_seq
                return state

            assert step(f"rounds/{round_id}/open")["current_round_id"] == round_id
            writer.socket.send(ballot(round_id, "casus", casus_payload("privacy")))
            assert writer.socket.of_type("ack")["revision"] == 1
            assert _round(step(f"rounds/{round_id}/timer", {"seconds": 60}), round_id)[
                "deadline_at"
            ]
            revealed = step(f"rounds/{round_id}/reveal", {"revealed": True})
            assert _round(revealed, round_id)["revealed"]
            principle_id = revealed["results"][str(round_id)]["principles"]["privacy"][0]["id"]
            hidden = step(f"principles/{principle_id}/hide")
            assert hidden["results"][str(round_id)]["principles"]["privacy"][0]["hidden"]
            step(f"principles/{principle_id}/show")
            assert _round(step(f"rounds/{round_id}/close"), round_id)["status"] == "closed"
            assert _round(step(f"rounds/{round_id}/reopen"), round_id)["status"] == "open"
            removed = step(f"participants/{member.participant_id}/remove")
            assert member.participant_id not in {p["id"] for p in removed["participant_list"]}
            assert step("lock", {"locked": True})["denksessie"]["join_locked"] is True
            ended = step("end")
            assert ended["denksessie"]["status"] == "ended"
            assert _round(ended, round_id)["status"] == "closed"

    def test_a_state_frame_per_role_has_the_snapshot_shape(self, live: Live) -> None:
        with live.connect("screen") as screen, live.participant() as (_, me):
            seq = live.control(f"rounds/{live.add_round('approval')}/open")
            for socket in (screen.socket, me.socket):
                state = _state_with(socket, seq)
                assert "participant_list" not in state
                assert "you" not in state
                assert set(state) >= {"denksessie", "rounds", "current_round_id", "results"}

    def test_a_hidden_principle_leaves_the_screens_next_state(self, live: Live) -> None:
        round_id = live.open_round("casus")
        live.control(f"rounds/{round_id}/reveal", {"revealed": True})
        with live.connect("screen") as screen, live.connect("facilitator") as facilitator:
            with live.participant() as (_, me):
                me.socket.send(ballot(round_id, "casus", casus_payload("privacy")))
                me.socket.of_type("ack")
            tally = screen.socket.until(
                lambda frame: (
                    frame["type"] == "tally"
                    # (a tally right after the reveal may come before the texts are read)
                    and bool(frame["rounds"][str(round_id)].get("results", {}).get("principles"))
                )
            )
            written = tally["rounds"][str(round_id)]["results"]["principles"]["privacy"]
            assert [p["text"] for p in written] == [PRINCIPLE]
            seq = live.control(f"principles/{written[0]['id']}/hide")
            on_screen = _state_with(screen.socket, seq)
            for_facilitator = _state_with(facilitator.socket, seq)
        assert on_screen["results"][str(round_id)]["principles"] == {}
        flagged = for_facilitator["results"][str(round_id)]["principles"]["privacy"]
        assert [(p["text"], p["hidden"]) for p in flagged] == [(PRINCIPLE, True)]


# --- removing a participant --------------------------------------------------------------------


class TestRemovedParticipant:
    def test_is_told_and_closed_with_4403(self, live: Live) -> None:
        with live.participant() as (member, me):
            live.control(f"participants/{member.participant_id}/remove")
            frames, code = me.socket.closed()
        assert code == CLOSE_REMOVED
        errors = [frame for frame in frames if frame["type"] == "error"]
        assert [error["code"] for error in errors] == ["PARTICIPANT_REMOVED"]
        assert frames[-1] == errors[0]  # nothing after the error but the close

    def test_others_stay_connected(self, live: Live) -> None:
        with live.participant() as (member, me), live.participant() as (_, other):
            live.control(f"participants/{member.participant_id}/remove")
            me.socket.closed()
            _pong(other.socket)

    def test_a_ballot_before_the_news_arrived_is_refused_and_closes(
        self, live: Live, realtime_engine: Engine
    ) -> None:
        round_id = live.open_round("approval")
        with live.participant() as (member, me):
            # Removed in the database without an event yet: the ballot itself finds out.
            with Session(realtime_engine) as db:
                db.execute(
                    update(Participant)
                    .where(col(Participant.id) == member.participant_id)
                    .values(removed=True)
                )
                db.commit()
            me.socket.send(ballot(round_id, "approval", APPROVE, "after-removal"))
            frames, code = me.socket.closed()
        assert code == CLOSE_REMOVED
        assert [(f["code"], f.get("msg_id")) for f in frames if f["type"] == "error"] == [
            ("PARTICIPANT_REMOVED", "after-removal")
        ]
        assert rows_of(realtime_engine, member.participant_id).submissions == 0


class TestEndAndParticipantList:
    def test_ending_sends_the_final_state_then_closes_4410(self, live: Live) -> None:
        with live.participant() as (_member, phone), live.connect("screen") as screen:
            live.control("end")
            for connected in (phone, screen):
                frames, code = connected.socket.closed()
                assert code == CLOSE_ENDED
                states = [f for f in frames if f["type"] == "state"]
                assert states[-1]["denksessie"]["status"] == "ended"

    def test_the_facilitator_tally_lists_who_joined(self, live: Live) -> None:
        with live.connect("facilitator") as facilitator:
            live.join("Ria")
            tally = facilitator.socket.until(
                lambda f: f["type"] == "tally" and bool(f.get("participant_list"))
            )
            assert [p["display_name"] for p in tally["participant_list"]] == ["Ria"]

    def test_screens_and_phones_never_get_the_participant_list(self, live: Live) -> None:
        with live.connect("screen") as screen:
            live.join("Ria")
            tally = screen.socket.of_type("tally")
            assert "participant_list" not in tally
            assert "participant_list" not in screen.snapshot
