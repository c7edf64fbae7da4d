"""``/metrics``: the Prometheus figures exist, and move when a ballot is cast over a socket."""

from __future__ import annotations

import re

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from pydantic import ValidationError

from app.main import create_app
from tests.conftest import settings_for
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


class TestWhoMayRead:
    """``/metrics`` answers the allowed addresses and the token; anyone else sees a 404."""

    TOKEN = "scrape-token-of-32-characters-ok"

    def _get(
        self,
        postgres_url: str,
        client_ip: str,
        headers: dict[str, str] | None = None,
        **settings: object,
    ) -> Response:
        app = create_app(settings_for(postgres_url, **settings))
        with TestClient(app, client=(client_ip, 40000)) as client:
            return client.get("/metrics", headers=headers)

    def test_loopback_may_read_by_default(self, postgres_url: str) -> None:
        for address in ("127.0.0.1", "::1"):
            response = self._get(postgres_url, address)
            assert response.status_code == 200, address
            assert "denksessie_ballots_accepted_total" in response.text

    def test_another_address_gets_a_404(self, postgres_url: str) -> None:
        response = self._get(postgres_url, "203.0.113.7")
        assert response.status_code == 404
        assert "denksessie_" not in response.text

    def test_an_allowed_network_may_read(self, postgres_url: str) -> None:
        allow = ["10.0.0.0/8"]
        assert self._get(postgres_url, "10.1.2.3", metrics_allow_ips=allow).status_code == 200
        assert self._get(postgres_url, "127.0.0.1", metrics_allow_ips=allow).status_code == 404

    def test_the_token_opens_it_from_anywhere_a_wrong_one_does_not(self, postgres_url: str) -> None:
        right = {"Authorization": f"Bearer {self.TOKEN}"}
        wrong = {"Authorization": f"Bearer {self.TOKEN[:-1]}x"}
        assert (
            self._get(postgres_url, "203.0.113.7", right, metrics_token=self.TOKEN).status_code
            == 200
        )
        assert (
            self._get(postgres_url, "203.0.113.7", wrong, metrics_token=self.TOKEN).status_code
            == 404
        )
        assert self._get(postgres_url, "203.0.113.7", right).status_code == 404  # no token set

    def test_a_malformed_address_in_the_setting_is_refused_at_start(self) -> None:
        with pytest.raises(ValidationError, match="does not appear to be an IPv4 or IPv6"):
            settings_for("sqlite://", metrics_allow_ips=["10.0.0.0/8", "localhost"])
