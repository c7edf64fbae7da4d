"""``/metrics``: the Prometheus figures exist, and move when a ballot is cast over a socket."""

from __future__ import annotations

import re

import httpx2 as httpx
import pytest

from tests.realtime.support import ballot
from tests.realtime.workers import Remote, Worker, joined

pytestmark = pytest.mark.postgres


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in the Prometheus text format (0 when it is not there yet)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    pattern = re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "") + r" (\S+)$"
    for line in text.splitlines():
        match = re.match(pattern, line)
        if match:
            return float(match.group(1))
    return 0.0


async def _scrape(api: httpx.AsyncClient) -> str:
    response = await api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


class TestMetricsEndpoint:
    async def test_exposes_every_family(self, api: httpx.AsyncClient) -> None:
        text = await _scrape(api)
        for family in (
            "denksessie_websocket_connections",
            "denksessie_ballots_accepted_total",
            "denksessie_ballots_rejected_total",
            "denksessie_ballot_ack_seconds",
            "denksessie_fanout_tick_seconds",
            "denksessie_backplane_lag_seconds",
            "denksessie_backplane_reconnects_total",
            "denksessie_gc_pause_seconds",
        ):
            assert f"# TYPE {family.removesuffix('_total')}" in text, family

    async def test_counts_move_when_a_ballot_is_cast_over_a_socket(
        self, worker: Worker, api: httpx.AsyncClient
    ) -> None:
        remote = await Remote.create(api)
        round_id = await remote.open_approval_round()
        _, token = await remote.join("Sam")
        before = await _scrape(api)
        async with (
            joined(worker, remote.code, "screen", remote.screen_token) as (screen, _),
            joined(worker, remote.code, "participant", token) as (phone, _),
        ):
            during = await _scrape(api)
            await phone.send(ballot(round_id, "approval", {"approve": ["privacy"]}))
            ack = await phone.until(lambda frame: frame["type"] == "ack")
            await phone.send(ballot(round_id, "approval", {"approve": ["onbekend"]}))
            refused = await phone.until(lambda frame: frame["type"] == "error")
            await screen.until(lambda frame: frame["type"] == "tally")
            after = await _scrape(api)
        assert ack["revision"] == 1
        assert refused["code"] == "UNKNOWN_VALUE"
        for role in ("screen", "participant"):
            connected = "denksessie_websocket_connections"
            now, then = _sample(during, connected, role=role), _sample(before, connected, role=role)
            assert now == then + 1
        accepted = "denksessie_ballots_accepted_total"
        assert _sample(after, accepted, duplicate="false") == (
            _sample(before, accepted, duplicate="false") + 1
        )
        rejected = "denksessie_ballots_rejected_total"
        assert _sample(after, rejected, code="UNKNOWN_VALUE") == (
            _sample(before, rejected, code="UNKNOWN_VALUE") + 1
        )
        acks = "denksessie_ballot_ack_seconds_count"
        assert _sample(after, acks) == _sample(before, acks) + 1
        lag = "denksessie_backplane_lag_seconds_count"
        assert _sample(after, lag) > _sample(before, lag)  # the marker came back through it
        ticks = "denksessie_fanout_tick_seconds_count"
        assert _sample(after, ticks, frame="tally") > _sample(before, ticks, frame="tally")
