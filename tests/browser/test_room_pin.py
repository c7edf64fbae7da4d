"""A room with a PIN: the projector shows it, the phone asks it, a wrong one is explained."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_axe_clean
from tests.browser.test_live import PROJECTOR, Room, api_get, api_post, room  # noqa: F401


@pytest.mark.browser
def test_a_phone_joins_with_the_pin_from_the_projector(room: Room) -> None:  # noqa: F811
    casus_id = api_get(room.base, "/api/v1/casussen", room.login)[0]["id"]
    created = api_post(
        room,
        "/api/v1/denksessies",
        {"title": "Zaal met pincode", "casus_ids": [casus_id], "require_pin": True},
    )
    code = created["code"]
    screen = room.page(viewport=PROJECTOR)
    screen.goto(f"{room.base}{created['screen_url']}")
    pin = screen.locator("#room-pin").inner_text().strip()
    assert pin == created["room_pin"]

    phone = room.page(phone=True)
    phone.goto(f"{room.base}/j/{code}")
    field = phone.get_by_label("Pincode")
    expect(field).to_be_visible()
    assert_axe_clean(phone)
    field.fill("0000" if pin != "0000" else "1111")
    phone.get_by_role("button", name="Meedoen").click()
    expect(phone.locator("#join-error")).to_contain_text("pincode klopt niet")
    field.fill(pin)
    phone.get_by_role("button", name="Meedoen").click()
    phone.wait_for_url(f"**/p/{code}")
    expect(phone.locator("#conn")).to_have_text("Verbonden")
    expect(phone.locator("#room-pin")).to_have_count(0)
