"""Getting in: a code box on the home page, typed codes read leniently, and a page that says
why a code led nowhere; a console on 127.0.0.1 says how phones can reach the room."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app import network
from app.sessions import codes
from app.sessions import service as sessions

BASE = "/api/v1/denksessies"
HTML = {"Accept": "text/html"}


@pytest.fixture
def created(client: TestClient) -> dict[str, Any]:
    response = client.post(BASE, json={"title": "Wijkteam Noord"})
    assert response.status_code == 201, response.text
    return dict(response.json())


def _typo(code: str) -> str:
    """A well-formed code that is not ``code``."""
    return ("A" if code[0] != "A" else "B") + code[1:]


class TestCodeBox:
    def test_home_page_has_a_code_box_that_joins(self, client: TestClient) -> None:
        html = client.get("/", headers=HTML).text
        assert '<form class="code-box" method="get" action="/j">' in html
        assert 'name="code"' in html

    def test_lower_case_spaces_and_dashes_find_the_room(
        self, client: TestClient, created: dict[str, Any]
    ) -> None:
        code = created["code"]
        typed = f" {code[:3].lower()} - {code[3:].lower()} "
        response = client.get("/j", params={"code": typed}, headers=HTML)
        assert response.status_code == 200
        assert response.url.path == f"/j/{code}"

    def test_a_dashed_code_in_the_link_finds_the_room(
        self, client: TestClient, created: dict[str, Any]
    ) -> None:
        code = created["code"]
        response = client.get(f"/j/{code[:3].lower()}-{code[3:]}", headers=HTML)
        assert response.status_code == 200
        assert response.url.path == f"/j/{code}"


class TestCodeNotFound:
    def test_unknown_code_says_so_and_offers_the_box_again(
        self, client: TestClient, created: dict[str, Any]
    ) -> None:
        wrong = _typo(created["code"])
        response = client.get(f"/j/{wrong}", headers=HTML)
        assert response.status_code == 404
        assert f"Er is geen denksessie met code {wrong}." in response.text
        assert f'value="{wrong}"' in response.text
        assert 'action="/j"' in response.text

    def test_ended_session_says_it_ended(self, client: TestClient, created: dict[str, Any]) -> None:
        assert client.post(f"{BASE}/{created['id']}/end").status_code == 200
        for path in (f"/j/{created['code']}", f"/p/{created['code']}"):
            response = client.get(path, headers=HTML)
            assert response.status_code == 404
            assert "Deze denksessie is afgelopen" in response.text
            assert "Meedoen kan niet meer." in response.text

    @pytest.mark.parametrize(
        ("typed", "explanation"),
        [
            ("ABC0EF", "Een code bevat nooit een 0, O, 1, I of L."),
            ("ABCLEF", "Een code bevat nooit een 0, O, 1, I of L."),
            ("ABCDE", "Een code heeft zes tekens. Je typte er 5."),
            ("ABCDÉF", "Een code heeft alleen letters A tot Z en cijfers 2 tot 9."),
        ],
    )
    def test_malformed_code_says_what_is_wrong(
        self, client: TestClient, typed: str, explanation: str
    ) -> None:
        response = client.get(f"/j/{typed}", headers=HTML)
        assert response.status_code == 404
        assert "Dit is geen geldige code" in response.text
        assert explanation in response.text

    def test_typed_code_is_escaped(self, client: TestClient) -> None:
        response = client.get("/j", params={"code": '"><script>x'}, headers=HTML)
        assert response.status_code == 404
        assert "<script>x" not in response.text

    def test_english(self, client: TestClient, created: dict[str, Any]) -> None:
        wrong = _typo(created["code"])
        html = client.get(f"/j/{wrong}?lang=en", headers=HTML).text
        assert f"There is no denksessie with code {wrong}." in html


class TestCodeRules:
    def test_no_look_alike_can_be_mapped(self) -> None:
        """Both halves of every look-alike pair are left out, so nothing is guessed."""
        assert not codes.LEFT_OUT & set(sessions.JOIN_ALPHABET)
        assert codes.malformed_reason("abc-0ef") == "left_out"
        assert codes.is_well_formed("abc-def")


class TestPhoneReach:
    def test_console_on_loopback_warns_and_says_how_to_start(
        self, client: TestClient, created: dict[str, Any]
    ) -> None:
        html = client.get(
            f"/console/{created['id']}", headers={**HTML, "host": "127.0.0.1:8000"}
        ).text
        assert "Telefoons kunnen 127.0.0.1 niet bereiken" in html
        address = network.network_address()
        if address is not None and not network.listens_on(address, 8000):
            assert "make run HOST=0.0.0.0" in html
            assert f"http://{address}:8000/console/{created['id']}" in html

    def test_console_on_a_network_address_does_not_warn(
        self, client: TestClient, created: dict[str, Any]
    ) -> None:
        html = client.get(
            f"/console/{created['id']}", headers={**HTML, "host": "192.168.1.20:8000"}
        ).text
        assert "niet bereiken" not in html

    def test_loopback_names(self) -> None:
        for host in ("127.0.0.1", "127.1.2.3", "localhost", "[::1]", "app.localhost"):
            assert network.is_loopback(host), host
        for host in ("192.168.1.20", "denksessie.example.org", "[2001:db8::1]"):
            assert not network.is_loopback(host), host

    def test_listens_on_tells_a_listening_port_from_a_closed_one(self) -> None:
        with socket.socket() as server:
            server.bind(("127.0.0.1", 0))
            server.listen()
            port = server.getsockname()[1]
            assert network.listens_on("127.0.0.1", port)
        assert not network.listens_on("127.0.0.1", port)
