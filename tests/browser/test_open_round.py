"""The open question in the browser: phones at 360 px answer in their own words, the console
hides and merges, the projector shows the word cloud and the wall without scrolling at 1280x720
and 1920x1080; axe-core finds nothing on the phone, the console and the projector.

Screenshots land in ``test-artifacts/open-*.png`` and ``test-artifacts/projector-*-open-*.png``.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.config import Settings
from tests.browser.conftest import assert_axe_clean, screenshot
from tests.browser.test_live import (  # noqa: F401 (room: the fixture)
    Room,
    add_round,
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

QUESTION = "Wat heb je nodig om goed te kunnen beslissen?"
# What a full room answers, a phrase each, so words recur as they do in a real room.
PHRASES = [
    "Meer tijd voor het gesprek",
    "Vertrouwen van de gemeente",
    "Ruimte om af te wijken van de regels",
    "Een luisterend oor",
    "Duidelijke kaders en vertrouwen",
    "Tijd en rust",
    "Minder papierwerk",
    "Samenwerking met de wijkverpleging",
    "Begrip voor de inwoner en zijn netwerk",
    "Meer tijd",
    "Steun van mijn leidinggevende bij lastige besluiten",
    "Goede informatie over de situatie thuis",
]


@pytest.mark.browser
class TestOpenQuestion:
    def test_phones_answer_the_console_moderates_the_projector_shows(
        self,
        room: Room,  # noqa: F811
    ) -> None:
        created = api_post(room, "/api/v1/denksessies", {"title": "Open vraag", "casus_ids": []})
        code = created["code"]
        console = room.page()
        console.goto(f"{room.base}{created['console_url']}")
        expect(console.locator("#conn")).to_have_text("Verbonden")
        screen = room.page(viewport={"width": 1280, "height": 720})
        screen.goto(f"{room.base}{created['screen_url']}")
        dina = join(room, "dina", code)
        eef = join(room, "eef", code)
        d, e = dina.page, eef.page

        form = console.locator("#round-form")
        form.get_by_label("Soort ronde").select_option("open")
        form.get_by_label("De vraag").fill(QUESTION)
        form.get_by_label("Hoeveel antwoorden geeft iedereen hoogstens?").fill("2")
        add_round(console, "open")
        card = round_card(console, "Ronde 1")
        expect(card).to_contain_text(QUESTION)
        card.get_by_role("button", name="Openen").click()

        # The phone: the question, a box per answer with a counter, then "opgeslagen".
        expect(d.get_by_role("heading", name=QUESTION)).to_be_visible()
        first = d.get_by_label("Jouw antwoord 1")
        first.fill("Meer tijd")
        expect(d.locator(".counter").first).to_have_text("9 van 120 tekens")
        d.get_by_label("Antwoord 2 (mag leeg blijven)").fill("Een luisterend oor")
        submit_and_wait_saved(d)
        screenshot(d, "open-phone")
        assert small_targets(d) == []
        assert_no_horizontal_overflow(d)
        assert_axe_clean(d)
        # Sent answers stay with the phone: after a reload they are in their boxes, to change.
        d.reload()
        expect(d.get_by_label("Jouw antwoord 1")).to_have_value("Meer tijd")
        expect(d.locator(".save-status")).to_contain_text("Opgeslagen")
        # Nothing written: the phone says so and sends nothing.
        e.get_by_role("button", name="Versturen").click()
        expect(
            e.get_by_role("alert").filter(has_text="Schrijf eerst een antwoord.")
        ).to_be_visible()
        e.get_by_label("Jouw antwoord 1").fill("meer tijd!")
        e.get_by_label("Antwoord 2 (mag leeg blijven)").fill("Scheldwoord")
        submit_and_wait_saved(e)

        # The console sees every answer at once; "Meer tijd" and "meer tijd!" are one entry.
        wall = card.locator(".answer-wall > li")
        expect(wall).to_have_count(3)
        expect(wall.first).to_contain_text("Meer tijd")
        expect(wall.first).to_contain_text("2 keer")
        wall.filter(has_text="Scheldwoord").get_by_role("button", name="Verbergen").click()
        expect(wall.filter(has_text="Scheldwoord")).to_have_class(re.compile("is-hidden"))
        # Merge "Een luisterend oor" into "Meer tijd": one entry, three times.
        card.get_by_role("checkbox", name="Kiezen: Meer tijd").check()
        card.get_by_role("checkbox", name="Kiezen: Een luisterend oor").check()
        card.get_by_role("button", name="Gekozen antwoorden samenvoegen (2)").click()
        expect(wall.first).to_contain_text("3 keer")
        expect(wall.first).to_contain_text("samengevoegd: Een luisterend oor")
        screenshot(console, "open-console")
        assert_axe_clean(console)

        # Revealed: the projector shows the cloud, then the wall; the hidden answer never.
        card.get_by_role("button", name="Uitslag tonen").click()
        expect(screen.locator(".results-open .cloud li").first).to_be_visible()
        expect(screen.locator(".cloud")).to_contain_text("tijd")
        expect(screen.locator(".cloud")).not_to_contain_text("scheldwoord")
        check_view(screen, "open-cloud-small", {"width": 1280, "height": 720})
        screen.keyboard.press("ArrowRight")
        expect(screen.locator(".answer-wall > li")).to_have_count(1)
        expect(screen.locator(".answer-wall")).to_contain_text("Meer tijd")
        expect(screen.locator(".answer-wall")).to_contain_text("3 keer")
        expect(screen.locator("#stage")).not_to_contain_text("Scheldwoord")
        check_view(screen, "open-wall-small", {"width": 1280, "height": 720})
        # The facilitator switches the projector to the wall alone, and back.
        card.get_by_label("Wat toont het scherm?").select_option("wall")
        expect(screen.locator(".cloud")).to_have_count(0)
        expect(screen.locator(".pager")).to_have_text("")
        expect(screen.locator(".answer-wall")).to_contain_text("Meer tijd")
        card.get_by_label("Wat toont het scherm?").select_option("both")
        expect(screen.locator(".cloud")).to_be_visible()
        screen.keyboard.press("ArrowRight")
        expect(screen.locator(".answer-wall > li")).to_have_count(1)
        # The phones see the result too, without the hidden answer.
        expect(d.locator(".my-results .answer-wall")).to_contain_text("Meer tijd")
        expect(d.locator(".my-results")).not_to_contain_text("Scheldwoord")
        assert_axe_clean(d)

        # Showing it again brings it back everywhere.
        card.locator(".answer-wall > li").filter(has_text="Scheldwoord").get_by_role(
            "button", name="Weer tonen"
        ).click()
        expect(screen.locator(".answer-wall > li")).to_have_count(2)
        # A changed answer reaches the screen and the phones live; a long word in the cloud
        # stays within a 360 px phone.
        e.get_by_label("Antwoord 2 (mag leeg blijven)").fill("Samenwerkingsovereenkomsten")
        submit_and_wait_saved(e)
        expect(screen.locator(".answer-wall")).to_contain_text("Samenwerkingsovereenkomsten")
        expect(d.locator(".my-results .cloud")).to_contain_text("samenwerkingsovereenkomsten")
        screenshot(d, "open-phone-results")
        assert_no_horizontal_overflow(d)
        assert_no_console_errors(console, screen, d, e)


@pytest.mark.browser
@pytest.mark.parametrize(("viewport", "motion"), SCREENS, ids=["720p", "1080p-reduced-motion"])
def test_a_full_rooms_answers_fit_the_projector(
    room: Room,  # noqa: F811
    live_settings: Settings,
    viewport: dict[str, int],
    motion: str,
) -> None:
    created = api_post(
        room,
        "/api/v1/denksessies",
        {"title": "Open vraag met de hele zaal", "casus_ids": [], "room_size": 300},
    )
    base = f"/api/v1/denksessies/{created['id']}"
    filler = Filler(live_settings, created["id"])
    try:
        people = filler.join(300)
        screen = room.page(viewport=viewport)  # type: ignore[arg-type]
        screen.emulate_media(reduced_motion=motion)  # type: ignore[arg-type]
        screen.goto(f"{room.base}{created['screen_url']}")
        expect(screen.locator("#participants")).to_have_text("300")
        made = api_post(
            room,
            f"{base}/rounds",
            {"kind": "open", "config": {"question": QUESTION, "max_answers": 3}},
        )
        api_post(room, f"{base}/rounds/{made['id']}/open", {})
        expect(screen.locator(".waiting").last).to_be_visible()
        check_view(screen, "open-open", viewport)  # type: ignore[arg-type]
        answers = [
            {
                "answers": [
                    f"{filler.random.choice(PHRASES)} ({i % 97})" if i % 4 else PHRASES[i % 12],
                    *([filler.random.choice(PHRASES)] if i % 3 == 0 else []),
                ]
            }
            for i in range(len(people))
        ]
        filler.cast(made["id"], "open", answers, people)
        api_post(room, f"{base}/rounds/{made['id']}/close", {})
        api_post(room, f"{base}/rounds/{made['id']}/reveal", {"revealed": True})
        expect(screen.locator(".results-open .cloud li").first).to_be_visible()
        expect(screen.locator(".pager")).to_have_text(re.compile(r"Deel 1 van \d+"))
        check_view(screen, "open-cloud", viewport)  # type: ignore[arg-type]
        screen.keyboard.press("ArrowRight")
        expect(screen.locator(".answer-wall > li").first).to_be_visible()
        check_view(screen, "open-wall", viewport)  # type: ignore[arg-type]
        screen.keyboard.press("ArrowLeft")  # from the first page round to the last wall page
        screen.keyboard.press("ArrowLeft")
        expect(screen.locator(".answer-wall > li").first).to_be_visible()
        check_view(screen, "open-wall-last", viewport)  # type: ignore[arg-type]
        assert_no_console_errors(screen)
    finally:
        filler.close()
