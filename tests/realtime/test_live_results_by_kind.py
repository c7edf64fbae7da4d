"""Every round kind's live results over the real /ws equal the database's: after a few ballots
the facilitator's tally carries ``results.aggregate`` for the facilitator, the projector's the
one for the room, and a phone's that one sized by its kind (``Kind.phone_result``), whether the
hub builds it from a running tally or recounts it from the database (decision 0028). And a kept
result (the ballots deleted) reaches the projector without the answers hidden in it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.sessions import results
from app.sessions.kinds import KINDS, kind_of
from app.sessions.models import Denksessie, Participant, Principle, SessionRound
from tests.realtime.support import Frame, Live, Socket, ballot, casus_payload

ZB, PR, CO, EE = "zelfbeschikking", "privacy", "compassie", "eenvoud"
WHY = "Ze wil zelf kiezen."


def _casus(decision: str, reason: str) -> dict[str, Any]:
    payload = casus_payload(ZB, PR)
    return {**payload, "decision": decision, "reasons": {ZB: reason}}


PAYLOADS: dict[str, list[dict[str, Any]]] = {
    "casus": [
        _casus("toekennen", WHY),
        _casus("niet_toekennen", "Het kost te veel."),
        _casus("toekennen", WHY),
    ],
    "ranking": [{"ranking": [PR, ZB, CO, EE]}, {"ranking": [ZB, PR]}, {"ranking": [EE, CO, PR]}],
    "points": [{"points": {PR: 60, ZB: 40}}, {"points": {EE: 100}}, {"points": {PR: 10}}],
    "approval": [{"approve": [PR, ZB]}, {"approve": [EE]}, {"approve": [PR]}],
    "schuur": [
        {"pairs": [[ZB, PR], [CO, EE]]},
        {"pairs": [[PR, ZB]]},
        {"pairs": [[ZB, PR], [ZB, CO]]},
    ],
    "open": [
        {"answers": ["Meer tijd", "Vertrouwen"]},
        {"answers": ["meer tijd"]},
        {"answers": ["Rust in het gesprek"]},
    ],
}


def _aggregate(engine: Engine, denksessie_id: int, round_id: int, role: str) -> Frame:
    with Session(engine) as db:
        denksessie = db.get(Denksessie, denksessie_id)
        session_round = db.get(SessionRound, round_id)
        assert denksessie is not None
        assert session_round is not None
        computed = results.aggregate(db, denksessie, session_round, role=role)  # type: ignore[arg-type]
    normalised: Frame = json.loads(json.dumps(computed))
    return normalised


def _principle_ballots(live: Live, engine: Engine) -> list[dict[str, Any]]:
    """A principle round votes on principles written in a casus round before it."""
    casus_round = live.open_round("casus")
    for text in ("Ik laat mensen zelf kiezen.", "Ik vraag eerst.", "Ik luister."):
        with live.participant() as (_, phone):
            phone.socket.send(ballot(casus_round, "casus", casus_payload(ZB, principle=text)))
            phone.socket.of_type("ack")
    live.control(f"rounds/{casus_round}/close")
    with Session(engine) as db:
        ids = list(
            db.exec(
                select(Principle.id)
                .join(Participant, col(Participant.id) == col(Principle.participant_id))
                .where(Participant.denksessie_id == live.id, Principle.value_key == ZB)
                .order_by(col(Principle.id))
            ).all()
        )
    assert len(ids) == 3
    return [{"approve": [ids[0], ids[1]]}, {"approve": [ids[1]]}, {"approve": [ids[1], ids[2]]}]


def _payloads(kind: str, live: Live, engine: Engine) -> list[dict[str, Any]]:
    if kind == "principle":
        return _principle_ballots(live, engine)
    return PAYLOADS[kind]


CONFIG: dict[str, dict[str, Any]] = {"principle": {"value_key": ZB}, "open": {"max_answers": 2}}


def _results(frame: Frame, round_id: int) -> Frame | None:
    """A round's results in a tally, or in a state (which carries the same counts)."""
    if frame["type"] == "tally":
        found: Frame | None = frame["rounds"].get(str(round_id), {}).get("results")
        return found
    if frame["type"] == "state":
        held: Frame | None = frame.get("results", {}).get(str(round_id))
        return held
    return None


def _live(socket: Socket, round_id: int, expected: Frame) -> Frame:
    """The first tally or state whose results for the round are ``expected`` (counts go
    first, texts and recounts follow within a tick or two)."""
    frame = socket.until(lambda frame: _results(frame, round_id) == expected)
    found = _results(frame, round_id)
    assert found is not None
    return found


