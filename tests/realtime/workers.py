"""Real uvicorn worker processes and a network client of the protocol, for test_workers.py.

Each worker is ``python -m uvicorn app.main:create_app --factory`` in its own process, configured
only through ``DENKSESSIE_*`` variables, as in production. Clients use the ``websockets``
library over 127.0.0.1; proxies from the environment are ignored.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx2 as httpx
from websockets.asyncio.client import ClientConnection, connect

from tests.conftest import TEST_SECRET
from tests.live import free_port
from tests.realtime.support import CANDIDATES, Frame, hello

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
READY_TIMEOUT_S = 30.0
FRAME_TIMEOUT_S = 5.0


def worker_environment(database_url: str, backplane_url: str) -> dict[str, str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("DENKSESSIE_")
    }
    environment.update(
        DENKSESSIE_DATABASE_URL=database_url,
        DENKSESSIE_BACKPLANE_URL=backplane_url,
        DENKSESSIE_ENVIRONMENT="test",
        DENKSESSIE_SECRET_KEY=TEST_SECRET,
        DENKSESSIE_LOG_LEVEL="warning",
        PYTHONUNBUFFERED="1",
    )
    return environment


@dataclass
class Worker:
    """One uvicorn process on a fixed port; it can be killed and started again on that port."""

    name: str
    environment: dict[str, str]
    log_dir: Path
    port: int = field(default_factory=free_port)
    process: asyncio.subprocess.Process | None = None
    starts: int = 0
    _log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"worker-{self.name}-{self.starts}.log"

    def _open_log(self) -> IO[bytes]:
        self._close_log()
        self._log = self.log_path.open("wb")
        return self._log

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def command(self) -> list[str]:
        """The process to start: uvicorn on the app factory (ServedWorker: ``denksessie
        serve``, as the container runs it)."""
        return [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "warning",
            "--no-access-log",
        ]

    async def start(self) -> float:
        """Start the process and wait until ``/healthz`` answers; return the seconds it took."""
        self.starts += 1
        began = time.monotonic()
        self.process = await asyncio.create_subprocess_exec(
            *self.command(),
            cwd=ROOT,
            env=self.environment,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self._open_log(),
            stderr=asyncio.subprocess.STDOUT,
        )
        async with httpx.AsyncClient(trust_env=False, timeout=1.0) as client:
            while time.monotonic() - began < READY_TIMEOUT_S:
                if self.process.returncode is not None:
                    raise RuntimeError(f"worker {self.name} exited:\n{self.log_tail()}")
                try:
                    if (await client.get(f"{self.url}/healthz")).status_code == 200:
                        return time.monotonic() - began
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        raise RuntimeError(
            f"worker {self.name} not ready in {READY_TIMEOUT_S} s:\n{self.log_tail()}"
        )

    async def kill(self) -> None:
        """SIGKILL: no shutdown, no goodbye to any socket, transactions cut off mid-way."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
            await self.process.wait()
        self._close_log()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 5.0)
            except TimeoutError:
                await self.kill()
        self._close_log()


# --- the HTTP side of a denksessie ---------------------------------------------------------------


@dataclass(frozen=True)
class Remote:
    """One denksessie made through a worker's HTTP API."""

    api: httpx.AsyncClient
    id: int
    code: str
    facilitator_token: str
    screen_token: str

    @classmethod
    async def create(cls, api: httpx.AsyncClient) -> Remote:
        response = await api.post("/api/v1/denksessies", json={"title": "Twee workers"})
        assert response.status_code == 201, response.text
        created = response.json()
        return cls(
            api,
            created["id"],
            created["code"],
            created["facilitator_token"],
            created["screen_token"],
        )

    async def post(self, path: str, body: Frame | None = None) -> Frame:
        response = await self.api.post(f"/api/v1/denksessies/{self.id}/{path}", json=body or {})
        assert response.status_code in (200, 201), response.text
        answer: Frame = response.json()
        return answer

    async def open_approval_round(self, *, max_approvals: int = 2) -> int:
        made = await self.post(
            "rounds",
            {
                "kind": "approval",
                "config": {"candidates": list(CANDIDATES), "max_approvals": max_approvals},
            },
        )
        round_id: int = made["id"]
        await self.post(f"rounds/{round_id}/open")
        return round_id

    async def join(self, display_name: str) -> tuple[str, str]:
        response = await self.api.post(
            f"/api/v1/join/{self.code}", json={"display_name": display_name}
        )
        assert response.status_code == 201, response.text
        joined = response.json()
        return joined["participant_id"], joined["token"]


# --- the websocket side ------------------------------------------------------------------------


class NetSocket:
    """A protocol client over the network, with timeouts on every read."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def send(self, frame: Frame) -> None:
        await self.ws.send(json.dumps(frame))

    async def receive(self, within: float = FRAME_TIMEOUT_S) -> Frame:
        raw = await asyncio.wait_for(self.ws.recv(), within)
        frame: Frame = json.loads(raw)
        return frame

    async def until(
        self, wanted: Callable[[Frame], bool], within: float = FRAME_TIMEOUT_S
    ) -> Frame:
        async with asyncio.timeout(within):
            while True:
                frame = await self.receive(within)
                if wanted(frame):
                    return frame


@asynccontextmanager
async def joined(
    worker: Worker, code: str, role: str, token: str
) -> AsyncIterator[tuple[NetSocket, Frame]]:
    """A socket past the handshake, and the snapshot it received."""
    async with connect(
        f"{worker.ws_url}/ws/{code}", proxy=None, open_timeout=FRAME_TIMEOUT_S, close_timeout=1
    ) as ws:
        socket = NetSocket(ws)
        await socket.send(hello(role, token))
        welcome = await socket.receive()
        assert welcome["type"] == "welcome", welcome
        snapshot = await socket.receive()
        assert snapshot["type"] == "snapshot", snapshot
        yield socket, snapshot


def write_timings(name: str, figures: dict[str, Any]) -> Path:
    """Measured figures as a JSON artefact next to the browser screenshots."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.json"
    path.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path
