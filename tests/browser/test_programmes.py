"""Programmes in a real browser: a new denksessie started from the built-in Casussessie
through the console (a casus picked per casus round, a refusal first), and a denksessie's
rounds saved as a programme that the programmes page then lists; axe-core finds nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import (
    LAPTOP,
    PHONE,
    assert_axe_clean,
    console_errors,
    log_in,
    screenshot,
    watched_page,
)

TIMEOUT_MS = 10_000


@pytest.mark.browser
class TestProgrammes:
    def test_start_from_the_casussessie_and_save_its_rounds(
        self, browser: Browser, live_server: str, facilitator_login: dict[str, str]
    ) -> None:
        base = live_server
        context = log_in(browser.new_context(viewport=LAPTOP), base, facilitator_login)
        context.set_default_timeout(TIMEOUT_MS)
        page = watched_page(context)
        try:
            page.goto(f"{base}/console")
            assert_axe_clean(page)
            page.get_by_label("Programma", exact=True).select_option(label="Casussessie")
            page.get_by_role("button", name="Verder").click()
            page.wait_for_url("**/console/programmas/start?programma=*")
            expect(page.get_by_role("heading", level=1)).to_have_text(
                "Nieuwe denksessie: Casussessie"
            )
            assert_axe_clean(page)

            # Without a casus for each casus round nothing is made; the title stays typed.
            page.get_by_label("Titel").fill("Wijkteam Centrum")
            page.get_by_role("button", name="Denksessie aanmaken").click()
            expect(page.locator("#problems")).to_contain_text("kies een casus voor ronde 1")
            expect(page.get_by_label("Titel")).to_have_value("Wijkteam Centrum")
            assert_axe_clean(page)

            first = page.get_by_label("Casus voor ronde 1")
            second = page.get_by_label("Casus voor ronde 2")
            first.select_option(index=1)
            second.select_option(index=2)
            titles = [
                first.locator("option:checked").inner_text(),
                second.locator("option:checked").inner_text(),
            ]
            page.get_by_role("button", name="Denksessie aanmaken").click()
            page.wait_for_url(re.compile(r".*/console/\d+$"))
            expect(page.get_by_role("heading", level=1)).to_have_text("Wijkteam Centrum")
            expect(page.locator("#rounds .round-card h3")).to_have_text(titles)
            assert_axe_clean(page)

            # The same rounds, saved as a programme of the organisation.
            page.get_by_role("link", name="Als programma bewaren").click()
            page.wait_for_url("**/console/programmas?denksessie=*")
            expect(page.get_by_label("Welke denksessie?")).to_have_value(
                page.url.rsplit("=", 1)[-1]
            )
            assert_axe_clean(page)
            page.get_by_label("Naam van het programma").fill("Centrum: twee casussen")
            page.get_by_role("button", name="Als programma bewaren").click()
            saved = page.locator(".programme.saved")
            expect(saved.get_by_role("heading")).to_have_text("Centrum: twee casussen")
            expect(saved).to_contain_text("Opgeslagen.")
            for title in titles:
                expect(saved.locator(".steps")).to_contain_text(title)
            screenshot(page, "programmes")
            assert_axe_clean(page)
            assert [e for e in console_errors(page) if "status of 422" not in e] == []

            # On a phone the pages fit the width (no sideways scrolling).
            phone = log_in(
                browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True),
                base,
                facilitator_login,
            )
            small = watched_page(phone)
            for path in ("/console/programmas", "/console/programmas/start?programma=1"):
                small.goto(f"{base}{path}")
                widths = small.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                assert widths[0] <= widths[1], path
            phone.close()
        finally:
            context.close()
