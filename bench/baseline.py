"""The Python stack's floor, measured in the same run as Denksessie, so figures become ratios.

Two servers, each in its own process on 127.0.0.1:

- **bare FastAPI**: a websocket endpoint that only holds sockets, and ``POST /broadcast`` that
  sends one frame to all of them with ``for ws in sockets: await ws.send_text(frame)``;
- **raw**: an asyncio server doing the websocket handshake by hand and sending one prebuilt
  frame (header and payload built once) with ``transport.write`` per socket: what a plain
  socket send costs in Python, the floor for a room-wide update.

For each: sockets held, RSS per idle socket, and the time from the trigger (an HTTP request)
until every socket has the frame (client side; median of repeats), plus the server's own send
loop time. Usage: python bench/baseline.py [--sockets N] [--frame-bytes 2500]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import json
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi import FastAPI, WebSocket, WebSocketDisconnect  # noqa: E402
from websockets.asyncio.client import ClientConnection, connect  # noqa: E402
from websockets.exceptions import WebSocketException  # noqa: E402

from bench.common import (  # noqa: E402
    ROOT,
    cores,
    free_port,
    get_json,
    percentiles,
    pin_generator,
    raise_open_files,
    rss_kb,
    server_command,
    uvicorn_command,
    wait_healthy,
)

MAX_SOCKETS = 20_000
REPEATS = 5
CONNECT_CONCURRENCY = 64
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def _frame_text(size: int, marker: str) -> str:
    """A JSON object of about ``size`` bytes, like a results frame."""
    head = f'{{"type":"tally","marker":"{marker}","pad":"'
    return head + "x" * max(0, size - len(head) - 2) + '"}'


# --- server 1: bare FastAPI ----------------------------------------------------------------


def make_app() -> FastAPI:
    """Only what any FastAPI websocket app has: accept, hold, send in a loop."""
    app = FastAPI()
    sockets: set[WebSocket] = set()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.websocket("/ws")
    async def hold(websocket: WebSocket) -> None:
        await websocket.accept()
        sockets.add(websocket)
        try:
            while True:
                text = await websocket.receive_text()
                if text.startswith("echo:"):  # the floor of a ballot's round trip
                    await websocket.send_text(text)
        except WebSocketDisconnect:
            pass
        finally:
            sockets.discard(websocket)

    @app.post("/broadcast")
    async def broadcast(size: int = 2500, marker: str = "m") -> dict[str, Any]:
        frame = _frame_text(size, marker)
        began = time.perf_counter()
        for websocket in list(sockets):
            try:
                await websocket.send_text(frame)
            except Exception:  # a socket closing mid-loop is not the floor's business
                sockets.discard(websocket)
        return {"sockets": len(sockets), "send_ms": (time.perf_counter() - began) * 1000}

    @app.post("/join", status_code=201)
    def join(body: dict[str, Any]) -> dict[str, Any]:
        """The floor of a join (``bench/joins.py``): a JSON body in, 201 and JSON out, in the
        thread pool like Denksessie's join route, without a database."""
        return {"participant_id": secrets.token_hex(16), "display_name": body.get("display_name")}

    return app


# --- server 2: raw asyncio, one prebuilt frame ---------------------------------------------


def _ws_frame(payload: bytes) -> bytes:
    """An unmasked server text frame (RFC 6455 5.2), built once per broadcast."""
    length = len(payload)
    if length < 126:
        header = bytes([0x81, length])
    elif length < 65_536:
        header = bytes([0x81, 126]) + length.to_bytes(2, "big")
    else:
        header = bytes([0x81, 127]) + length.to_bytes(8, "big")
    return header + payload


async def _serve_raw(port: int) -> None:
    writers: set[asyncio.StreamWriter] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        lines = request.decode("latin-1").split("\r\n")
        headers = {
            k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])
        }
        target = lines[0].split(" ")[1]
        if headers.get("upgrade", "").lower() != "websocket":
            body = b'{"status":"ok"}'
            if target.startswith("/broadcast"):
                query = dict(
                    part.split("=", 1) for part in target.partition("?")[2].split("&") if part
                )
                frame = _ws_frame(
                    _frame_text(int(query.get("size", 2500)), query.get("marker", "m")).encode()
                )
                began = time.perf_counter()
                for peer in list(writers):
                    peer.write(frame)
                took = (time.perf_counter() - began) * 1000
                body = json.dumps({"sockets": len(writers), "send_ms": took}).encode()
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            await writer.drain()
            writer.close()
            return
        accept = base64.b64encode(
            hashlib.sha1((headers["sec-websocket-key"] + GUID).encode()).digest()
        ).decode()
        writer.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode()
        )
        writers.add(writer)
        try:
            while await reader.read(65_536):  # client frames (close) are not interpreted
                pass
        finally:
            writers.discard(writer)
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=4096)
    async with server:
        await server.serve_forever()


# --- the client ----------------------------------------------------------------------------


async def _post(url: str) -> dict[str, Any]:
    def call() -> dict[str, Any]:
        import urllib.request

        request = urllib.request.Request(url, method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=30) as response:
            answer: dict[str, Any] = json.loads(response.read())
            return answer

    return await asyncio.to_thread(call)


