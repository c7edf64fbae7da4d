"""The replay of 2024 through a running server's real HTTP and websocket API, on PostgreSQL.

The card it makes must hold the five values of the published Principekaart Professionals 2024,
in the same clusters, each with the published headline and sub-principles chosen from what the
simulated participants wrote, and must say it is illustrative.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.api.deps import LOGIN_COOKIE
from app.cli import cli
from app.demo import replay, scenario
from tests.conftest import DEMO_OWNER_EMAIL, TEST_SECRET, committed_login
from tests.live import LiveServer, prepared_database
from tests.services import fresh_postgres_database

BUILTIN = "principekaart-professionals-2024"


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[LiveServer, dict[str, str]]]:
    with fresh_postgres_database() as url:
        settings = prepared_database(url)
        login = committed_login(url)
        live = LiveServer(settings)
        live.start()
        try:
            yield live, login
        finally:
            live.stop()


def test_the_scenario_file_is_what_the_builder_makes() -> None:
    # The JSON in the repository is for reading; it must not drift from the code that makes it.
    assert json.loads(Path(scenario.SCENARIO_FILE).read_text(encoding="utf-8")) == scenario.build()


def test_replay_makes_the_2024_card(server: tuple[LiveServer, dict[str, str]]) -> None:
    live, login = server
    api = replay.ApiSession(
        live.url, csrf_token=login["csrf"], login_cookie=(LOGIN_COOKIE, login["cookie"])
    )
    result = replay.run(api)

    published = scenario.published_card()
    assert result.selection == [v["value"] for v in published["values"]]
    assert len(result.shortlist) == 12
    assert result.participants == 31

    card = api.get(f"/api/v1/principekaarten/{result.card_slug}")
    builtin = api.get(f"/api/v1/principekaarten/{BUILTIN}")
    assert [(v["value"], v["cluster"]) for v in card["values"]] == [
        (v["value"], v["cluster"]) for v in builtin["values"]
    ]
    for mine, theirs in zip(card["values"], builtin["values"], strict=True):
        assert mine["headline"].rstrip(".") == theirs["headline"].rstrip(".")
        assert mine["sub_principles"] == theirs["sub_principles"]
    verantwoording = card["verantwoording"]
    assert verantwoording["illustrative"] is True
    assert [(s["stage"], s["participants"]) for s in verantwoording["sessions"]] == [
        ("naming", 8),
        ("naming", 7),
        ("prioritising", 10),
        ("principles", 6),
    ]
    # The principles stage voted: each chosen headline got the six votes of that room.
    curation = api.get(f"/api/v1/trajects/{result.traject_id}/curation/menselijkheid")
    headline = published["values"][0]["headline"].rstrip(".") + "."
    (group,) = [g for g in curation["groups"] if headline in {p["text"] for p in g["principles"]}]
    assert group["votes"] == 6
    assert {n["value"] for n in verantwoording["values_named"]} == set(result.shortlist)
    assert verantwoording["ranking_ballots"] == 10
    # The traject's ballots can be downloaded, without names.
    rows = api.get_text(f"/api/v1/trajects/{result.traject_id}/ballots.csv").splitlines()
    assert len(rows) == 1 + 8 * 2 + 7 * 2 + 10 + 6 * 5


def test_the_console_button_runs_the_replay_on_the_server(
    server: tuple[LiveServer, dict[str, str]],
) -> None:
    live, login = server
    api = replay.ApiSession(
        live.url, csrf_token=login["csrf"], login_cookie=(LOGIN_COOKIE, login["cookie"])
    )
    result = api.post("/api/v1/demo/traject")
    assert result["selection"] == [v["value"] for v in scenario.published_card()["values"]]
    card = api.get(f"/api/v1/principekaarten/{result['card_slug']}")
    assert card["status"] == "draft"
    assert card["verantwoording"]["illustrative"] is True
    # Without the CSRF header the same button is refused and nothing runs.
    bare = replay.ApiSession(live.url, login_cookie=(LOGIN_COOKIE, login["cookie"]))
    with pytest.raises(replay.ReplayError, match="403"):
        bare.post("/api/v1/demo/traject")


def test_the_command_replays_against_a_running_server(
    server: tuple[LiveServer, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    live, _login = server
    monkeypatch.setenv("DENKSESSIE_DATABASE_URL", live.settings.database_url)
    monkeypatch.setenv("DENKSESSIE_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("DENKSESSIE_ENVIRONMENT", "test")
    result = CliRunner().invoke(
        cli, ["demo", "traject", "--url", live.url, "--email", DEMO_OWNER_EMAIL]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.splitlines()[0])
    assert summary["selection"][:2] == ["menselijkheid", "zelfbeschikking"]
    assert "Kaart (concept): http://127.0.0.1" in result.output
    unknown = CliRunner().invoke(
        cli, ["demo", "traject", "--url", live.url, "--email", "niemand@example.org"]
    )
    assert unknown.exit_code == 1
    assert "Er is geen account niemand@example.org" in unknown.output
