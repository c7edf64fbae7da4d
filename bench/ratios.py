"""Denksessie's figures as ratios to the Python stack's floor, from two benches' JSON.

    python bench/ratios.py BASELINE.json SWARM.json

``BASELINE.json`` is what ``bench/baseline.py`` printed and ``SWARM.json`` what
``bench/swarm.py`` printed for the same number of sockets in the same session (``make bench``
saves both under ``var/bench/``). Prints JSON: RAM per socket against a bare FastAPI socket
(target at most 1.5x) and the room-wide update against one prebuilt frame sent to every socket by
a raw asyncio server (target at most 2x).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

RAM_TARGET = 1.5
UPDATE_TARGET = 2.0


def _ratio(value: float, floor: float, target: float) -> dict[str, Any]:
    ratio = round(value / floor, 2) if floor else None
    return {
        "denksessie": value,
        "floor": floor,
        "ratio": ratio,
        "target": target,
        "met": ratio is not None and ratio <= target,
    }


def ratios(baseline: dict[str, Any], swarm: dict[str, Any]) -> dict[str, Any]:
    sockets = swarm["sockets"]["held"]
    if baseline["fastapi"]["sockets_held"] != sockets:
        raise SystemExit(
            f"the baseline held {baseline['fastapi']['sockets_held']} sockets, the swarm {sockets}"
        )
    compressed = swarm["sockets"]["compression"] != "none"
    if bool(baseline.get("compression_offered")) != compressed:
        raise SystemExit("the baseline and the swarm differ in compression; run both alike")
    per_socket = swarm["server_rss"]["per_socket_kb"]
    return {
        "sockets": sockets,
        "compression": swarm["sockets"]["compression"],
        "ram_per_socket_kb_vs_bare_fastapi_idle": _ratio(
            per_socket, baseline["fastapi"]["rss_per_idle_socket_kb"], RAM_TARGET
        ),
        "ram_per_socket_kb_vs_bare_fastapi_after_frames": _ratio(
            per_socket, baseline["fastapi"]["rss_per_socket_after_frames_kb"], RAM_TARGET
        ),
        "room_wide_update_p99_ms_vs_raw_frame": _ratio(
            swarm["room_wide_update"]["click_to_phone"]["p99_ms"],
            baseline["raw"]["broadcast_to_all_ms"],
            UPDATE_TARGET,
        ),
        "room_wide_update_p99_ms_vs_bare_fastapi": _ratio(
            swarm["room_wide_update"]["click_to_phone"]["p99_ms"],
            baseline["fastapi"]["broadcast_to_all_ms"],
            UPDATE_TARGET,
        ),
    }


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        raise SystemExit(__doc__)
    baseline, swarm = (json.loads(Path(path).read_text()) for path in args)
    print(json.dumps(ratios(baseline, swarm), indent=2))


if __name__ == "__main__":
    main()
