"""The traject funnel page in a real browser: create a traject, read the shortlist with its tie,
take the tied values, make the ranking round, decide the principles and make the card.

Ballots come from the real services on the live server's own database (phones are covered by
test_live.py); everything the facilitator does goes through the page and Denk.api.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine
from sqlmodel import select

from app.config import Settings
from app.db import build_engine, transaction
from app.organisations import service as organisations
from app.sessions.models import SessionRound
from app.trajects import service as trajects
from app.trajects.models import Traject
from app.trajects.schemas import SessionAttach
from tests.browser.conftest import (
    LAPTOP,
    PHONE,
    assert_axe_clean,
    console_errors,
    log_in,
    screenshot,
    watched_page,
)
from tests.sessions.factories import (
    cast,
    close,
    make_denksessie,
    make_open_round,
    make_participant,
    open_,
)

TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def server(live_server: str, live_settings: Settings) -> Iterator[tuple[str, Engine]]:
    """The shared live server and an engine on its database, to cast ballots as phones would."""
    engine = build_engine(live_settings)
    try:
        yield live_server, engine
    finally:
        engine.dispose()


def _traject_id(page: Page) -> int:
    return int(page.url.rstrip("/").rsplit("/", 1)[-1])


def _naming_ballots(engine: Engine, traject_id: int) -> None:
    """Four people; privacy, compassie, eenvoud and vertrouwen each named twice (a tie)."""
    answers = [
        {"privacy": "Ik bescherm gegevens.", "compassie": "Ik leef mee."},
        {"privacy": "Ik vraag toestemming.", "eenvoud": "Ik houd het simpel."},
        {"compassie": "Ik luister.", "vertrouwen": "Ik geef vertrouwen."},
        {"eenvoud": "Ik schrap regels.", "vertrouwen": "Ik vertrouw de inwoner."},
    ]
    with transaction(engine) as db:
        organisation_id = organisations.ensure_demo(db).id
        assert organisation_id is not None
        traject = db.get(Traject, traject_id)
        assert traject is not None
        denksessie = make_denksessie(db, organisation_id=organisation_id, title="Wijkteam Noord")
        assert denksessie.id is not None
        trajects.attach(
            db,
            traject=traject,
            organisation_id=organisation_id,
            data=SessionAttach(denksessie_id=denksessie.id, stage="naming"),
        )
        casus_round = make_open_round(db, denksessie, "casus", max_values=10)
        for answer in answers:
            person = make_participant(db, denksessie)
            payload = {"decision": "toekennen", "values": list(answer), "principles": answer}
            cast(db, denksessie, person, casus_round, payload)
        close(db, denksessie, casus_round)


def _rank_and_principles(engine: Engine, traject_id: int) -> None:
    """Two ranking ballots, and four more principles for each value from a principles session."""
    with transaction(engine) as db:
        organisation_id = organisations.ensure_demo(db).id
        assert organisation_id is not None
        traject = db.get(Traject, traject_id)
        assert traject is not None
        denksessie = trajects.sessions_of(db, traject, stage="prioritising")[0][1]
        ranking = db.exec(
            select(SessionRound).where(SessionRound.denksessie_id == denksessie.id)
        ).one()
        open_(db, denksessie, ranking)
        for order in (["compassie", "privacy"], ["compassie", "privacy"]):
            cast(db, denksessie, make_participant(db, denksessie), ranking, {"ranking": order})
        close(db, denksessie, ranking)
        extra = make_denksessie(db, organisation_id=organisation_id, title="Principes")
        assert extra.id is not None
        trajects.attach(
            db,
            traject=traject,
            organisation_id=organisation_id,
            data=SessionAttach(denksessie_id=extra.id, stage="principles"),
        )
        casus_round = make_open_round(db, extra, "casus", max_values=10)
        for n in ("een", "twee", "drie", "vier"):
            principles = {
                "compassie": f"Ik toon compassie op manier {n} voor iedereen.",
                "privacy": f"Ik bescherm privacy op manier {n} voor iedereen.",
            }
            payload = {
                "decision": "toekennen",
                "values": list(principles),
                "principles": principles,
            }
            cast(db, extra, make_participant(db, extra), casus_round, payload)
        close(db, extra, casus_round)


def _choose(page: Page, value: str) -> None:
    form = page.locator(f'form[data-kind="curation"][data-value="{value}"]')
    form.locator('input[name="headline"]').first.check()
    subs = form.locator('input[name="sub"]')
    for index in (1, 2, 3):
        subs.nth(index).check()
    first_text = form.locator('input[type="text"]').first
    first_text.fill(f"Ik kies bewust voor {value}.")
    form.get_by_role("button", name="Principes opslaan").click()
    expect(page.locator(f"#cur-{value} ~ .chosen")).to_contain_text(f"Ik kies bewust voor {value}.")


@pytest.mark.browser
class TestTrajectFunnel:
    def test_from_shortlist_to_a_draft_card(
        self, browser: Browser, server: tuple[str, Engine], facilitator_login: dict[str, str]
    ) -> None:
        base, engine = server
        context = log_in(browser.new_context(viewport=LAPTOP), base, facilitator_login)
        context.set_default_timeout(TIMEOUT_MS)
        page = watched_page(context)
        try:
            page.goto(f"{base}/console/trajecten")
            page.get_by_text("Welke methode kies ik?").click()
            expect(page.locator("#method-help dl")).to_be_visible()
            assert_axe_clean(page)
            page.get_by_label("Titel").fill("Principekaart Wijkteams")
            page.get_by_label("Aantal waarden op de kaart").fill("1")
            page.get_by_label("Shortlist: hoogstens zoveel waarden (M)").fill("2")
            page.get_by_role("button", name="Traject aanmaken").click()
            page.wait_for_url("**/console/trajecten/*")
            traject_id = _traject_id(page)

            _naming_ballots(engine, traject_id)
            page.reload()
            table = page.locator("#shortlist-table")
            expect(table.locator("tr.tied")).to_have_count(4)
            page.get_by_role("button", name="Alle gelijke waarden meenemen").click()
            expect(page.locator(".notice.tie").first).to_contain_text(
                "alle gelijke waarden meegenomen"
            )
            expect(table.locator("tr.on")).to_have_count(4)

            # Drop two values with a reason, so the room ranks two.
            for value in ("Eenvoud", "Vertrouwen"):
                form = page.locator('form[data-kind="shortlist-change"]')
                form.get_by_label("Wat").select_option("drop")
                form.get_by_label("Waarde", exact=True).select_option(label=value)
                form.get_by_role("button", name="Opslaan").click()
                expect(form.locator(".error")).to_contain_text("reden")
                form.get_by_label("Reden (verplicht").fill("Overlapt met een andere waarde")
                form.get_by_role("button", name="Opslaan").click()
                expect(page.locator("#shortlist-values")).not_to_contain_text(value)
            # The order of the four tied values follows the traject's random tie-break order.
            expect(table.locator("tr.on")).to_have_count(2)
            for value in ("Privacy", "Compassie"):
                expect(page.locator("#shortlist-values")).to_contain_text(value)

            stage = page.locator('form[data-kind="new-session"][data-stage="prioritising"]')
            stage.locator("xpath=..").locator("summary").click()
            stage.get_by_label("Titel").fill("Prioriteren met het team")
            stage.get_by_role("button", name="Denksessie aanmaken").click()
            expect(page.get_by_role("link", name="Prioriteren met het team")).to_be_visible()
            page.get_by_role("button", name="Rangschikronde aanmaken").click()
            expect(page.get_by_text("De shortlist ligt vast")).to_be_visible()

            _rank_and_principles(engine, traject_id)
            page.reload()
            expect(page.locator("#selection-order li.on")).to_have_text(["Compassie ✓"])
            _choose(page, "compassie")

            page.get_by_label("Titel van de kaart").fill("Onze principes")
            page.get_by_role("button", name="Kaart maken").click()
            link = page.locator("#card-link a")
            expect(link).to_have_attribute("href", "/principekaarten/onze-principes")
            expect(page.locator("#card-link")).to_contain_text("concept")
            screenshot(page, "traject-laptop")
            assert_axe_clean(page)
            assert console_errors(page) == []

            phone = log_in(
                browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True),
                base,
                facilitator_login,
            )
            small = watched_page(phone)
            small.goto(f"{base}/console/trajecten/{traject_id}")
            width = small.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            screenshot(small, "traject-phone")
            assert width[0] <= width[1]
            phone.close()
        finally:
            context.close()
