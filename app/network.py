"""Which address other machines (phones) use to reach this server.

``serve`` prints it for the first-run link; the console warns when it was opened on a loopback
address, whose join link and QR code no phone can reach.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def reachable_address(host: str) -> str:
    """The address others type for a server bound to ``host``: for 0.0.0.0 or :: the address of
    the interface that has the default route (a UDP connect sends nothing)."""
    if host not in ("0.0.0.0", "::", ""):
        return f"[{host}]" if ":" in host else host
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed, nothing is sent
        address: str = probe.getsockname()[0]
        return address
    return "127.0.0.1"


def is_loopback(host: str) -> bool:
    """True for a host name or address that only this machine can reach."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def network_address() -> str | None:
    """This machine's address on the network phones are on, or None without a network."""
    address = reachable_address("0.0.0.0")
    return None if is_loopback(address) else address


def listens_on(address: str, port: int, *, timeout_s: float = 0.3) -> bool:
    """Whether a server answers on ``address:port``: a server started on 127.0.0.1 does not
    answer on the network address, one started on 0.0.0.0 does."""
    try:
        with socket.create_connection((address, port), timeout=timeout_s):
            return True
    except OSError:
        return False
