"""What the benches share: servers they start, loopback-only targets, limits, percentiles, RSS.

Every bench runs against 127.0.0.1 only (a bench is a load generator: pointed at someone else's
server it is an attack), raises its own open-file limit, and bounds every wait. Servers are
uvicorn subprocesses configured only through ``DENKSESSIE_*`` variables, as in production, on
SQLite (one worker, memory backplane) or on PostgreSQL + Redis (several workers sharing them).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import ipaddress
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import httpx2 as httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as ``python bench/x.py`` from anywhere
    sys.path.insert(0, str(ROOT))

BENCH_SECRET = "bench-secret-key-long-enough-0123"
BENCH_EMAIL = "bench@denksessie.test"
BENCH_PASSWORD = "bench-wachtwoord-123"
POSTGRES_ADMIN_DSN = os.environ.get(
    "DENKSESSIE_BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("DENKSESSIE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
UNLIMITED = "1000000/minute"
Database = Literal["sqlite", "postgres"]


# --- safety and limits ---------------------------------------------------------------------


def require_loopback(url: str) -> None:
    """Refuse anything but 127.0.0.0/8, ::1 or localhost."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise SystemExit(f"refusing a non-loopback target: {url!r} (benches run on 127.0.0.1 only)")


def raise_open_files(wanted: int) -> int:
    """Raise RLIMIT_NOFILE towards ``wanted`` (never above the hard limit); return the result."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < wanted:
        with contextlib.suppress(ValueError, OSError):  # only a privileged process may
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, wanted))
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(hard, wanted)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kb(pid: int) -> int:
    """Resident memory of a process (``VmRSS`` in /proc/<pid>/status), in KB."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) if match else 0


def facilitator_api(deployment: Deployment, *, max_connections: int) -> httpx.AsyncClient:
    """An HTTP client to the first worker, logged in as the deployment's facilitator (the
    swarm's, storm's and reconnects' setup: a denksessie, its rounds, the joins)."""
    import httpx2 as httpx

    login = facilitator_login(deployment.database_url)
    return httpx.AsyncClient(
        base_url=deployment.base_urls[0],
        trust_env=False,
        timeout=30,
        cookies={"denksessie_login": login["cookie"]},
        headers={"x-csrf-token": login["csrf"]},
        limits=httpx.Limits(max_connections=max_connections),
    )


def start_py_spy(
    pid: int, output: str, *, rate: int, gil: bool = False, duration: float | None = None
) -> subprocess.Popen[bytes]:
    """py-spy recording ``pid``'s raw collapsed stacks to ``output`` (it writes them on SIGINT or
    after ``duration`` seconds). ``gil``: only the thread holding the GIL, where the CPU goes."""
    py_spy = Path(sys.executable).with_name("py-spy")
    command = [str(py_spy) if py_spy.exists() else "py-spy", "record", "--pid", str(pid)]
    command += ["--format", "raw", "--rate", str(rate), "--nonblocking", "--output", output]
    if gil:
        command.append("--gil")
    if duration is not None:
        command += ["--duration", str(int(duration))]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (``/proc/<pid>/stat``), 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    if not samples:
        return {"n": 0}
    ordered = sorted(samples)

    def at(fraction: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 1)

    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
        "max_ms": round(ordered[-1], 1),
    }


