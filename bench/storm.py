"""A reconnect storm: kill -9 a worker mid-round and time every phone's way back.

N phones join over HTTP, hold a websocket each and cast ballots at a modest rate in an open casus
round, each waiting for its ack. Mid-round the bench kills a worker with SIGKILL (no shutdown, no
goodbye to any socket, transactions cut off), starts it again a moment later on the same port with
the same command and environment, and measures the time from the kill until the new worker answers
``/healthz`` (ready), and from ready until each phone that lost its socket has reconnected and
received its fresh ``snapshot`` (resynced). Phones behave as ``app/static/js/live.js``: full-jitter
exponential backoff (``max(floor, random(0, min(cap, base * 2^attempt)))``, attempt reset on
``welcome``), where an attempt that found nobody (the socket never opened) within
``soon_for`` seconds of losing a live socket uses the short cap ``soon_cap`` (``--backoff-soon-cap
10`` is the client before decision 0038, which always doubled to 10 s); ballots sent only once
the snapshot is in, unacknowledged ballots resent under the same ``msg_id`` after the reconnect
(and after 10 s unanswered, or at once after a retryable error). A ballot a phone casts while it
is offline waits in its outbox, as in the browser.

At the end every acknowledged ballot must be in the database exactly once: the
``ballot_submission`` rows of a phone are the message ids it got an ack for, its ``ballot`` row
holds the last acknowledged revision, and nothing is counted twice. Prints JSON.

One worker on SQLite (``--database sqlite``, the default), or two on PostgreSQL + Redis
(``--database postgres --workers 2``): phones are then spread over both, only ``--kill`` (worker
0, A) is killed, and a phone reconnects to a worker chosen at random on every attempt, as behind
a load balancer without health checks (the other one, or the restarted one). Loopback only;
bounded in count and time.

    python bench/storm.py --phones 1000
    denksessie bench storm --database postgres --workers 2 --phones 5000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx2 as httpx  # noqa: E402
from websockets.asyncio.client import ClientConnection, connect  # noqa: E402
from websockets.exceptions import ConnectionClosed, WebSocketException  # noqa: E402

from bench.common import (
    BENCH_SECRET,
    Database,
    Deployment,
    add_deployment_arguments,
    cores,
    cpu_seconds,
    facilitator_api,
    gc_summary,
    kill_worker,
    percentiles,
    pin_generator,
    raise_open_files,
    require_loopback,
    restart_worker,
    scrape_metrics,
    server_env,  # noqa: E402
    start_py_spy,
    started,
)
from bench.swarm import JOIN_CONCURRENCY, Swarm  # noqa: E402
from bench.swarm import Options as SwarmOptions  # noqa: E402
from bench.swarm import Phone as SwarmPhone  # noqa: E402

MAX_PHONES = 20_000
MAX_BALLOTS = 200_000
MAX_RATE = 1_000.0
RUN_TIMEOUT_S = 600.0
CONNECT_CONCURRENCY = 64  # the first connection wave only; reconnects are not gated
HANDSHAKE_TIMEOUT_S = 20.0
READY_TIMEOUT_S = 60.0
UNANSWERED_RESEND_S = 10.0
BACK_WITHIN_S = 5.0
# Close codes after which live.js does not reconnect (4406 and 4409 belong there too).
FATAL_CLOSES = {4400, 4401, 4403, 4404, 4406, 4409, 4410}


@dataclass(frozen=True)
class Options:
    phones: int = 300
    rate: float = 100.0  # ballots per second over all phones, through the storm
    before: float = 5.0  # seconds of voting before the kill
    down: float = 0.5  # seconds between the kill and the restart
    after: float = 2.0  # seconds of voting once every phone is back (or the wait ran out)
    resync_timeout: float = 30.0  # how long after ready the bench waits for the last phone
    drain_timeout: float = 30.0  # how long it waits for the last acks after voting stops
    kill: int = 0  # the worker killed (A)
    # live.js: max(250 ms, random(0, min(10 s, 500 ms * 2^attempt))), attempt reset on welcome;
    # at most 2 s while the socket never opened within 30 s of losing a live one.
    backoff_base: float = 0.5
    backoff_cap: float = 10.0
    backoff_floor: float = 0.25
    backoff_soon_cap: float = 2.0
    backoff_soon_for: float = 30.0
    compression: bool = True  # permessage-deflate, as every browser offers it
    label: str = "storm"
    profile: str | None = None  # py-spy's collapsed stacks of the restarted worker, ready->back


# --- one phone -------------------------------------------------------------------------------


@dataclass
class Outgoing:
    """A ballot in a phone's outbox until its ack."""

    msg_id: str
    frame: str
    created_at: float
    sends: int = 0
    last_sent_at: float = 0.0


