"""Waarom in a browser: a phone at 360 px writes a reason beside a chosen value; the projector
shows per value the reasons of toekenners and niet-toekenners side by side, the values named on
both sides marked in words, without scrolling at 1280x720 and 1920x1080; the console keeps a
reason as a quote for the card. axe-core finds nothing on the phone or the projector.

The other ballots are written through the services straight into the live server's database, as
in test_projector.py; screenshots land in ``test-artifacts/projector-*-why.png``.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.config import Settings
from tests.browser.conftest import assert_axe_clean, log_in, screenshot, watched_page
from tests.browser.test_live import (  # noqa: F401 (room: the fixture)
    TIMEOUT_MS,
    Room,
    api_get,
    api_post,
    assert_no_console_errors,
    join,
    room,
    small_targets,
    submit_and_wait_saved,
)
from tests.browser.test_projector import SCREENS, Filler, check_view

MINE = "Ze wil zelf weten wie wat over haar weet."
# Long reasons (near the 280 allowed), so the projector has to cut and count.
GRANT = (
    "Angela heeft recht op een leven in haar eigen huis. Als we haar gegevens delen met de "
    "buren zonder te vragen, verliest ze het vertrouwen in ons en in de hulp die we bieden"
)
REFUSE = (
    "Zonder dat de wijkverpleging en de huisarts weten wat er speelt, kunnen we niet veilig "
    "helpen; een beetje privacy opgeven is de prijs voor goede zorg thuis, vind ik"
)


@pytest.mark.browser
def test_phone_writes_a_reason_projector_shows_both_sides_console_keeps_a_quote(
    room: Room,  # noqa: F811
    live_settings: Settings,
) -> None:
    casus_id = api_get(room.base, "/api/v1/casussen", room.login)[0]["id"]
    created = api_post(
        room, "/api/v1/denksessies", {"title": "Waarom-sessie", "casus_ids": [casus_id]}
    )
    base = f"/api/v1/denksessies/{created['id']}"
    phone = join(room, "anna", created["code"]).page
    casus = api_post(room, f"{base}/rounds", {"kind": "casus", "config": {"casus_id": casus_id}})[
        "id"
    ]
    api_post(room, f"{base}/rounds/{casus}/open", {})

    # --- the phone: choose, say why (with a counter), send --------------------------------------
    phone.get_by_role("radio", name="Toekennen", exact=True).check()
    phone.get_by_role("checkbox", name=re.compile("^Privacy")).check()
    why = phone.get_by_label(re.compile(r"Waarom Privacy\?"))
    expect(why).to_be_visible()
    why.fill(MINE)
    counter = phone.locator(f"#{why.get_attribute('aria-describedby')}")
    expect(counter).to_have_text(f"{len(MINE)} van 280 tekens")
    expect(why).to_have_attribute("maxlength", "280")
    why.evaluate("(el) => el.scrollIntoView({block: 'center'})")
    screenshot(phone, "phone-casus-why")
    assert small_targets(phone) == []
    assert_axe_clean(phone)
    submit_and_wait_saved(phone)

    # --- the rest of the room, straight into the database ---------------------------------------
    filler = Filler(live_settings, created["id"])
    try:
        people = filler.join(40)
        ballots = []
        for i in range(40):
            grant = i % 2 == 0
            reasons = {"privacy": f"{GRANT if grant else REFUSE} ({i})."}
            values = ["privacy", "eenvoud"] if i % 3 else ["privacy"]
            if i % 3:
                reasons["eenvoud"] = f"Het formulier is te lang voor haar ({i})."
            ballots.append(
                {
                    "decision": "toekennen" if grant else "niet_toekennen",
                    "values": values,
                    "reasons": reasons,
                }
            )
        filler.cast(casus, "casus", ballots, people)
    finally:
        filler.close()
    api_post(room, f"{base}/rounds/{casus}/close", {})
    api_post(room, f"{base}/rounds/{casus}/reveal", {"revealed": True})

    # --- the projector: both sides, the both-sides badge, no scrolling --------------------------
    for viewport, motion in SCREENS:
        context = log_in(
            room.browser.new_context(viewport=viewport, reduced_motion=motion),  # type: ignore[arg-type]
            room.base,
            room.login,
        )
        context.set_default_timeout(TIMEOUT_MS)
        room.contexts.append(context)
        screen = watched_page(context)
        screen.goto(f"{room.base}{created['screen_url']}")
        expect(screen.locator(".results-casus")).to_be_visible()
        screen.keyboard.press("p")  # pause: the pages turn only by key while we look
        screen.keyboard.press("ArrowRight")
        view = screen.locator(".why")
        expect(view).to_be_visible()
        privacy = screen.locator(".why-value", has=screen.locator("h4", has_text="Privacy"))
        expect(privacy).to_have_class(re.compile("why-both"))
        expect(privacy.locator(".why-badge")).to_have_text("⇄ Beide kanten")
        expect(privacy.locator(".why-toekennen h5")).to_contain_text("Toekenners")
        expect(privacy.locator(".why-niet_toekennen h5")).to_contain_text("Niet-toekenners")
        expect(privacy.locator(".why-toekennen q").first).to_be_visible()
        expect(privacy.locator(".why-niet_toekennen q").first).to_contain_text("Zonder dat")
        check_view(screen, "why", viewport)
        # The rest of Privacy's reasons turn up on the next pages (its name "(vervolg)"),
        # the last with a count of those not shown; every page fits.
        for page in range(2, 8):
            if screen.locator(".why-toekennen .more").count():
                break
            screen.keyboard.press("ArrowRight")
            expect(screen.locator(".pager")).to_contain_text(f"Deel {page + 1} van")
            check_view(screen, f"why-{page}", viewport)
        expect(screen.locator(".why-toekennen .more").first).to_contain_text(
            re.compile(r"en nog \d+ redenen")
        )
        assert_no_console_errors(screen)
        assert_no_console_errors(screen)

    # --- the console: a reason kept as a quote for the card -------------------------------------
    console = room.page()
    console.goto(f"{room.base}/console/{created['id']}")
    panel = console.locator(".reasons-panel")
    expect(panel).to_be_visible()
    mine = panel.locator("li", has_text=MINE)
    mine.get_by_role("button", name="Als citaat").click()
    expect(mine.locator(".badge")).to_have_text("citaat voor de kaart")
    assert_no_console_errors(console, phone)
