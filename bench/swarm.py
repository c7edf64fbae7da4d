"""A swarm of phones through the real protocol: is Denksessie's realtime path good enough?

N phones join over HTTP, hold a websocket each, and cast ballots at a fixed rate in a casus round
and then a ranking round (some phones revise theirs); a share of them drops its connection
mid-round and comes back with backoff, resending what was not acknowledged under the same
message id (as ``live.js`` does); a share stops reading altogether. A facilitator and a screen
socket watch. Prints JSON: sockets held, join and connect rates, ballots/s accepted, ballot ->
ack (apart: the ballots a dropped phone acked only after it was back) and ballot -> screen
latencies, the opening of the second round and a room-wide update to every phone, server RSS
per socket, GC pauses from the server's ``/metrics``, errors, and a consistency check against
the database. ``--held-elsewhere N`` puts N more phones in the room from a second process
(``bench/hold.py``), which only joins and holds them: a room larger than one process's open
files.

It starts its own server(s) (``--database sqlite|postgres``, ``--workers``) or drives running
ones (``--target URL`` with ``--database-url`` of that deployment, so the bench can make its
facilitator login through the domain layer). Loopback only; bounded in count and time.

    python bench/swarm.py --phones 500 --rate 200 --seconds 10
    denksessie bench swarm --phones 5000 --rate 1000 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from websockets.asyncio.client import ClientConnection, connect  # noqa: E402
from websockets.exceptions import WebSocketException  # noqa: E402

from bench.common import (
    BENCH_SECRET,
    Database,
    Deployment,
    add_deployment_arguments,
    cores,
    cpu_seconds,
    facilitator_api,
    gc_summary,
    percentiles,
    pin_generator,
    raise_open_files,
    require_loopback,
    rss_kb,
    scrape_metrics,
    server_env,  # noqa: E402
    stall_summary,
    start_py_spy,
    started,
    state_summary,
    tick_summary,
)
from bench.lean_http import LeanClient, LeanHTTPError  # noqa: E402

MAX_PHONES = 20_000
MAX_BALLOTS = 200_000
RUN_TIMEOUT_S = 600.0  # and 60 ms more per phone above 10,000 (joining and connecting them)
CONNECT_CONCURRENCY = 64
JOIN_CONCURRENCY = 32
DRAIN_TIMEOUT_S = 30.0
RANKING_CANDIDATES = 8


@dataclass(frozen=True)
class Options:
    phones: int = 500
    rate: float = 200.0  # ballots per second, over all phones
    seconds: float = 10.0  # per round (casus, then ranking)
    revise: float = 0.3  # share of phones that revise their ballot
    drop: float = 0.05  # share of phones that lose their socket mid-round and come back
    stalled: float = 0.0  # share of phones that stop reading frames
    compression: bool = True  # permessage-deflate, as every browser offers it
    label: str = "swarm"
    profile: str | None = None  # py-spy's collapsed stacks of the first server while voting
    # Phones joined and held by a second generator process (``bench/hold.py``): one process
    # may hold only as many sockets as its open-file limit allows.
    held_elsewhere: int = 0
    # Results on phones and screen while voting (a denksessie setting, off by default): every
    # tally then carries the aggregate, principles included, to every socket.
    live_results: bool = False


# --- one phone -------------------------------------------------------------------------------


_SEQ = re.compile(r'"seq":\s*(\d+)')  # a state's own (its only key of that name)


@dataclass(frozen=True)
class Pending:
    frame: str
    sent_at: float
    round_id: int
    first: bool
    owner: str  # participant id


@dataclass(frozen=True)
class Acked:
    round_id: int
    owner: str
    sent_at: float
    acked_at: float
    first: bool


@dataclass
class Phone:
    index: int
    participant_id: str
    token: str
    url: str
    stalled: bool = False
    ws: ClientConnection | None = None
    reader: asyncio.Task[None] | None = None
    online: asyncio.Event = field(default_factory=asyncio.Event)
    voted: set[int] = field(default_factory=set)
    reconnects: int = 0
    kept: str | None = None


@dataclass
class Tally:
    """Everything measured, shared by the tasks of one run."""

    ack_ms: list[float] = field(default_factory=list)
    # Ballots a phone had out, or cast, while its network was gone (``_drop_and_return``): acked
    # only after it came back, so their time is the phone's time offline, kept apart.
    offline: set[str] = field(default_factory=set)
    ack_after_drop_ms: list[float] = field(default_factory=list)
    pending: dict[str, Pending] = field(default_factory=dict)
    acked: dict[str, Acked] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    resends: int = 0
    duplicates: int = 0
    update_armed_at: float | None = None
    # (ms since the click, seq) of each state a phone got while armed: one sent for an earlier
    # control may still be on its way when a click is armed, and must not count for it.
    update_ms: list[tuple[float, int]] = field(default_factory=list)
    screen_counts: dict[int, list[tuple[float, int]]] = field(default_factory=dict)
    screen_results: dict[int, Any] = field(default_factory=dict)


def _ballot(round_id: int, kind: str, payload: dict[str, Any]) -> tuple[str, str]:
    msg_id = secrets.token_hex(8)
    frame = {
        "type": "ballot",
        "msg_id": msg_id,
        "round_id": round_id,
        "kind": kind,
        "payload": payload,
    }
    return msg_id, json.dumps(frame, separators=(",", ":"))


async def _stalled_socket(url: str) -> socket.socket:
    """A connected socket with a 4 KB receive buffer: a phone that stops reading fills it (and
    then the server's send buffer) within a few frames, as a locked phone on a slow link does."""
    parts = urlsplit(url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (parts.hostname, parts.port))
    return sock


def ws_url(base: str, code: str) -> str:
    """The websocket URL of a denksessie on the worker at ``base``."""
    return base.replace("http://", "ws://", 1) + f"/ws/{code}"


async def join_phone(
    client: LeanClient, code: str, name: str, errors: Counter[str]
) -> dict[str, Any]:
    """One phone's join (the answer's JSON), tried up to five times with backoff; each failed
    try is counted in ``errors``."""
    for attempt in range(5):
        try:
            response = await client.post_json(f"/api/v1/join/{code}", {"display_name": name})
        except LeanHTTPError:  # a kept-alive connection the server had closed
            errors["JOIN_CONNECTION_LOST"] += 1
        else:
            if response.status == 201:
                joined: dict[str, Any] = response.json()
                return joined
            errors[f"JOIN_{response.status}"] += 1
        await asyncio.sleep(0.2 * 2**attempt)
    raise RuntimeError(f"a phone could not join in 5 attempts: {dict(errors)}")


async def _open(
    url: str,
    token: str,
    role: str,
    options: Options,
    *,
    stalled: bool = False,
    kept: str | None = None,
) -> Any:
    """A socket through its hello; ``kept``: the ``kept_id`` of the values and casussen held
    (a phone coming back names it, as ``live.js`` does, and its snapshot leaves them out)."""
    extra: dict[str, Any] = {"sock": await _stalled_socket(url)} if stalled else {}
    ws = await connect(
        url,
        **extra,
        proxy=None,
        compression="deflate" if options.compression else None,
        open_timeout=30,
        ping_interval=None,  # the server pings; 5,000 client pings would only add noise
        close_timeout=1,
        max_size=2**22,
        max_queue=1 if stalled else 64,
    )
    hello = {"type": "hello", "protocol": 1, "role": role, "token": token}
    if kept is not None:
        hello["kept"] = kept
    await ws.send(json.dumps(hello))
    welcome = await asyncio.wait_for(ws.recv(), 30)
    snapshot = json.loads(await asyncio.wait_for(ws.recv(), 30))
    if '"welcome"' not in str(welcome) or snapshot.get("type") != "snapshot":
        raise RuntimeError(f"handshake failed: {welcome!r}")
    return ws, snapshot


async def _read_phone(phone: Phone, tally: Tally) -> None:
    assert phone.ws is not None
    try:
        async for raw in phone.ws:
            text = raw if isinstance(raw, str) else raw.decode()
            if text.startswith('{"type":"ack"'):
                frame = json.loads(text)
                pending = tally.pending.pop(frame["msg_id"], None)
                if pending is not None:
                    now = time.monotonic()
                    waited = (now - pending.sent_at) * 1000
                    if frame["msg_id"] in tally.offline:
                        tally.ack_after_drop_ms.append(waited)
                    else:
                        tally.ack_ms.append(waited)
                    tally.acked[frame["msg_id"]] = Acked(
                        pending.round_id, pending.owner, pending.sent_at, now, pending.first
                    )
                if frame.get("duplicate"):
                    tally.duplicates += 1
            elif text.startswith('{"type":"error"'):
                frame = json.loads(text)
                tally.errors[frame.get("code", "?")] += 1
                if frame.get("retry") and frame.get("msg_id") in tally.pending:
                    asyncio.get_running_loop().call_later(
                        0.2 + random.random() * 0.3, _resend, phone, frame["msg_id"], tally
                    )
            elif text.startswith('{"type":"state"') and tally.update_armed_at is not None:
                waited = (time.monotonic() - tally.update_armed_at) * 1000
                # Not parsed whole: 2,000 phones parsing theirs would delay the reading of
                # every other frame in this one process (the acks among them).
                seq = _SEQ.search(text)
                tally.update_ms.append((waited, int(seq[1]) if seq else -1))
    except (WebSocketException, OSError):
        pass


def _resend(phone: Phone, msg_id: str, tally: Tally) -> None:
    pending = tally.pending.get(msg_id)
    if pending is None or phone.ws is None or not phone.online.is_set():
        return
    tally.resends += 1
    asyncio.ensure_future(_send(phone, pending.frame, tally))


async def _send(phone: Phone, frame: str, tally: Tally) -> None:
    try:
        assert phone.ws is not None
        await phone.ws.send(frame)
    except (WebSocketException, OSError, AssertionError):
        tally.errors["SEND_FAILED"] += 1  # resent after the reconnect


async def _connect_phone(phone: Phone, tally: Tally, options: Options) -> None:
    phone.ws, snapshot = await _open(
        phone.url, phone.token, "participant", options, stalled=phone.stalled, kept=phone.kept
    )
    # The swarm's denksessie keeps its values and casussen, so what the first snapshot named
    # stays held (live.js follows the states that could change it).
    phone.kept = phone.kept or snapshot.get("kept_id")
    if not phone.stalled:
        phone.reader = asyncio.create_task(_read_phone(phone, tally))
    phone.online.set()


async def _drop_and_return(phone: Phone, tally: Tally, options: Options) -> None:
    """Cut the socket as a network switch does (no close handshake), then come back with full
    jitter backoff and resend every unacknowledged ballot under its own message id."""
    phone.online.clear()
    tally.offline.update(m for m, p in tally.pending.items() if p.owner == phone.participant_id)
    if phone.ws is not None:
        phone.ws.transport.abort()
    if phone.reader is not None:
        await asyncio.gather(phone.reader, return_exceptions=True)
    await asyncio.sleep(random.uniform(0.05, 1.0))
    for attempt in range(8):
        try:
            await _connect_phone(phone, tally, options)
            break
        except (WebSocketException, OSError, TimeoutError, RuntimeError):
            tally.errors["RECONNECT_FAILED"] += 1
            await asyncio.sleep(random.uniform(0, min(5.0, 0.25 * 2**attempt)))
    phone.reconnects += 1
    for pending in list(tally.pending.values()):
        if pending.owner == phone.participant_id:
            tally.resends += 1
            await _send(phone, pending.frame, tally)


# --- the run ---------------------------------------------------------------------------------


class Swarm:
    def __init__(self, deployment: Deployment, options: Options) -> None:
        self.deployment = deployment
        self.options = options
        self.tally = Tally()
        self.phones: list[Phone] = []
        self.figures: dict[str, Any] = {"benchmark": "swarm", "label": options.label}

    async def run(self) -> dict[str, Any]:
        async with facilitator_api(self.deployment, max_connections=JOIN_CONCURRENCY) as api:
            self.api = api
            await self._prepare()
            await self._join()
            _progress(f"{len(self.phones)} phones joined")
            rss_before = self._rss()
            await self._connect_watchers()
            await self._connect_phones()
            _progress(f"{self.figures['sockets']['held']} sockets held")
            await asyncio.sleep(2.0)  # let first tallies go out and sockets settle
            # The generator's own collector: 2,000 client connections make its full
            # collections 100-190 ms, and one inside a timed update counted as the server's
            # latency. Collected and frozen now, and frozen again before each timed update.
            gc.collect()
            gc.freeze()
            rss_after = self._rss()
            self._memory(rss_before, rss_after)
            await self._hold_elsewhere()  # after the RSS per socket, of our own phones
            await self._room_wide_update()
            profiler = self._start_profiler()
            self._metrics_before = {b: scrape_metrics(b) for b in self.deployment.base_urls}
            cpu_before = (time.monotonic(), self._cpu(), time.process_time())
            await self._vote(self.casus_round, "casus")
            _progress("casus round voted")
            await self._control(f"rounds/{self.casus_round}/close")
            # Phones vote in a round once they have been told it is open (live.js shows it
            # then): the opening is itself a room-wide update, read from the database.
            await self._to_every_phone("open_round", f"rounds/{self.ranking_round}/open", {})
            await self._vote(self.ranking_round, "ranking")
            await self._drain()
            self._cpu_while_voting(*cpu_before)
            if profiler is not None:
                profiler.send_signal(signal.SIGINT)  # py-spy writes its output on Ctrl-C
                await asyncio.to_thread(profiler.wait, 10)
            if not self.options.live_results:  # the screen gets the results with the reveal
                # The casus round's reveal carries every principle written to every phone.
                await self._to_every_phone(
                    "reveal_casus_round",
                    f"rounds/{self.casus_round}/reveal",
                    {"revealed": True},
                )
                await self._control(f"rounds/{self.ranking_round}/reveal", {"revealed": True})
            await self._converge()
            self._latencies()
            self._consistency()
            self.figures["server_metrics"] = self._server_metrics()
            await self._close_all()
        self.figures["errors"] = dict(self.tally.errors)
        return self.figures

    def _start_profiler(self) -> subprocess.Popen[bytes] | None:
        """py-spy on the first server while both rounds are voted (a sampling profiler: the
        server runs at nearly full speed)."""
        if not self.options.profile or not self.deployment.pids:
            return None
        return start_py_spy(
            self.deployment.pids[0],
            self.options.profile,
            rate=200,
            duration=self.options.seconds * 2 + 10,
        )

    async def _control(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.api.post(f"/api/v1/denksessies/{self.id}/{path}", json=body or {})
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer

    async def _prepare(self) -> None:
        casus_id = (await self.api.get("/api/v1/casussen")).json()[0]["id"]
        response = await self.api.post(
            "/api/v1/denksessies",
            json={
                "title": "Swarm",
                "casus_ids": [casus_id],
                # At most MAX_PHONES, the largest room size.
                "room_size": self.options.phones + self.options.held_elsewhere,
                "show_results_live": self.options.live_results,
            },
        )
        response.raise_for_status()
        created = response.json()
        self.id, self.code = created["id"], created["code"]
        self.facilitator_token = created["facilitator_token"]
        self.screen_token = created["screen_token"]
        catalogue = (await self.api.get("/api/v1/catalogues/waardenkaart-sociaal-domein")).json()
        self.values = [v["key"] for cluster in catalogue["clusters"] for v in cluster["values"]]
        made = await self._control("rounds", {"kind": "casus", "config": {"casus_id": casus_id}})
        self.casus_round = int(made["id"])
        made = await self._control(
            "rounds",
            {"kind": "ranking", "config": {"candidates": self.values[:RANKING_CANDIDATES]}},
        )
        self.ranking_round = int(made["id"])
        await self._control(f"rounds/{self.casus_round}/open")

    async def _join(self) -> None:
        bases = self.deployment.base_urls
        gate = asyncio.Semaphore(JOIN_CONCURRENCY)
        stalled = int(self.options.phones * self.options.stalled)

        # Phones join from the lean client bench/joins.py uses (httpx took 1.4 ms of the
        # generator's CPU per join; the joins then measured the generator).
        clients = {base: LeanClient(base, connections=JOIN_CONCURRENCY) for base in bases}

        async def join(index: int) -> Phone:
            base = bases[index % len(bases)]
            async with gate:
                joined = await join_phone(clients[base], self.code, f"p{index}", self.tally.errors)
            return Phone(
                index,
                joined["participant_id"],
                joined["token"],
                ws_url(base, self.code),
                # Spread evenly over the room (every 100th phone for 1 %).
                stalled=bool(stalled) and index % max(1, self.options.phones // stalled) == 0,
            )

        began = time.monotonic()
        try:
            self.phones = list(await asyncio.gather(*(join(i) for i in range(self.options.phones))))
        finally:
            for client in clients.values():
                await client.aclose()
        seconds = time.monotonic() - began
        self.figures["joins"] = {
            "phones": len(self.phones),
            "seconds": round(seconds, 2),
            "per_s": round(len(self.phones) / seconds, 1),
        }

    async def _connect_watchers(self) -> None:
        bases = self.deployment.base_urls
        options = self.options
        # The screen sits on the last worker: with two workers it watches across the backplane.
        self.screen, _ = await _open(
            ws_url(bases[-1], self.code), self.screen_token, "screen", options
        )
        self.facilitator, _ = await _open(
            ws_url(bases[0], self.code), self.facilitator_token, "facilitator", options
        )
        self.watchers = [
            asyncio.create_task(self._watch_screen()),
            asyncio.create_task(self._drain_socket(self.facilitator)),
        ]

    async def _drain_socket(self, ws: ClientConnection) -> None:
        try:
            async for _ in ws:
                pass
        except (WebSocketException, OSError):
            pass

    async def _watch_screen(self) -> None:
        try:
            async for raw in self.screen:
                frame = json.loads(raw)
                now = time.monotonic()
                if frame["type"] == "tally":
                    for round_id, entry in frame["rounds"].items():
                        self.tally.screen_counts.setdefault(int(round_id), []).append(
                            (now, entry["n_ballots"])
                        )
                        if "results" in entry:
                            self.tally.screen_results[int(round_id)] = entry["results"]
                elif frame["type"] in ("state", "snapshot"):
                    for round_id, results in frame["results"].items():
                        self.tally.screen_results[int(round_id)] = results
        except (WebSocketException, OSError):
            pass

    async def _connect_phones(self) -> None:
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

        async def one(phone: Phone) -> None:
            async with gate:
                try:
                    await _connect_phone(phone, self.tally, self.options)
                except (WebSocketException, OSError, TimeoutError, RuntimeError):
                    self.tally.errors["CONNECT_FAILED"] += 1

        began = time.monotonic()
        await asyncio.gather(*(one(phone) for phone in self.phones))
        seconds = time.monotonic() - began
        held = sum(1 for phone in self.phones if phone.online.is_set())
        self.figures["sockets"] = {
            "phones_wanted": len(self.phones),
            "held": held,
            "stalled": sum(1 for phone in self.phones if phone.stalled),
            "connect_seconds": round(seconds, 2),
            "connects_per_s": round(held / seconds, 1),
            "compression": "permessage-deflate" if self.options.compression else "none",
        }

    def _cpu(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.deployment.pids)

    def _cpu_while_voting(self, began: float, cpu_before: float, own_before: float) -> None:
        """The servers' CPU time while both rounds were voted: the cost of a ballot (its
        frame, check, write, ack, and its share of the tallies) whatever else runs on the
        machine, which wall-clock latencies are not. And this generator's own share of a core:
        near 1, it is the generator whose loop the latencies also measure."""
        wall = max(time.monotonic() - began, 1e-9)
        self.figures["generator_cpu_while_voting"] = {
            "share_of_one_core": round((time.process_time() - own_before) / wall, 3)
        }
        if not self.deployment.pids:
            return
        used = self._cpu() - cpu_before
        acked = len(self.tally.acked)
        self.figures["server_cpu_while_voting"] = {
            "seconds": round(used, 2),
            "wall_seconds": round(time.monotonic() - began, 2),
            "share_of_one_core": round(used / max(time.monotonic() - began, 1e-9), 3),
            "ms_per_ballot": round(1000 * used / acked, 3) if acked else None,
        }

    def _rss(self) -> dict[int, int]:
        return {pid: rss_kb(pid) for pid in self.deployment.pids}

    def _memory(self, before: dict[int, int], after: dict[int, int]) -> None:
        if not before:
            return
        grown = sum(after[pid] - before[pid] for pid in before)
        held = self.figures["sockets"]["held"]
        self.figures["server_rss"] = {
            "before_sockets_mb": round(sum(before.values()) / 1024, 1),
            "with_sockets_mb": round(sum(after.values()) / 1024, 1),
            "per_socket_kb": round(grown / max(1, held), 1),
        }

    async def _room_wide_update(self) -> None:
        """A state change (a timer set) from the facilitator's click to every reading phone."""
        await self._to_every_phone(
            "room_wide_update", f"rounds/{self.casus_round}/timer", {"seconds": 600}
        )

    async def _to_every_phone(self, key: str, path: str, body: dict[str, Any]) -> None:
        """From the facilitator's click (``path``) until every reading phone has the resulting
        ``state`` frame; the figures go under ``key``."""
        readers = sum(1 for p in self.phones if p.online.is_set() and not p.stalled)
        before = await asyncio.to_thread(scrape_metrics, self.deployment.base_urls[0])
        gc.freeze()  # see ``run``: a collection in the window walks only what is new since
        self.tally.update_ms.clear()
        self.tally.update_armed_at = clicked = time.monotonic()
        seq = (await self._control(path, body))["seq"]
        answered_ms = (time.monotonic() - clicked) * 1000

        def reached() -> list[float]:
            return [ms for ms, of in self.tally.update_ms if of >= seq]

        deadline = time.monotonic() + 15
        while len(reached()) < readers and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        self.tally.update_armed_at = None
        after = await asyncio.to_thread(scrape_metrics, self.deployment.base_urls[0])
        self.figures[key] = {
            "phones": readers,
            "reached": len(reached()),
            "click_to_phone": percentiles(reached()),
            "first_phone_ms": round(min(reached(), default=0.0), 1),
            "click_answered_ms": round(answered_ms, 1),  # the control's HTTP answer
            "server": state_summary(before, after),  # the first worker's state push
        }

    def _payload(self, kind: str, phone: Phone, revision: int) -> dict[str, Any]:
        rng = random.Random(phone.index * 7919 + revision)
        if kind == "casus":
            values = rng.sample(self.values, 2)
            return {
                "decision": rng.choice(["toekennen", "niet_toekennen", "twijfel"]),
                "values": values,
                "principles": {values[0]: "Ik kijk eerst naar de mens."} if revision % 2 else {},
            }
        candidates = self.values[:RANKING_CANDIDATES]
        return {"ranking": rng.sample(candidates, len(candidates))}

    async def _vote(self, round_id: int, kind: str) -> None:
        options = self.options
        total = min(MAX_BALLOTS, int(options.rate * options.seconds))
        readers = [p for p in self.phones if not p.stalled and p.online.is_set()]
        revisers = readers[: max(1, int(len(readers) * options.revise))]
        dropping = random.Random(round_id).sample(readers, int(len(readers) * options.drop))
        plan: list[Phone] = []
        while len(plan) < total:
            plan += readers if not plan else revisers
        plan = plan[:total]
        self.tally.screen_counts.setdefault(round_id, [])
        began = time.monotonic()
        drops: list[asyncio.Task[None]] = []
        update: asyncio.Task[None] | None = None
        acked_before = len(self.tally.acked)
        for index, phone in enumerate(plan):
            due = began + index / options.rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if index == total // 3 and kind == "casus":  # a room-wide update under load
                update = asyncio.create_task(
                    self._to_every_phone(
                        "room_wide_update_while_voting",
                        f"rounds/{round_id}/timer",
                        {"seconds": 900},
                    )
                )
            if index == total // 2:  # mid-round: a share of the phones loses its network
                drops = [
                    asyncio.create_task(_drop_and_return(p, self.tally, options)) for p in dropping
                ]
            first = round_id not in phone.voted
            phone.voted.add(round_id)
            msg_id, frame = _ballot(round_id, kind, self._payload(kind, phone, index))
            self.tally.pending[msg_id] = Pending(
                frame, time.monotonic(), round_id, first, phone.participant_id
            )
            if phone.online.is_set():
                asyncio.ensure_future(_send(phone, frame, self.tally))
            else:
                self.tally.offline.add(msg_id)
        sent_seconds = time.monotonic() - began
        if update is not None:
            await update
        await asyncio.gather(*drops)
        await self._drain()
        seconds = time.monotonic() - began
        acked = len(self.tally.acked) - acked_before
        self.figures.setdefault("rounds", {})[kind] = {
            "ballots_planned": total,
            "target_rate_per_s": options.rate,
            "send_seconds": round(sent_seconds, 2),
            "acked": acked,
            "ballots_per_s_accepted": round(acked / seconds, 1),
            "phones_dropped_and_back": len(dropping),
        }

    async def _drain(self) -> None:
        """Wait for every ballot's ack; a ballot unanswered for 15 s is resent under its own
        message id, then again only after 30 s, 60 s, ... (an overloaded server must not be
        buried under its own backlog sent twice)."""
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        resent_at: dict[str, float] = {}
        by_owner = {p.participant_id: p for p in self.phones}
        while self.tally.pending and time.monotonic() < deadline:
            await asyncio.sleep(0.25)
            now = time.monotonic()
            for msg_id, pending in list(self.tally.pending.items()):
                phone = by_owner[pending.owner]
                waited = now - resent_at.get(msg_id, pending.sent_at)
                backoff = 15.0 if msg_id not in resent_at else 2 * (now - pending.sent_at)
                if waited > backoff and phone.online.is_set():
                    resent_at[msg_id] = now
                    self.tally.resends += 1
                    await _send(phone, pending.frame, self.tally)
        self.figures["unacknowledged"] = len(self.tally.pending)
        self.figures["resent"] = self.tally.resends
        self.figures["duplicate_acks"] = self.tally.duplicates

    async def _converge(self) -> None:
        """Wait (bounded) until the screen shows what the database holds, for both rounds."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if all(
                self.tally.screen_results.get(r) == self._expected(r)
                for r in (self.casus_round, self.ranking_round)
            ):
                return
            await asyncio.sleep(0.25)

    def _engine(self) -> Any:
        if not hasattr(self, "_db_engine"):
            from app.config import Settings
            from app.db import build_engine

            self._db_engine = build_engine(
                Settings(
                    database_url=self.deployment.database_url,
                    secret_key=BENCH_SECRET,
                    environment="test",
                )
            )
        return self._db_engine

    def _expected(self, round_id: int) -> Any:
        from sqlmodel import Session

        from app.sessions import results
        from app.sessions.models import Denksessie, SessionRound

        with Session(self._engine()) as db:
            denksessie = db.get(Denksessie, self.id)
            session_round = db.get(SessionRound, round_id)
            assert denksessie is not None
            assert session_round is not None
            computed = results.aggregate(db, denksessie, session_round, role="screen")
        return json.loads(json.dumps(computed, default=str))

    def _latencies(self) -> None:
        self.figures["ballot_to_ack"] = percentiles(self.tally.ack_ms)
        self.figures["ballot_to_ack_after_drop"] = percentiles(self.tally.ack_after_drop_ms)
        screen_ms: list[float] = []
        for round_id in (self.casus_round, self.ranking_round):
            # The k-th first ballot acknowledged is on the screen once it shows k ballots (a
            # revision does not change the count, so only first ballots are timed here).
            firsts = sorted(
                (a for a in self.tally.acked.values() if a.round_id == round_id and a.first),
                key=lambda a: a.acked_at,
            )
            counts = self.tally.screen_counts.get(round_id, [])
            position = 0
            for rank, acked in enumerate(firsts, start=1):
                while position < len(counts) and (
                    counts[position][1] < rank or counts[position][0] < acked.sent_at
                ):
                    position += 1
                if position == len(counts):
                    break
                screen_ms.append((counts[position][0] - acked.sent_at) * 1000)
        self.figures["ballot_to_screen"] = percentiles(screen_ms)

    def _consistency(self) -> None:
        from sqlalchemy import func
        from sqlmodel import Session, col, select

        from app.sessions.models import Ballot, BallotSubmission

        acked_ids = {msg_id: (a.round_id, a.owner) for msg_id, a in self.tally.acked.items()}
        checks: dict[str, Any] = {}
        with Session(self._engine()) as db:
            for name, round_id in (("casus", self.casus_round), ("ranking", self.ranking_round)):
                stored_ballots = db.exec(
                    select(func.count()).select_from(Ballot).where(Ballot.round_id == round_id)
                ).one()
                stored_ids = set(
                    db.exec(
                        select(BallotSubmission.client_msg_id).where(
                            col(BallotSubmission.round_id) == round_id
                        )
                    ).all()
                )
                acked_here = {m for m, (rid, _) in acked_ids.items() if rid == round_id}
                in_flight = {
                    m for m, pending in self.tally.pending.items() if pending.round_id == round_id
                }
                voters = {owner for m, (rid, owner) in acked_ids.items() if rid == round_id}
                screen = self.tally.screen_results.get(round_id)
                expected = self._expected(round_id)
                checks[name] = {
                    "acked_ballots": len(acked_here),
                    "stored_submissions": len(stored_ids),
                    "every_ack_stored": acked_here <= stored_ids,
                    "nothing_stored_unacked": stored_ids <= acked_here,
                    # Ballots still unanswered when the bench stopped waiting may be stored.
                    "stored_unacked_all_in_flight": stored_ids - acked_here <= in_flight,
                    "participants_acked": len(voters),
                    "ballot_rows": stored_ballots,
                    "screen_equals_database": screen == expected,
                    "screen_n_ballots": (screen or {}).get("n_ballots"),
                }
        self._engine().dispose()
        consistent = all(
            check["every_ack_stored"]
            and check["stored_unacked_all_in_flight"]
            and check["screen_equals_database"]
            for check in checks.values()
        )
        self.figures["consistency"] = {"consistent": consistent, **checks}

    def _server_metrics(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for base in self.deployment.base_urls:
            samples = scrape_metrics(base)
            before = getattr(self, "_metrics_before", {}).get(base, {})
            voting = {name: value - before.get(name, 0.0) for name, value in samples.items()}
            out[base] = {
                "gc": gc_summary(samples),
                "gc_while_voting": gc_summary(voting),
                "ticks_while_voting": tick_summary(voting),
                "loop_stalls_while_voting": stall_summary(voting),
                "slow_consumer_closes": samples.get("denksessie_slow_consumer_closes_total", 0),
                "backplane_reconnects": samples.get("denksessie_backplane_reconnects_total", 0),
                "ballots_accepted": samples.get(
                    'denksessie_ballots_accepted_total{duplicate="false"}', 0
                ),
            }
        return out

    async def _hold_elsewhere(self) -> None:
        """Start ``bench/hold.py`` for ``held_elsewhere`` more phones, on the generator's CPUs
        (inherited), and wait until it holds them."""
        count = self.options.held_elsewhere
        if not count:
            return
        command = [sys.executable, str(Path(__file__).with_name("hold.py")), "--code", self.code]
        command += ["--phones", str(count), "--offset", str(self.options.phones)]
        for base in self.deployment.base_urls:
            command += ["--base", base]
        if not self.options.compression:
            command.append("--no-compression")
        self.holder = await asyncio.create_subprocess_exec(
            *command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
        )
        assert self.holder.stdout is not None
        line = await self.holder.stdout.readline()
        if not line:
            raise RuntimeError("bench/hold.py ended before holding its phones")
        self.figures["held_elsewhere"] = json.loads(line)
        _progress(f"{self.figures['held_elsewhere']['held']} phones held elsewhere")

    async def _release_elsewhere(self) -> None:
        """How many of the phones held elsewhere were still open at the end, then let go."""
        holder = getattr(self, "holder", None)
        if holder is None:
            return
        assert holder.stdin is not None
        assert holder.stdout is not None
        holder.stdin.close()
        line = await holder.stdout.readline()
        if line:
            self.figures["held_elsewhere"].update(json.loads(line))
        await holder.wait()

    async def _close_all(self) -> None:
        await self._release_elsewhere()
        for watcher in self.watchers:
            watcher.cancel()
        sockets = [p.ws for p in self.phones if p.ws is not None]
        for ws in [*sockets, self.screen, self.facilitator]:
            ws.transport.abort()
        readers = [p.reader for p in self.phones if p.reader is not None]
        await asyncio.gather(*readers, *self.watchers, return_exceptions=True)


def _progress(line: str) -> None:
    """A phase done, on stderr (stdout is the JSON): a long run shows where it is."""
    print(f"swarm: {line}", file=sys.stderr, flush=True)


async def _run(deployment: Deployment, options: Options) -> dict[str, Any]:
    everyone = options.phones + options.held_elsewhere
    async with asyncio.timeout(RUN_TIMEOUT_S + 0.06 * max(0, everyone - 10_000)):
        return await Swarm(deployment, options).run()


def run(
    options: Options,
    *,
    targets: list[str] | None = None,
    database_url: str | None = None,
    server_pids: list[int] | None = None,
    database: str = "sqlite",
    workers: int = 1,
    server_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Drive given servers, or start ``workers`` of our own on ``database``; return figures."""
    if not 1 <= options.phones <= MAX_PHONES or options.held_elsewhere < 0:
        raise SystemExit(f"--phones must be 1..{MAX_PHONES}")
    if options.phones + options.held_elsewhere > MAX_PHONES:
        raise SystemExit(f"--phones and --held-elsewhere together at most {MAX_PHONES}")
    if options.rate * options.seconds > MAX_BALLOTS or options.rate <= 0:
        raise SystemExit(f"--rate x --seconds must be in 1..{MAX_BALLOTS} per round")
    limit = raise_open_files(options.phones * 2 + 1024)
    began = time.monotonic()
    if targets:
        for target in targets:
            require_loopback(target)
        if not database_url:
            raise SystemExit("--database-url of the deployment is needed with --target")
        deployment = Deployment(
            [t.rstrip("/") for t in targets], database_url, pids=list(server_pids or [])
        )
        figures = asyncio.run(_run(deployment, options))
    else:
        kind: Database = "postgres" if database == "postgres" else "sqlite"
        with started(kind, workers, **(server_env or {})) as deployment:
            figures = asyncio.run(_run(deployment, options))
    figures["options"] = asdict(options)
    figures["deployment"] = {**deployment.describe(), "base_urls": len(deployment.base_urls)}
    figures["server_env"] = server_env or {}
    figures["open_files_limit"] = limit
    figures["cores"] = cores(workers).describe()
    figures["wall_seconds"] = round(time.monotonic() - began, 1)
    return figures


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parse.add_argument("--phones", type=int, default=500)
    parse.add_argument("--rate", type=float, default=200.0, help="ballots per second")
    parse.add_argument("--seconds", type=float, default=10.0, help="per round")
    parse.add_argument("--revise", type=float, default=0.3, help="share of phones revising")
    parse.add_argument("--drop", type=float, default=0.05, help="share dropping mid-round")
    parse.add_argument("--stalled", type=float, default=0.0, help="share that stops reading")
    parse.add_argument("--no-compression", action="store_true", help="offer no deflate")
    parse.add_argument(
        "--held-elsewhere",
        type=int,
        default=0,
        help="more phones, joined and held by a second process (bench/hold.py)",
    )
    parse.add_argument(
        "--live-results", action="store_true", help="show results live on phones and screen"
    )
    parse.add_argument("--target", action="append", help="base URL of a running worker")
    parse.add_argument("--database-url", help="the running deployment's database URL")
    parse.add_argument("--server-pid", type=int, action="append", help="for RSS per socket")
    parse.add_argument(
        "--quick", action="store_true", help="200 phones, 100 ballots/s, 3 s per round"
    )
    add_deployment_arguments(
        parse, label="swarm", profile="write py-spy collapsed stacks of the server here"
    )
    return parse


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if args.quick:
        args.phones, args.rate, args.seconds = 200, 100.0, 3.0
    pin_generator(cores(args.workers))
    options = Options(
        phones=args.phones,
        rate=args.rate,
        seconds=args.seconds,
        revise=args.revise,
        drop=args.drop,
        stalled=args.stalled,
        compression=not args.no_compression,
        live_results=args.live_results,
        label=args.label,
        profile=args.profile,
        held_elsewhere=args.held_elsewhere,
    )
    figures = run(
        options,
        targets=args.target,
        database_url=args.database_url,
        server_pids=args.server_pid,
        database=args.database,
        workers=args.workers,
        server_env=server_env(args),
    )
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
