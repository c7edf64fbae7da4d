"""A room scanning the QR code at once: a wave of joins on the default embedded setup.

    python bench/joins.py [--joins 500] [--concurrency 64] [--quick]

Starts one server the way ``make run`` does (``denksessie migrate``, ``load-content``,
``serve``; SQLite, the default join limits, a fresh database in a temporary directory), makes a
denksessie with a room size that fits every join, connects one phone's websocket, then sends
``--joins`` joins with ``--concurrency`` requests at a time. Halfway through the wave the
facilitator opens a round; the bench times how long the connected phone takes to see it.
Prints JSON: joins per second, every join's latency (p50/p95/p99/max), answers by HTTP status,
and ``open_round`` (the facilitator's request and the phone seeing it).

The floor of the same run (``--floor``, on by default) is the same number of requests to a
bare FastAPI route that answers 201 without a database (``bench/baseline.py``'s server), so the
figure reads as a ratio: what a join costs over what any FastAPI request costs here. The joins
and the floor's requests go out from the same lean client (``bench/lean_http.py``: keep-alive
connections, no cookie kept, like phones that join once), which spends about 0.07 ms of CPU per
request where httpx spent 1.4 ms: with httpx the one generator core ran out before the server's
did, and the wave and its floor both measured the generator. Both servers' CPU time per request
is measured too (``server_cpu_ms_per_join``, ``floor.server_cpu_ms_per_request``), which does not
depend on what else the machine runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx2 as httpx  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402
from websockets.exceptions import WebSocketException  # noqa: E402

from bench.common import (  # noqa: E402
    BENCH_SECRET,
    ROOT,
    Deployment,
    cores,
    cpu_seconds,
    facilitator_login,
    free_port,
    percentiles,
    pin_generator,
    raise_open_files,
    server_command,
    wait_healthy,
)
from bench.lean_http import LeanClient, LeanHTTPError  # noqa: E402

MAX_JOINS = 5_000  # the largest room size a denksessie takes
RUN_TIMEOUT_S = 300.0
# What the issue asked of a join wave: nothing slower than this (a stall waited 25-30 s).
STALL_S = 5.0


@dataclass
class Wave:
    """What one wave measured."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    open_request_ms: float | None = None
    open_seen_ms: float | None = None
    server_cpu_s: float | None = None  # the server's CPU time over the joins


# --- the server, as `make run` starts it --------------------------------------------------------


def run_environment(database_url: str, **extra: str) -> dict[str, str]:
    """``make run``'s environment: only the database, the key and quiet logs are set; join
    limits, the backplane and everything else keep their defaults."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DENKSESSIE_")}
    environment.update(
        DENKSESSIE_DATABASE_URL=database_url,
        DENKSESSIE_SECRET_KEY=BENCH_SECRET,
        DENKSESSIE_LOG_LEVEL="warning",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return environment


@contextlib.contextmanager
def served_like_make_run(*, pin: bool = True, **extra_env: str) -> Iterator[Deployment]:
    """One ``denksessie serve`` on a fresh SQLite file, on the servers' CPU when ``pin``;
    stopped (and the file removed) after."""
    with tempfile.TemporaryDirectory(prefix="denksessie-joins-") as tmp:
        database_url = f"sqlite:///{tmp}/denksessie.sqlite3"
        environment = run_environment(database_url, **extra_env)
        cli = [sys.executable, "-m", "app.cli"]
        for step in ("migrate", "load-content"):
            subprocess.run([*cli, step], env=environment, check=True, capture_output=True, cwd=ROOT)
        port = free_port()
        log_path = Path(tmp) / "server.log"
        command = [*cli, "serve", "--host", "127.0.0.1", "--port", str(port)]
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                server_command(command) if pin else command,
                env=environment,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deployment = Deployment(
            [f"http://127.0.0.1:{port}"],
            database_url,
            pids=[process.pid],
            processes=[process],
            database="sqlite",
        )
        try:
            wait_healthy(deployment.base_urls[0], process)
            yield deployment
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
            errors = [
                line
                for line in log_path.read_text(errors="replace").splitlines()
                if "Error" in line or "error" in line
            ]
            if errors:
                print(
                    f"server log ({len(errors)} error lines), last:",
                    *errors[-5:],
                    sep="\n  ",
                    file=sys.stderr,
                )


# --- the wave ---------------------------------------------------------------------------------


async def _round_opened(ws: Any, round_id: int) -> float:
    """Read the phone's frames until a ``state`` or ``snapshot`` shows ``round_id`` open."""
    while True:
        frame = json.loads(await ws.recv())
        if frame.get("type") in ("state", "snapshot"):
            for entry in frame.get("rounds", []):
                if entry.get("id") == round_id and entry.get("status") == "open":
                    return time.monotonic()


