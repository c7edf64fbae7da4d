"""A schuur round over the real /ws: phones send pairs, each is acked once it is stored, a
refused pair gets its code and stores nothing, and the projector's frame carries the clash
matrix and the ranked pairs."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.realtime.support import (
    Frame,
    Live,
    aggregate_in_db,
    ballot,
    new_msg_id,
    rows_of,
)

ZB, PR, CO, EE = "zelfbeschikking", "privacy", "compassie", "eenvoud"
PAIRS = [
    [[ZB, PR], [CO, EE]],
    [[PR, ZB]],
    [[ZB, PR], [ZB, CO]],
]


def _results(frame: Frame, round_id: int) -> Frame | None:
    if frame["type"] == "tally":
        found: Frame | None = frame["rounds"].get(str(round_id), {}).get("results")
        return found
    if frame["type"] in ("state", "snapshot"):
        kept: Frame | None = frame.get("results", {}).get(str(round_id))
        return kept
    return None


def test_phones_send_pairs_and_the_projector_gets_the_matrix(
    live: Live, realtime_engine: Engine
) -> None:
    round_id = live.open_round("schuur", max_pairs=2)
    live.control(f"rounds/{round_id}/reveal", {"revealed": True})
    with live.connect("screen") as screen:
        for pairs in PAIRS:
            with live.participant() as (member, phone):
                msg_id = new_msg_id()
                phone.socket.send(ballot(round_id, "schuur", {"pairs": pairs}, msg_id))
                ack = phone.socket.of_type("ack")
                assert (ack["msg_id"], ack["round_id"], ack["revision"]) == (msg_id, round_id, 1)
                # Durable before the ack: the row is there when the ack arrives.
                assert rows_of(realtime_engine, member.participant_id).ballots == 1
                # Sent again with the same id: acked again, counted once.
                phone.socket.send(ballot(round_id, "schuur", {"pairs": pairs}, msg_id))
                assert phone.socket.of_type("ack")["revision"] == 1
        shown = screen.socket.until(
            lambda frame: (_results(frame, round_id) or {}).get("n_ballots") == len(PAIRS)
        )
    result = _results(shown, round_id)
    assert result is not None
    assert result == aggregate_in_db(realtime_engine, live.id, round_id)
    top = result["pairs"][0]
    assert (top["a"], top["b"], top["count"], top["rank"], top["tied"]) == (PR, ZB, 3, 1, False)
    assert [(p["count"], p["rank"], p["tied"]) for p in result["pairs"][1:]] == [
        (1, 2, True),
        (1, 2, True),
    ]
    values = result["values"]
    assert values[0] == ZB  # named in most pairs
    i, j = values.index(ZB), values.index(PR)
    assert result["matrix"][i][j] == result["matrix"][j][i] == 3
    assert all(result["matrix"][k][k] == 0 for k in range(len(values)))


def test_a_pair_of_one_value_is_refused_with_its_code_and_stores_nothing(
    live: Live, realtime_engine: Engine
) -> None:
    round_id = live.open_round("schuur", max_pairs=1)
    with live.participant() as (member, phone):
        for payload, code in (
            ({"pairs": [[ZB, ZB]]}, "PAIR_OF_ONE_VALUE"),
            ({"pairs": [[ZB, PR], [CO, EE]]}, "TOO_MANY_PAIRS"),
            ({"pairs": [[ZB, "gelijkheid"]]}, "UNKNOWN_VALUE"),
        ):
            msg_id = new_msg_id()
            phone.socket.send(ballot(round_id, "schuur", payload, msg_id))
            error = phone.socket.until(lambda frame: frame["type"] in ("error", "ack"))
            assert (error["type"], error["code"], error["msg_id"]) == ("error", code, msg_id)
            assert error["message"]
        assert rows_of(realtime_engine, member.participant_id).ballots == 0
