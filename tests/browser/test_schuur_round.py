"""A schuur round in real browsers: the facilitator adds it in the console (the casus's values
in tension as candidates), a 360 px phone marks pairs with the two selects, removes one and
sends; the projector shows the clash matrix and the top pairs and fits 1280x720 and 1920x1080
without scrolling, readable from the back; axe-core finds nothing on phone or projector.
Screenshots land in ``test-artifacts/schuur-*.png`` and ``projector-*-schuur*.png``."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.config import Settings
from tests.browser.conftest import assert_axe_clean, screenshot
from tests.browser.test_live import (  # noqa: F401 (room: the fixture)
    Room,
    api_get,
    api_post,
    assert_no_console_errors,
    assert_no_horizontal_overflow,
    join,
    room,
    round_card,
    small_targets,
    submit_and_wait_saved,
)
from tests.browser.test_projector import SCREENS, Filler, check_view

ROOM = 300
VALUES = 12


@pytest.mark.browser
def test_a_phone_marks_pairs_and_the_projector_shows_the_matrix(
    room: Room,  # noqa: F811
    live_settings: Settings,
) -> None:
    # A casus with at least three values in tension: the phone makes two pairs of them.
    casus = next(
        c
        for c in api_get(room.base, "/api/v1/casussen", room.login)
        if len(c["values_in_tension"]) >= 3
    )
    created = api_post(
        room,
        "/api/v1/denksessies",
        {"title": "Schuren", "casus_ids": [casus["id"]], "room_size": ROOM + 10},
    )
    code, base = created["code"], f"/api/v1/denksessies/{created['id']}"
    console = room.page()
    console.goto(f"{room.base}{created['console_url']}")
    expect(console.locator("#conn")).to_have_text("Verbonden")

    # The console: a schuur round on the casus, at most 2 pairs each.
    form = console.locator("#round-form")
    form.get_by_label("Soort ronde").select_option("schuur")
    form.get_by_label(re.compile("Bij welke casus")).select_option(str(casus["id"]))
    form.get_by_label("Hoeveel paren kiest iedereen hoogstens?").select_option("2")
    form.get_by_role("button", name="Ronde toevoegen").click()
    card = round_card(console, "Ronde 1")
    expect(card).to_contain_text("Welke waarden schuren met elkaar?")
    snapshot = api_get(room.base, base, room.login)
    (made,) = snapshot["rounds"]
    candidates = made["config"]["candidates"]
    assert candidates == casus["values_in_tension"]
    names = {v["key"]: v["name"] for v in snapshot["values"]}
    phone = join(room, "ina", code).page
    card.get_by_role("button", name="Openen").click()

    # The phone: two selects make a pair; a listed pair can be removed.
    a, b, c = candidates[:3]
    expect(phone.get_by_role("heading", name="Welke waarden schuren met elkaar?")).to_be_visible()

    def add_pair(first: str, second: str) -> None:
        phone.get_by_label("Eerste waarde").select_option(first)
        phone.get_by_label("Schuurt met").select_option(second)
        phone.get_by_role("button", name="Paar toevoegen").click()

    add_pair(a, b)
    # (b, a) is the pair (a, b) again: refused on the phone, in words.
    add_pair(b, a)
    expect(phone.locator(".schuur .error")).to_have_text("Dit paar staat er al.")
    add_pair(a, c)
    pairs = phone.locator(".pair-list .pair .name")
    expect(pairs).to_have_text([f"{names[a]} ↔ {names[b]}", f"{names[a]} ↔ {names[c]}"])
    # Two pairs is the most: the selects rest until one is removed.
    expect(phone.get_by_label("Eerste waarde")).to_be_disabled()
    phone.get_by_role("button", name=f"Haal het paar {names[a]} en {names[c]} weg").click()
    expect(pairs).to_have_text([f"{names[a]} ↔ {names[b]}"])
    expect(phone.get_by_label("Eerste waarde")).to_be_enabled()
    submit_and_wait_saved(phone)
    screenshot(phone, "schuur-phone")
    assert small_targets(phone) == []
    assert_no_horizontal_overflow(phone)
    assert_axe_clean(phone)

    # The console sees the result: one ballot, the pair on top.
    card.get_by_role("button", name="Sluiten").click()
    expect(card.locator(".clash-pairs li").first).to_contain_text(f"{names[a]} ↔ {names[b]}")
    # Revealed, the phone shows the pairs (the matrix is the projector's: it needs the width).
    expect(card.locator(".badge").first).to_have_text("gesloten")
    card.get_by_role("button", name="Uitslag tonen").click()
    expect(phone.locator(".my-results .clash-pairs li")).to_have_text(
        [re.compile(f"{names[a]} ↔ {names[b]}")]
    )
    expect(phone.locator(".my-results .clash-matrix")).to_be_hidden()
    assert_no_horizontal_overflow(phone)
    screenshot(phone, "schuur-phone-results")
    assert_axe_clean(phone)

    # A full room on a second round of 12 values: the matrix shows the 8 most named.
    filler = Filler(live_settings, created["id"])
    try:
        values = filler.value_keys()[:VALUES]
        people = filler.join(ROOM)
        round_id = api_post(
            room, f"{base}/rounds", {"kind": "schuur", "config": {"candidates": values}}
        )["id"]
        api_post(room, f"{base}/rounds/{round_id}/open", {})
        ballots = []
        for i in range(ROOM):
            x, y, z = filler.ranked(values, noise=3)[:3]
            ballots.append({"pairs": [[x, y], [y, z]] if i % 2 else [[x, z]]})
        filler.cast(round_id, "schuur", ballots, people)
        api_post(room, f"{base}/rounds/{round_id}/close", {})
        api_post(room, f"{base}/rounds/{round_id}/reveal", {"revealed": True})
        screen = room.page(viewport=SCREENS[0][0])
        screen.goto(f"{room.base}{created['screen_url']}")
        for viewport, _motion in SCREENS:
            screen.set_viewport_size(viewport)
            expect(screen.locator(".results-schuur .clash-matrix")).to_be_visible()
            expect(screen.locator(".clash-matrix tbody tr")).to_have_count(8)
            expect(screen.locator(".clash-pairs li").first).to_contain_text(re.compile(r"↔"))
            expect(screen.locator(".clash-pairs li .figure").first).to_have_text(
                re.compile(r"^\d+")
            )
            check_view(screen, "schuur", viewport)
        # The traject keeps the top clashes and lists them on its page.
        traject = api_post(room, "/api/v1/trajects", {"title": "Schuren in de wijk"})
        api_post(
            room,
            f"/api/v1/trajects/{traject['id']}/sessions",
            {"denksessie_id": created["id"], "stage": "naming"},
        )
        console.goto(f"{room.base}/console/trajecten/{traject['id']}")
        clashes = console.locator("section[aria-labelledby=clashes-title] li")
        expect(clashes.first).to_contain_text(re.compile(r"^1\. .+ ↔ .+ — \d+ keer genoemd"))
        screenshot(console, "schuur-traject")
        assert_axe_clean(console)
        assert_no_console_errors(console, phone, screen)
    finally:
        filler.close()
