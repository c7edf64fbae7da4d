"""A phone that reconnects to a worker that knows it gets its snapshot without a database visit:
the membership the database confirmed, the shared snapshot serialised once, and its own part
with the ballots heard since, spliced in. Anything that could make memory wrong (a state event
such as a removal, a backplane loss) sends the next reconnect to the database again."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect

from app.realtime import arrivals
from app.realtime import hub as hub_module
from app.realtime.protocol import CLOSE_REMOVED
from tests.realtime.support import Live, ballot, hello


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the snapshot reads that visit the database."""
    counted: list[int] = []
    original = arrivals.read_batch

    def counting(*args: Any, **kwargs: Any) -> arrivals.BatchRead:
        counted.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(arrivals, "read_batch", counting)
    return counted


class TestReconnectFromMemory:
    def test_a_reconnect_shows_the_latest_own_ballot_without_a_database_visit(
        self, live: Live, reads: list[int], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # The shared snapshot stays fresh for the whole test, however slow the machine.
        monkeypatch.setattr(hub_module, "SNAPSHOT_REUSE_S", 3600.0)
        round_id = live.open_round("approval")
        member = live.join()
        # The facilitator keeps the room on this worker and shows when the hub counts the
        # revised ballot (only then can memory know it).
        with live.connect("facilitator") as facilitator:
            with live.connect("participant", member.token) as phone:
                phone.socket.send(ballot(round_id, "approval", {"approve": ["privacy"]}))
                phone.socket.of_type("ack")
                revised = ballot(round_id, "approval", {"approve": ["eenvoud", "compassie"]})
                phone.socket.send(revised)
                assert phone.socket.of_type("ack")["revision"] == 2
            facilitator.socket.until(
                lambda frame: (
                    frame["type"] == "tally"
                    and frame["rounds"][str(round_id)]
                    .get("results", {})
                    .get("scores", {})
                    .get("eenvoud")
                    == 1
                )
            )
            before = len(reads)
            with live.connect("participant", member.token) as again:
                own = again.snapshot["own_ballots"][str(round_id)]
                assert own == {
                    "payload": {"approve": ["eenvoud", "compassie"]},
                    "revision": 2,
                    "client_msg_id": revised["msg_id"],
                }
                assert again.snapshot["you"]["participant_id"] == member.participant_id
                assert again.snapshot["seq"] == phone.snapshot["seq"]
            assert len(reads) == before  # no database visit for the reconnect

    def test_after_a_removal_the_database_is_asked_and_refuses(self, live: Live) -> None:
        live.open_round("approval")
        member = live.join()
        with live.connect("screen") as screen:
            with live.connect("participant", member.token):
                pass
            live.control(f"participants/{member.participant_id}/remove")
            screen.socket.of_type("state")  # the removal reached this worker
            with live.raw_socket() as socket:
                socket.send(hello("participant", member.token))
                refused = socket.receive()
                assert refused["type"] == "error"
                with pytest.raises(WebSocketDisconnect) as closed:
                    socket.receive()
            assert closed.value.code == CLOSE_REMOVED  # not let in from memory


class TestASnapshotWithoutWhatThePhoneHolds:
    """A phone that comes back says which values and casus texts it holds (``hello.kept``, the
    ``kept_id`` of its last snapshot); its snapshot then leaves them out, most of its size."""

    def test_a_phone_that_holds_them_gets_them_left_out(self, live: Live) -> None:
        round_id = live.open_round("casus")
        member = live.join()
        with live.connect("participant", member.token) as first:
            kept_id = first.snapshot["kept_id"]
            assert first.snapshot["values"]
            assert first.snapshot["casussen"]
        with live.raw_socket() as socket:
            socket.send({**hello("participant", member.token), "kept": kept_id})
            socket.of_type("welcome")
            again = socket.of_type("snapshot")
        assert "values" not in again
        assert "casussen" not in again
        assert again["kept_id"] == kept_id
        assert again["you"]["participant_id"] == member.participant_id
        assert [r["id"] for r in again["rounds"]] == [round_id]

    def test_a_phone_that_holds_others_gets_them_whole(self, live: Live) -> None:
        live.open_round("casus")
        member = live.join()
        with live.raw_socket() as socket:
            socket.send({**hello("participant", member.token), "kept": "0123456789abcdef"})
            socket.of_type("welcome")
            snapshot = socket.of_type("snapshot")
        assert snapshot["values"]
        assert snapshot["casussen"]

    def test_a_resync_is_whole(self, live: Live) -> None:
        member = live.join()
        with live.connect("participant", member.token) as first:
            kept_id = first.snapshot["kept_id"]
        with live.raw_socket() as socket:
            socket.send({**hello("participant", member.token), "kept": kept_id})
            socket.of_type("welcome")
            assert "values" not in socket.of_type("snapshot")
            socket.send({"type": "resync"})
            assert socket.of_type("snapshot")["values"]
