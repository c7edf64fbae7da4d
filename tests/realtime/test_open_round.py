"""An open question through the real /ws endpoint: phones send answers and are acknowledged,
the projector gets the wall and the cloud once revealed, a hidden answer leaves it and a merge
shows once with its count (docs/realtime-protocol.md, decision 0030)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from tests.realtime.support import Frame, Live, Socket, ballot, new_msg_id, rows_of


def _state_with(socket: Socket, seq: int) -> Frame:
    return socket.until(lambda frame: frame["type"] == "state" and frame["seq"] >= seq)


def _answers(live: Live, round_id: int, *answers: str) -> Frame:
    """One phone answers; returns its ack."""
    with live.participant() as (_, phone):
        phone.socket.send(ballot(round_id, "open", {"answers": list(answers)}))
        return phone.socket.of_type("ack")


def _result_until(socket: Socket, round_id: int, wanted: Any) -> Frame:
    """The first tally or state whose result for the round satisfies ``wanted``."""

    def result(frame: Frame) -> Frame | None:
        if frame["type"] == "tally":
            found: Frame | None = frame["rounds"].get(str(round_id), {}).get("results")
            return found
        if frame["type"] in ("state", "snapshot"):
            shown: Frame | None = frame.get("results", {}).get(str(round_id))
            return shown
        return None

    frame = socket.until(lambda frame: (r := result(frame)) is not None and wanted(r))
    answer = result(frame)
    assert answer is not None
    return answer


def _config(frame: Frame, round_id: int) -> Frame:
    found: Frame = next(r for r in frame["rounds"] if r["id"] == round_id)["config"]
    return found


def _wall(result: Frame) -> list[tuple[str, int]]:
    return [(entry["text"], entry["count"]) for entry in result["entries"]]


class TestAnswersOverTheSocket:
    def test_an_answer_is_stored_before_its_ack_and_a_resend_counts_once(
        self, live: Live, realtime_engine: Engine
    ) -> None:
        round_id = live.open_round("open", max_answers=2)
        member = live.join()
        with live.connect("participant", member.token) as phone:
            frame = ballot(round_id, "open", {"answers": ["Meer tijd", "Vertrouwen"]})
            phone.socket.send(frame)
            ack = phone.socket.of_type("ack")
            assert rows_of(realtime_engine, member.participant_id).ballots == 1
            phone.socket.send(frame)  # the same msg_id again: acknowledged, not counted twice
            again = phone.socket.of_type("ack")
            phone.socket.send(ballot(round_id, "open", {"answers": ["Rust"]}))
            changed = phone.socket.of_type("ack")
        assert (ack["revision"], again["revision"], changed["revision"]) == (1, 1, 2)
        assert again["duplicate"] is True
        with live.connect("participant", member.token) as phone:
            own = phone.snapshot["own_ballots"][str(round_id)]
        assert own["payload"] == {"answers": ["Rust"]}

    def test_a_refused_answer_gets_an_error_with_its_code(self, live: Live) -> None:
        round_id = live.open_round("open", max_length=10)
        with live.participant() as (_, phone):
            msg_id = new_msg_id()
            phone.socket.send(
                ballot(round_id, "open", {"answers": ["veel te lang antwoord"]}, msg_id)
            )
            error = phone.socket.of_type("error")
            phone.socket.send(ballot(round_id, "open", {"answers": ["a\u0000b"]}))
            unstorable = phone.socket.of_type("error")
        assert (error["code"], error["msg_id"]) == ("ANSWER_TOO_LONG", msg_id)
        assert "10" in error["message"]
        assert unstorable["code"] == "TEXT_INVALID"


class TestTheProjector:
    def test_the_wall_and_the_cloud_reach_the_screen_once_revealed(self, live: Live) -> None:
        round_id = live.open_round("open")
        with live.connect("screen") as screen:
            _answers(live, round_id, "Meer tijd")
            tally = screen.socket.until(
                lambda frame: (
                    frame["type"] == "tally"
                    and frame["rounds"].get(str(round_id), {}).get("n_ballots") == 1
                )
            )
            assert "results" not in tally["rounds"][str(round_id)]  # not before the reveal
            _answers(live, round_id, "meer tijd!")
            _answers(live, round_id, "Tijd en rust")
            seq = live.control(f"rounds/{round_id}/reveal", {"revealed": True})
            state = _state_with(screen.socket, seq)
        result = state["results"][str(round_id)]
        assert result["n_ballots"] == 3
        assert _wall(result) == [("Meer tijd", 2), ("Tijd en rust", 1)]
        assert result["words"][0] == {"word": "tijd", "count": 3}
        assert {w["word"] for w in result["words"]} == {"tijd", "rust"}
        assert all("hidden" not in entry for entry in result["entries"])

    def test_a_hidden_answer_disappears_and_a_merge_shows_once_with_its_count(
        self, live: Live
    ) -> None:
        round_id = live.open_round("open")
        for text in ("Meer tijd", "Meer tijd nodig", "Scheldwoord", "Rust"):
            _answers(live, round_id, text)
        live.control(f"rounds/{round_id}/reveal", {"revealed": True})
        with live.connect("screen") as screen, live.connect("facilitator") as facilitator:
            assert len(screen.snapshot["results"][str(round_id)]["entries"]) == 4
            seq = live.control(f"rounds/{round_id}/answers/hide", {"keys": ["scheldwoord"]})
            hidden = _state_with(screen.socket, seq)["results"][str(round_id)]
            flagged = _state_with(facilitator.socket, seq)["results"][str(round_id)]
            seq = live.control(
                f"rounds/{round_id}/answers/merge",
                {"keys": ["meer tijd", "meer tijd nodig"], "into": "meer tijd"},
            )
            merged = _state_with(screen.socket, seq)["results"][str(round_id)]
            # A new answer with the merged words joins the merged entry, live.
            _answers(live, round_id, "MEER TIJD NODIG")
            grown = _result_until(screen.socket, round_id, lambda r: r["entries"][0]["count"] == 3)
        assert "Scheldwoord" not in repr(hidden)
        assert "scheldwoord" not in {w["word"] for w in hidden["words"]}
        assert [(e["text"], e["hidden"]) for e in flagged["entries"] if e["hidden"]] == [
            ("Scheldwoord", True)
        ]
        assert _wall(merged) == [("Meer tijd", 2), ("Rust", 1)]
        assert _wall(grown) == [("Meer tijd", 3), ("Rust", 1)]

    def test_the_facilitator_switches_the_projector_between_cloud_and_wall(
        self, live: Live
    ) -> None:
        round_id = live.open_round("open")
        with live.connect("screen") as screen:
            assert _config(screen.snapshot, round_id)["show"] == "both"
            seq = live.control(f"rounds/{round_id}/display", {"show": "cloud"})
            assert _config(_state_with(screen.socket, seq), round_id)["show"] == "cloud"
        response = live.client.post(
            f"/api/v1/denksessies/{live.id}/rounds/{round_id}/display", json={"show": "slides"}
        )
        assert response.status_code == 422

    def test_moderation_needs_an_answer_of_the_round(self, live: Live) -> None:
        round_id = live.open_round("open")
        _answers(live, round_id, "Rust")
        response = live.client.post(
            f"/api/v1/denksessies/{live.id}/rounds/{round_id}/answers/hide",
            json={"keys": ["nooit gezegd"]},
        )
        assert response.status_code == 404, response.text
        other = live.add_round("approval")
        response = live.client.post(
            f"/api/v1/denksessies/{live.id}/rounds/{other}/answers/hide", json={"keys": ["rust"]}
        )
        assert response.status_code == 404, response.text
