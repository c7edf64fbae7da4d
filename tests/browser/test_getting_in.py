"""Getting in: the code box on the home page and on the not-found page, the header at phone
and laptop width, and the console's warning on 127.0.0.1 (where the live server runs)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.browser.conftest import assert_axe_clean, console_errors, screenshot
from tests.browser.test_live import Room, api_post, room  # noqa: F401

LAPTOP_720: ViewportSize = {"width": 1280, "height": 720}


def _header_height(page: Page) -> float:
    box = page.locator(".site-header").bounding_box()
    assert box is not None
    return float(box["height"])


@pytest.mark.browser
@pytest.mark.parametrize("phone", [True, False], ids=["360x740", "1280x720"])
def test_home_code_box_joins_with_a_sloppily_typed_code(room: Room, phone: bool) -> None:  # noqa: F811
    created = api_post(room, "/api/v1/denksessies", {"title": "Codevak"})
    code = created["code"]
    page = room.page(phone=True) if phone else room.page(viewport=LAPTOP_720)
    page.goto(f"{room.base}/")
    box = page.get_by_label("Code van het scherm")
    expect(box).to_be_visible()
    assert_axe_clean(page)
    screenshot(page, f"home-code-box-{'phone' if phone else 'laptop'}")
    box.fill(f"{code[:3].lower()}-{code[3:].lower()}")
    page.get_by_role("button", name="Meedoen").click()
    page.wait_for_url(f"**/j/{code}")
    assert console_errors(page) == []


@pytest.mark.browser
def test_header_is_one_row_on_a_laptop_and_small_on_a_phone(room: Room) -> None:  # noqa: F811
    """Signed in or not: one row at 1280 px; on a phone two rows for a guest, three signed in."""
    guest_laptop = room.browser.new_context(viewport=LAPTOP_720)
    room.contexts.append(guest_laptop)
    pages = {
        "guest-phone": (room.page(phone=True), 110),
        "guest-laptop": (guest_laptop.new_page(), 70),
        "signed-in-phone": (room.page(viewport={"width": 360, "height": 740}), 160),
        "signed-in-laptop": (room.page(viewport=LAPTOP_720), 70),
    }
    for name, (page, most) in pages.items():
        page.goto(f"{room.base}/casussen")
        screenshot(page, f"header-{name}")
        height = _header_height(page)
        assert height <= most, (name, height)
    signed_in = pages["signed-in-laptop"][0]
    expect(signed_in.get_by_role("button", name="Uitloggen")).to_be_visible()
    expect(pages["guest-phone"][0].get_by_role("link", name="Inloggen")).to_be_in_viewport()


@pytest.mark.browser
@pytest.mark.parametrize("phone", [True, False], ids=["360x740", "1280x720"])
def test_a_wrong_code_is_explained_and_can_be_retyped(room: Room, phone: bool) -> None:  # noqa: F811
    created = api_post(room, "/api/v1/denksessies", {"title": "Tikfout"})
    code = created["code"]
    page = room.page(phone=True) if phone else room.page(viewport=LAPTOP_720)
    page.goto(f"{room.base}/")
    page.get_by_label("Code van het scherm").fill(code[:3] + "0" + code[4:])
    page.get_by_role("button", name="Meedoen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dit is geen geldige code")
    expect(page.locator("main")).to_contain_text("nooit een 0, O, 1, I of L")
    assert_axe_clean(page)
    screenshot(page, f"code-malformed-{'phone' if phone else 'laptop'}")
    box = page.get_by_label("Code van het scherm")
    box.fill(code.lower())
    page.get_by_role("button", name="Meedoen").click()
    page.wait_for_url(f"**/j/{code}")

    api_post(room, f"/api/v1/denksessies/{created['id']}/end", {})
    page.goto(f"{room.base}/j/{code}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Deze denksessie is afgelopen")
    assert_axe_clean(page)
    screenshot(page, f"code-ended-{'phone' if phone else 'laptop'}")


@pytest.mark.browser
@pytest.mark.parametrize("phone", [True, False], ids=["360x740", "1280x720"])
def test_console_on_loopback_says_how_phones_reach_it(room: Room, phone: bool) -> None:  # noqa: F811
    created = api_post(room, "/api/v1/denksessies", {"title": "Op 127.0.0.1"})
    page = room.page(viewport={"width": 360, "height": 740} if phone else LAPTOP_720)
    page.goto(f"{room.base}{created['console_url']}")
    warning = page.locator("#reach-warning")
    expect(warning).to_contain_text("Telefoons kunnen 127.0.0.1 niet bereiken")
    expect(warning).to_contain_text("HOST=0.0.0.0")
    expect(page.locator("#conn")).to_have_text("Verbonden")
    assert_axe_clean(page)
    screenshot(page, f"console-loopback-{'phone' if phone else 'laptop'}")
