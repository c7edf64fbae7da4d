"""Intervisie with the Principekaart in a browser: started from the card page through the form
(checklist refused first, then ticked), a phone at 360 px choosing from the card's values plus
one other value, the projector fitting the round, and "Kaart en zaal" comparing room and card.
Screenshots: ``test-artifacts/intervisie-*.png``.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_axe_clean, console_errors, screenshot
from tests.browser.test_live import (  # noqa: F401 (room: the fixture)
    Room,
    assert_no_console_errors,
    assert_no_horizontal_overflow,
    join,
    room,
    small_targets,
    submit_and_wait_saved,
)
from tests.browser.test_projector import OVERFLOW_JS, check_view

BUILTIN = "principekaart-professionals-2024"
CARD_NAMES = [
    "Menselijkheid",
    "Zelfbeschikking",
    "Verantwoordelijkheid",
    "Billijkheid",
    "Doeltreffendheid",
]


@pytest.mark.browser
def test_intervisie_from_card_to_kaart_en_zaal(room: Room) -> None:  # noqa: F811
    # --- the facilitator starts an intervisie from the card's page ------------------------------
    console = room.page()
    console.goto(f"{room.base}/principekaarten/{BUILTIN}")
    assert_axe_clean(console)  # the card page with its intervisie section
    console.get_by_role("link", name="Start intervisie").click()
    console.wait_for_url(f"**/principekaarten/{BUILTIN}/intervisie")
    console.get_by_label("Titel van je casus").fill("Een moeder wil extra begeleiding")
    console.get_by_label("Het verhaal").fill(
        "Sinds 3 maart woont mevrouw Jansen alleen. Haar zoon gaat niet meer naar school."
    )
    console.get_by_label("De beslisvraag").fill("Ken je extra begeleiding toe?")
    hints = console.locator("#privacy-hints")
    expect(hints).to_contain_text("Staat hier misschien een naam of plaats? Jansen")
    expect(hints).to_contain_text("3 maart")
    assert_axe_clean(console)
    screenshot(console, "intervisie-form")

    # Not every box ticked: refused, everything typed is still there.
    console.get_by_label("Er staan geen namen in").check()
    console.get_by_role("button", name="Casus opslaan en intervisie starten").click()
    expect(console.locator("#problems")).to_contain_text("De intervisie is niet gestart")
    expect(console.get_by_label("Het verhaal")).to_have_value(re.compile("mevrouw Jansen"))
    expect(console.get_by_label("Er staan geen namen in")).to_be_checked()
    expect(console.get_by_label("Er staan geen datums in.")).not_to_be_checked()
    assert_axe_clean(console)
    screenshot(console, "intervisie-form-refused")

    console.get_by_label("Het verhaal").fill(
        "Een moeder woont alleen met haar zoon. Haar zoon gaat niet meer naar school."
    )
    for label in ("Er staan geen datums in.", "Er staan geen plaatsen", "Ik heb details veranderd"):
        console.get_by_label(label).check()
    console.get_by_role("button", name="Casus opslaan en intervisie starten").click()
    console.wait_for_url(re.compile(r".*/console/\d+$"))
    denksessie_id = int(console.url.rsplit("/", 1)[-1])
    expect(console.locator("#conn")).to_have_text("Verbonden")
    code = console.locator(".facts .code").inner_text().strip()
    screen_url = console.locator("#screen-link").get_attribute("href")
    assert screen_url is not None
    cards = console.locator(".round-card")
    expect(cards).to_have_count(4)

    # --- the casus round: a phone at 360 px sees the card's values and one other ----------------
    phone = join(room, "sanne", code)
    casus_card = cards.nth(0)
    casus_card.get_by_role("button", name="Openen").click()
    page = phone.page
    expect(page.locator(".casus .situation")).to_contain_text("Een moeder woont alleen")
    boxes = page.locator(".check-list input[type=checkbox]")
    expect(boxes).to_have_count(5)
    for name in CARD_NAMES:
        expect(page.get_by_role("checkbox", name=re.compile(name))).to_have_count(1)
    expect(page.get_by_label("Zoek een waarde")).to_have_count(0)
    page.get_by_role("radio", name="Toekennen", exact=True).check()
    page.get_by_role("checkbox", name=re.compile("Menselijkheid")).check()
    page.get_by_label("Of een andere waarde").select_option(label="Privacy")
    expect(page.get_by_label(re.compile("Principe bij Privacy"))).to_be_visible()
    submit_and_wait_saved(page)
    assert_axe_clean(page)
    assert small_targets(page) == []
    assert_no_horizontal_overflow(page)
    screenshot(page, "intervisie-phone-casus")

    # --- the projector fits the round at 1280 x 720 and 1920 x 1080 -----------------------------
    for viewport in ({"width": 1280, "height": 720}, {"width": 1920, "height": 1080}):
        screen = room.page(viewport=viewport)  # type: ignore[arg-type]
        screen.goto(f"{room.base}{screen_url}")
        expect(screen.locator(".question")).to_be_visible()
        check_view(screen, f"intervisie-casus-{viewport['width']}", viewport)  # type: ignore[arg-type]
        assert_no_console_errors(screen)

    # --- "Welke waarde was doorslaggevend?" ------------------------------------------------------
    casus_card.get_by_role("button", name="Sluiten").click()
    expect(casus_card.locator(".badge")).to_have_text("gesloten")
    cards.nth(1).get_by_role("button", name="Openen").click()
    # The closed casus round also had five boxes: wait for the new round's form.
    expect(page.get_by_role("heading", name="Welke waarde was doorslaggevend?")).to_be_visible()
    expect(page.get_by_role("checkbox")).to_have_count(5)
    expect(page.get_by_label("Of een andere waarde")).to_be_visible()
    page.get_by_role("checkbox", name=re.compile("Menselijkheid")).check()
    submit_and_wait_saved(page)

    # --- "Kan je er ook anders naar kijken?": an open round, answered in own words ---------------
    cards.nth(1).get_by_role("button", name="Sluiten").click()
    expect(cards).to_have_count(4)
    cards.nth(3).get_by_role("button", name="Openen").click()
    expect(page.get_by_role("heading", name="Kan je er ook anders naar kijken?")).to_be_visible()
    page.get_by_label("Jouw antwoord 1").fill("Vanuit de zoon gezien gaat het om school.")
    submit_and_wait_saved(page)
    assert_axe_clean(page)
    assert_no_horizontal_overflow(page)
    screenshot(page, "intervisie-phone-open")

    # --- Kaart en zaal ---------------------------------------------------------------------------
    console.get_by_role("link", name=re.compile("Kaart en zaal")).click()
    console.wait_for_url(f"**/console/{denksessie_id}/kaart-en-zaal")
    row = console.locator(".room-table tbody tr").first
    expect(row).to_contain_text("Menselijkheid")
    expect(row.locator("td")).to_have_text(["1", "1"])
    expect(console.locator(".room-list")).to_contain_text("Privacy")
    expect(console.locator("#unchosen + p")).to_contain_text("Zelfbeschikking")
    expect(console.locator(".room-reflect")).to_contain_text("Kan je er ook anders naar kijken?")
    expect(console.locator(".room-answers")).to_contain_text("Vanuit de zoon gezien gaat het om")
    assert_axe_clean(console)
    for viewport in ({"width": 1280, "height": 720}, {"width": 1920, "height": 1080}):
        console.set_viewport_size(viewport)  # type: ignore[arg-type]
        assert console.evaluate(OVERFLOW_JS) == [], viewport
        screenshot(console, f"intervisie-kaart-en-zaal-{viewport['width']}")
    assert_no_console_errors(page)
    # The refused form came back with 422 on purpose; nothing else went wrong on the laptop.
    assert [e for e in console_errors(console) if "status of 422" not in e] == []