async def wave(
    base_url: str,
    database_url: str,
    *,
    joins: int,
    concurrency: int,
    open_at: float = 0.5,
    server_pid: int | None = None,
) -> Wave:
    """``joins`` joins, ``concurrency`` at a time; the facilitator opens a round once
    ``open_at`` of them have been sent, while one connected phone watches for it. With
    ``server_pid``, the server's CPU time over the joins is kept too."""
    login = facilitator_login(database_url)
    result = Wave()
    async with (
        httpx.AsyncClient(
            base_url=base_url,
            trust_env=False,
            timeout=60,
            cookies={"denksessie_login": login["cookie"]},
            headers={"x-csrf-token": login["csrf"]},
            limits=httpx.Limits(max_connections=concurrency + 4),
        ) as api,
        LeanClient(base_url, connections=concurrency) as phones,
    ):
        casus_id = (await api.get("/api/v1/casussen")).json()[0]["id"]
        made = await api.post(
            "/api/v1/denksessies",
            json={"title": "Joins", "casus_ids": [casus_id], "room_size": min(joins, MAX_JOINS)},
        )
        made.raise_for_status()
        denksessie = made.json()
        code, control = denksessie["code"], f"/api/v1/denksessies/{denksessie['id']}"
        created = await api.post(
            f"{control}/rounds", json={"kind": "casus", "config": {"casus_id": casus_id}}
        )
        created.raise_for_status()
        round_id = int(created.json()["id"])

        # One phone in the room before the wave, its socket open.
        first = await api.post(f"/api/v1/join/{code}", json={"display_name": "eerste"})
        first.raise_for_status()
        ws_url = base_url.replace("http://", "ws://", 1) + f"/ws/{code}"
        async with connect(ws_url, proxy=None, open_timeout=30, ping_interval=None) as ws:
            hello = {"type": "hello", "protocol": 1, "role": "participant"}
            await ws.send(json.dumps({**hello, "token": first.json()["token"]}))
            for _ in range(2):  # welcome, snapshot
                await asyncio.wait_for(ws.recv(), 30)
            watcher = asyncio.create_task(_round_opened(ws, round_id))
            gate = asyncio.Semaphore(concurrency)
            opened = asyncio.Event()
            sent = 0

            async def one(index: int) -> None:
                nonlocal sent
                async with gate:
                    sent += 1
                    if sent >= joins * open_at and not opened.is_set():
                        opened.set()
                    began = time.monotonic()
                    try:
                        response = await phones.post_json(
                            f"/api/v1/join/{code}", {"display_name": f"p{index}"}
                        )
                    except LeanHTTPError as exc:
                        result.failures[type(exc.__cause__).__name__] += 1
                        return
                    result.latencies_ms.append((time.monotonic() - began) * 1000)
                    result.statuses[response.status] += 1

            async def open_round() -> None:
                await opened.wait()
                began = time.monotonic()
                try:
                    response = await api.post(f"{control}/rounds/{round_id}/open", json={})
                except httpx.HTTPError as exc:
                    result.failures[f"open_round_{type(exc).__name__}"] += 1
                    watcher.cancel()
                    return
                result.open_request_ms = (time.monotonic() - began) * 1000
                if response.status_code != 200:
                    result.failures[f"open_round_{response.status_code}"] += 1
                    watcher.cancel()
                    return
                try:
                    seen = await asyncio.wait_for(watcher, 60)
                except (TimeoutError, WebSocketException) as exc:
                    result.failures[f"open_round_not_seen_{type(exc).__name__}"] += 1
                    return
                result.open_seen_ms = (seen - began) * 1000

            began = time.monotonic()
            cpu_before = None if server_pid is None else cpu_seconds(server_pid)
            opener = asyncio.create_task(open_round())
            await asyncio.gather(*(one(i) for i in range(joins)))
            result.seconds = time.monotonic() - began
            if server_pid is not None and cpu_before is not None:
                result.server_cpu_s = cpu_seconds(server_pid) - cpu_before
            await opener
    return result


