"""What one (re)connect costs the worker: N phones connecting at once to a worker that knows
nobody (just restarted) and to one that does.

The storm (``bench/storm.py``) measures the whole way back after a kill, the phones' backoff
included; this bench takes the backoff out, to see the server's side alone. N phones join over
HTTP, connect (the first wave) and each casts one ballot, so its snapshot has an own part. Then,
``--waves`` times: the worker is killed with SIGKILL and started again on its port, and once it
answers ``/healthz`` every phone connects at once (a screen first, as the projector would), sends
its hello and waits for its snapshot (``cold``); then every phone drops its socket and connects
again to the same worker, which now knows them (``warm``; the screen stays, so the room does).
For each wave: the worker's CPU (``/proc``) from the first connect until the last snapshot, per
connect, and the wall time. Server on CPU 0, this generator on the others, as every bench.

    python bench/reconnects.py --phones 2000 --waves 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from websockets.asyncio.client import ClientConnection, connect  # noqa: E402

from bench.common import (  # noqa: E402
    Deployment,
    add_deployment_arguments,
    cores,
    cpu_seconds,  # noqa: E402
    facilitator_api,
    kill_worker,
    pin_generator,
    raise_open_files,
    require_loopback,
    restart_worker,
    server_env,
    start_py_spy,
    started,
    wait_healthy,
)
from bench.storm import seconds_percentiles  # noqa: E402
from bench.swarm import JOIN_CONCURRENCY, Swarm  # noqa: E402
from bench.swarm import Options as SwarmOptions  # noqa: E402

MAX_PHONES = 20_000
MAX_WAVES = 10
HANDSHAKE_TIMEOUT_S = 60.0
RUN_TIMEOUT_S = 900.0


@dataclass(frozen=True)
class Options:
    phones: int = 500
    waves: int = 2
    compression: bool = True
    whole_snapshots: bool = False  # phones name no kept parts they hold (clients before 0038)
    label: str = "reconnects"
    profile: str | None = None  # py-spy (GIL holder only) of the first cold wave


SNAPSHOT_BYTES: list[int] = []  # the size of the last snapshot read (uncompressed)
KEPT_IDS: dict[str, str | None] = {}  # per token: the kept_id of its last snapshot


async def _open(url: str, hello: dict[str, Any], compression: bool) -> ClientConnection:
    """A socket past its snapshot, as ``live.js`` gets one: hello, welcome, snapshot."""
    ws = await connect(
        url,
        proxy=None,
        compression="deflate" if compression else None,
        open_timeout=HANDSHAKE_TIMEOUT_S,
        ping_interval=None,
        close_timeout=1,
        max_size=2**22,
        max_queue=64,
    )
    try:
        await ws.send(json.dumps(hello))
        for expected in ("welcome", "snapshot"):
            text = await asyncio.wait_for(ws.recv(), HANDSHAKE_TIMEOUT_S)
            frame = json.loads(text)
            if frame.get("type") != expected:
                raise RuntimeError(f"expected {expected}, got {frame!r:.200}")
        SNAPSHOT_BYTES[:] = [len(text)]
        KEPT_IDS[hello["token"]] = frame.get("kept_id")
    except BaseException:
        ws.transport.abort()
        raise
    return ws


async def _drain(ws: ClientConnection) -> None:
    """Read (and drop) what the server sends, as a phone does."""
    try:
        async for _ in ws:
            pass
    except Exception:  # noqa: BLE001 - closed or cut: nothing left to read
        return


class Reconnects:
    def __init__(self, deployment: Deployment, options: Options) -> None:
        self.deployment = deployment
        self.options = options
        self.figures: dict[str, Any] = {"benchmark": "reconnects", "label": options.label}
        self.sockets: list[ClientConnection] = []
        self.readers: list[asyncio.Task[None]] = []

    @property
    def url(self) -> str:
        return self.deployment.base_urls[0].replace("http://", "ws://", 1) + f"/ws/{self.code}"

    def _hello(self, token: str, role: str = "participant") -> dict[str, Any]:
        """As live.js's: with the ``kept_id`` of the values and casussen it holds, unless the
        bench asks for whole snapshots."""
        hello = {"type": "hello", "protocol": 1, "role": role, "token": token}
        kept = KEPT_IDS.get(token)
        if kept and not self.options.whole_snapshots:
            hello["kept"] = kept
        return hello

    async def run(self) -> dict[str, Any]:
        async with facilitator_api(self.deployment, max_connections=JOIN_CONCURRENCY) as api:
            setup = Swarm(self.deployment, SwarmOptions(phones=self.options.phones))
            setup.api = api
            await setup._prepare()
            await setup._join()
        self.code, self.setup = setup.code, setup
        self.figures["joins"] = setup.figures["joins"]
        await self._first_wave_with_ballots()
        waves = []
        for index in range(self.options.waves):
            await self._close_all()
            await self._restart()
            cold = await self._wave("cold", profile=index == 0)
            await self._close_phones()
            warm = await self._wave("warm")
            waves.append({"cold": cold, "warm": warm})
        await self._close_all()
        self.figures["waves"] = waves
        for kind in ("cold", "warm"):
            per_connect = sorted(w[kind]["worker_cpu_ms_per_connect"] for w in waves)
            per_s = sorted(w[kind]["connects_per_s"] for w in waves)
            self.figures[kind] = {
                "worker_cpu_ms_per_connect": per_connect,
                "connects_per_s": per_s,
            }
        return self.figures

    async def _first_wave_with_ballots(self) -> None:
        """Every phone connects and casts one ballot, so it has an own part to come back to."""
        gate = asyncio.Semaphore(64)
        round_id = self.setup.casus_round

        async def one(phone: Any) -> ClientConnection:
            async with gate:
                ws = await _open(self.url, self._hello(phone.token), self.options.compression)
            payload = self.setup._payload("casus", phone, 1)
            frame = {
                "type": "ballot",
                "msg_id": f"first{phone.index:011d}",
                "round_id": round_id,
                "kind": "casus",
                "payload": payload,
            }
            await ws.send(json.dumps(frame, separators=(",", ":")))
            while True:
                text = await asyncio.wait_for(ws.recv(), HANDSHAKE_TIMEOUT_S)
                if isinstance(text, str) and text.startswith('{"type":"ack"'):
                    return ws
                if isinstance(text, str) and text.startswith('{"type":"error"'):
                    raise RuntimeError(text)

        self.sockets = list(await asyncio.gather(*(one(p) for p in self.setup.phones)))

    async def _restart(self) -> None:
        launch = await asyncio.to_thread(kill_worker, self.deployment, 0)
        process = await asyncio.to_thread(restart_worker, self.deployment, 0, launch)
        began = time.monotonic()
        await asyncio.to_thread(wait_healthy, self.deployment.base_urls[0], process, 60.0)
        self.figures.setdefault("restart_to_ready_s", []).append(round(time.monotonic() - began, 3))

    async def _wave(self, kind: str, *, profile: bool = False) -> dict[str, Any]:
        pid = self.deployment.pids[0]
        profiler = self._start_profiler(pid) if profile and self.options.profile else None
        cpu, began = cpu_seconds(pid), time.monotonic()
        if kind == "cold":  # the projector comes back too; the room then outlives the phones
            self.screen = await _open(
                self.url, self._hello(self.setup.screen_token, "screen"), self.options.compression
            )
            self.readers.append(asyncio.create_task(_drain(self.screen)))
        latencies: list[float] = []

        async def one(token: str) -> ClientConnection:
            start = time.monotonic()
            ws = await _open(self.url, self._hello(token), self.options.compression)
            latencies.append(time.monotonic() - start)
            return ws

        self.sockets = list(await asyncio.gather(*(one(p.token) for p in self.setup.phones)))
        wall = time.monotonic() - began
        used = cpu_seconds(pid) - cpu
        self.readers += [asyncio.create_task(_drain(ws)) for ws in self.sockets]
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)
            await asyncio.to_thread(profiler.wait, 10)
        count = len(self.sockets)
        return {
            "connects": count,
            "wall_s": round(wall, 3),
            "connects_per_s": round(count / wall, 1),
            "worker_cpu_s": round(used, 3),
            "worker_cpu_ms_per_connect": round(used / count * 1000, 3),
            "connect_to_snapshot": seconds_percentiles(latencies),
            "snapshot_bytes": SNAPSHOT_BYTES[0] if SNAPSHOT_BYTES else None,
        }

    def _start_profiler(self, pid: int) -> subprocess.Popen[bytes]:
        return start_py_spy(pid, str(self.options.profile), rate=500, gil=True)

    async def _close_phones(self) -> None:
        """Every phone's socket cut (as a lost Wi-Fi), then a moment for the worker to see it."""
        for ws in self.sockets:
            ws.transport.abort()
        self.sockets = []
        await asyncio.sleep(1.0)

    async def _close_all(self) -> None:
        screen = getattr(self, "screen", None)
        if screen is not None:
            screen.transport.abort()
        await self._close_phones()
        for task in self.readers:
            task.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)
        self.readers = []


