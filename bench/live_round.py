"""A live round under load: N phones cast ballots; how fast are acks and screen updates?

Starts one uvicorn worker (SQLite, in-process backplane) in a subprocess on 127.0.0.1, creates a
denksessie with a casus round, connects a screen and N participant sockets, and has every phone
cast one ballot at a fixed rate. Prints JSON: ballot -> ack and ballot -> screen tally latencies
(p50/p95/p99/max) and whether the final tally equals the number of acknowledged ballots.
Loopback only; bounded in count and time. Usage: python bench/live_round.py [phones] [rate/s]
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import websockets

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 120


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _post(base: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return dict(json.loads(response.read()))


def _get(base: str, path: str) -> Any:
    with urllib.request.urlopen(base + path, timeout=10) as response:
        return json.loads(response.read())


def _percentiles(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {}
    ordered = sorted(samples)

    def at(fraction: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 1)

    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
        "max_ms": round(ordered[-1], 1),
    }


async def _hello(ws: Any, role: str, token: str) -> None:
    await ws.send(json.dumps({"type": "hello", "protocol": 1, "role": role, "token": token}))


def run(phones: int, rate: float) -> dict[str, Any]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, phones * 2 + 256)), hard))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DENKSESSIE_DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "DENKSESSIE_ENVIRONMENT": "test",
            "DENKSESSIE_SECRET_KEY": "bench-secret-key-long-enough",
            "DENKSESSIE_LOG_LEVEL": "warning",
            "DENKSESSIE_PORT": str(port),
        }
        cli = [sys.executable, "-m", "app.cli"]
        subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True, cwd=ROOT)
        subprocess.run([*cli, "load-content"], env=env, check=True, capture_output=True, cwd=ROOT)
        server = subprocess.Popen(
            [*cli, "serve"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    _get(base, "/healthz")
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            return asyncio.run(asyncio.wait_for(_drive(base, port, phones, rate), TIMEOUT_S))
        finally:
            server.terminate()
            server.wait(timeout=10)


async def _drive(base: str, port: int, phones: int, rate: float) -> dict[str, Any]:
    casus_id = _get(base, "/api/v1/casussen")[0]["id"]
    created = _post(base, "/api/v1/denksessies", {"title": "Bench", "casus_ids": [casus_id]})
    code, denksessie_id = created["code"], created["id"]
    casus_round = _post(
        base,
        f"/api/v1/denksessies/{denksessie_id}/rounds",
        {"kind": "casus", "config": {"casus_id": casus_id}},
    )
    _post(base, f"/api/v1/denksessies/{denksessie_id}/rounds/{casus_round['id']}/open", {})
    url = f"ws://127.0.0.1:{port}/ws/{code}"
    started = time.monotonic()
    tokens = [_post(base, f"/api/v1/join/{code}", {})["token"] for _ in range(phones)]
    join_seconds = time.monotonic() - started
    sent_at: dict[int, float] = {}
    ack_ms: list[float] = []
    screen_ms: list[float] = []
    last_count = 0

    async with websockets.connect(url) as screen:
        await _hello(screen, "screen", created["screen_token"])

        async def watch_screen() -> None:
            nonlocal last_count
            async for raw in screen:
                frame = json.loads(raw)
                if frame["type"] != "tally":
                    continue
                count = frame["rounds"].get(str(casus_round["id"]), {}).get("n_ballots", 0)
                now = time.monotonic()
                for index in range(last_count, count):
                    if index in sent_at:
                        screen_ms.append((now - sent_at[index]) * 1000)
                last_count = max(last_count, count)

        watcher = asyncio.create_task(watch_screen())
        sockets = []
        for token in tokens:
            ws = await websockets.connect(url, max_queue=None)
            await _hello(ws, "participant", token)
            sockets.append(ws)
        await asyncio.sleep(1.0)

        async def vote(index: int, ws: Any) -> None:
            await asyncio.sleep(index / rate)
            msg_id = f"bench-{index:08d}"
            payload = {
                "decision": "toekennen",
                "values": ["menselijkheid", "eenvoud"],
                "principles": {},
            }
            sent = time.monotonic()
            sent_at[index] = sent
            await ws.send(
                json.dumps(
                    {
                        "type": "ballot",
                        "msg_id": msg_id,
                        "round_id": casus_round["id"],
                        "kind": "casus",
                        "payload": payload,
                    }
                )
            )
            async for raw in ws:
                frame = json.loads(raw)
                if frame["type"] == "ack" and frame["msg_id"] == msg_id:
                    ack_ms.append((time.monotonic() - sent) * 1000)
                    return

        vote_started = time.monotonic()
        await asyncio.gather(*(vote(i, ws) for i, ws in enumerate(sockets)))
        vote_seconds = time.monotonic() - vote_started
        for _ in range(50):
            if last_count >= len(ack_ms):
                break
            await asyncio.sleep(0.1)
        watcher.cancel()
        for ws in sockets:
            await ws.close()
    snapshot = _get(base, f"/api/v1/denksessies/{denksessie_id}")
    stored = snapshot["rounds"][0]["n_ballots"]
    return {
        "benchmark": "live_round",
        "phones": phones,
        "target_rate_per_s": rate,
        "join_seconds": round(join_seconds, 2),
        "ballots_per_s": round(len(ack_ms) / vote_seconds, 1),
        "acked": len(ack_ms),
        "stored": stored,
        "screen_count": last_count,
        "consistent": stored == len(ack_ms) == last_count,
        "ballot_to_ack": _percentiles(ack_ms),
        "ballot_to_screen": _percentiles(screen_ms),
    }


def main() -> None:
    phones = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    rate = float(sys.argv[2]) if len(sys.argv) > 2 else 200.0
    print(json.dumps(run(phones, rate), indent=2))


if __name__ == "__main__":
    main()