async def _echo(held: list[ClientConnection], rate: float, seconds: float = 3.0) -> dict[str, Any]:
    """Messages at ``rate`` a second, spread over the sockets, each echoed by the bare FastAPI
    server: the floor of a ballot's round trip (ballot -> ack) at that rate."""
    if not held:
        return {"n": 0}
    sent: dict[str, float] = {}
    round_trips: list[float] = []

    async def read(ws: ClientConnection) -> None:
        with contextlib.suppress(WebSocketException, OSError):
            async for raw in ws:
                text = raw if isinstance(raw, str) else raw.decode()
                if text in sent:
                    round_trips.append((time.monotonic() - sent.pop(text)) * 1000)

    readers = [asyncio.create_task(read(ws)) for ws in held]
    count = int(rate * seconds)
    began = time.monotonic()
    for index in range(count):
        await asyncio.sleep(max(0.0, began + index / rate - time.monotonic()))
        message = f"echo:{index}"
        sent[message] = time.monotonic()
        with contextlib.suppress(WebSocketException, OSError):
            await held[index % len(held)].send(message)
    deadline = time.monotonic() + 10
    while sent and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    for reader in readers:
        reader.cancel()
    return {"rate": rate, **percentiles(round_trips), "unanswered": len(sent)}


async def _measure(
    name: str,
    base: str,
    ws_url: str,
    pid: int,
    sockets: int,
    frame_bytes: int,
    compression: bool,
    echo_rate: float,
) -> dict[str, Any]:
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    held: list[ClientConnection] = []
    before = rss_kb(pid)

    async def one() -> None:
        async with gate:
            try:
                held.append(
                    await connect(
                        ws_url,
                        proxy=None,
                        compression="deflate" if compression else None,
                        ping_interval=None,
                        close_timeout=1,
                        open_timeout=30,
                        max_size=2**22,
                    )
                )
            except (WebSocketException, OSError, TimeoutError):
                pass

    began = time.monotonic()
    await asyncio.gather(*(one() for _ in range(sockets)))
    connect_seconds = time.monotonic() - began
    await asyncio.sleep(2.0)
    after = rss_kb(pid)
    client_ms: list[float] = []
    server_ms: list[float] = []
    for repeat in range(REPEATS):
        marker = f"b{repeat}"

        async def until_marker(ws: ClientConnection, marker: str = marker) -> float:
            while True:
                raw = await ws.recv()
                if marker in (raw if isinstance(raw, str) else raw.decode()):
                    return time.monotonic()

        waiting = [asyncio.create_task(until_marker(ws)) for ws in held]
        await asyncio.sleep(0.2)
        start = time.monotonic()
        answer = await _post(f"{base}/broadcast?size={frame_bytes}&marker={marker}")
        async with asyncio.timeout(60):
            arrived = await asyncio.gather(*waiting)
        client_ms.append((max(arrived) - start) * 1000)
        server_ms.append(float(answer["send_ms"]))
    await asyncio.sleep(1.0)
    after_frames = rss_kb(pid)
    echo = await _echo(held, echo_rate) if echo_rate and "fastapi" in name else None
    for ws in held:
        ws.transport.abort()
    return {
        **({"echo_round_trip": echo} if echo is not None else {}),
        "sockets_held": len(held),
        "connects_per_s": round(len(held) / connect_seconds, 1),
        "rss_before_mb": round(before / 1024, 1),
        "rss_with_sockets_mb": round(after / 1024, 1),
        "rss_per_idle_socket_kb": round((after - before) / max(1, len(held)), 1),
        # Compression contexts grow with the first message; Denksessie's sockets have had a
        # welcome, a snapshot and tallies by the time they are idle.
        "rss_per_socket_after_frames_kb": round((after_frames - before) / max(1, len(held)), 1),
        "broadcast_to_all_ms": round(statistics.median(client_ms), 1),
        "server_send_loop_ms": round(statistics.median(server_ms), 1),
    }


def _start(command: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=None
    )


def run(
    sockets: int = 500,
    frame_bytes: int = 2500,
    compression: bool = True,
    echo_rate: float = 1000.0,
) -> dict[str, Any]:
    if not 1 <= sockets <= MAX_SOCKETS:
        raise SystemExit(f"--sockets must be 1..{MAX_SOCKETS}")
    raise_open_files(sockets * 2 + 1024)
    figures: dict[str, Any] = {
        "benchmark": "baseline",
        "sockets_wanted": sockets,
        "frame_bytes": frame_bytes,
        "compression_offered": compression,
        "cores": cores().describe(),
    }
    servers = {
        "fastapi": uvicorn_command(free_port(), "bench.baseline:make_app"),
        "raw": [sys.executable, str(Path(__file__).resolve()), "--serve-raw", str(free_port())],
    }
    for name, command in servers.items():
        port = int(command[command.index("--port") + 1] if "--port" in command else command[-1])
        process = _start(server_command(command))
        base = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(base, process)
            get_json(base + "/healthz")
            figures[name] = asyncio.run(
                asyncio.wait_for(
                    _measure(
                        name,
                        base,
                        f"ws://127.0.0.1:{port}/ws",
                        process.pid,
                        sockets,
                        frame_bytes,
                        compression,
                        echo_rate,
                    ),
                    300,
                )
            )
        finally:
            process.terminate()
            process.wait(timeout=10)
    return figures


def main() -> None:
    parse = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parse.add_argument("--sockets", type=int, default=500)
    parse.add_argument("--frame-bytes", type=int, default=2500)
    parse.add_argument("--no-compression", action="store_true")
    parse.add_argument(
        "--echo-rate", type=float, default=1000.0, help="messages/s echoed (0: none)"
    )
    parse.add_argument("--quick", action="store_true", help="200 sockets, echo at 100/s")
    parse.add_argument("--serve-raw", type=int, help=argparse.SUPPRESS)
    args = parse.parse_args()
    if args.serve_raw:
        asyncio.run(_serve_raw(args.serve_raw))
        return
    if args.quick:
        args.sockets, args.echo_rate = 200, 100.0
    pin_generator()
    figures = run(args.sockets, args.frame_bytes, not args.no_compression, args.echo_rate)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