def run(options: Options, *, server_env: dict[str, str] | None = None) -> dict[str, Any]:
    if not 1 <= options.phones <= MAX_PHONES:
        raise SystemExit(f"--phones must be 1..{MAX_PHONES}")
    if not 1 <= options.waves <= MAX_WAVES:
        raise SystemExit(f"--waves must be 1..{MAX_WAVES}")
    limit = raise_open_files(options.phones * 2 + 1024)
    began = time.monotonic()
    with started("sqlite", 1, **(server_env or {})) as deployment:
        require_loopback(deployment.base_urls[0])

        async def go() -> dict[str, Any]:
            async with asyncio.timeout(RUN_TIMEOUT_S):
                return await Reconnects(deployment, options).run()

        figures = asyncio.run(go())
    figures["options"] = asdict(options)
    figures["server_env"] = server_env or {}
    figures["open_files_limit"] = limit
    figures["cores"] = cores(1).describe()
    figures["load_average"] = [round(x, 2) for x in os.getloadavg()]
    figures["wall_seconds"] = round(time.monotonic() - began, 1)
    return figures


def main(argv: list[str] | None = None) -> None:
    parse = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    defaults = Options()
    parse.add_argument("--phones", type=int, default=defaults.phones)
    parse.add_argument("--waves", type=int, default=defaults.waves)
    parse.add_argument("--no-compression", action="store_true", help="offer no deflate")
    parse.add_argument(
        "--whole-snapshots", action="store_true", help="hellos name no kept parts held"
    )
    add_deployment_arguments(
        parse, label=defaults.label, profile="py-spy (GIL only) of the first cold wave here"
    )
    args = parse.parse_args(argv)
    if args.database != "sqlite" or args.workers != 1:
        raise SystemExit("one SQLite worker only")
    pin_generator(cores(1))
    options = Options(
        phones=args.phones,
        waves=args.waves,
        compression=not args.no_compression,
        whole_snapshots=args.whole_snapshots,
        label=args.label,
        profile=args.profile,
    )
    print(json.dumps(run(options, server_env=server_env(args)), indent=2))


if __name__ == "__main__":
    main()
