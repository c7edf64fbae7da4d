"""What the ASGI stack costs a websocket, in-process: the middleware, FastAPI's routing and our
endpoint up to a hello refused for a bad token (no socket, no uvicorn, no database).

A websocket after a restart is thousands at once; this is the part of each that is ours to
shape (decision 0038). Prints the CPU time per socket (``time.process_time``), one figure per
repeat; run it pinned (``taskset -c 1``) and compare medians before and after a change.

    python bench/ws_stack.py --sockets 2000 --repeats 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import Settings  # noqa: E402
from app.main import create_app  # noqa: E402

HELLO = json.dumps({"type": "hello", "protocol": 1, "role": "participant", "token": "x"})


async def _one(app: Any) -> list[dict[str, Any]]:
    inbox: list[dict[str, Any]] = [
        {"type": "websocket.connect"},
        {"type": "websocket.receive", "text": HELLO},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if inbox:
            return inbox.pop(0)
        await asyncio.sleep(3600)  # the endpoint closes before it asks again
        return {"type": "websocket.disconnect", "code": 1000}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "websocket",
        "path": "/ws/ABCDEF",
        "raw_path": b"/ws/ABCDEF",
        "root_path": "",
        "scheme": "ws",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"origin", b"http://127.0.0.1:8000")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "subprotocols": [],
        "asgi": {"version": "3.0"},
        "state": {},
    }
    await app(scope, receive, send)
    return sent


async def _run(sockets: int, repeats: int) -> list[float]:
    with tempfile.TemporaryDirectory(prefix="denksessie-ws-stack-") as tmp:
        settings = Settings(
            database_url=f"sqlite:///{tmp}/ws.sqlite3",
            secret_key="ws-stack-bench-" * 3,
            environment="test",
            log_level="warning",
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            sent = await _one(app)
            if sent[-1]["type"] != "websocket.close":
                raise RuntimeError(f"expected a refusal, got {sent!r:.200}")
            figures = []
            for _ in range(repeats):
                began = time.process_time()
                for _ in range(sockets):
                    await _one(app)
                figures.append((time.process_time() - began) / sockets * 1e6)
            return figures


def main(argv: list[str] | None = None) -> None:
    parse = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parse.add_argument("--sockets", type=int, default=2000)
    parse.add_argument("--repeats", type=int, default=5)
    args = parse.parse_args(argv)
    if not 1 <= args.sockets <= 100_000 or not 1 <= args.repeats <= 50:
        raise SystemExit("--sockets 1..100000, --repeats 1..50")
    figures = asyncio.run(_run(args.sockets, args.repeats))
    print(
        json.dumps(
            {
                "benchmark": "ws_stack",
                "sockets": args.sockets,
                "us_per_socket": [round(f, 1) for f in figures],
                "median_us": round(statistics.median(figures), 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
