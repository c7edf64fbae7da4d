"""Where one join's time goes, in-process: POST /api/v1/join/{code} through the whole ASGI stack.

    python bench/join_profile.py [--database sqlite|postgres] [--joins 300] [--concurrency 1]
                                 [--profile]

Makes the app the way ``serve`` does (``create_app``, its lifespan run), on a fresh database
(SQLite in a temporary directory, or a fresh PostgreSQL database), then sends ``--joins`` joins
one at a time through httpx's ASGI transport (no socket, no uvicorn) and times each, next to
``GET /healthz`` and a bare FastAPI app's POST answering 201 (the same transport), so the figures
read as "a join costs X ms over any request". ``--concurrency N`` sends N at a time (joins that
arrive together share a batch, decision 0036). ``cpu_ms`` is this process's CPU time per request
(every thread, the client's share included), which the machine's other load moves far less than
the wall-clock figures. ``--profile`` adds a pyinstrument profile of the joins (text, to stderr).
Prints JSON: medians and p10/p90 in ms. Runs on CPU 0 when pinned.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx2 as httpx  # noqa: E402

from bench.common import (  # noqa: E402
    BENCH_SECRET,
    ROOT,
    _fresh_postgres_database,
    facilitator_login,
)


def _summary(measured: tuple[list[float], float]) -> dict[str, float]:
    samples, cpu_ms = measured
    ordered = sorted(samples)

    def at(fraction: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 3)

    return {
        "p10_ms": at(0.1),
        "p50_ms": round(statistics.median(ordered), 3),
        "p90_ms": at(0.9),
        "cpu_ms": round(cpu_ms, 3),
    }


@contextlib.contextmanager
def fresh_database(kind: str) -> Iterator[str]:
    if kind == "postgres":
        with _fresh_postgres_database() as url:
            yield url
        return
    with tempfile.TemporaryDirectory(prefix="denksessie-joinprofile-") as tmp:
        yield f"sqlite:///{tmp}/denksessie.sqlite3"


def prepare(database_url: str) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DENKSESSIE_")}
    environment.update(DENKSESSIE_DATABASE_URL=database_url, DENKSESSIE_SECRET_KEY=BENCH_SECRET)
    for step in ("migrate", "load-content"):
        subprocess.run(
            [sys.executable, "-m", "app.cli", step],
            env=environment,
            check=True,
            capture_output=True,
            cwd=ROOT,
        )


async def timed(
    call: Callable[[], Awaitable[httpx.Response]], n: int, status: int, concurrency: int = 1
) -> tuple[list[float], float]:
    """Each request's wall time (ms), and this process's CPU time per request (ms)."""
    samples = []
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            began = time.perf_counter()
            response = await call()
            samples.append((time.perf_counter() - began) * 1000)
            assert response.status_code == status, response.text

    cpu_began = time.process_time()
    await asyncio.gather(*(one() for _ in range(n)))
    return samples, (time.process_time() - cpu_began) * 1000 / n


def bare_app() -> Any:
    from fastapi import FastAPI

    bare = FastAPI()

    @bare.post("/join/{code}", status_code=201)
    async def join(code: str) -> dict[str, str]:
        return {"code": code}

    return bare


async def run(database_url: str, joins: int, concurrency: int, profile: bool) -> dict[str, Any]:
    from app.config import Settings
    from app.main import create_app

    login = facilitator_login(database_url)
    settings = Settings(database_url=database_url, secret_key=BENCH_SECRET, log_level="warning")
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=transport,
            base_url="http://127.0.0.1",
            cookies={"denksessie_login": login["cookie"]},
            headers={"x-csrf-token": login["csrf"]},
        ) as api,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=bare_app()), base_url="http://127.0.0.1"
        ) as bare,
    ):
        casus_id = (await api.get("/api/v1/casussen")).json()[0]["id"]
        made = await api.post(
            "/api/v1/denksessies",
            json={"title": "Profiel", "casus_ids": [casus_id], "room_size": 5000},
        )
        made.raise_for_status()
        code = made.json()["code"]
        api.cookies.clear()  # a phone has no login

        async def one_join() -> httpx.Response:
            return await api.post(f"/api/v1/join/{code}", json={"display_name": "p"})

        await timed(one_join, 20, 201)  # warm up
        profiler = None
        if profile:
            from pyinstrument import Profiler

            profiler = Profiler(async_mode="enabled", interval=0.0002)
            profiler.start()
        join_ms = await timed(one_join, joins, 201, concurrency)
        if profiler is not None:
            profiler.stop()
            print(profiler.output_text(unicode=False, color=False, show_all=False), file=sys.stderr)
        health_ms = await timed(lambda: api.get("/healthz"), joins, 200, concurrency)
        bare_ms = await timed(lambda: bare.post("/join/abc"), joins, 201, concurrency)
    return {
        "database": "postgres" if database_url.startswith("postgres") else "sqlite",
        "joins": joins,
        "concurrency": concurrency,
        "join": _summary(join_ms),
        "healthz": _summary(health_ms),
        "bare_fastapi_post": _summary(bare_ms),
    }


def main() -> None:
    parse = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parse.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parse.add_argument("--joins", type=int, default=300)
    parse.add_argument("--concurrency", type=int, default=1)
    parse.add_argument("--profile", action="store_true")
    args = parse.parse_args()
    if os.environ.get("DENKSESSIE_BENCH_PIN", "1") != "0" and hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {0})
    with fresh_database(args.database) as url:
        prepare(url)
        print(
            json.dumps(asyncio.run(run(url, args.joins, args.concurrency, args.profile)), indent=2)
        )


if __name__ == "__main__":
    main()
