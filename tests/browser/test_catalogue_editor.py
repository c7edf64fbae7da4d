"""Catalogue authoring in a real browser: copy the Waardenkaart, add a value, move it up with the
keyboard and to another cluster, delete it, and delete the copy; axe-core on every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import (
    LAPTOP,
    PHONE,
    assert_axe_clean,
    console_errors,
    screenshot,
)

NAME = "Kaart van de browsertest"
SLUG = "kaart-van-de-browsertest"
# The value's name is in a visually hidden span after the visible "Hoger".
HIGHER_MOED = re.compile(r"^Hoger\s*:\s*Moed$")


def _value(page: Page, cluster: str, name: str) -> Locator:
    return page.locator(f"#cluster-{cluster} li.edit-value", has_text=name)


def _names(page: Page, cluster: str) -> list[str]:
    return page.locator(f"#cluster-{cluster} .edit-value-name a").all_inner_texts()


@pytest.mark.browser
def test_copy_then_add_move_and_delete_a_value(console_page: Page, live_server: str) -> None:
    page = console_page
    page.goto(f"{live_server}/waardenkaart")
    assert_axe_clean(page)

    # Copy the built-in Waardenkaart under a name of our own: the editor opens.
    page.get_by_label("Naam van je eigen catalogus").fill(NAME)
    page.get_by_role("button", name="Kopieer naar eigen catalogus").click()
    expect(page).to_have_url(re.compile(f"/catalogi/{SLUG}/bewerken"))
    expect(page.get_by_role("status")).to_have_text(
        "De kopie is gemaakt. Je kunt hem nu aanpassen."
    )
    expect(page.locator("h1")).to_have_text(NAME)
    assert_axe_clean(page)

    # Add a value to Vrijheid: it comes last in that cluster.
    page.get_by_label("Naam van de waarde").fill("Moed")
    page.get_by_label("In cluster").select_option(label="Vrijheid")
    page.get_by_label("Opvattingen (één per regel, mag leeg blijven)").fill(
        "Ik durf nee te zeggen."
    )
    page.get_by_role("button", name="Waarde toevoegen").click()
    expect(page.get_by_role("status")).to_have_text("De waarde is toegevoegd.")
    assert _names(page, "vrijheid")[-1] == "Moed"

    # Up with the keyboard: focus comes back on the same button, so Enter moves it again.
    higher = _value(page, "vrijheid", "Moed").get_by_role("button", name=HIGHER_MOED)
    higher.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("De waarde staat nu op haar nieuwe plek.")
    expect(_value(page, "vrijheid", "Moed").get_by_role("button", name=HIGHER_MOED)).to_be_focused()
    assert _names(page, "vrijheid")[-2:] == ["Moed", "Privacy"]
    page.keyboard.press("Enter")
    expect(page.locator("#cluster-vrijheid .edit-value-name a").nth(1)).to_have_text("Moed")
    assert_axe_clean(page)

    # A refused change: the validator's words, focus on them, what was typed still there.
    page.get_by_label("Naam van de waarde").fill("Privacy")
    page.get_by_label("In cluster").select_option(label="Empathie")
    page.get_by_role("button", name="Waarde toevoegen").click()
    problems = page.get_by_role("alert")
    expect(problems).to_contain_text("Er is al een waarde met deze naam")
    expect(problems).to_be_focused()
    expect(page.get_by_label("Naam van de waarde")).to_have_value("Privacy")
    assert_axe_clean(page)

    # Move it to another cluster on its own page.
    page.goto(f"{live_server}/catalogi/{SLUG}/bewerken")
    page.get_by_role("link", name="Moed", exact=True).click()
    expect(page.locator("h1")).to_have_text("Moed")
    assert_axe_clean(page)
    page.get_by_label("In cluster").select_option(label="Empathie")
    page.get_by_role("button", name="Waarde opslaan").click()
    expect(page.get_by_role("status")).to_have_text("De waarde is opgeslagen.")
    expect(page.locator(".meta").first).to_have_text("Waarde in cluster Empathie.")
    page.goto(f"{live_server}/catalogi/{SLUG}/bewerken")
    assert "Moed" not in _names(page, "vrijheid")
    assert _names(page, "empathie")[-1] == "Moed"
    screenshot(page, "catalogue-editor-laptop")

    # Delete it.
    page.get_by_role("link", name="Moed", exact=True).click()
    page.get_by_role("button", name="Verwijder deze waarde").click()
    expect(page).to_have_url(re.compile(f"/catalogi/{SLUG}/bewerken"))
    expect(page.get_by_role("status")).to_have_text("De waarde is verwijderd.")
    expect(page.get_by_role("link", name="Moed", exact=True)).to_have_count(0)

    # On a phone (360 px) the editor and a value page fit without sideways scrolling.
    page.set_viewport_size(PHONE)
    for url in (f"/catalogi/{SLUG}/bewerken", f"/catalogi/{SLUG}/waarden/privacy"):
        page.goto(f"{live_server}{url}")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert_axe_clean(page)
    screenshot(page, "catalogue-editor-phone")
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server}/catalogi/{SLUG}/bewerken")

    # The list, then deleting the copy after the confirmation step.
    page.get_by_role("link", name="Eigen catalogi").first.click()
    expect(page.get_by_role("link", name=NAME, exact=True)).to_be_visible()
    assert_axe_clean(page)
    page.goto(f"{live_server}/catalogi/{SLUG}/verwijderen")
    assert_axe_clean(page)
    page.get_by_role("button", name="Ja, verwijder deze catalogus").click()
    expect(page.get_by_role("status")).to_have_text("De catalogus is verwijderd.")
    expect(page.get_by_role("link", name=NAME, exact=True)).to_have_count(0)
    assert_axe_clean(page)
    # The one refused post answers 409 on purpose; chromium logs any 4xx document as an error.
    refused = f"status of 409 (Conflict) ({live_server}/catalogi/{SLUG}/waarden)"
    assert [error for error in console_errors(page) if refused not in error] == []
