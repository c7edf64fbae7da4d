"""The console carries a denksessie to its end: the main button of a round is the next step,
and an ended denksessie shows every round and result read-only, with its downloads."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import ViewportSize, expect

from tests.browser.conftest import assert_axe_clean, console_errors, screenshot
from tests.browser.test_live import (  # noqa: F401
    PROJECTOR,
    Room,
    api_get,
    api_post,
    join,
    received_frames,
    room,
    round_card,
    submit_and_wait_saved,
)

LAPTOP_720: ViewportSize = {"width": 1280, "height": 720}
PHONE_SIZE: ViewportSize = {"width": 360, "height": 740}
APPROVAL = {"candidates": ["zelfbeschikking", "privacy", "gelijkheid"], "max_approvals": 2}


@pytest.mark.browser
def test_a_closed_round_offers_the_result_then_the_next_round(room: Room) -> None:  # noqa: F811
    created = api_post(room, "/api/v1/denksessies", {"title": "Volgorde"})
    base = f"/api/v1/denksessies/{created['id']}"
    for _ in range(2):
        api_post(room, f"{base}/rounds", {"kind": "approval", "config": APPROVAL})
    console = room.page(viewport=LAPTOP_720)
    console.goto(f"{room.base}{created['console_url']}")
    first, second = round_card(console, "Ronde 1"), round_card(console, "Ronde 2")
    main = first.locator("button.primary")
    expect(main).to_have_text("Openen")
    expect(first.get_by_role("button", name="Heropenen")).to_be_hidden()
    main.click()
    expect(main).to_have_text("Sluiten")
    main.click()
    # Closed: the result is the next step; reopening is there, but not the main action.
    expect(main).to_have_text("Uitslag tonen")
    expect(first.get_by_role("button", name="Uitslag tonen")).to_have_count(1)
    expect(first.get_by_role("button", name="Heropenen")).to_be_visible()
    assert_axe_clean(console)
    screenshot(console, "console-closed-round-laptop")
    main.click()
    expect(main).to_have_text("Volgende ronde")
    expect(first.get_by_role("button", name="Uitslag verbergen")).to_be_visible()
    main.click()
    expect(second.locator(".badge")).to_have_text("open")
    expect(second.locator("button.primary")).to_have_text("Sluiten")
    expect(main).to_have_text("Nieuwe ronde toevoegen")
    main.click()
    expect(console.get_by_label("Soort ronde")).to_be_focused()
    assert console_errors(console) == []


@pytest.mark.browser
def test_an_ended_denksessie_shows_every_round_and_result(room: Room) -> None:  # noqa: F811
    created = api_post(room, "/api/v1/denksessies", {"title": "Afgerond"})
    base = f"/api/v1/denksessies/{created['id']}"
    approval = api_post(room, f"{base}/rounds", {"kind": "approval", "config": APPROVAL})
    api_post(room, f"{base}/rounds", {"kind": "approval", "config": APPROVAL})
    phone = join(room, "anna", created["code"])
    api_post(room, f"{base}/rounds/{approval['id']}/open", {})
    phone.page.get_by_role("checkbox", name="Privacy").check()
    submit_and_wait_saved(phone.page)
    console = room.page(viewport=LAPTOP_720)
    console.goto(f"{room.base}{created['console_url']}")
    expect(console.locator("#conn")).to_have_text("Verbonden")
    # Ending it from the console turns the page read-only, with everything still there.
    end = console.get_by_role("button", name="Denksessie beëindigen")
    end.click()
    console.get_by_role("button", name="Zeker weten? Nu beëindigen").click()
    expect(console.get_by_role("heading", name="Deze denksessie is afgelopen.")).to_be_visible()

    for name, viewport in (("laptop", LAPTOP_720), ("phone", PHONE_SIZE)):
        page = console if name == "laptop" else room.page(viewport=viewport)
        page.goto(f"{room.base}{created['console_url']}")
        expect(page.locator(".round-card")).to_have_count(2)
        results = round_card(page, "Ronde 1").locator(".card-results")
        expect(results).to_contain_text("Privacy")
        expect(page.locator("#participants")).to_have_text("1")
        expect(page.locator("main")).not_to_contain_text("Afgelopen")
        assert page.locator("main").inner_text().count("afgelopen") == 1
        expect(page.locator(".round-card .controls")).to_have_count(2)
        expect(page.locator(".round-card .controls").first).to_be_hidden()
        expect(page.locator("#round-form")).to_have_count(0)
        expect(page.locator("#people button")).to_have_count(0)
        export = page.get_by_role("link", name="Alles downloaden (JSON)")
        expect(export).to_have_attribute("href", f"{base}/export")
        expect(page.get_by_role("link", name="Verslag (PDF)")).to_have_attribute(
            "href", f"/console/{created['id']}/verslag.pdf"
        )
        for label, suffix in (("Uitslagen (Excel)", "xlsx"), ("Uitslagen (CSV)", "csv")):
            link = page.get_by_role("link", name=label)
            expect(link).to_have_attribute("href", f"{base}/results.{suffix}")
        assert_axe_clean(page)
        screenshot(page, f"console-ended-{name}")
        assert console_errors(page) == []

    document = api_get(room.base, f"{base}/export", room.login)
    assert len(document["rounds"]) == 2
    with console.expect_download() as download:
        console.get_by_role("link", name="Uitslagen (CSV)").click()
    path = download.value.path()
    assert "Privacy" in path.read_text(encoding="utf-8-sig")
    purge = console.get_by_role("button", name="Deelnemersgegevens nu verwijderen")
    purge.click()
    console.get_by_role("button", name="Zeker? Nu verwijderen").click()
    expect(console.locator("#purge-state")).to_contain_text("zijn verwijderd")
    expect(console.locator("#participants")).to_have_text("0")
    expect(round_card(console, "Ronde 1").locator(".card-results")).to_contain_text(
        re.compile("Privacy")
    )


NOTE = "Eerst Ria vragen; stilte laten vallen na de uitslag."


@pytest.mark.browser
def test_private_notes_stay_on_the_console_and_a_copy_keeps_them(room: Room) -> None:  # noqa: F811
    created = api_post(room, "/api/v1/denksessies", {"title": "Met notities"})
    base = f"/api/v1/denksessies/{created['id']}"
    api_post(room, f"{base}/rounds", {"kind": "approval", "config": APPROVAL})
    console = room.page(viewport=LAPTOP_720)
    console.goto(f"{room.base}{created['console_url']}")
    expect(console.locator("#conn")).to_have_text("Verbonden")
    screen = room.page(viewport=PROJECTOR)
    screen_frames = received_frames(screen)
    screen.goto(f"{room.base}{created['screen_url']}")
    phone = join(room, "bea", created["code"])
    phone_frames = received_frames(phone.page)
    phone.page.reload()
    expect(phone.page.locator("#conn")).to_have_text("Verbonden")

    card = round_card(console, "Ronde 1")
    note = card.get_by_label("Notitie (alleen voor jou)")
    note.fill(NOTE)
    note.press("Tab")
    expect(card.locator(".private-note .hint")).to_contain_text("Notitie bewaard.")
    card.locator("button.primary").click()  # open: every client gets a new state
    expect(phone.page.get_by_role("checkbox", name="Privacy")).to_be_visible()
    expect(screen.locator("#stage")).to_contain_text("Kies de belangrijkste waarden")
    assert screen_frames
    assert phone_frames
    for frames, page in ((screen_frames, screen), (phone_frames, phone.page)):
        assert NOTE not in json.dumps(frames)
        assert NOTE not in page.content()
    assert_axe_clean(console)
    screenshot(console, "console-note-laptop")

    console.reload()
    expect(round_card(console, "Ronde 1").get_by_label("Notitie (alleen voor jou)")).to_have_value(
        NOTE
    )
    console.get_by_role("button", name="Dupliceren").click()
    expect(console.get_by_role("heading", level=1)).to_have_text("Met notities (kopie)")
    assert console.url != f"{room.base}{created['console_url']}"
    copy_card = round_card(console, "Ronde 1")
    expect(copy_card.locator(".badge")).to_have_text("nog niet geopend")
    expect(copy_card.get_by_label("Notitie (alleen voor jou)")).to_have_value(NOTE)
    expect(console.locator("#participants")).to_have_text("0")
    assert console_errors(console) == []
