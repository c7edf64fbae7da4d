"""bench/storm.py at a small scale: a worker killed with SIGKILL mid-round, phones come back.

The bench runs as a subprocess (it starts and kills its own uvicorn workers and prints JSON), as
``denksessie bench storm`` and as ``python bench/storm.py``. The assertions are on its JSON: every
phone the kill cut off reconnected and resynced, every acknowledged ballot is stored exactly once.
A run in which the phones cannot come back in time must report them missing, so the first test
can fail.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import pytest

from tests.bench.support import run_bench
from tests.services import POSTGRES_ADMIN_DSN, REDIS_URL, require_postgres, require_redis

PHONES = 40
RUN_TIMEOUT_S = 240
SMALL = ["--phones", str(PHONES), "--rate", "100", "--before", "2", "--after", "1"]
KEYS = {
    "phones",
    "sockets_held_before_kill",
    "kill_to_ready_s",
    "ready_to_all_back",
    "back_within_5s",
    "missing",
    "ballots",
    "consistency",
}


def _storm(command: list[str], *args: str) -> dict[str, Any]:
    environment = {
        **os.environ,
        # The bench's own PostgreSQL and Redis are the ones the tests use.
        "DENKSESSIE_BENCH_POSTGRES_DSN": POSTGRES_ADMIN_DSN,
        "DENKSESSIE_BENCH_REDIS_URL": REDIS_URL,
    }
    return run_bench([*command, *SMALL, *args], timeout=RUN_TIMEOUT_S, env=environment)


def _assert_all_back_and_consistent(figures: dict[str, Any], cut_off: int) -> None:
    assert KEYS <= figures.keys()
    assert figures["phones"] == PHONES
    assert figures["sockets_held_before_kill"] == PHONES
    assert figures["sockets_on_killed_worker"] == cut_off
    assert figures["kill_to_ready_s"] > 0
    # Every phone the kill cut off came back with a fresh snapshot holding its own ballots.
    assert figures["cut_off"] == cut_off
    assert figures["back"] == cut_off
    assert figures["missing"] == 0
    assert figures["ready_to_all_back"]["n"] == cut_off
    assert figures["resync"] == {"snapshots_checked": cut_off, "stale": 0}
    within = figures["back_within_5s"]
    assert 0 <= within["count"] <= cut_off
    assert within["share"] == round(within["count"] / cut_off, 4)
    # Voting went on before and after the kill, and every ballot was answered in the end.
    ballots = figures["ballots"]
    assert ballots["acked_before_kill"] > 0
    assert ballots["acked_after_kill"] > 0
    assert ballots["unacknowledged"] == 0
    assert ballots["ack_revision_conflicts"] == 0
    # Every acknowledged ballot stored exactly once; one ballot row per phone, the last one.
    consistency = figures["consistency"]
    assert consistency["consistent"] is True
    assert (
        consistency["acked_msg_ids"] == ballots["acked_before_kill"] + ballots["acked_after_kill"]
    )
    assert consistency["stored_submissions"] == consistency["acked_msg_ids"]
    assert consistency["acked_not_stored"] == 0
    assert consistency["stored_not_acked"] == 0
    assert consistency["double_stored"] == 0
    assert consistency["revision_mismatches"] == 0
    assert consistency["ballot_rows"] == consistency["phones_with_acks"] == PHONES
    assert consistency["ballot_rows_wrong"] == 0
    assert figures["fatal_closes"] == 0


def test_one_sqlite_worker_killed_every_phone_back_and_nothing_lost() -> None:
    figures = _storm([sys.executable, "-m", "app.cli", "bench", "storm"], "--label", "test")
    _assert_all_back_and_consistent(figures, cut_off=PHONES)
    assert figures["deployment"] == {"database": "sqlite", "workers": 1, "base_urls": 1}
    assert figures["back_on"] == {figures["killed_worker"]: PHONES}


def test_phones_that_do_not_come_back_are_reported_missing() -> None:
    # Phones wait at least 60 s before reconnecting; the bench waits 2 s for them.
    figures = _storm(
        [sys.executable, "bench/storm.py"],
        *("--backoff-floor", "60", "--resync-timeout", "2", "--drain-timeout", "1"),
    )
    assert figures["cut_off"] == PHONES
    assert figures["back"] == 0
    assert figures["missing"] == PHONES
    assert figures["back_within_5s"] == {"count": 0, "share": 0.0}
    assert figures["ballots"]["unacknowledged"] > 0
    # Nothing acknowledged was lost even so: what waits in an outbox was never acknowledged.
    assert figures["consistency"]["consistent"] is True
    assert figures["consistency"]["acked_not_stored"] == 0


@pytest.mark.postgres
@pytest.mark.redis
def test_two_workers_postgres_redis_worker_a_killed_phones_back_on_either() -> None:
    require_postgres()
    require_redis()
    figures = _storm([sys.executable, "bench/storm.py"], "--database", "postgres", "--workers", "2")
    _assert_all_back_and_consistent(figures, cut_off=PHONES // 2)  # joined on A and B in turn
    assert figures["deployment"] == {"database": "postgres", "workers": 2, "base_urls": 2}
    assert sum(figures["back_on"].values()) == PHONES // 2
