"""The verdict of one ``make bench`` run: every target, its figure, the floor of the same run, the
ratio, and met or missed.

    python bench/verdict.py var/bench            # reads the JSON that make bench saved there

Reads ``baseline.json`` (``bench/baseline.py``), ``swarm-sqlite.json`` (``bench/swarm.py``),
``storm-sqlite.json`` (``bench/storm.py``) and ``joins.json`` (``bench/joins.py``) from the
directory; a file that is missing or lacks a figure gives "not measured", never a guess. Prints
JSON (``--json``) or a table, and exits 0 either way: a missed target is a finding, not a
broken bench.

Each figure is compared with its floor: what the same Python stack does on the same machine in
the same run without Denksessie (a bare FastAPI server, a raw asyncio server; see
``docs/performance.md``). Targets given in milliseconds or per second are judged on the figure
itself, targets given as "2x floor" on the ratio; the ratio is printed for every one.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Kind = Literal["at_most", "at_least", "ratio_at_most"]
FILES = {
    "baseline": "baseline.json",
    "swarm": "swarm-sqlite.json",
    "storm": "storm-sqlite.json",
    "joins": "joins.json",
}
BALLOT_RATE = 1000.0  # the rate the ballot targets are set at


@dataclass(frozen=True)
class Target:
    key: str
    what: str
    kind: Kind
    limit: float
    unit: str
    figure: tuple[str, ...]  # path into the runs: ("swarm", "ballot_to_ack", "p99_ms")
    floor: tuple[str, ...]
    floor_what: str
    # Where the figure only counts at a given offered ballot rate (swarm options.rate).
    at_rate: float | None = None


TARGETS = (
    Target(
        "ballot_to_ack_p99",
        "ballot -> ack p99 at 1,000 ballots/s",
        "at_most",
        50.0,
        "ms",
        ("swarm", "ballot_to_ack", "p99_ms"),
        ("baseline", "fastapi", "echo_round_trip", "p99_ms"),
        "bare FastAPI echo p99 at the same rate",
        at_rate=BALLOT_RATE,
    ),
    Target(
        "ballot_to_screen_p99",
        "ballot -> screen p99 at 1,000 ballots/s",
        "at_most",
        150.0,
        "ms",
        ("swarm", "ballot_to_screen", "p99_ms"),
        ("baseline", "fastapi", "echo_round_trip", "p99_ms"),
        "bare FastAPI echo p99 at the same rate",
        at_rate=BALLOT_RATE,
    ),
    Target(
        "room_wide_update_p99",
        "room-wide update p99 under load",
        "ratio_at_most",
        2.0,
        "ms",
        # A timer set a third into the casus round, while ballots flow at the swarm's rate.
        ("swarm", "room_wide_update_while_voting", "click_to_phone", "p99_ms"),
        ("baseline", "raw", "broadcast_to_all_ms"),
        "raw asyncio: one prebuilt frame to every socket",
    ),
    Target(
        "reveal_casus_round_p99",
        "reveal of a casus round to N phones p99",
        "ratio_at_most",
        2.0,
        "ms",
        ("swarm", "reveal_casus_round", "click_to_phone", "p99_ms"),
        ("baseline", "raw", "broadcast_to_all_ms"),
        "raw asyncio: one prebuilt frame to every socket",
    ),
    Target(
        "reconnect_storm_all_back",
        "reconnect storm after kill -9: all back",
        "at_most",
        5.0,
        "s",
        ("storm", "ready_to_all_back", "max_s"),
        ("storm", "floor_all_back_s"),
        "the storm's phones connected at bare FastAPI's connects/s",
    ),
    Target(
        "joins_per_s",
        "joins per second",
        "at_least",
        1000.0,
        "/s",
        ("joins", "per_s"),
        ("joins", "floor", "per_s"),
        "bare FastAPI: the same POSTs answered 201 without a database",
    ),
)


def _dig(runs: dict[str, Any], path: tuple[str, ...]) -> float | None:
    node: Any = runs
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return float(node) if isinstance(node, int | float) and not isinstance(node, bool) else None


def derive(runs: dict[str, Any]) -> dict[str, Any]:
    """Figures computed from two runs: the storm's floor is its phones connected at the bare
    FastAPI floor's connects per second (``baseline.json`` of the same ``make bench``)."""
    storm, baseline = runs.get("storm"), runs.get("baseline")
    connects = _dig(runs, ("baseline", "fastapi", "connects_per_s"))
    if isinstance(storm, dict) and isinstance(baseline, dict) and connects:
        cut = storm.get("cut_off") or storm.get("phones")
        if isinstance(cut, int) and cut > 0:
            runs = {**runs, "storm": {**storm, "floor_all_back_s": round(cut / connects, 3)}}
    return runs


def judge(target: Target, runs: dict[str, Any]) -> dict[str, Any]:
    figure = _dig(runs, target.figure)
    floor = _dig(runs, target.floor)
    ratio = round(figure / floor, 2) if figure is not None and floor else None
    verdict: dict[str, Any] = {
        "target": target.what,
        "kind": target.kind,
        "limit": target.limit,
        "unit": target.unit,
        "figure": figure,
        "floor": floor,
        "floor_is": target.floor_what,
        "ratio": ratio,
    }
    if target.at_rate is not None:
        rate = _dig(runs, ("swarm", "options", "rate"))
        if rate is not None and rate != target.at_rate:
            verdict.update(status="not measured", note=f"the swarm offered {rate:g} ballots/s")
            return verdict
    if target.kind == "ratio_at_most":
        value = ratio
    else:
        value = figure
    if value is None:
        missing = "figure" if figure is None else "floor"
        verdict.update(status="not measured", note=f"no {missing} in this run")
        return verdict
    met = value >= target.limit if target.kind == "at_least" else value <= target.limit
    verdict["status"] = "met" if met else "missed"
    return verdict


def verdicts(runs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    runs = derive(runs)
    return {target.key: judge(target, runs) for target in TARGETS}


def load(directory: Path) -> dict[str, Any]:
    runs: dict[str, Any] = {}
    for name, file in FILES.items():
        path = directory / file
        if path.exists():
            try:
                runs[name] = json.loads(path.read_text())
            except json.JSONDecodeError:
                continue
    return runs


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")


def table(results: dict[str, dict[str, Any]]) -> str:
    def limit(v: dict[str, Any]) -> str:
        if v["kind"] == "ratio_at_most":
            return f"<= {_number(v['limit'])}x floor"
        sign = ">=" if v["kind"] == "at_least" else "<="
        return f"{sign} {_number(v['limit'])} {v['unit']}"

    rows = [("target", "goal", "figure", "floor", "ratio", "verdict")]
    for v in results.values():
        rows.append(
            (
                v["target"],
                limit(v),
                f"{_number(v['figure'])} {v['unit']}" if v["figure"] is not None else "-",
                f"{_number(v['floor'])} {v['unit']}" if v["floor"] is not None else "-",
                f"{v['ratio']:g}x" if v["ratio"] is not None else "-",
                v["status"] + (f" ({v['note']})" if v.get("note") else ""),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parse = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parse.add_argument("directory", type=Path, nargs="?", default=Path("var/bench"))
    parse.add_argument("--json", action="store_true")
    args = parse.parse_args(argv)
    results = verdicts(load(args.directory))
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        cores = load(args.directory).get("swarm", {}).get("cores")
        print(table(results))
        if cores:
            print(f"\ncores: {json.dumps(cores)}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
