"""The console page of a running and of an ended denksessie."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

BASE = "/api/v1/denksessies"
HTML = {"Accept": "text/html"}


@pytest.fixture
def created(client: TestClient) -> dict[str, Any]:
    response = client.post(BASE, json={"title": "Wijkteam Zuid"})
    assert response.status_code == 201, response.text
    return dict(response.json())


class TestEndedConsole:
    def test_running_console_has_controls_and_no_downloads(
        self, client: TestClient, created: dict[str, Any]
    ) -> None:
        html = client.get(f"/console/{created['id']}", headers=HTML).text
        assert 'id="round-form"' in html
        assert 'id="end-button"' in html
        assert "Alles downloaden (JSON)" not in html

    def test_ended_console_is_read_only_with_downloads_and_purge(
        self, client: TestClient, created: dict[str, Any]
    ) -> None:
        assert client.post(f"{BASE}/{created['id']}/end").status_code == 200
        html = client.get(f"/console/{created['id']}", headers=HTML).text
        assert 'data-ended="1"' in html
        assert 'id="round-form"' not in html
        assert 'id="end-button"' not in html
        assert 'id="conn"' not in html
        assert f'href="{BASE}/{created["id"]}/export"' in html
        assert 'id="purge-button"' in html
        assert '<h2 id="ended-title">Deze denksessie is afgelopen.</h2>' in html

    def test_purged_console_says_so_instead_of_offering_the_button(
        self, client: TestClient, created: dict[str, Any]
    ) -> None:
        assert client.post(f"{BASE}/{created['id']}/end").status_code == 200
        assert client.delete(f"{BASE}/{created['id']}/raw-data").status_code == 200
        html = client.get(f"/console/{created['id']}", headers=HTML).text
        assert 'id="purge-button"' not in html
        assert "De deelnemersgegevens zijn verwijderd; de uitslagen blijven." in html
