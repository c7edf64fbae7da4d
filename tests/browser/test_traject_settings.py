"""Traject settings in a real browser: the shortlist rule changed through the traject page,
its consequence shown while typing (from the real ballots, by the server) and again without the
script ("Gevolg bekijken"), then saved; axe-core finds nothing on any state of the page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine

from app.config import Settings
from app.db import build_engine, transaction
from app.organisations import service as organisations
from app.trajects import service as trajects
from app.trajects.models import Traject
from app.trajects.schemas import SessionAttach, TrajectCreate
from tests.browser.conftest import (
    LAPTOP,
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
)

TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def server(live_server: str, live_settings: Settings) -> Iterator[tuple[str, Engine]]:
    engine = build_engine(live_settings)
    try:
        yield live_server, engine
    finally:
        engine.dispose()


def _traject_with_ballots(engine: Engine) -> int:
    """A traject whose naming session is done: privacy named by 3 people, compassie by 2,
    eenvoud and vertrouwen by 1 each (so N = 2 leaves two values)."""
    answers = [["privacy", "compassie"], ["privacy", "compassie"], ["privacy", "eenvoud"]]
    answers.append(["vertrouwen"])
    with transaction(engine) as db:
        organisation_id = organisations.ensure_demo(db).id
        assert organisation_id is not None
        traject = trajects.create(
            db,
            organisation_id=organisation_id,
            data=TrajectCreate(title="Regel aanpassen", card_size=2),
        )
        denksessie = make_denksessie(db, organisation_id=organisation_id, title="Wijkteam West")
        assert denksessie.id is not None
        trajects.attach(
            db,
            traject=traject,
            organisation_id=organisation_id,
            data=SessionAttach(denksessie_id=denksessie.id, stage="naming"),
        )
        casus_round = make_open_round(db, denksessie, "casus", max_values=10)
        for values in answers:
            payload = {"decision": "toekennen", "values": values, "principles": {}}
            cast(db, denksessie, make_participant(db, denksessie), casus_round, payload)
        close(db, denksessie, casus_round)
        assert traject.id is not None
        return traject.id


def _rule(engine: Engine, traject_id: int) -> tuple[int, int]:
    with transaction(engine) as db:
        traject = db.get(Traject, traject_id)
        assert traject is not None
        return traject.min_participants, traject.max_values


@pytest.mark.browser
class TestShortlistRuleThroughThePage:
    def test_the_consequence_is_shown_before_saving(
        self, browser: Browser, server: tuple[str, Engine], facilitator_login: dict[str, str]
    ) -> None:
        base, engine = server
        traject_id = _traject_with_ballots(engine)
        context = log_in(browser.new_context(viewport=LAPTOP), base, facilitator_login)
        context.set_default_timeout(TIMEOUT_MS)
        page: Page = watched_page(context)
        try:
            page.goto(f"{base}/console/trajecten/{traject_id}#instellingen")
            settings = page.locator("#instellingen")
            expect(settings.locator("#setting-central_question")).to_be_visible()
            expect(settings).to_contain_text("Staat vast: de fase benoemen is begonnen")
            expect(settings.locator("#consequence-rule")).to_have_count(0)
            assert_axe_clean(page)

            # While typing: the server counts the real ballots again, nothing is saved.
            settings.get_by_label("Shortlist: minimaal aantal deelnemers").fill("2")
            expect(settings.locator("#consequence-rule")).to_have_text(
                "Met deze regel komen nu 2 waarden op de shortlist"
            )
            expect(settings.locator("#consequence-box")).to_contain_text("Eraf: ")
            assert _rule(engine, traject_id) == (1, 12)

            # Without the script's help the button shows the same, on a new page.
            settings.get_by_label("Shortlist: hoogstens zoveel waarden (M)").fill("2")
            settings.get_by_role("button", name="Gevolg bekijken").click()
            expect(page.locator("#consequence-rule")).to_have_text(
                "Met deze regel komen nu 2 waarden op de shortlist"
            )
            expect(page.get_by_label("Shortlist: minimaal aantal deelnemers")).to_have_value("2")
            assert _rule(engine, traject_id) == (1, 12)
            assert_axe_clean(page)

            # A refusal keeps what was typed: a card larger than the shortlist.
            page.get_by_label("Aantal waarden op de kaart").fill("3")
            page.get_by_role("button", name="Instellingen opslaan").click()
            expect(page.locator("#settings-problems")).to_contain_text("Aantal waarden op de kaart")
            expect(page.get_by_label("Shortlist: hoogstens zoveel waarden (M)")).to_have_value("2")
            assert_axe_clean(page)

            page.get_by_label("Aantal waarden op de kaart").fill("2")
            page.get_by_role("button", name="Instellingen opslaan").click()
            expect(page.locator("#shortlist-title ~ p").first).to_contain_text("minstens 2")
            expect(page.locator("#shortlist-table tr.on")).to_have_count(2)
            assert _rule(engine, traject_id) == (2, 2)
            screenshot(page, "traject-settings")
            # The refused form came back as a 422 page, which chromium logs; nothing else.
            assert [e for e in console_errors(page) if "status of 422" not in e] == []
        finally:
            context.close()
