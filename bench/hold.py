"""Phones that only join and stay: a second load-generator process for ``bench/swarm.py``.

One process may hold only as many sockets as its open-file limit allows (20,000 on this machine,
hard), and a room of 20,000 phones needs a few more files than that. ``swarm.py
--held-elsewhere N`` starts this script for N of the phones: it joins them (spread over the
workers as the swarm spreads its own), keeps a socket open for each, reads and drops what the
server sends them (a phone that did not read would be a stalled one), prints one JSON line
when all are connected, and after its standard input closes a second with how many were still
open. The swarm measures and checks everything else with its own phones.

    python bench/hold.py --base http://127.0.0.1:8000 --code ABC123 --phones 10000 --offset 10000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from websockets.exceptions import WebSocketException  # noqa: E402

from bench.common import raise_open_files, require_loopback  # noqa: E402
from bench.lean_http import LeanClient  # noqa: E402
from bench.swarm import Options, _open, join_phone, ws_url  # noqa: E402 (its join, handshake)

MAX_PHONES = 20_000
JOIN_CONCURRENCY = 32
CONNECT_CONCURRENCY = 64


async def _join(bases: list[str], code: str, index: int, errors: Counter[str]) -> tuple[str, str]:
    """A phone's token and the websocket URL of the worker it joined."""
    base = bases[index % len(bases)]
    joined = await join_phone(_clients[base], code, f"h{index}", errors)
    return joined["token"], ws_url(base, code)


_clients: dict[str, LeanClient] = {}


async def _read(ws: Any) -> None:
    try:
        async for _ in ws:
            pass
    except (WebSocketException, OSError):
        pass


async def hold(bases: list[str], code: str, phones: int, offset: int, compression: bool) -> None:
    options = Options(compression=compression)
    errors: Counter[str] = Counter()
    _clients.update({base: LeanClient(base, connections=JOIN_CONCURRENCY) for base in bases})
    joins, connects = asyncio.Semaphore(JOIN_CONCURRENCY), asyncio.Semaphore(CONNECT_CONCURRENCY)
    sockets: list[Any] = []
    readers: list[asyncio.Task[None]] = []

    async def one(index: int) -> None:
        async with joins:
            token, url = await _join(bases, code, index, errors)
        async with connects:
            try:
                ws, _ = await _open(url, token, "participant", options)
            except (WebSocketException, OSError, TimeoutError, RuntimeError):
                errors["CONNECT_FAILED"] += 1
                return
        sockets.append(ws)
        readers.append(asyncio.create_task(_read(ws)))

    began = time.monotonic()
    try:
        await asyncio.gather(*(one(offset + i) for i in range(phones)))
    finally:
        for client in _clients.values():
            await client.aclose()
    seconds = time.monotonic() - began
    print(
        json.dumps(
            {
                "phones": phones,
                "held": len(sockets),
                "seconds": round(seconds, 2),
                "errors": dict(errors),
            }
        ),
        flush=True,
    )
    await asyncio.to_thread(sys.stdin.read)  # until the swarm is done with the room
    still = sum(1 for reader in readers if not reader.done())
    print(json.dumps({"still_held": still}), flush=True)
    for ws in sockets:
        ws.transport.abort()


def main(argv: list[str] | None = None) -> None:
    parse = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parse.add_argument("--base", action="append", required=True, help="a worker's base URL")
    parse.add_argument("--code", required=True)
    parse.add_argument("--phones", type=int, required=True)
    parse.add_argument("--offset", type=int, default=0, help="the first phone's number")
    parse.add_argument("--no-compression", action="store_true")
    args = parse.parse_args(argv)
    if not 1 <= args.phones <= MAX_PHONES:
        raise SystemExit(f"--phones must be 1..{MAX_PHONES}")
    for base in args.base:
        require_loopback(base)
    raise_open_files(args.phones * 2 + 1024)
    asyncio.run(hold(args.base, args.code, args.phones, args.offset, not args.no_compression))


if __name__ == "__main__":
    main()