def figures(result: Wave, *, joins: int, concurrency: int) -> dict[str, Any]:
    answered = sum(result.statuses.values())
    return {
        "joins": joins,
        "concurrency": concurrency,
        "seconds": round(result.seconds, 2),
        "per_s": round(result.statuses.get(201, 0) / result.seconds, 1) if result.seconds else 0,
        "server_cpu_ms_per_join": None
        if result.server_cpu_s is None
        else round(result.server_cpu_s * 1000 / joins, 3),
        "answered": answered,
        "statuses": {str(k): v for k, v in sorted(result.statuses.items())},
        "failures": dict(result.failures),
        "latency": percentiles(result.latencies_ms),
        "stalls_over_s": {
            "bound": STALL_S,
            "n": sum(ms > STALL_S * 1000 for ms in result.latencies_ms),
        },
        "open_round": {
            "request_ms": None
            if result.open_request_ms is None
            else round(result.open_request_ms, 1),
            "phone_sees_it_ms": None
            if result.open_seen_ms is None
            else round(result.open_seen_ms, 1),
        },
    }


# --- the floor: the same requests to a route that does nothing ------------------------------


async def floor_wave(
    base_url: str, *, joins: int, concurrency: int, server_pid: int | None = None
) -> dict[str, Any]:
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    async with LeanClient(base_url, connections=concurrency) as client:

        async def one(index: int) -> None:
            async with gate:
                began = time.monotonic()
                response = await client.post_json("/join", {"display_name": f"p{index}"})
                if response.status != 201:
                    raise RuntimeError(f"the floor answered {response.status}")
                latencies.append((time.monotonic() - began) * 1000)

        began = time.monotonic()
        cpu_before = None if server_pid is None else cpu_seconds(server_pid)
        await asyncio.gather(*(one(i) for i in range(joins)))
        seconds = time.monotonic() - began
        cpu_ms = (
            None
            if server_pid is None or cpu_before is None
            else round((cpu_seconds(server_pid) - cpu_before) * 1000 / joins, 3)
        )
    return {
        "seconds": round(seconds, 2),
        "per_s": round(joins / seconds, 1),
        "server_cpu_ms_per_request": cpu_ms,
        "latency": percentiles(latencies),
    }


@contextlib.contextmanager
def floor_server() -> Iterator[tuple[str, int]]:
    """``bench/baseline.py``'s bare FastAPI app (its ``POST /join`` answers 201 at once): its
    URL and process id."""
    port = free_port()
    process = subprocess.Popen(
        server_command(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bench.baseline:make_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
            ]
        ),
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, process)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


# --- command line -------------------------------------------------------------------------------


def run(*, joins: int, concurrency: int, floor: bool = True) -> dict[str, Any]:
    if not 1 <= joins <= MAX_JOINS:
        raise SystemExit(f"--joins must be 1..{MAX_JOINS}")
    raise_open_files(4 * concurrency + 256)
    report: dict[str, Any] = {"benchmark": "joins", "cores": cores().describe()}
    with served_like_make_run() as deployment:
        result = asyncio.run(
            asyncio.wait_for(
                wave(
                    deployment.base_urls[0],
                    deployment.database_url,
                    joins=joins,
                    concurrency=concurrency,
                    server_pid=deployment.pids[0],
                ),
                RUN_TIMEOUT_S,
            )
        )
    report.update(figures(result, joins=joins, concurrency=concurrency))
    if floor:
        with floor_server() as (url, pid):
            # Warmed up first, as the join server was by the facilitator's requests before its
            # wave: a cold server's first few hundred requests ran at half speed.
            asyncio.run(floor_wave(url, joins=concurrency, concurrency=concurrency))
            report["floor"] = asyncio.run(
                floor_wave(url, joins=joins, concurrency=concurrency, server_pid=pid)
            )
        floor_rate = report["floor"]["per_s"]
        report["ratio_to_floor"] = round(report["per_s"] / floor_rate, 3) if floor_rate else None
        join_cpu = report["server_cpu_ms_per_join"]
        floor_cpu = report["floor"]["server_cpu_ms_per_request"]
        # What a join costs the server over any FastAPI request, whatever else the machine runs.
        report["server_cpu_ratio_to_floor"] = (
            round(floor_cpu / join_cpu, 3) if join_cpu and floor_cpu else None
        )
    return report


def main(argv: list[str] | None = None) -> None:
    parse = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parse.add_argument("--joins", type=int, default=500)
    parse.add_argument("--concurrency", type=int, default=64)
    parse.add_argument("--quick", action="store_true", help="100 joins, 16 at a time")
    parse.add_argument("--no-floor", action="store_true")
    args = parse.parse_args(argv)
    if args.quick:
        args.joins, args.concurrency = 100, 16
    pin_generator()
    print(
        json.dumps(
            run(joins=args.joins, concurrency=args.concurrency, floor=not args.no_floor), indent=2
        )
    )


if __name__ == "__main__":
    main()
