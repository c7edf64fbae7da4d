"""An intervisie over the real /ws: started through the card's form, phones cast casus ballots
with the card's values and one other value, the projector is told what the round offers, and
"Kaart en zaal" counts what was stored."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from app.cards import intervisie
from tests.realtime.support import Frame, Live, ballot, new_msg_id

BUILTIN = "principekaart-professionals-2024"
CARD_VALUES = [
    "menselijkheid",
    "zelfbeschikking",
    "verantwoordelijkheid",
    "billijkheid",
    "doeltreffendheid",
]


def _start(client: TestClient) -> Live:
    """Start an intervisie with the card's form, then read the console like a facilitator."""
    answer = client.post(
        f"/principekaarten/{BUILTIN}/intervisie",
        data={
            "title": "Een vader vraagt huishoudelijke hulp",
            "situation": "Een vader zorgt alleen voor drie kinderen. Hij vraagt hulp in huis.",
            "decision_question": "Ken je huishoudelijke hulp toe?",
            "checklist": list(intervisie.CHECKLIST),
        },
        headers={"Accept": "text/html"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    denksessie_id = int(answer.headers["location"].rsplit("/", 1)[1])
    console = client.get(f"/console/{denksessie_id}").text
    code = re.search(r'data-code="([A-Z0-9]+)"', console)
    token = re.search(r'data-token="([^"]+)"', console)
    screen = re.search(r"/scherm/\d+\?token=([^\"&]+)", console)
    assert code
    assert token
    assert screen
    return Live(
        client=client,
        id=denksessie_id,
        code=code.group(1),
        facilitator_token=token.group(1),
        screen_token=screen.group(1),
        casus_ids=(),
    )


def _casus(values: list[str]) -> dict[str, object]:
    return {"decision": "twijfel", "values": values, "principles": {}}


def _round_ids(live: Live) -> tuple[int, int]:
    with live.connect("facilitator") as facilitator:
        rounds = facilitator.snapshot["rounds"]
    return rounds[0]["id"], rounds[1]["id"]


def _results_of(frame: Frame, round_id: int) -> Frame:
    results: Frame = frame["rounds"][str(round_id)]["results"]
    return results


class TestIntervisieOverTheSocket:
    def test_phones_vote_with_card_values_and_one_other(self, live_client: TestClient) -> None:
        live = _start(live_client)
        casus_round, decisive = _round_ids(live)
        live.control(f"rounds/{casus_round}/open")
        with live.connect("facilitator") as facilitator, live.connect("screen") as screen:
            config = screen.snapshot["rounds"][0]["config"]
            assert (config["offered"], config["allow_other"]) == (CARD_VALUES, True)
            acks = []
            for values in (
                ["menselijkheid", "privacy"],
                ["menselijkheid", "billijkheid"],
                ["zelfbeschikking", "privacy"],
            ):
                with live.participant() as (_, phone):
                    phone.socket.send(ballot(casus_round, "casus", _casus(values)))
                    acks.append(phone.socket.of_type("ack"))
            assert [(a["revision"], a["duplicate"]) for a in acks] == [(1, False)] * 3
            tally = facilitator.socket.until(
                lambda f: (
                    f["type"] == "tally"
                    and f["rounds"].get(str(casus_round), {}).get("n_ballots") == 3
                )
            )
            totals = {v["value"]: v["total"] for v in _results_of(tally, casus_round)["values"]}
            assert totals == {
                "menselijkheid": 2,
                "privacy": 2,
                "billijkheid": 1,
                "zelfbeschikking": 1,
            }
            counted = screen.socket.until(
                lambda f: (
                    f["type"] == "tally"
                    and f["rounds"].get(str(casus_round), {}).get("n_ballots") == 3
                )
            )
            assert "results" not in counted["rounds"][str(casus_round)]  # not revealed yet
        live.control(f"rounds/{casus_round}/close")
        live.control(f"rounds/{decisive}/open")
        for approve in (["menselijkheid"], ["privacy"]):
            with live.participant() as (_, phone):
                phone.socket.send(ballot(decisive, "approval", {"approve": approve}))
                assert phone.socket.of_type("ack")["revision"] == 1
        page = live_client.get(f"/console/{live.id}/kaart-en-zaal").text
        text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
        assert "Menselijkheid 2 1" in text
        assert "Privacy : 2 keer gekozen, 1 keer doorslaggevend" in text
        assert "Niemand koos Verantwoordelijkheid, Doeltreffendheid" in text

    def test_two_other_values_are_refused_with_a_code(self, live_client: TestClient) -> None:
        live = _start(live_client)
        casus_round, _ = _round_ids(live)
        live.control(f"rounds/{casus_round}/open")
        with live.participant() as (_, phone):
            msg_id = new_msg_id()
            phone.socket.send(
                ballot(casus_round, "casus", _casus(["privacy", "compassie"]), msg_id)
            )
            error = phone.socket.until(lambda f: f["type"] in ("error", "ack"))
        assert (error["type"], error["code"], error["msg_id"]) == (
            "error",
            "TOO_MANY_VALUES",
            msg_id,
        )
        assert error["message"] == "Kies hoogstens één andere waarde."

    def test_the_decisive_round_takes_one_value_only(self, live_client: TestClient) -> None:
        live = _start(live_client)
        _, decisive = _round_ids(live)
        live.control(f"rounds/{decisive}/open")
        with live.participant() as (_, phone):
            phone.socket.send(
                ballot(decisive, "approval", {"approve": ["menselijkheid", "billijkheid"]})
            )
            error = phone.socket.until(lambda f: f["type"] in ("error", "ack"))
        assert (error["type"], error["code"]) == ("error", "TOO_MANY_VALUES")

    def test_the_decisive_round_refuses_a_second_other_value(self, live_client: TestClient) -> None:
        live = _start(live_client)
        _, decisive = _round_ids(live)
        live.control(f"rounds/{decisive}/open")
        with live.participant() as (_, phone):
            phone.socket.send(ballot(decisive, "approval", {"approve": ["privacy", "compassie"]}))
            error = phone.socket.until(lambda f: f["type"] in ("error", "ack"))
        assert (error["type"], error["code"]) == ("error", "TOO_MANY_VALUES")
        assert error["message"] == "Kies hoogstens één andere waarde."

    def test_the_reflective_questions_take_answers_in_own_words(
        self, live_client: TestClient
    ) -> None:
        live = _start(live_client)
        with live.connect("facilitator") as facilitator:
            rounds = facilitator.snapshot["rounds"]
        assert [(r["kind"], r["title"]) for r in rounds[2:]] == [
            ("open", "Welke aanvullende argumenten of opties zie je nu?"),
            ("open", "Kan je er ook anders naar kijken?"),
        ]
        question = rounds[3]["id"]
        live.control(f"rounds/{question}/open")
        with live.participant() as (_, phone):
            phone.socket.send(
                ballot(question, "open", {"answers": ["Vanuit de school gezien is het anders."]})
            )
            assert phone.socket.of_type("ack")["revision"] == 1
        live.control(f"rounds/{question}/reveal", {"revealed": True})
        page = live_client.get(f"/console/{live.id}/kaart-en-zaal").text
        assert "Vanuit de school gezien is het anders." in page