@dataclass
class Phone:
    index: int
    participant_id: str
    token: str
    home: int  # the worker it joined on and first connects to
    helper: SwarmPhone  # for swarm's ballot payloads
    ws: ClientConnection | None = None
    worker: int | None = None  # worker of the current socket
    ready: bool = False  # snapshot received on the current socket
    attempt: int = 0
    opened: bool = False  # the current attempt's socket opened (the server was there)
    kept_id: str | None = None  # of the values and casussen it holds (its last snapshot's)
    lost_at: float | None = None  # when it last lost a socket it had a snapshot on
    connected_once: asyncio.Event = field(default_factory=asyncio.Event)
    outbox: Outgoing | None = None  # one ballot in flight at a time
    votes: int = 0
    acked: dict[str, int] = field(default_factory=dict)  # msg_id -> revision, in ack order
    payloads: dict[str, dict[str, Any]] = field(default_factory=dict)
    cut_at: float | None = None  # when the kill cut its socket
    back_at: float | None = None  # fresh snapshot after the kill
    back_on: int | None = None
    attempts_to_back: int = 0
    handshake_s: float | None = None  # of the attempt that brought it back
    fatal: int | None = None


def _ballot(round_id: int, payload: dict[str, Any]) -> tuple[str, str]:
    msg_id = secrets.token_hex(8)
    frame = {
        "type": "ballot",
        "msg_id": msg_id,
        "round_id": round_id,
        "kind": "casus",
        "payload": payload,
    }
    return msg_id, json.dumps(frame, separators=(",", ":"))


def seconds_percentiles(samples: list[float], unit: str = "_s") -> dict[str, float]:
    if not samples:
        return {"n": 0}
    ordered = sorted(samples)

    def at(fraction: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 3)

    return {
        "n": len(ordered),
        f"p50{unit}": at(0.5),
        f"p95{unit}": at(0.95),
        f"p99{unit}": at(0.99),
        f"max{unit}": round(ordered[-1], 3),
    }


async def _listening(base_url: str) -> float:
    """When the worker at ``base_url`` began to accept connections (monotonic): the first
    TCP connect that is not refused."""
    port = urlsplit(base_url).port
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.01)
            continue
        at = time.monotonic()
        writer.transport.abort()
        return at


# --- the run ---------------------------------------------------------------------------------


