"""The replay of 2024 through a running server's real HTTP and websocket API, on PostgreSQL.

The replay follows the published process (seed 000, Verantwoording): two casus sessions, then
one that prioritises the twelve values named down to five. Its simulated participants do not
copy the card: they write variations of its principles and rank with their own noise, and the
traject's real aggregation still selects the five of 2024. The card holds them in the same
clusters, each headline and sub-principle curated (reworded) from what the participants wrote,
and says the ballots are simulated.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from app.aggregation.methods import aggregate
from app.aggregation.profile import RankingBallot
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


def test_the_scenario_follows_the_three_sessions_of_2024() -> None:
    built = scenario.build()
    assert [len(s["casussen"]) for s in built["naming_sessions"]] == [2, 2]
    assert "prioritising_session" in built
    assert not {"principles_session"} & set(built)
    titles = [s["title"] for s in built["naming_sessions"]] + [
        built["prioritising_session"]["title"]
    ]
    assert titles == [
        "Denksessie 1: casussen (april 2024)",
        "Denksessie 2: casussen (april 2024)",
        "Denksessie 3: prioriteren (mei 2024)",
    ]


def _written(built: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (value, text)
        for session in built["naming_sessions"]
        for person in session["participants"]
        for answer in person["answers"]
        for value, text in answer["principles"].items()
    ]


def test_no_simulated_participant_writes_a_published_principle_word_for_word() -> None:
    built = scenario.build()
    published = {scenario.normalised(text) for _, text in scenario.published_principles()}
    written = _written(built)
    assert len(written) > 50
    assert [text for _, text in written if scenario.normalised(text) in published] == []
    assert all(text.startswith("Ik ") for _, text in written)
    # People differ: many distinct wordings, and values not on the card are named too.
    assert len({text for _, text in written}) > 40
    assert {value for value, _ in written} == set(scenario.SELECTED) | set(scenario.OTHERS)
    # Every published principle was written in some wording, so curation can find it.
    for entry in built["card"].values():
        assert all(entry["written"][text] for text in [entry["headline"], *entry["sub_principles"]])


def test_rankings_vary_and_the_real_aggregation_selects_the_five_of_2024() -> None:
    built = scenario.build()
    rankings = [p["ranking"] for p in built["prioritising_session"]["participants"]]
    candidates = scenario.SELECTED + scenario.OTHERS
    assert all(sorted(r) == sorted(candidates) for r in rankings)
    assert not any(r[:5] == scenario.SELECTED for r in rankings)
    assert len({tuple(r) for r in rankings}) == len(rankings)
    result = aggregate(
        "schulze_borda",
        candidates,
        [RankingBallot(tuple(r)) for r in rankings],
        seats=5,
        tie_break_order=candidates,
    )
    assert list(result.order[:5]) == scenario.SELECTED


def test_replay_makes_the_2024_card(server: tuple[LiveServer, dict[str, str]]) -> None:
    live, login = server
    api = replay.ApiSession(
        live.url, csrf_token=login["csrf"], login_cookie=(LOGIN_COOKIE, login["cookie"])
    )
    result = replay.run(api)

    published = scenario.published_card()
    assert result.selection == [v["value"] for v in published["values"]]
    assert len(result.shortlist) == 12
    assert result.participants == 25

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
    ]
    # Curation picked what participants wrote and reworded it to the card's text, on record.
    rewordings = verantwoording["rewordings"]
    on_card = [(v["value"], t) for v in builtin["values"] for t in v["sub_principles"]]
    assert len(rewordings) == len(on_card) + 5
    assert all(r["original"] != r["text"] for r in rewordings)
    written = set(_written(scenario.load()))
    assert all((r["value"], r["original"]) in written for r in rewordings)
    assert {n["value"] for n in verantwoording["values_named"]} == set(result.shortlist)
    assert verantwoording["ranking_ballots"] == 10
    # The traject's ballots can be downloaded, without names.
    rows = api.get_text(f"/api/v1/trajects/{result.traject_id}/ballots.csv").splitlines()
    assert len(rows) == 1 + 8 * 2 + 7 * 2 + 10
    # The card's pages say the ballots are simulated.
    page = api.get_text(f"/principekaarten/{result.card_slug}")
    assert "gesimuleerde stemmen" in page
    printed = api.get_text(f"/principekaarten/{result.card_slug}/afdruk?formaat=a3")
    assert "gesimuleerde stemmen" in printed
    pdf = api._send("GET", f"/principekaarten/{result.card_slug}/kaart.pdf?formaat=a3", None)
    pdf_text = " ".join(
        " ".join((sheet.extract_text() or "").split()) for sheet in PdfReader(io.BytesIO(pdf)).pages
    )
    assert "gesimuleerde stemmen" in pdf_text


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
