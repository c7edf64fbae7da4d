"""Every text people type is shown as text: on the phone, the screen and the console.

A title, a display name and a principle carrying markup must appear literally, never run: no
dialog opens, no element is injected, no script error appears. (Cards and PDFs: test_card.py.)
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect

from app.api.deps import LOGIN_COOKIE
from app.demo.replay import ApiSession
from tests.browser.conftest import LAPTOP, PHONE, console_errors, log_in, watched_page

pytestmark = pytest.mark.browser

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
PRINCIPLE = f"Ik schrijf {IMG} en {SCRIPT}"


def _no_dialogs(page: Page, seen: list[str]) -> Page:
    def record(dialog: Dialog) -> None:
        seen.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    return page


def test_markup_typed_by_people_is_shown_as_text(
    browser: Browser, live_server: str, facilitator_login: dict[str, str]
) -> None:
    api = ApiSession(
        live_server,
        csrf_token=facilitator_login["csrf"],
        login_cookie=(LOGIN_COOKIE, facilitator_login["cookie"]),
    )
    casus_id = api.get("/api/v1/casussen")[0]["id"]
    created = api.post(
        "/api/v1/denksessies",
        {"title": f"Wijkteam {IMG}", "casus_ids": [casus_id], "show_results_live": True},
    )
    casus_round = api.post(
        f"/api/v1/denksessies/{created['id']}/rounds",
        {"kind": "casus", "config": {"casus_id": casus_id}},
    )
    dialogs: list[str] = []

    phone_context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone = _no_dialogs(watched_page(phone_context), dialogs)
    phone.goto(f"{live_server}/j/{created['code']}")
    expect(phone.get_by_role("heading", level=1)).to_contain_text(IMG)
    phone.get_by_label("Naam of bijnaam").fill(SCRIPT[:40])
    phone.get_by_role("button", name="Meedoen").click()
    phone.wait_for_url(f"**/p/{created['code']}")
    expect(phone.locator("#conn")).to_have_text("Verbonden")

    api.post(f"/api/v1/denksessies/{created['id']}/rounds/{casus_round['id']}/open")
    phone.get_by_role("radio", name="Toekennen", exact=True).check()
    phone.get_by_label("Zoek een waarde").fill("zelfbe")
    phone.get_by_role("checkbox", name="Zelfbeschikking").check()
    phone.get_by_label("Principe bij Zelfbeschikking").fill(PRINCIPLE)
    phone.locator("form.ballot button[type=submit]").click()
    expect(phone.locator(".save-status")).to_contain_text("Opgeslagen")

    screen_context = browser.new_context(viewport=LAPTOP)
    screen = _no_dialogs(watched_page(screen_context), dialogs)
    screen.goto(f"{live_server}{created['screen_url']}")
    expect(screen.locator(".results-casus")).to_be_visible()
    screen.keyboard.press("ArrowRight")  # the projector's wall of principles
    expect(screen.get_by_text(PRINCIPLE)).to_be_visible()

    console_context = log_in(browser.new_context(viewport=LAPTOP), live_server, facilitator_login)
    console = _no_dialogs(watched_page(console_context), dialogs)
    console.goto(f"{live_server}/console/{created['id']}")
    expect(console.get_by_text(PRINCIPLE).first).to_be_visible()
    expect(console.locator("#people")).to_contain_text(SCRIPT[:40])
    expect(console.get_by_role("heading", level=1)).to_contain_text(IMG)

    for page in (phone, screen, console):
        assert page.locator("img[src=x]").count() == 0
        assert (
            page.evaluate("() => document.querySelectorAll('body script:not([src])').length") == 0
        )
        assert console_errors(page) == []
    assert dialogs == []
    for context in (phone_context, screen_context, console_context):
        context.close()
