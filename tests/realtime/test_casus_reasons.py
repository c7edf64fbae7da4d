"""Reasons ("Waarom?") over the real /ws: phones send casus ballots with a reason per value and
are acknowledged; the projector's frames show the reasons per side and the values named on
both sides; a reason the facilitator hides leaves the projector (phones get no reasons: they
show the counts only); a quote picked
in the console reaches the facilitator's frame only."""

from __future__ import annotations

from typing import Any

from app.aggregation.reasons import reason_id
from tests.realtime.support import Frame, Live, Socket, ballot

GRANT = "Ze wil niet dat de buren het weten."
REFUSE = "Zonder gegevens kunnen we niet helpen."
EASY = "Het formulier is te lang."


def _state_with(socket: Socket, seq: int) -> Frame:
    return socket.until(lambda frame: frame["type"] == "state" and frame["seq"] >= seq)


def _payload(decision: str, reasons: dict[str, str]) -> dict[str, Any]:
    return {"decision": decision, "values": list(reasons), "reasons": reasons}


def _reasons(frame: Frame, round_id: int) -> dict[str, Frame]:
    results = frame.get("results") or frame["rounds"][str(round_id)].get("results", {})
    if "reasons" not in results:
        results = results.get(str(round_id), {})
    return {entry["value"]: entry for entry in results.get("reasons", [])}


def _side(entry: Frame, decision: str) -> list[str]:
    return [r["text"] for r in entry["sides"][decision]["reasons"]]


BALLOTS = [
    _payload("toekennen", {"privacy": GRANT}),
    _payload("toekennen", {"privacy": GRANT, "eenvoud": EASY}),
    _payload("niet_toekennen", {"privacy": REFUSE}),
]


class TestReasonsOverTheSocket:
    def test_phones_send_reasons_the_projector_shows_both_sides_and_a_hidden_one_leaves(
        self, live: Live
    ) -> None:
        round_id = live.open_round("casus")
        live.control(f"rounds/{round_id}/reveal", {"revealed": True})
        with live.connect("screen") as screen, live.connect("facilitator") as facilitator:
            with (
                live.participant() as (_, first),
                live.participant() as (_, second),
                live.participant() as (_, third),
            ):
                for phone, payload in zip((first, second, third), BALLOTS, strict=True):
                    phone.socket.send(ballot(round_id, "casus", payload))
                    ack = phone.socket.of_type("ack")
                    assert (ack["round_id"], ack["revision"]) == (round_id, 1)
                tally = screen.socket.until(
                    lambda frame: (
                        frame["type"] == "tally"
                        and frame["rounds"].get(str(round_id), {}).get("n_ballots") == 3
                        and "results" in frame["rounds"][str(round_id)]
                    )
                )
                shown = _reasons(tally, round_id)
                assert tally["rounds"][str(round_id)]["results"]["both_sides"] == ["privacy"]
                assert shown["privacy"]["both_sides"] is True
                assert _side(shown["privacy"], "toekennen") == [GRANT]
                assert shown["privacy"]["sides"]["toekennen"]["reasons"][0]["count"] == 2
                assert _side(shown["privacy"], "niet_toekennen") == [REFUSE]
                assert shown["eenvoud"]["both_sides"] is False

                seq = live.control(f"rounds/{round_id}/reasons/{reason_id('privacy', REFUSE)}/hide")
                on_screen = _state_with(screen.socket, seq)
                on_phone = _state_with(third.socket, seq)
                for_facilitator = _state_with(facilitator.socket, seq)
        assert _side(_reasons(on_screen, round_id)["privacy"], "niet_toekennen") == []
        assert REFUSE not in str(on_screen)
        # A phone shows the counts only: no reason reaches it, hidden or not.
        assert on_phone["results"][str(round_id)]["n_ballots"] == 3
        assert _reasons(on_phone, round_id) == {}
        assert GRANT not in str(on_phone)
        assert REFUSE not in str(on_phone)
        flagged = _reasons(for_facilitator, round_id)["privacy"]["sides"]["niet_toekennen"]
        assert [(r["text"], r["hidden"]) for r in flagged["reasons"]] == [(REFUSE, True)]

    def test_a_reason_for_a_value_not_chosen_is_refused_and_not_stored(self, live: Live) -> None:
        round_id = live.open_round("casus")
        with live.participant() as (_, me):
            payload = {
                "decision": "toekennen",
                "values": ["eenvoud"],
                "reasons": {"privacy": GRANT},
            }
            me.socket.send(ballot(round_id, "casus", payload))
            error = me.socket.until(lambda frame: frame["type"] in ("error", "ack"))
            assert (error["type"], error["code"]) == ("error", "REASON_WITHOUT_VALUE")
            me.socket.send(ballot(round_id, "casus", _payload("toekennen", {"eenvoud": EASY})))
            assert me.socket.of_type("ack")["revision"] == 1

    def test_a_quote_picked_in_the_console_reaches_the_facilitator_not_the_screen(
        self, live: Live
    ) -> None:
        round_id = live.open_round("casus")
        live.control(f"rounds/{round_id}/reveal", {"revealed": True})
        with live.connect("screen") as screen, live.connect("facilitator") as facilitator:
            with live.participant() as (_, me):
                me.socket.send(ballot(round_id, "casus", BALLOTS[2]))
                me.socket.of_type("ack")
            seq = live.control(
                "quotes",
                {
                    "round_id": round_id,
                    "reason_id": reason_id("privacy", REFUSE),
                    "side": "niet_toekennen",
                },
            )
            picked = _state_with(facilitator.socket, seq)["results"][str(round_id)]["quotes"]
            assert [(q["value"], q["side"], q["text"]) for q in picked] == [
                ("privacy", "niet_toekennen", REFUSE)
            ]
            assert "quotes" not in _state_with(screen.socket, seq)["results"][str(round_id)]
            seq = live.control(f"quotes/{picked[0]['id']}/remove")
            assert _state_with(facilitator.socket, seq)["results"][str(round_id)]["quotes"] == []