class Storm:
    def __init__(self, deployment: Deployment, options: Options) -> None:
        self.deployment = deployment
        self.options = options
        self.phones: list[Phone] = []
        self.figures: dict[str, Any] = {"benchmark": "storm", "label": options.label}
        self.errors: Counter[str] = Counter()
        self.tasks: set[asyncio.Task[None]] = set()
        self.stopping = False
        self.stop_voting = asyncio.Event()
        self.killed_at: float | None = None
        self.ready_at: float | None = None
        self.cast = 0
        self.queued_offline = 0
        self.skipped = 0
        self.resends = 0
        self.duplicate_acks = 0
        self.revision_conflicts = 0
        self.acked_before_kill = 0
        self.acked_after_kill = 0
        self.ack_ms: list[float] = []
        self.resync_checked = 0
        self.resync_stale = 0
        self.gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def _ws_url(self, worker: int) -> str:
        base = self.deployment.base_urls[worker]
        return base.replace("http://", "ws://", 1) + f"/ws/{self.code}"

    async def run(self) -> dict[str, Any]:
        async with facilitator_api(self.deployment, max_connections=JOIN_CONCURRENCY) as api:
            # Swarm's setup: a denksessie with an open casus round, N phones joined over HTTP,
            # spread over the workers.
            setup = Swarm(self.deployment, SwarmOptions(phones=self.options.phones))
            setup.api = api
            await setup._prepare()
            await setup._join()
            self.setup = setup
            self.code, self.round_id = setup.code, setup.casus_round
            self.figures["joins"] = setup.figures["joins"]
            self.errors.update(setup.tally.errors)
            workers = len(self.deployment.base_urls)
            self.phones = [
                Phone(p.index, p.participant_id, p.token, p.index % workers, p)
                for p in setup.phones
            ]
        lives = [asyncio.create_task(self._life(phone)) for phone in self.phones]
        voting: asyncio.Task[None] | None = None
        watchdog = asyncio.create_task(self._watchdog())
        try:
            await self._first_wave()
            voting = asyncio.create_task(self._vote())
            await asyncio.sleep(self.options.before)
            await self._kill_and_restart()
            await self._wait_back()
            await asyncio.sleep(self.options.after)
            self.stop_voting.set()
            await voting
            await self._drain()
            self._report()
            self._consistency()
        finally:
            self.stopping = True
            self.stop_voting.set()
            for phone in self.phones:
                if phone.ws is not None:
                    phone.ws.transport.abort()
            for task in [*lives, watchdog, *([voting] if voting else []), *self.tasks]:
                task.cancel()
            await asyncio.gather(
                *lives, watchdog, *([voting] if voting else []), *self.tasks,
                return_exceptions=True,
            )  # fmt: skip
        self.figures["errors"] = dict(self.errors)
        return self.figures

    # --- phones: connect, read, come back ----------------------------------------------------

    def _backoff(self, phone: Phone) -> float:
        options = self.options
        soon = (
            not phone.opened
            and phone.lost_at is not None
            and time.monotonic() - phone.lost_at < options.backoff_soon_for
        )
        cap = min(
            options.backoff_soon_cap if soon else options.backoff_cap,
            options.backoff_base * 2**phone.attempt,
        )
        phone.attempt = min(phone.attempt + 1, 10)
        return max(options.backoff_floor, random.uniform(0, cap))

    def _pick_worker(self, phone: Phone) -> int:
        if phone.worker is None and phone.cut_at is None:
            return phone.home  # first connection: where it joined
        return random.randrange(len(self.deployment.base_urls))

    async def _handshake(self, phone: Phone, worker: int) -> tuple[ClientConnection, Any]:
        ws = await connect(
            self._ws_url(worker),
            proxy=None,
            compression="deflate" if self.options.compression else None,
            open_timeout=HANDSHAKE_TIMEOUT_S,
            ping_interval=None,  # the server pings
            close_timeout=1,
            max_size=2**22,
            max_queue=64,
        )
        phone.opened = True
        try:
            hello = {"type": "hello", "protocol": 1, "role": "participant", "token": phone.token}
            if phone.kept_id:  # as live.js: the values and casussen it holds need not come again
                hello["kept"] = phone.kept_id
            await ws.send(json.dumps(hello))
            welcome = json.loads(await asyncio.wait_for(ws.recv(), HANDSHAKE_TIMEOUT_S))
            if welcome.get("type") != "welcome":
                raise RuntimeError(f"handshake refused: {welcome!r}")
            phone.attempt = 0  # live.js resets its backoff on welcome
            snapshot = json.loads(await asyncio.wait_for(ws.recv(), HANDSHAKE_TIMEOUT_S))
            if snapshot.get("type") != "snapshot":
                raise RuntimeError(f"no snapshot after welcome: {snapshot.get('type')!r}")
            phone.kept_id = snapshot.get("kept_id")
        except BaseException:
            ws.transport.abort()
            raise
        return ws, snapshot

    async def _life(self, phone: Phone) -> None:
        """One phone for the whole run: connect, read, and after every close come back with
        backoff, resync from the snapshot and resend what is unacknowledged."""
        while not self.stopping:
            worker = self._pick_worker(phone)
            if phone.cut_at is not None and phone.back_at is None:
                phone.attempts_to_back += 1
            attempt_began = time.monotonic()
            phone.opened = False
            try:
                if phone.connected_once.is_set():
                    ws, snapshot = await self._handshake(phone, worker)
                else:
                    async with self.gate:
                        ws, snapshot = await self._handshake(phone, worker)
            except ConnectionClosed as exc:
                self.errors[f"HANDSHAKE_CLOSED_{exc.rcvd.code if exc.rcvd else 1006}"] += 1
                if exc.rcvd is not None and exc.rcvd.code in FATAL_CLOSES:
                    phone.fatal = exc.rcvd.code
                    return
                await asyncio.sleep(self._backoff(phone))
                continue
            except (OSError, WebSocketException, TimeoutError, RuntimeError) as exc:
                self.errors[f"CONNECT_{type(exc).__name__}"] += 1
                await asyncio.sleep(self._backoff(phone))
                continue
            now = time.monotonic()
            phone.ws, phone.worker, phone.ready = ws, worker, True
            phone.connected_once.set()
            if phone.cut_at is not None and phone.back_at is None:
                phone.back_at, phone.back_on = now, worker
                phone.handshake_s = now - attempt_began
                self._check_resync(phone, snapshot)
            if phone.outbox is not None:  # resend under the same msg_id (or send it first now)
                self._spawn(self._send(phone, phone.outbox))
            await self._read(phone, ws)
            phone.ready, phone.ws = False, None
            phone.lost_at = time.monotonic()
            if self.stopping:
                return
            if self.killed_at is not None and phone.cut_at is None and worker == self.options.kill:
                phone.cut_at = time.monotonic()
            code = ws.close_code
            if code in FATAL_CLOSES:
                self.errors[f"CLOSED_{code}"] += 1
                phone.fatal = code
                return
            await asyncio.sleep(self._backoff(phone))

    def _check_resync(self, phone: Phone, snapshot: Any) -> None:
        """The fresh snapshot must hold the last acknowledged ballot (or the one in flight)."""
        own = snapshot.get("own_ballots", {}).get(str(self.round_id))
        revision = int(own["revision"]) if own else 0
        last_acked = max(phone.acked.values(), default=0)
        self.resync_checked += 1
        if revision < last_acked or revision > last_acked + 1:
            self.resync_stale += 1

    async def _read(self, phone: Phone, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                text = raw if isinstance(raw, str) else raw.decode()
                if text.startswith('{"type":"ack"'):
                    self._acked(phone, json.loads(text))
                elif text.startswith('{"type":"error"'):
                    frame = json.loads(text)
                    self.errors[f"ERROR_{frame.get('code', '?')}"] += 1
                    if frame.get("retry") and phone.outbox is not None:
                        self._spawn(self._send(phone, phone.outbox, 0.2 + random.random() * 0.3))
        except (WebSocketException, OSError):
            pass

    def _acked(self, phone: Phone, frame: dict[str, Any]) -> None:
        msg_id, revision = frame["msg_id"], int(frame["revision"])
        now = time.monotonic()
        if frame.get("duplicate"):
            self.duplicate_acks += 1
        if msg_id in phone.acked:  # a second ack of a resend: same revision, counted once
            if phone.acked[msg_id] != revision:
                self.revision_conflicts += 1
            return
        phone.acked[msg_id] = revision
        if self.killed_at is None:
            self.acked_before_kill += 1
        else:
            self.acked_after_kill += 1
        outbox = phone.outbox
        if outbox is not None and outbox.msg_id == msg_id:
            self.ack_ms.append((now - outbox.last_sent_at) * 1000)
            phone.outbox = None

    async def _send(self, phone: Phone, outbox: Outgoing, delay: float = 0.0) -> None:
        if delay:
            await asyncio.sleep(delay)
        ws = phone.ws
        if ws is None or not phone.ready or phone.outbox is not outbox:
            return
        outbox.sends += 1
        if outbox.sends > 1:
            self.resends += 1
        outbox.last_sent_at = time.monotonic()
        try:
            await ws.send(outbox.frame)
        except (WebSocketException, OSError):
            self.errors["SEND_FAILED"] += 1  # sent again after the reconnect

    async def _first_wave(self) -> None:
        began = time.monotonic()
        wait = max(60.0, len(self.phones) / 20)
        waiting = [asyncio.create_task(p.connected_once.wait()) for p in self.phones]
        _, late = await asyncio.wait(waiting, timeout=wait)
        for task in late:
            task.cancel()
        seconds = time.monotonic() - began
        held = sum(1 for p in self.phones if p.ready)
        self.figures["sockets"] = {
            "phones_wanted": len(self.phones),
            "held": held,
            "connect_seconds": round(seconds, 2),
            "connects_per_s": round(held / seconds, 1) if seconds else None,
            "compression": "permessage-deflate" if self.options.compression else "none",
        }
        if held == 0:
            raise RuntimeError("no phone could connect")

    # --- ballots -----------------------------------------------------------------------------

    async def _vote(self) -> None:
        """Ballots at ``rate`` over the phones in turn; a phone with a ballot in flight is passed
        over; a phone offline keeps its new ballot in its outbox until its snapshot."""
        interval = 1 / self.options.rate
        began, due, cursor = time.monotonic(), 0, 0
        count = len(self.phones)
        while not self.stop_voting.is_set() and self.cast < MAX_BALLOTS:
            now = time.monotonic()
            wake = began + due * interval
            if wake > now:
                await asyncio.sleep(wake - now)
            elif now - wake > 1.0:  # the loop fell behind: no catch-up burst
                began, due = now, 0
            due += 1
            for step in range(count):
                phone = self.phones[(cursor + step) % count]
                if phone.outbox is None and phone.fatal is None:
                    cursor = (cursor + step + 1) % count
                    break
            else:
                self.skipped += 1  # every phone has a ballot in flight: no one to vote
                continue
            phone.votes += 1
            payload = self.setup._payload("casus", phone.helper, phone.votes)
            msg_id, frame = _ballot(self.round_id, payload)
            phone.payloads[msg_id] = payload
            phone.outbox = Outgoing(msg_id, frame, time.monotonic())
            self.cast += 1
            if phone.ready:
                self._spawn(self._send(phone, phone.outbox))
            else:
                self.queued_offline += 1

    async def _watchdog(self) -> None:
        """Resend a ballot unanswered for 10 s on a live socket (live.js resends while
        unanswered), under the same msg_id."""
        while True:
            await asyncio.sleep(1.0)
            now = time.monotonic()
            for phone in self.phones:
                outbox = phone.outbox
                if (
                    outbox is not None
                    and phone.ready
                    and outbox.sends
                    and now - outbox.last_sent_at > UNANSWERED_RESEND_S
                ):
                    self._spawn(self._send(phone, outbox))

    async def _drain(self) -> None:
        deadline = time.monotonic() + self.options.drain_timeout
        while time.monotonic() < deadline and any(  # noqa: ASYNC110
            p.outbox is not None and p.fatal is None for p in self.phones
        ):
            await asyncio.sleep(0.1)

    # --- the fault ---------------------------------------------------------------------------

    async def _kill_and_restart(self) -> None:
        index = self.options.kill
        self.held_before_kill = sum(1 for p in self.phones if p.ready)
        self.on_killed_worker = sum(1 for p in self.phones if p.ready and p.worker == index)
        self.killed_at = time.monotonic()
        launch = await asyncio.to_thread(kill_worker, self.deployment, index)
        await asyncio.sleep(self.options.down)
        restarted_at = time.monotonic()
        process = await asyncio.to_thread(restart_worker, self.deployment, index, launch)
        listening = asyncio.create_task(_listening(self.deployment.base_urls[index]))
        # CPU from the moment it listens (the /healthz answer may come seconds later).
        listening.add_done_callback(
            lambda _: setattr(self, "cpu_at_ready", (time.process_time(), cpu_seconds(process.pid)))
        )
        url = self.deployment.base_urls[index] + "/healthz"
        # A worker already swamped by reconnecting phones answers /healthz late, not never:
        # wait for the answer rather than give up on it after a second and ask again.
        try:
            async with httpx.AsyncClient(trust_env=False, timeout=10.0) as client:
                while True:
                    if process.poll() is not None:
                        raise RuntimeError(f"restarted worker exited with {process.returncode}")
                    try:
                        if (await client.get(url)).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if time.monotonic() - restarted_at > READY_TIMEOUT_S:
                        raise RuntimeError(f"restarted worker not ready in {READY_TIMEOUT_S} s")
                    await asyncio.sleep(0.02)
        except BaseException:
            listening.cancel()
            raise
        self.healthz_at = time.monotonic()
        # Ready is when the worker accepts connections: uvicorn listens only once the app has
        # started, and a worker swamped by phones answers /healthz seconds after it took the
        # first of them (the phones' handshakes are ahead of it in the queue).
        self.ready_at = min(await listening, self.healthz_at)
        self.restart_to_ready = self.ready_at - restarted_at

    async def _wait_back(self) -> None:
        assert self.ready_at is not None
        deadline = self.ready_at + self.options.resync_timeout
        pid = self.deployment.pids[self.options.kill]
        profiler = self._start_profiler(pid)
        bench_cpu, worker_cpu = getattr(
            self, "cpu_at_ready", (time.process_time(), cpu_seconds(pid))
        )
        began = (bench_cpu, worker_cpu, self.ready_at)
        try:
            await self._until_back(deadline)
        finally:
            if profiler is not None:
                profiler.send_signal(signal.SIGINT)  # py-spy writes its output on Ctrl-C
                await asyncio.to_thread(profiler.wait, 10)
            # Who had the cores while the phones came back: the bench's phones or the worker?
            self.figures["cpu_from_ready_to_all_back"] = {
                "wall_s": round(time.monotonic() - began[2], 3),
                "bench_s": round(time.process_time() - began[0], 3),
                "restarted_worker_s": round(cpu_seconds(pid) - began[1], 3),
            }
        # Its collector since it started (a wave of sockets allocates a lot), and how many
        # snapshots it answered from memory.
        samples = await asyncio.to_thread(
            scrape_metrics, self.deployment.base_urls[self.options.kill]
        )
        self.figures["restarted_worker"] = {
            "gc": gc_summary(samples),
            "snapshots_from_memory": int(samples.get("denksessie_snapshots_from_memory_total", 0)),
        }

    def _start_profiler(self, pid: int) -> subprocess.Popen[bytes] | None:
        """py-spy on the restarted worker while the phones come back (as swarm's --profile)."""
        if not self.options.profile:
            return None
        return start_py_spy(
            pid, self.options.profile, rate=200, gil=True, duration=self.options.resync_timeout + 10
        )

    async def _until_back(self, deadline: float) -> None:
        # Every phone the kill cut off must come back; a phone whose close is still on its way
        # counts once it has been seen as cut off (``cut_at``) - give that a moment as well.
        while time.monotonic() < deadline:
            cut = [p for p in self.phones if p.cut_at is not None]
            if len(cut) >= self.on_killed_worker and all(p.back_at is not None for p in cut):
                return
            await asyncio.sleep(0.05)

    # --- figures -----------------------------------------------------------------------------

    def _report(self) -> None:
        assert self.killed_at is not None
        assert self.ready_at is not None
        cut = [p for p in self.phones if p.cut_at is not None]
        back = [p for p in cut if p.back_at is not None]
        ready_to_back = [max(0.0, p.back_at - self.ready_at) for p in back if p.back_at]
        kill_to_back = [p.back_at - self.killed_at for p in back if p.back_at]
        within = sum(1 for s in ready_to_back if s <= BACK_WITHIN_S)
        # A phone on the killed worker that never saw its socket close is missing too.
        cut_off = max(len(cut), self.on_killed_worker)
        self.figures.update(
            phones=len(self.phones),
            sockets_held_before_kill=self.held_before_kill,
            sockets_on_killed_worker=self.on_killed_worker,
            killed_worker=self.deployment.base_urls[self.options.kill],
            kill_to_ready_s=round(self.ready_at - self.killed_at, 3),
            restart_to_ready_s=round(self.restart_to_ready, 3),
            # The /healthz answer after the worker began to accept (its request waits behind
            # the phones' handshakes).
            ready_to_healthz_s=round(self.healthz_at - self.ready_at, 3),
            cut_off=len(cut),
            back=len(back),
            missing=cut_off - len(back),
            ready_to_all_back=seconds_percentiles(ready_to_back),
            kill_to_back=seconds_percentiles(kill_to_back),
            # A saturated worker serves some phones before its /healthz answer is out.
            back_before_ready=sum(1 for p in back if p.back_at and p.back_at < self.ready_at),
            first_back_to_all_back_s=(
                round(max(kill_to_back) - min(kill_to_back), 3) if kill_to_back else None
            ),
            back_within_5s={
                "count": within,
                "share": round(within / cut_off, 4) if cut_off else None,
            },
            back_on={
                self.deployment.base_urls[w]: sum(1 for p in back if p.back_on == w)
                for w in range(len(self.deployment.base_urls))
            },
            # Connect, hello, welcome and snapshot of the attempt that brought a phone back:
            # the server's share of ready_to_all_back (the rest is the phones' backoff).
            handshake_when_back=seconds_percentiles(
                [p.handshake_s for p in back if p.handshake_s is not None]
            ),
            attempts_to_back=seconds_percentiles([float(p.attempts_to_back) for p in back], ""),
            resync={"snapshots_checked": self.resync_checked, "stale": self.resync_stale},
            ballots={
                "cast": self.cast,
                "acked_before_kill": self.acked_before_kill,
                "acked_after_kill": self.acked_after_kill,
                "queued_offline": self.queued_offline,
                "skipped_all_phones_busy": self.skipped,
                "resent": self.resends,
                "duplicates_acked": self.duplicate_acks,
                "ack_revision_conflicts": self.revision_conflicts,
                "unacknowledged": sum(1 for p in self.phones if p.outbox is not None),
            },
            ballot_to_ack=percentiles(self.ack_ms),
            fatal_closes=sum(1 for p in self.phones if p.fatal is not None),
        )

    def _consistency(self) -> None:
        """Every acknowledged ballot stored exactly once; one ballot row per phone with its last
        acknowledged revision; nothing stored that was neither acknowledged nor in flight."""
        from sqlmodel import Session, select

        from app.config import Settings
        from app.db import build_engine
        from app.sessions.models import Ballot, BallotSubmission

        engine = build_engine(
            Settings(
                database_url=self.deployment.database_url,
                secret_key=BENCH_SECRET,
                environment="test",
            )
        )
        try:
            with Session(engine) as db:
                submissions = db.exec(
                    select(
                        BallotSubmission.participant_id,
                        BallotSubmission.client_msg_id,
                        BallotSubmission.revision,
                    ).where(BallotSubmission.round_id == self.round_id)
                ).all()
                ballots = db.exec(
                    select(Ballot.participant_id, Ballot.client_msg_id, Ballot.revision).where(
                        Ballot.round_id == self.round_id
                    )
                ).all()
        finally:
            engine.dispose()
        stored: dict[str, dict[str, int]] = {}
        double_stored = 0
        for participant_id, msg_id, revision in submissions:
            mine = stored.setdefault(participant_id, {})
            double_stored += msg_id in mine
            mine[msg_id] = revision
        rows: dict[str, list[tuple[str, int]]] = {}
        for participant_id, msg_id, revision in ballots:
            rows.setdefault(participant_id, []).append((msg_id, revision))
        acked_not_stored = stored_not_acked = stored_in_flight = 0
        revision_mismatch = ballot_rows_wrong = 0
        for phone in self.phones:
            mine = stored.get(phone.participant_id, {})
            in_flight = {phone.outbox.msg_id} if phone.outbox is not None else set()
            acked = set(phone.acked)
            acked_not_stored += len(acked - set(mine))
            extra = set(mine) - acked
            stored_in_flight += len(extra & in_flight)
            stored_not_acked += len(extra - in_flight)
            revision_mismatch += sum(1 for m in acked & set(mine) if mine[m] != phone.acked[m])
            # Counted once each: the stored revisions are 1..k, k the number of submissions.
            if sorted(mine.values()) != list(range(1, len(mine) + 1)):
                revision_mismatch += 1
            row = rows.get(phone.participant_id, [])
            if not mine:
                ballot_rows_wrong += bool(row)
                continue
            last_msg, last_revision = max(mine.items(), key=lambda item: item[1])
            if row != [(last_msg, last_revision)]:
                ballot_rows_wrong += 1
            elif last_msg in phone.acked and phone.acked[last_msg] != max(phone.acked.values()):
                ballot_rows_wrong += 1  # the row is not the last acknowledged revision
        acked_total = sum(len(p.acked) for p in self.phones)
        self.figures["consistency"] = {
            "consistent": acked_not_stored == 0
            and stored_not_acked == 0
            and double_stored == 0
            and revision_mismatch == 0
            and ballot_rows_wrong == 0
            and self.revision_conflicts == 0,
            "acked_msg_ids": acked_total,
            "stored_submissions": len(submissions),
            "acked_not_stored": acked_not_stored,
            "stored_not_acked": stored_not_acked,
            "stored_not_acked_in_flight": stored_in_flight,
            "double_stored": double_stored,
            "revision_mismatches": revision_mismatch,
            "phones_with_acks": sum(1 for p in self.phones if p.acked),
            "ballot_rows": len(ballots),
            "ballot_rows_wrong": ballot_rows_wrong,
        }


async def _run(deployment: Deployment, options: Options) -> dict[str, Any]:
    async with asyncio.timeout(RUN_TIMEOUT_S):
        return await Storm(deployment, options).run()


def run(
    options: Options,
    *,
    database: str = "sqlite",
    workers: int = 1,
    server_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Start ``workers`` servers of our own on ``database``, storm them; return the figures."""
    if not 1 <= options.phones <= MAX_PHONES:
        raise SystemExit(f"--phones must be 1..{MAX_PHONES}")
    if not 0 < options.rate <= MAX_RATE:
        raise SystemExit(f"--rate must be in (0, {MAX_RATE:g}]")
    if not 0 <= options.kill < workers:
        raise SystemExit(f"--kill must be a worker index below --workers ({workers})")
    budget = options.before + options.down + options.resync_timeout + options.after
    if min(options.before, options.down, options.after) < 0 or budget > RUN_TIMEOUT_S / 2:
        raise SystemExit(f"--before + --down + --resync-timeout + --after: 0..{RUN_TIMEOUT_S / 2}")
    if (
        options.backoff_floor < 0
        or min(options.backoff_base, options.backoff_cap, options.backoff_soon_cap) <= 0
        or options.backoff_soon_for < 0
    ):
        raise SystemExit("--backoff-* must be positive")
    limit = raise_open_files(options.phones * 2 + 1024)
    began = time.monotonic()
    kind: Database = "postgres" if database == "postgres" else "sqlite"
    with started(kind, workers, **(server_env or {})) as deployment:
        for url in deployment.base_urls:
            require_loopback(url)
        figures = asyncio.run(_run(deployment, options))
    figures["options"] = asdict(options)
    figures["deployment"] = {**deployment.describe(), "base_urls": len(deployment.base_urls)}
    figures["server_env"] = server_env or {}
    figures["open_files_limit"] = limit
    figures["cores"] = cores(workers).describe()
    figures["wall_seconds"] = round(time.monotonic() - began, 1)
    return figures


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    defaults = Options()
    parse.add_argument("--phones", type=int, default=defaults.phones)
    parse.add_argument("--rate", type=float, default=defaults.rate, help="ballots per second")
    parse.add_argument("--before", type=float, default=defaults.before, help="s voting, then kill")
    parse.add_argument("--down", type=float, default=defaults.down, help="s from kill to restart")
    parse.add_argument("--after", type=float, default=defaults.after, help="s voting once back")
    parse.add_argument("--resync-timeout", type=float, default=defaults.resync_timeout)
    parse.add_argument("--drain-timeout", type=float, default=defaults.drain_timeout)
    parse.add_argument("--kill", type=int, default=defaults.kill, help="index of worker killed")
    parse.add_argument("--backoff-base", type=float, default=defaults.backoff_base)
    parse.add_argument("--backoff-cap", type=float, default=defaults.backoff_cap)
    parse.add_argument("--backoff-floor", type=float, default=defaults.backoff_floor)
    parse.add_argument("--backoff-soon-cap", type=float, default=defaults.backoff_soon_cap)
    parse.add_argument("--backoff-soon-for", type=float, default=defaults.backoff_soon_for)
    parse.add_argument("--no-compression", action="store_true", help="offer no deflate")
    parse.add_argument(
        "--quick",
        action="store_true",
        help="100 phones, 50 ballots/s, 2 s before the kill, 1 s after",
    )
    add_deployment_arguments(
        parse, label=defaults.label, profile="py-spy collapsed stacks of the restarted worker here"
    )
    return parse


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if args.quick:
        args.phones, args.rate, args.before, args.after = 100, 50.0, 2.0, 1.0
    pin_generator(cores(args.workers))
    options = Options(
        phones=args.phones,
        rate=args.rate,
        before=args.before,
        down=args.down,
        after=args.after,
        resync_timeout=args.resync_timeout,
        drain_timeout=args.drain_timeout,
        kill=args.kill,
        backoff_base=args.backoff_base,
        backoff_cap=args.backoff_cap,
        backoff_floor=args.backoff_floor,
        backoff_soon_cap=args.backoff_soon_cap,
        backoff_soon_for=args.backoff_soon_for,
        compression=not args.no_compression,
        label=args.label,
        profile=args.profile,
    )
    figures = run(
        options,
        database=args.database,
        workers=args.workers,
        server_env=server_env(args),
    )
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
