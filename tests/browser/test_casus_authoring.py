"""Writing a casus in chromium: the form, its writing help and live preview, saving, the list;
axe-core finds nothing on any of the new pages (list, new, refused, edit, delete, import)."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_axe_clean, console_errors, screenshot

# 27 words in one sentence: the writing help says it is long.
LONG_SENTENCE = (
    "Sara is 19 jaar en woont sinds kort op zichzelf in een kleine kamer boven een winkel "
    "in de stad waar ze naar school gaat en werkt."
)


def _for(action: str, title: str) -> re.Pattern[str]:
    """A list's link "Bewerken" names its casus for screen readers ("Bewerken: <title>")."""
    return re.compile(rf"^{action}\s*:\s*{re.escape(title)}$")


@pytest.mark.browser
class TestWritingACasus:
    def test_a_facilitator_writes_a_casus_sees_the_preview_and_finds_it_in_the_list(
        self, console_page: Page, live_server: str
    ) -> None:
        page = console_page
        title = f"Sara wil op zichzelf blijven wonen {secrets.token_hex(3)}"
        page.goto(f"{live_server}/casussen")
        assert_axe_clean(page)

        page.get_by_role("link", name="Nieuwe casus", exact=True).click()
        expect(page).to_have_url(f"{live_server}/casussen/nieuw")
        expect(page.get_by_role("heading", level=1)).to_have_text("Nieuwe casus")
        phone = page.frame_locator("#preview-phone")
        screen = page.frame_locator("#preview-screen")
        expect(phone.locator(".round h2")).to_have_text("(titel)")
        # The previews are the phone's and the projector's own pages: their stylesheets, and
        # the projector's type sized from its own 720 px height (3.05vh, decision 0019).
        phone_handle = page.locator("#preview-phone").element_handle()
        screen_handle = page.locator("#preview-screen").element_handle()
        assert phone_handle is not None
        assert screen_handle is not None
        phone_frame, screen_frame = phone_handle.content_frame(), screen_handle.content_frame()
        assert phone_frame is not None
        assert screen_frame is not None
        sheets = "[...document.styleSheets].map((s) => new URL(s.href).pathname)"
        assert phone_frame.evaluate(sheets) == ["/static/css/live.css"]
        assert screen_frame.evaluate(sheets) == [
            "/static/css/live.css",
            "/static/css/live-room.css",
        ]
        root_size = "getComputedStyle(document.documentElement).fontSize"
        assert screen_frame.evaluate(root_size) == "21.96px"
        assert phone_frame.evaluate("document.documentElement.clientWidth") == 360
        assert_axe_clean(page)

        # A refused form first: every problem on top and next to its field, the typing kept.
        page.get_by_label("Wet of regeling").fill("Participatiewet")
        page.get_by_role("button", name="Casus opslaan").click()
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("De casus is niet geldig; er is niets opgeslagen.")
        expect(alert.get_by_role("link", name="Titel")).to_be_visible()
        expect(page.locator("#f-title-problem")).to_have_text("vul dit in")
        expect(page.get_by_label("Wet of regeling")).to_have_value("Participatiewet")
        expect(page.get_by_label("Titel", exact=True)).to_have_attribute("aria-invalid", "true")
        assert_axe_clean(page)

        # The preview follows the typing, on the phone and on the projector.
        page.get_by_label("Titel", exact=True).press_sequentially(title[:12])
        expect(phone.locator(".round h2")).to_have_text(title[:12])
        page.get_by_label("Titel", exact=True).fill(title)
        expect(phone.locator(".round h2")).to_have_text(title)
        expect(screen.locator(".round-title")).to_have_text(title)
        story = page.get_by_label("Het verhaal")
        story.fill(LONG_SENTENCE + "\nZe wil daar blijven.")
        expect(page.locator("#f-situation-count")).to_have_text("31 woorden")
        expect(page.locator("#f-situation-long")).to_contain_text(
            "Deze zin is lang (27 woorden). Korte zinnen lezen makkelijker."
        )
        expect(phone.locator(".casus .situation")).to_contain_text("Ze wil daar blijven.")
        expect(screen.locator(".casus .situation")).to_have_count(2)
        expect(page.locator("#screen-fit")).to_have_text("")
        story.fill("\n".join(["Sara werkt in een winkel. Ze is daar graag."] * 40))
        expect(page.locator("#screen-fit")).to_have_text(
            "Dit verhaal past niet in één keer op het scherm. "
            "Het scherm laat het dan in delen zien."
        )
        story.fill("Sara is 19 jaar. Ze woont op zichzelf.")
        expect(page.locator("#f-situation-long")).to_have_text("")
        expect(page.locator("#screen-fit")).to_have_text("")
        question = page.get_by_label("De beslisvraag")
        expect(question).to_have_attribute("placeholder", "Ken je ... wel of niet toe?")
        question.press_sequentially("Ken je Sara begeleiding wel of niet toe?")
        expect(phone.locator(".casus .question")).to_have_text(
            "Ken je Sara begeleiding wel of niet toe?"
        )
        expect(screen.locator(".casus .question")).to_have_text(
            "Ken je Sara begeleiding wel of niet toe?"
        )
        page.get_by_label("Zelfbeschikking").check()
        page.get_by_label("Doeltreffendheid").check()
        screenshot(page, "casus-editor-1280")
        assert_axe_clean(page)

        # At 360 px the page does not scroll sideways.
        page.set_viewport_size({"width": 360, "height": 740})
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        screenshot(page, "casus-editor-360")
        page.set_viewport_size({"width": 1280, "height": 800})

        page.get_by_role("button", name="Casus opslaan").click()
        expect(page).to_have_url(re.compile(r"/casussen\?opgeslagen=\d+$"))
        expect(page.get_by_role("status")).to_contain_text(f"Casus ‘{title}’ is opgeslagen.")
        expect(page.get_by_role("link", name=title, exact=True)).to_be_visible()
        screenshot(page, "casus-list-1280")
        assert_axe_clean(page)
        page.get_by_role("link", name=title, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        expect(page.get_by_role("link", name="Zelfbeschikking")).to_be_visible()
        screenshot(page, "casus-detail-1280")
        assert_axe_clean(page)
        page.go_back()

        # Edit (prefilled), delete (the confirmation) and import pages are clean too.
        page.get_by_role("link", name=_for("Bewerken", title)).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Casus bewerken")
        expect(page.get_by_label("Titel", exact=True)).to_have_value(title)
        expect(page.get_by_label("Zelfbeschikking")).to_be_checked()
        expect(phone.locator(".round h2")).to_have_text(title)
        assert_axe_clean(page)
        page.goto(f"{live_server}/casussen")
        page.get_by_role("link", name=_for("Verwijderen", title)).click()
        expect(page.get_by_role("button", name="Ja, verwijder deze casus")).to_be_visible()
        assert_axe_clean(page)
        page.goto(f"{live_server}/casussen")
        page.get_by_role("link", name="Casus importeren").click()
        expect(page.get_by_label("Bestand (JSON of YAML)")).to_be_visible()
        assert_axe_clean(page)
        # the refused form answered 422, which chromium logs; nothing else may be logged
        assert [e for e in console_errors(page) if "status of 422" not in e] == []