def test_every_kind_is_covered() -> None:
    assert set(PAYLOADS) | {"principle"} == set(KINDS)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_live_results_of_every_kind_are_the_databases(
    kind: str, live: Live, realtime_engine: Engine
) -> None:
    payloads = _payloads(kind, live, realtime_engine)
    round_id = live.open_round(kind, **CONFIG.get(kind, {}))
    live.control(f"rounds/{round_id}/reveal", {"revealed": True})
    with live.connect("facilitator") as facilitator, live.connect("screen") as screen:
        with live.participant() as (_, watcher):
            for payload in payloads:
                with live.participant() as (_, phone):
                    phone.socket.send(ballot(round_id, kind, payload))
                    answer = phone.socket.until(lambda frame: frame["type"] in ("ack", "error"))
                    assert (answer["type"], answer.get("round_id")) == ("ack", round_id)
            own = _aggregate(realtime_engine, live.id, round_id, "facilitator")
            room = _aggregate(realtime_engine, live.id, round_id, "screen")
            assert own["n_ballots"] == room["n_ballots"] == len(payloads)
            sized: Frame = json.loads(json.dumps(kind_of(kind).phone_result(room)))
            assert _live(facilitator.socket, round_id, own) == own
            assert _live(screen.socket, round_id, room) == room
            assert _live(watcher.socket, round_id, sized) == sized


def test_a_hidden_answer_in_a_kept_result_does_not_reach_the_projector(
    live: Live, realtime_engine: Engine
) -> None:
    round_id = live.open_round("open")
    live.control(f"rounds/{round_id}/reveal", {"revealed": True})
    secret, shown = "Mijn buurman heet Jan", "Meer tijd"
    kept = {
        "kind": "open",
        "n_ballots": 2,
        "n_answers": 2,
        "n_entries": 2,
        "entries": [
            {"key": "a", "text": shown, "count": 1, "hidden": False, "merged": []},
            {"key": "b", "text": secret, "count": 1, "hidden": True, "merged": []},
        ],
        "words": [],
    }
    with Session(realtime_engine) as db:  # the ballots deleted, their result kept
        session_round = db.get(SessionRound, round_id)
        assert session_round is not None
        session_round.result_snapshot = kept
        db.add(session_round)
        db.commit()
    with live.connect("facilitator") as facilitator, live.connect("screen") as screen:
        seq = live.control(f"rounds/{round_id}/reveal", {"revealed": True})  # a state event
        for socket in (screen.socket, facilitator.socket):  # then a ballot: a tally follows
            socket.until(lambda frame: frame["type"] == "state" and frame["seq"] >= seq)
        with live.participant() as (_, phone):
            phone.socket.send(ballot(round_id, "open", {"answers": ["Rust"]}))
            phone.socket.of_type("ack")

        def tallied(frame: Frame) -> bool:
            entry = frame["rounds"].get(str(round_id), {}) if frame["type"] == "tally" else {}
            return "results" in entry

        on_screen = screen.socket.until(tallied)
        for_facilitator = facilitator.socket.until(tallied)
    entries = on_screen["rounds"][str(round_id)]["results"]["entries"]
    assert [entry["text"] for entry in entries] == [shown]
    assert secret not in json.dumps(on_screen)
    flagged = for_facilitator["rounds"][str(round_id)]["results"]["entries"]
    assert [(entry["text"], entry["hidden"]) for entry in flagged] == [
        (shown, False),
        (secret, True),
    ]


def test_a_casus_tally_after_a_hidden_reason_and_a_quote_is_the_databases(
    live: Live, realtime_engine: Engine
) -> None:
    from app.aggregation.reasons import reason_id

    round_id = live.open_round("casus")
    live.control(f"rounds/{round_id}/reveal", {"revealed": True})
    refused = "Het kost te veel."
    with live.connect("facilitator") as facilitator, live.connect("screen") as screen:
        for payload in PAYLOADS["casus"][:2]:
            with live.participant() as (_, phone):
                phone.socket.send(ballot(round_id, "casus", payload))
                phone.socket.of_type("ack")
        live.control(f"rounds/{round_id}/reasons/{reason_id(ZB, refused)}/hide")
        live.control(
            "quotes",
            {"round_id": round_id, "reason_id": reason_id(ZB, WHY), "side": "toekennen"},
        )
        with live.participant() as (_, phone):  # a ballot after them: the tally goes again
            phone.socket.send(ballot(round_id, "casus", PAYLOADS["casus"][2]))
            phone.socket.of_type("ack")
        own = _aggregate(realtime_engine, live.id, round_id, "facilitator")
        room = _aggregate(realtime_engine, live.id, round_id, "screen")
        assert own["n_ballots"] == 3
        assert [q["text"] for q in own["quotes"]] == [WHY]
        assert _live(facilitator.socket, round_id, own) == own
        on_screen = _live(screen.socket, round_id, room)
    assert refused not in json.dumps(on_screen)
    assert "quotes" not in on_screen
