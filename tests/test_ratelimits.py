"""Rate limits shared by workers: two limiters on one Redis count together."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import redis

from app.ratelimits import (
    InlineExpiryMemoryStorage,
    RateLimits,
    address_key,
    longest_window,
    parse_limits,
)
from tests.services import REDIS_URL, require_redis

SECRET = "a-secret-key-for-the-counters"


@pytest.mark.redis
def test_two_workers_share_their_counts_through_redis() -> None:
    require_redis()
    rules = parse_limits("3/minute")
    worker_a, worker_b = RateLimits(REDIS_URL, secret=SECRET), RateLimits(REDIS_URL, secret=SECRET)
    key = uuid.uuid4().hex
    assert worker_a.hit(rules, "test", key)
    assert worker_b.hit(rules, "test", key)
    assert worker_a.hit(rules, "test", key)
    assert not worker_b.allows(rules, "test", key)
    assert not worker_b.hit(rules, "test", key)
    assert 1 <= worker_a.retry_after(rules, "test", key) <= 60


@pytest.mark.redis
def test_the_counters_in_redis_name_no_address_or_e_mail() -> None:
    require_redis()
    rules = parse_limits("1/minute")
    limits = RateLimits(REDIS_URL, secret=uuid.uuid4().hex)  # a fresh count on every run
    address, email = "203.0.113.77", f"{uuid.uuid4().hex}@example.nl"
    assert limits.hit(rules, "join-address", address)
    assert limits.hit(rules, "login-email", email)
    client = redis.Redis.from_url(REDIS_URL)
    keys = [key.decode() for key in client.scan_iter(count=1000)]
    assert any("join-address" in key for key in keys)
    assert not any(address in key or email in key for key in keys)
    assert not limits.allows(rules, "join-address", address)  # still counted, by its hash
    assert RateLimits(REDIS_URL, secret="another-key").allows(rules, "join-address", address)


def test_in_memory_limits_are_per_limiter_and_per_key() -> None:
    rules = parse_limits("2/minute;3/hour")
    limits = RateLimits("memory://", secret=SECRET)
    assert limits.hit(rules, "a")
    assert limits.hit(rules, "a")
    assert not limits.allows(rules, "a")
    assert limits.allows(rules, "b")
    assert RateLimits("memory://", secret=SECRET).allows(rules, "a")


def test_malformed_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="many per minute"):
        parse_limits("many per minute")


class TestAddressKey:
    @pytest.mark.parametrize(
        ("host", "key"),
        [
            ("192.0.2.7", "192.0.2.7"),
            ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
            ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
            ("::ffff:192.0.2.7", "192.0.2.7"),
            ("testclient", "testclient"),
        ],
    )
    def test_counts_ipv6_per_64(self, host: str, key: str) -> None:
        assert address_key(host) == key

    def test_two_addresses_of_one_64_share_a_budget(self) -> None:
        rules = parse_limits("2/minute")
        limits = RateLimits("memory://", secret=SECRET)
        assert limits.hit(rules, address_key("2001:db8::1"))
        assert limits.hit(rules, address_key("2001:db8::2"))
        assert not limits.allows(rules, address_key("2001:db8::3"))
        assert limits.allows(rules, address_key("2001:db8:0:1::1"))


def test_longest_window() -> None:
    assert longest_window("30/minute;5/second") == 60
    assert longest_window("10/minute;100/day") == 86_400


def test_counting_in_memory_starts_no_thread_per_event() -> None:
    """The package's memory storage started a timer thread per counted event, and starting a
    thread waits for the scheduler: about 3 ms of every join on a busy server (decision 0035)."""
    limits = RateLimits("memory://", secret=SECRET)
    rules = parse_limits("1000/minute")
    started: list[threading.Thread] = []
    original = threading.Thread.start

    def counting_start(thread: threading.Thread) -> None:
        started.append(thread)
        original(thread)

    threading.Thread.start = counting_start  # type: ignore[method-assign,assignment]
    try:
        for _ in range(20):
            assert limits.hit(rules, "join-ip", "192.0.2.1")
            deadline = time.monotonic() + 0.015  # past the package's 10 ms timer
            while time.monotonic() < deadline:
                pass
    finally:
        threading.Thread.start = original  # type: ignore[method-assign]
    assert started == []


def test_in_memory_limits_forget_old_events_and_still_count() -> None:
    limits = RateLimits("memory://", secret=SECRET)
    storage = limits._limiter.storage
    assert isinstance(storage, InlineExpiryMemoryStorage)
    storage.EXPIRE_EVERY_S = 0.0
    rules = parse_limits("2/second")
    assert limits.hit(rules, "join-ip", "192.0.2.2")
    assert limits.hit(rules, "join-ip", "192.0.2.2")
    assert not limits.allows(rules, "join-ip", "192.0.2.2")
    assert not limits.hit(rules, "join-ip", "192.0.2.2")
    deadline = time.monotonic() + 5
    while not limits.allows(rules, "join-ip", "192.0.2.2"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert limits.hit(rules, "join-ip", "192.0.2.3")  # counting anything drops the old events
    assert all(len(events) <= 1 for events in storage.events.values()), storage.events
    assert limits.hit(rules, "join-ip", "192.0.2.2")
    assert limits.hit(rules, "join-ip", "192.0.2.2")
    assert not limits.allows(rules, "join-ip", "192.0.2.2")
