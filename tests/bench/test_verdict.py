"""bench/verdict.py: each target judged on its figure (or its ratio to the floor of the same
run), and "not measured" rather than a guess when a run or a figure is missing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.common import plan_cores
from bench.verdict import FILES, load, table, verdicts


def _runs(
    *,
    ack: float = 40.0,
    screen: float = 120.0,
    update: float = 250.0,
    reveal: float = 260.0,
    back: float = 4.0,
    joins: float = 1200.0,
    rate: float = 1000.0,
) -> dict[str, Any]:
    return {
        "baseline": {
            "fastapi": {"echo_round_trip": {"p99_ms": 20.0}, "connects_per_s": 1000.0},
            "raw": {"broadcast_to_all_ms": 130.0},
        },
        "swarm": {
            "options": {"rate": rate},
            "ballot_to_ack": {"p99_ms": ack},
            "ballot_to_screen": {"p99_ms": screen},
            "room_wide_update_while_voting": {"click_to_phone": {"p99_ms": update}},
            "reveal_casus_round": {"click_to_phone": {"p99_ms": reveal}},
        },
        "storm": {"cut_off": 2000, "ready_to_all_back": {"max_s": back}},
        "joins": {"per_s": joins, "floor": {"per_s": 1800.0}},
    }


def test_every_target_met() -> None:
    results = verdicts(_runs())
    assert {key: v["status"] for key, v in results.items()} == {
        "ballot_to_ack_p99": "met",
        "ballot_to_screen_p99": "met",
        "room_wide_update_p99": "met",
        "reveal_casus_round_p99": "met",
        "reconnect_storm_all_back": "met",
        "joins_per_s": "met",
    }
    assert results["ballot_to_ack_p99"]["ratio"] == 2.0  # 40 ms over a 20 ms echo
    assert results["reconnect_storm_all_back"]["floor"] == 2.0  # 2,000 phones at 1,000/s
    assert results["joins_per_s"]["ratio"] == 0.67


def test_each_kind_of_target_can_be_missed() -> None:
    results = verdicts(_runs(ack=51.0, update=261.0, back=5.5, joins=999.0))
    assert results["ballot_to_ack_p99"]["status"] == "missed"  # over 50 ms
    assert results["room_wide_update_p99"]["status"] == "missed"  # 2.01x the raw floor
    assert results["room_wide_update_p99"]["ratio"] == 2.01
    assert results["reconnect_storm_all_back"]["status"] == "missed"
    assert results["joins_per_s"]["status"] == "missed"  # under 1,000/s
    assert results["ballot_to_screen_p99"]["status"] == "met"


def test_limits_are_inclusive() -> None:
    results = verdicts(_runs(ack=50.0, update=260.0, joins=1000.0, back=5.0))
    assert all(v["status"] == "met" for v in results.values())


def test_a_swarm_at_another_rate_judges_no_ballot_target() -> None:
    results = verdicts(_runs(rate=200.0, ack=10.0))
    assert results["ballot_to_ack_p99"]["status"] == "not measured"
    assert "200" in results["ballot_to_ack_p99"]["note"]
    assert results["room_wide_update_p99"]["status"] == "met"  # not tied to a rate


def test_missing_runs_are_not_measured() -> None:
    runs = _runs()
    del runs["storm"], runs["baseline"]["raw"]
    results = verdicts(runs)
    assert results["reconnect_storm_all_back"]["status"] == "not measured"
    # A figure without its floor: a ratio target cannot be judged.
    assert results["room_wide_update_p99"]["status"] == "not measured"
    assert results["room_wide_update_p99"]["ratio"] is None
    # An absolute target is judged on its figure; the ratio is then simply absent.
    runs = _runs()
    del runs["baseline"]
    assert verdicts(runs)["ballot_to_ack_p99"]["status"] == "met"


def test_reads_what_make_bench_saved_and_prints_a_table(tmp_path: Path) -> None:
    for name, run in _runs(joins=300.0).items():
        (tmp_path / FILES[name]).write_text(json.dumps(run))
    (tmp_path / FILES["storm"]).write_text("not json: the storm was cut off")
    results = verdicts(load(tmp_path))
    assert results["joins_per_s"]["status"] == "missed"
    assert results["reconnect_storm_all_back"]["status"] == "not measured"
    text = table(results)
    assert "joins per second" in text
    assert "missed" in text
    assert ">= 1,000 /s" in text


def test_cores_pin_the_server_apart_from_the_generator() -> None:
    two = plan_cores([0, 1])
    assert (two.server, two.generator) == ((0,), (1,))
    many = plan_cores(range(8))
    assert (many.server, many.generator) == ((0,), (1, 2, 3, 4, 5, 6, 7))
    # Four workers: a CPU each where there are enough, all on CPU 0 on two CPUs.
    assert plan_cores(range(8), workers=4).server == (0, 1, 2, 3)
    assert plan_cores([0, 1], workers=4).server == (0,)
    for plan in (
        plan_cores([0]),
        plan_cores([0, 1], taskset=False),
        plan_cores([0, 1], enabled=False),
    ):
        assert (plan.server, plan.generator) == (None, None)
        assert plan.note
