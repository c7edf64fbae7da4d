"""A live server for tests that need real sockets: uvicorn in a thread on a free loopback port.

Used by the browser tests and by the replay test; ``start()`` waits until ``/healthz`` answers.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request

import uvicorn

from app import migrate
from app.config import Settings
from app.content import load_builtin_content
from app.db import build_engine, transaction
from app.main import create_app
from tests.conftest import TEST_SECRET


def prepared_database(database_url: str) -> Settings:
    """Settings for a live server on ``database_url``, migrated and holding the built-in
    content (committed: a live server sees no test transaction)."""
    settings = Settings(
        environment="test",
        database_url=database_url,
        secret_key=TEST_SECRET,
        password_hashing="fast",
    )
    migrate.upgrade(settings)
    engine = build_engine(settings)
    try:
        with transaction(engine) as db:
            load_builtin_content(db)
    finally:
        engine.dispose()
    return settings


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LiveServer:
    """The app served by uvicorn in a background thread; ``start()`` waits for ``/healthz``."""

    def __init__(self, settings: Settings, host: str = "127.0.0.1") -> None:
        self.settings = settings
        self.host = host
        self.port = free_port()
        config = uvicorn.Config(
            create_app(settings),
            host=host,
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="live-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 15.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if not self.thread.is_alive():
                raise RuntimeError("the live server thread stopped while starting")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                last_error = exc
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the live server did not answer /healthz in {timeout} s: {last_error}")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