def get_json(url: str, timeout: float = 10.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


def wait_healthy(url: str, process: subprocess.Popen[bytes] | None, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} not healthy within {timeout} s")
        time.sleep(0.1)


# --- cores: the server on one, the load generator on the others --------------------------------


@dataclass(frozen=True)
class Cores:
    """Which CPUs the servers and the load generator run on. With two or more CPUs and
    ``taskset`` at hand the servers get CPU 0 and the generator the rest, so a figure is the
    server's own and not a share of cores fought over with the generator; otherwise nothing is
    pinned and ``note`` says so (the figures then include that fight).
    ``DENKSESSIE_BENCH_PIN=0`` switches pinning off."""

    available: tuple[int, ...]
    server: tuple[int, ...] | None
    generator: tuple[int, ...] | None
    note: str = ""

    @property
    def pinned(self) -> bool:
        return self.server is not None

    def describe(self) -> dict[str, Any]:
        return {
            "available": len(self.available),
            "server": None if self.server is None else _cpu_list(self.server),
            "generator": None if self.generator is None else _cpu_list(self.generator),
            "note": self.note,
        }


def _cpu_list(cpus: Sequence[int]) -> str:
    return ",".join(str(cpu) for cpu in cpus)


def plan_cores(
    available: Sequence[int], *, workers: int = 1, taskset: bool = True, enabled: bool = True
) -> Cores:
    """The plan for ``available`` CPUs (pure; ``cores()`` reads the machine): ``workers``
    servers share the first CPUs, one each while at least one is left for the generator."""
    cpus = tuple(sorted(available))
    if not enabled:
        return Cores(cpus, None, None, "pinning switched off (DENKSESSIE_BENCH_PIN=0)")
    if len(cpus) < 2:
        return Cores(cpus, None, None, "one CPU: server and generator share it, nothing pinned")
    if not taskset:
        return Cores(cpus, None, None, "taskset not found (util-linux): nothing pinned")
    servers = max(1, min(workers, len(cpus) - 1))
    return Cores(cpus, cpus[:servers], cpus[servers:])


@functools.cache
def _machine_cpus() -> tuple[int, ...]:
    """This process's CPUs, read once: before ``pin_generator`` narrows them."""
    return tuple(sorted(os.sched_getaffinity(0)))


def cores(workers: int = 1) -> Cores:
    """The plan for this machine and ``workers`` servers."""
    return plan_cores(
        _machine_cpus(),
        workers=workers,
        taskset=shutil.which("taskset") is not None,
        enabled=os.environ.get("DENKSESSIE_BENCH_PIN", "1") != "0",
    )


def server_command(command: list[str], plan: Cores | None = None) -> list[str]:
    """``command`` run on the servers' CPUs (``taskset -c 0 ...``), or as it is."""
    plan = cores() if plan is None else plan
    if plan.server is None:
        return command
    return ["taskset", "-c", _cpu_list(plan.server), *command]


def pin_generator(plan: Cores | None = None) -> Cores:
    """Move this process (the load generator) to the generator's CPUs. Called before any
    server is started; the servers are placed by ``server_command`` whatever this is."""
    plan = cores() if plan is None else plan
    if plan.generator is not None:
        os.sched_setaffinity(0, plan.generator)
    return plan


# --- servers the benches start -------------------------------------------------------------


@dataclass
class Deployment:
    """Servers started (or given) for one bench run."""

    base_urls: list[str]
    database_url: str
    pids: list[int] = field(default_factory=list)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    database: str = "given"
    workers: int = 1

    def describe(self) -> dict[str, Any]:
        return {"database": self.database, "workers": self.workers, "base_urls": self.base_urls}


def server_environment(database_url: str, backplane_url: str, **extra: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DENKSESSIE_")}
    environment.update(
        DENKSESSIE_DATABASE_URL=database_url,
        DENKSESSIE_BACKPLANE_URL=backplane_url,
        DENKSESSIE_BACKPLANE_NAMESPACE=f"bench{secrets.token_hex(4)}",
        DENKSESSIE_ENVIRONMENT="test",
        DENKSESSIE_SECRET_KEY=BENCH_SECRET,
        DENKSESSIE_LOG_LEVEL="warning",
        # One address joins thousands of phones here; production keeps its limits.
        DENKSESSIE_JOIN_IP_LIMIT=UNLIMITED,
        DENKSESSIE_JOIN_CODE_LIMIT=UNLIMITED,
        DENKSESSIE_JOIN_FAIL_LIMIT=UNLIMITED,
        # The servers run in the test environment (no real secret); freeze as production does.
        DENKSESSIE_GC_FREEZE_AFTER_S="5",
        PYTHONUNBUFFERED="1",
    )
    environment.update(extra)
    return environment


def _prepare_database(environment: dict[str, str]) -> None:
    cli = [sys.executable, "-m", "app.cli"]
    for command in ("migrate", "load-content"):
        subprocess.run([*cli, command], env=environment, check=True, capture_output=True, cwd=ROOT)


def uvicorn_command(port: int, app: str = "app.main:create_app", *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        *extra,
    ]


@contextlib.contextmanager
def _fresh_postgres_database() -> Iterator[str]:
    import psycopg

    name = f"denksessie_bench_{secrets.token_hex(5)}"
    with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def started(
    database: Database = "sqlite", workers: int = 1, **extra_env: str
) -> Iterator[Deployment]:
    """Start ``workers`` uvicorn processes on a fresh database; stop them and drop it after."""
    if database == "sqlite" and workers != 1:
        raise SystemExit("SQLite runs one worker; use --database postgres for more")
    with contextlib.ExitStack() as stack:
        if database == "sqlite":
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="denksessie-bench-"))
            database_url, backplane = f"sqlite:///{tmp}/bench.sqlite3", "memory://"
        else:
            database_url = stack.enter_context(_fresh_postgres_database())
            backplane = REDIS_URL
        environment = server_environment(database_url, backplane, **extra_env)
        _prepare_database(environment)
        deployment = Deployment([], database_url, database=database, workers=workers)
        log_dir = Path(tempfile.gettempdir())
        try:
            for index in range(workers):
                port = free_port()
                log = (log_dir / f"denksessie-bench-worker-{port}.log").open("wb")
                stack.callback(log.close)
                process = subprocess.Popen(
                    server_command(uvicorn_command(port), cores(workers)),
                    env=environment,
                    cwd=ROOT,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
                deployment.processes.append(process)
                deployment.pids.append(process.pid)
                deployment.base_urls.append(f"http://127.0.0.1:{port}")
                del index
            # Workers start side by side on one CPU (two-CPU machines): give each its start time.
            for url, process in zip(deployment.base_urls, deployment.processes, strict=True):
                wait_healthy(url, process, timeout=30.0 * workers)
            yield deployment
        finally:
            for process in deployment.processes:
                process.terminate()
            for process in deployment.processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)


