"""``denksessie serve``'s connection limits: slow request heads are closed, connections per
address are capped (websockets included), the open-file limit is raised."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import uvicorn
from websockets.sync.client import connect as ws_connect

from app.main import create_app
from app.serving import ConnectionGuard
from app.serving import server_config as make_config
from tests.conftest import settings_for
from tests.live import free_port


@contextmanager
def serving(postgres_url: str, **overrides: object) -> Iterator[tuple[int, ConnectionGuard]]:
    settings = settings_for(postgres_url, **overrides)
    port = free_port()
    config, guard = make_config(
        create_app(settings), settings, host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        _until(lambda: server.started, "the server did not start")
        yield port, guard
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _until(condition: Callable[[], bool], message: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.02)


def _closed_by_server(sock: socket.socket, timeout: float) -> bool:
    sock.settimeout(timeout)
    try:
        return sock.recv(1024) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def _get(port: int, path: str = "/healthz") -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        return sock.recv(100)


class TestSlowHeads:
    def test_a_request_head_trickling_in_is_cut_off(self, postgres_url: str) -> None:
        with serving(postgres_url, header_timeout_s=0.5) as (port, _):
            with socket.create_connection(("127.0.0.1", port)) as slow:
                slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and never the end
                started = time.monotonic()
                assert _closed_by_server(slow, timeout=5)
                assert time.monotonic() - started < 3
            assert _get(port).startswith(b"HTTP/1.1 200")

    def test_a_connection_that_sends_nothing_is_closed(self, postgres_url: str) -> None:
        with serving(postgres_url, header_timeout_s=0.5) as (port, _):
            with socket.create_connection(("127.0.0.1", port)) as idle:
                assert _closed_by_server(idle, timeout=5)

    def test_a_prompt_request_is_served(self, postgres_url: str) -> None:
        with serving(postgres_url, header_timeout_s=0.5) as (port, _):
            assert _get(port).startswith(b"HTTP/1.1 200")


class TestConnectionsPerAddress:
    def test_one_address_holds_no_more_than_the_limit(self, postgres_url: str) -> None:
        # Loopback is not a trusted proxy here, so it is counted.
        limits = {"max_connections_per_address": 3, "forwarded_allow_ips": "10.9.9.9"}
        with serving(postgres_url, **limits) as (port, guard):
            held = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
            _until(lambda: guard.count("127.0.0.1") == 3, "three connections counted")
            with socket.create_connection(("127.0.0.1", port)) as fourth:
                assert _closed_by_server(fourth, timeout=5)
            held.pop().close()
            _until(lambda: guard.count("127.0.0.1") == 2, "a closed connection is released")
            assert _get(port).startswith(b"HTTP/1.1 200")
            for sock in held:
                sock.close()
            _until(lambda: guard.count("127.0.0.1") == 0, "every connection released")

    def test_a_websocket_keeps_counting_until_it_closes(self, postgres_url: str) -> None:
        limits = {"max_connections_per_address": 2, "forwarded_allow_ips": "10.9.9.9"}
        with serving(postgres_url, **limits) as (port, guard):
            with ws_connect(f"ws://127.0.0.1:{port}/ws/AAAAAA"):
                _until(lambda: guard.count("127.0.0.1") == 1, "the websocket is counted")
                assert _get(port).startswith(b"HTTP/1.1 200")  # the second connection
                with ws_connect(f"ws://127.0.0.1:{port}/ws/AAAAAA"):
                    with socket.create_connection(("127.0.0.1", port)) as third:
                        assert _closed_by_server(third, timeout=5)
            _until(lambda: guard.count("127.0.0.1") == 0, "closed websockets are released")

    def test_trusted_proxies_are_not_counted(self, postgres_url: str) -> None:
        limits = {"max_connections_per_address": 1, "forwarded_allow_ips": "127.0.0.1"}
        with serving(postgres_url, **limits) as (port, guard):
            with socket.create_connection(("127.0.0.1", port)):
                assert _get(port).startswith(b"HTTP/1.1 200")
                assert guard.count("127.0.0.1") == 0


@pytest.mark.skipif(sys.platform == "win32", reason="no RLIMIT_NOFILE on Windows")
def test_serve_raises_its_own_open_file_limit() -> None:
    script = (
        "import resource\n"
        "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))\n"
        "from app.serving import raise_open_file_limit\n"
        "before, after = raise_open_file_limit()\n"
        "now = resource.getrlimit(resource.RLIMIT_NOFILE)[0]\n"
        "print(before, after, now, hard)\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()
    before, after, now, hard = map(int, output)
    assert before == 256
    assert after == now > 256
    assert now == min(hard, 65_536) or now == hard
