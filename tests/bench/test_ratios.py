"""bench/ratios.py: Denksessie's figures over the floor's, and whether each target is met."""

from __future__ import annotations

from typing import Any

import pytest

from bench.ratios import ratios


def _baseline(sockets: int = 5000, *, compression: bool = False) -> dict[str, Any]:
    return {
        "compression_offered": compression,
        "fastapi": {
            "sockets_held": sockets,
            "rss_per_idle_socket_kb": 32.0,
            "rss_per_socket_after_frames_kb": 40.0,
            "broadcast_to_all_ms": 250.0,
        },
        "raw": {"broadcast_to_all_ms": 150.0},
    }


def _swarm(per_socket_kb: float, p99_ms: float, *, sockets: int = 5000) -> dict[str, Any]:
    return {
        "sockets": {"held": sockets, "compression": "none"},
        "server_rss": {"per_socket_kb": per_socket_kb},
        "room_wide_update": {"click_to_phone": {"p99_ms": p99_ms}},
    }


def test_within_the_targets() -> None:
    figures = ratios(_baseline(), _swarm(per_socket_kb=48.0, p99_ms=300.0))
    ram = figures["ram_per_socket_kb_vs_bare_fastapi_idle"]
    update = figures["room_wide_update_p99_ms_vs_raw_frame"]
    assert (ram["ratio"], ram["met"]) == (1.5, True)
    assert (update["ratio"], update["met"]) == (2.0, True)


def test_over_the_targets() -> None:
    figures = ratios(_baseline(), _swarm(per_socket_kb=49.0, p99_ms=450.0))
    assert figures["ram_per_socket_kb_vs_bare_fastapi_idle"]["met"] is False
    assert figures["ram_per_socket_kb_vs_bare_fastapi_after_frames"]["met"] is True  # 1.23x
    assert figures["room_wide_update_p99_ms_vs_raw_frame"] == {
        "denksessie": 450.0,
        "floor": 150.0,
        "ratio": 3.0,
        "target": 2.0,
        "met": False,
    }


@pytest.mark.parametrize(
    ("baseline", "swarm"),
    [
        (_baseline(sockets=1000), _swarm(48.0, 300.0)),
        (_baseline(compression=True), _swarm(48.0, 300.0)),
    ],
)
def test_refuses_runs_that_do_not_compare(baseline: dict[str, Any], swarm: dict[str, Any]) -> None:
    with pytest.raises(SystemExit):
        ratios(baseline, swarm)
