"""The phone in the room (issue 12, "The phone"): the send button in reach on a long form, an
unsent answer warned about before the round closes and reported as not counted after, a revealed
result brought into view and announced, a value's meaning opened beside its name, and value
names that never break inside a word at 320 and 360 px. Screenshots: ``test-artifacts/phone-*``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, ViewportSize, expect

from tests.browser.conftest import ARTIFACTS, assert_axe_clean, screenshot
from tests.browser.test_live import (
    Room,
    api_get,
    api_post,
    assert_no_console_errors,
    join,
    room,  # noqa: F401  (the fixture)
    small_targets,
    submit_and_wait_saved,
)

NARROW: ViewportSize = {"width": 320, "height": 640}
PHONE: ViewportSize = {"width": 360, "height": 740}
CATALOGUE = (
    Path(__file__).resolve().parents[2] / "app/catalogue/data/waardenkaart-sociaal-domein.json"
)
LONG_NAMES = [
    "verantwoordelijkheid",
    "bestaansveiligheid",
    "professionele-autonomie",
    "zelfredzaamheid",
    "doeltreffendheid",
]

# Every place where a line of text wraps, as "before|after", when the character before the wrap
# is not a space or a hyphen: a word broken in two. Each character's line box comes from a Range
# over the text node, so the check is what the reader sees, whatever CSS caused it.
BROKEN_WORDS_JS = """(root) => {
  const broken = [];
  const range = document.createRange();
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const text = node.textContent;
    let top = null;
    // The box the text must stay inside (a name wider than its button is cut off or covered).
    const holder = node.parentElement
      && node.parentElement.closest("button, label, li, p, h1, h2, h3, legend");
    const bounds = holder && holder.getBoundingClientRect();
    for (let i = 0; i < text.length; i++) {
      if (/\\s/.test(text[i])) continue;
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const box = range.getClientRects()[0];
      if (!box || !box.width) continue;
      const outside = bounds && bounds.width > 1
        && (box.right > bounds.right + 1 || box.left < bounds.left - 1);
      if (outside) {
        broken.push("outside its box: " + text.slice(0, 30));
        break;
      }
      const wrapped = top !== null && box.top > top + box.height / 2;
      if (wrapped && !/[\\s\\-\\/\\u00ad]/.test(text[i - 1])) {
        broken.push(text.slice(Math.max(0, i - 15), i) + "|" + text.slice(i, i + 15));
      }
      top = box.top;
    }
  }
  return broken;
}"""


def broken_words(page: Page) -> list[str]:
    found: list[str] = page.locator("body").evaluate(BROKEN_WORDS_JS)
    return found


def assert_no_broken_words(page: Page, viewport: ViewportSize, name: str) -> None:
    page.set_viewport_size(viewport)
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => done(null)))")
    # The whole page, with the sticky send bar in its place rather than over a row.
    bar = page.locator(".submit-bar")
    bar.evaluate("(bar) => (bar.style.position = 'static')")
    screenshot(page, f"{name}-{viewport['width']}")
    bar.evaluate("(bar) => (bar.style.position = '')")
    assert broken_words(page) == [], f"words broken at {viewport['width']} px"
    # A mobile browser widens its layout viewport to fit content that sticks out: compare the
    # page with the width asked for, not with innerWidth.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the page is {width} px wide at {viewport['width']} px"


def in_viewport(page: Page, selector: str) -> bool:
    """Whether the element is at least partly on screen (not scrolled out of view)."""
    seen: bool = page.locator(selector).evaluate(
        """(el) => { const box = el.getBoundingClientRect();
            return box.height > 0 && box.bottom > 0 && box.top < window.innerHeight; }"""
    )
    return seen


def viewport_shot(page: Page, name: str) -> None:
    """What the phone's screen shows right now (not the whole page)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def send_button_everywhere(page: Page) -> list[int]:
    """Scroll positions from the top to the bottom of the page at which the send button is not
    fully on screen."""
    height, view = page.evaluate("[document.documentElement.scrollHeight, window.innerHeight]")
    hidden: list[int] = []
    for y in range(0, height - view + 1, view // 2):
        page.evaluate("(y) => window.scrollTo(0, y)", y)
        fully: bool = page.locator("form.ballot button[type=submit]").evaluate(
            """(b) => { const box = b.getBoundingClientRect();
                return box.top >= 0 && box.bottom <= window.innerHeight; }"""
        )
        if not fully:
            hidden.append(y)
    return hidden


def open_explanation(page: Page, name: str) -> Locator:
    """Tap the "i" beside a value; the panel it opened."""
    button = page.get_by_role("button", name=f"Wat betekent {name}?")
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    return page.locator(f"#{button.get_attribute('aria-controls')}")


def opvattingen(key: str) -> list[str]:
    catalogue = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    value = next(v for v in catalogue["values"] if v["key"] == key)
    texts: list[str] = value["opvattingen"]
    return texts


@pytest.mark.browser
class TestThePhone:
    def test_send_in_reach_unsent_warned_result_shown_values_explained(self, room: Room) -> None:  # noqa: F811
        casus_id = api_get(room.base, "/api/v1/casussen", room.login)[0]["id"]
        created = api_post(
            room,
            "/api/v1/denksessies",
            {"title": "Denksessie Rechtvaardigheid", "casus_ids": [casus_id]},
        )
        code = created["code"]
        base = f"/api/v1/denksessies/{created['id']}"
        anna = join(room, "anna", code)
        bram = join(room, "bram", code)
        a, b = anna.page, bram.page

        casus = api_post(
            room,
            f"{base}/rounds",
            {"kind": "casus", "config": {"casus_id": casus_id, "max_values": 3}},
        )
        api_post(room, f"{base}/rounds/{casus['id']}/open", {})
        expect(a.locator(".decisions")).to_be_visible()

        # --- the send button stays on screen on the whole long form ---------------------------
        height = a.evaluate("document.documentElement.scrollHeight")
        assert height > 2000, "the casus form is long on a phone"
        assert send_button_everywhere(a) == []
        a.evaluate("window.scrollTo(0, document.documentElement.scrollHeight / 2)")
        viewport_shot(a, "phone-send-in-reach")

        # --- a value's meaning opens beside it, on the ballot ---------------------------------
        url = a.url
        info = a.get_by_role("button", name="Wat betekent Rekenschap?")
        expect(info).to_have_attribute("aria-expanded", "false")
        info.click()
        expect(info).to_have_attribute("aria-expanded", "true")
        panel = a.locator(f"#{info.get_attribute('aria-controls')}")
        expect(panel).to_be_visible()
        expect(panel).to_contain_text("Cluster: Nut")
        for text in opvattingen("rekenschap"):
            expect(panel).to_contain_text(text)
        assert a.url == url
        expect(a.get_by_role("checkbox", name=re.compile("Rekenschap"))).not_to_be_checked()
        panel.evaluate("(el) => el.scrollIntoView({block: 'center'})")
        viewport_shot(a, "phone-value-explained")
        assert small_targets(a) == []
        assert_axe_clean(a)
        info.click()
        expect(panel).to_be_hidden()

        # --- no value name (nor any other word) breaks, at 320 and 360 px ---------------------
        open_explanation(a, "Verantwoordelijkheid")
        for viewport in (NARROW, PHONE):
            assert_no_broken_words(a, viewport, "phone-casus-words")
        a.set_viewport_size(NARROW)
        assert send_button_everywhere(a) == [], "at 320 px"
        a.set_viewport_size(PHONE)

        # --- an answer filled in but not sent: warned while the timer runs low ----------------
        a.get_by_role("radio", name="Toekennen", exact=True).check()
        a.get_by_role("checkbox", name=re.compile("Rekenschap")).check()
        principle = "Ik leg uit waar het geld heen gaat."
        a.get_by_label(re.compile("Principe bij Rekenschap")).fill(principle)
        expect(a.locator(".unsent-warning")).to_be_hidden()
        b.get_by_role("radio", name="Twijfel", exact=True).check()
        b.get_by_role("checkbox", name=re.compile("Eenvoud")).check()
        submit_and_wait_saved(b)
        api_post(room, f"{base}/rounds/{casus['id']}/timer", {"seconds": 45})
        warning = a.get_by_role("alert").filter(has_text="je antwoord is nog niet verstuurd")
        expect(warning).to_be_visible()
        expect(warning).to_contain_text("Verstuur het voor de ronde sluit")
        assert in_viewport(a, ".unsent-warning")
        viewport_shot(a, "phone-unsent-warning")
        # Bram sent his: no warning for him.
        expect(b.locator(".countdown")).to_have_text(re.compile(r"nog 0:[0-4]\d"))
        expect(b.locator(".unsent-warning")).to_be_hidden()

        # --- the round closes: not counted, said plainly; what was typed is still there -------
        api_post(room, f"{base}/rounds/{casus['id']}/close", {})
        lost = a.get_by_role("alert").filter(has_text="niet verstuurd en telt niet mee")
        expect(lost).to_be_visible()
        expect(a.get_by_label(re.compile("Principe bij Rekenschap"))).to_have_value(principle)
        expect(a.get_by_role("checkbox", name=re.compile("Rekenschap"))).to_be_checked()
        # What a value means can still be looked up in the closed round.
        expect(open_explanation(a, "Rekenschap")).to_contain_text("Cluster: Nut")
        a.evaluate("window.scrollTo(0, 0)")
        viewport_shot(a, "phone-unsent-closed")
        snapshot = api_get(room.base, base, room.login)
        assert next(r for r in snapshot["rounds"] if r["id"] == casus["id"])["n_ballots"] == 1
        # ... and after a reload too (the draft is kept on the phone).
        a.reload()
        expect(a.get_by_role("alert").filter(has_text="telt niet mee")).to_be_visible()
        expect(a.get_by_label(re.compile("Principe bij Rekenschap"))).to_have_value(principle)
        expect(b.get_by_role("alert").filter(has_text="telt niet mee")).to_have_count(0)
        expect(b.locator(".save-status")).to_have_text("Opgeslagen.")

        # --- the facilitator reveals: the result comes into view and is announced -------------
        for page in (a, b):
            page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
            assert not in_viewport(page, "form.ballot .decisions")
        api_post(room, f"{base}/rounds/{casus['id']}/reveal", {"revealed": True})
        for page in (a, b):
            expect(page.locator(".my-results")).to_be_visible()
            # Only Bram's answer counted.
            expect(page.locator(".my-results")).to_contain_text("Eenvoud")
            expect(page.locator(".my-results")).not_to_contain_text("Rekenschap")
            page.wait_for_function(
                """() => {
                    const box = document.querySelector('.my-results').getBoundingClientRect();
                    return box.top >= -2 && box.top < window.innerHeight / 2;
                }"""
            )
            expect(page.locator("[aria-live=polite]").filter(has_text="De uitslag")).to_have_text(
                "De uitslag staat bovenaan."
            )
        viewport_shot(b, "phone-result-revealed")
        # A phone at the top of the page shows the result, not the unchanged form.
        b.evaluate("window.scrollTo(0, 0)")
        assert in_viewport(b, ".my-results")
        assert_axe_clean(a)
        assert_no_console_errors(a, b)

    def test_long_value_names_fit_in_every_round_kind(self, room: Room) -> None:  # noqa: F811
        created = api_post(room, "/api/v1/denksessies", {"title": "Lange namen"})
        code = created["code"]
        base = f"/api/v1/denksessies/{created['id']}"
        chris = join(room, "chris", code)
        c = chris.page

        ranking = api_post(
            room, f"{base}/rounds", {"kind": "ranking", "config": {"candidates": LONG_NAMES}}
        )
        api_post(room, f"{base}/rounds/{ranking['id']}/open", {})
        expect(c.locator(".rank-pool > li")).to_have_count(len(LONG_NAMES))
        panel = open_explanation(c, "Bestaansveiligheid")
        expect(panel).to_contain_text(opvattingen("bestaansveiligheid")[0])
        for viewport in (NARROW, PHONE):
            assert_no_broken_words(c, viewport, "phone-ranking-pool-words")
        for key in LONG_NAMES[:3]:
            c.locator(f"[data-fk='a:{key}']").click()
        expect(c.locator(".rank-list > li")).to_have_count(3)
        for viewport in (NARROW, PHONE):
            assert_no_broken_words(c, viewport, "phone-ranking-words")
        assert small_targets(c) == []
        submit_and_wait_saved(c)
        assert_axe_clean(c)
        api_post(room, f"{base}/rounds/{ranking['id']}/close", {})

        points = api_post(
            room,
            f"{base}/rounds",
            {"kind": "points", "config": {"candidates": LONG_NAMES, "budget": 100}},
        )
        api_post(room, f"{base}/rounds/{points['id']}/open", {})
        expect(c.locator(".steppers > li")).to_have_count(len(LONG_NAMES))
        expect(open_explanation(c, "Zelfredzaamheid")).to_contain_text("Cluster: Continuïteit")
        for viewport in (NARROW, PHONE):
            assert_no_broken_words(c, viewport, "phone-points-words")
        assert small_targets(c) == []
        assert_axe_clean(c)
        api_post(room, f"{base}/rounds/{points['id']}/close", {})

        # A traject's ranking round brings the principles of earlier sessions per value (drawn by
        # round-forms.js, which a plain ranking round does not fetch).
        traject = api_post(
            room,
            f"{base}/rounds",
            {
                "kind": "ranking",
                "config": {
                    "candidates": LONG_NAMES[:2],
                    "principles": {"bestaansveiligheid": ["Ik zorg dat niemand zonder huis valt."]},
                },
            },
        )
        api_post(room, f"{base}/rounds/{traject['id']}/open", {})
        summary = c.locator(".rank-principles summary")
        expect(summary).to_have_text("Bestaansveiligheid · 1 principe")
        summary.click()
        expect(c.locator(".rank-principles li")).to_have_text(
            "Ik zorg dat niemand zonder huis valt."
        )
        assert_no_console_errors(c)
