"""The console's replay button: the server replays 2024 and the facilitator opens the card."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_axe_clean, console_errors

pytestmark = pytest.mark.browser


def test_replay_button_leads_to_an_illustrative_draft_card(
    console_page: Page, live_server: str
) -> None:
    page = console_page
    page.goto(f"{live_server}/console")
    page.get_by_role("button", name="Naspel starten").click()
    expect(page.locator("#replay-status")).to_contain_text("Bezig met het naspel")
    done = page.get_by_role("link", name="Klaar. Bekijk de conceptkaart")
    expect(done).to_be_visible(timeout=90_000)
    assert_axe_clean(page)
    done.click()
    page.wait_for_url(re.compile(r".*/principekaarten/[a-z0-9-]+$"))
    # The notice at the top of the card and the one in its Verantwoording.
    notices = page.locator(".notice.illustrative")
    expect(notices.first).to_contain_text("gesimuleerde stemmen")
    expect(notices.last).to_contain_text("gesimuleerde deelnemers")
    expect(notices.last).to_contain_text("gesimuleerde stemmen")
    for name in ("Menselijkheid", "Zelfbeschikking", "Verantwoordelijkheid", "Billijkheid"):
        expect(page.get_by_role("heading", name=name).first).to_be_visible()
    expect(
        page.get_by_text("Ik zorg dat mensen zich gezien, gehoord en geholpen voelen").first
    ).to_be_visible()
    assert console_errors(page) == []