# --- the facilitator's login, made through the domain layer --------------------------------


def facilitator_login(database_url: str) -> dict[str, str]:
    """A login session for a bench account in the demo organisation, written straight into the
    deployment's database (the bench needs no password form): ``{"cookie", "csrf"}``."""
    from app.accounts import service as accounts
    from app.accounts.passwords import Passwords
    from app.config import Settings
    from app.db import build_engine, transaction
    from app.organisations import service as organisations

    settings = Settings(database_url=database_url, secret_key=BENCH_SECRET, environment="test")
    engine = build_engine(settings)
    try:
        with transaction(engine) as db:
            organisation = organisations.ensure_demo(db)
            assert organisation.id is not None
            user = accounts.get_by_email(db, BENCH_EMAIL) or accounts.create_user(
                db,
                email=BENCH_EMAIL,
                name="Bench",
                password=BENCH_PASSWORD,
                passwords=Passwords("fast"),
            )
            assert user.id is not None
            accounts.add_membership(
                db, user_id=user.id, organisation_id=organisation.id, role="owner"
            )
            token = accounts.start_login(
                db, user=user, lifetime=timedelta(hours=2), organisation_id=organisation.id
            )
            login = accounts.resolve_login(db, token)
            assert login is not None
            return {"cookie": token, "csrf": login.session.csrf_token}
    finally:
        engine.dispose()


def scrape_metrics(base_url: str) -> dict[str, float]:
    """The worker's ``/metrics`` as ``{"name{labels}": value}`` (empty when switched off)."""
    try:
        with urllib.request.urlopen(base_url + "/metrics", timeout=10) as response:
            text = response.read().decode()
    except OSError:
        return {}
    samples: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            with contextlib.suppress(ValueError):
                samples[name] = float(value)
    return samples


def gc_summary(samples: dict[str, float]) -> dict[str, Any]:
    """Count, total and the smallest bucket holding the longest pause, per GC generation."""
    summary: dict[str, Any] = {}
    for generation in ("0", "1", "2"):
        prefix = f'denksessie_gc_pause_seconds_bucket{{generation="{generation}",le="'
        buckets = _buckets(samples, prefix)
        count = samples.get(f'denksessie_gc_pause_seconds_count{{generation="{generation}"}}', 0)
        total = samples.get(f'denksessie_gc_pause_seconds_sum{{generation="{generation}"}}', 0)
        summary[f"gen{generation}"] = {
            "pauses": int(count),
            "total_ms": round(total * 1000, 1),
            "longest_le_ms": _longest_le_ms(buckets, count),
        }
    return summary


def _buckets(samples: dict[str, float], prefix: str) -> list[tuple[float, float]]:
    """A histogram's finite buckets as (upper bound, cumulative count), in order; ``prefix``
    is the bucket sample's name up to ``le="``."""
    return sorted(
        (float(name[len(prefix) : -2]), value)
        for name, value in samples.items()
        if name.startswith(prefix) and "+Inf" not in name
    )


def _longest_le_ms(buckets: list[tuple[float, float]], count: float) -> float | None:
    """The smallest bucket bound (ms) holding every observation: 0 with none, None when the
    longest is past the last bucket."""
    longest = next((le for le, value in buckets if value >= count), None) if count else 0
    return None if longest is None else round(longest * 1000, 1)


def stall_summary(samples: dict[str, float]) -> dict[str, Any]:
    """The event loop's stalls (``observability/loop.py``): heartbeats late by more than 10, 25
    and 50 ms, and the smallest bucket holding the latest one."""
    buckets = _buckets(samples, 'denksessie_loop_stall_seconds_bucket{le="')
    count = samples.get("denksessie_loop_stall_seconds_count", 0)
    within = dict(buckets)
    return {
        "beats": int(count),
        **{f"over_{ms}_ms": int(count - within.get(ms / 1000, count)) for ms in (10, 25, 50)},
        "longest_le_ms": _longest_le_ms(buckets, count),
    }


def tick_summary(samples: dict[str, float]) -> dict[str, Any]:
    """Fan-out ticks per frame kind: how many, and their mean duration (database read,
    aggregates, serialising, handing to every socket's slot; not the sends themselves)."""
    summary: dict[str, Any] = {}
    for frame in ("state", "tally"):
        count = samples.get(f'denksessie_fanout_tick_seconds_count{{frame="{frame}"}}', 0)
        total = samples.get(f'denksessie_fanout_tick_seconds_sum{{frame="{frame}"}}', 0)
        summary[frame] = {
            "ticks": int(count),
            "mean_ms": round(total / count * 1000, 1) if count else None,
        }
    return summary


def state_summary(before: dict[str, float], after: dict[str, float]) -> dict[str, Any]:
    """The ``state`` pushes between two scrapes: how many, how long they took in all, and how
    many were built in memory (decision 0037)."""

    def grown(name: str) -> float:
        return after.get(name, 0.0) - before.get(name, 0.0)

    pushes = 'denksessie_fanout_tick_seconds_{}{{frame="state"}}'
    return {
        "state_pushes": int(grown(pushes.format("count"))),
        "state_push_ms": round(grown(pushes.format("sum")) * 1000, 1),
        "from_memory": int(grown("denksessie_states_from_memory_total")),
    }


# --- faults: kill -9 a worker and start it again on its port --------------------------------


@dataclass(frozen=True)
class WorkerLaunch:
    """How a running worker was started: its command line (port included) and environment, read
    from ``/proc/<pid>`` so that a restart is the same process again, on the same port."""

    command: list[str]
    environment: dict[str, str]
    cwd: str

    @classmethod
    def of(cls, pid: int) -> WorkerLaunch:
        proc = Path(f"/proc/{pid}")
        command = [part.decode() for part in (proc / "cmdline").read_bytes().split(b"\0") if part]
        environment: dict[str, str] = {}
        for item in (proc / "environ").read_bytes().split(b"\0"):
            key, sep, value = item.decode(errors="surrogateescape").partition("=")
            if sep:
                environment[key] = value
        return cls(command, environment, os.readlink(proc / "cwd"))


def kill_worker(deployment: Deployment, index: int) -> WorkerLaunch:
    """SIGKILL worker ``index`` of a deployment this bench started (no shutdown, no goodbye to
    any socket, transactions cut off) and reap it; return how to start it again."""
    if index >= len(deployment.processes):
        raise SystemExit("only a worker the bench started itself can be killed")
    process = deployment.processes[index]
    launch = WorkerLaunch.of(process.pid)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    return launch


def restart_worker(
    deployment: Deployment, index: int, launch: WorkerLaunch
) -> subprocess.Popen[bytes]:
    """Start worker ``index`` again with the command and environment it had (so on the same
    port and database); return at once, without waiting for ``/healthz``. The deployment then
    holds the new process, so ``started()`` stops it at the end like the others."""
    port = urlsplit(deployment.base_urls[index]).port
    log_path = Path(tempfile.gettempdir()) / f"denksessie-bench-worker-{port}-restarted.log"
    with log_path.open("ab") as log:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            server_command(launch.command, cores(len(deployment.processes))),
            env=launch.environment,
            cwd=launch.cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deployment.processes[index] = process
    deployment.pids[index] = process.pid
    return process


# --- command lines ------------------------------------------------------------------------------


def add_deployment_arguments(parse: argparse.ArgumentParser, *, label: str, profile: str) -> None:
    """The options every bench that starts its own servers shares."""
    parse.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parse.add_argument("--workers", type=int, default=1)
    parse.add_argument("--label", default=label)
    parse.add_argument(
        "--server-env", action="append", default=[], help="KEY=VALUE for servers it starts"
    )
    parse.add_argument("--profile", help=profile)


def server_env(args: argparse.Namespace) -> dict[str, str]:
    return dict(item.split("=", 1) for item in args.server_env)
