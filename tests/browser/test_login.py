"""The login form in chromium at 360 px: accessible, errors announced, then into the console."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_axe_clean, console_errors, screenshot
from tests.conftest import DEMO_OWNER_EMAIL, TEST_PASSWORD


@pytest.mark.browser
class TestLoginInTheBrowser:
    def test_a_facilitator_logs_in_on_a_phone_and_out_again(
        self, phone_page: Page, live_server: str, facilitator_login: dict[str, str]
    ) -> None:
        page = phone_page
        page.goto(f"{live_server}/console")
        expect(page).to_have_url(re.compile(r"/login\?next=/console$"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert_axe_clean(page)

        page.get_by_label("E-mailadres").fill(DEMO_OWNER_EMAIL)
        page.get_by_label("Wachtwoord").fill("niet-het-goede")
        page.get_by_role("button", name="Inloggen").click()
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("horen niet bij elkaar")
        assert_axe_clean(page)
        screenshot(page, "login-refused-360")

        page.get_by_label("Wachtwoord").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Inloggen").click()
        expect(page).to_have_url(f"{live_server}/console")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        cookies = {c["name"]: c for c in page.context.cookies()}
        assert cookies["denksessie_login"]["httpOnly"] is True
        assert cookies["denksessie_login"]["sameSite"] == "Lax"
        # the refused attempt answered 401, which chromium logs; nothing else may be logged
        assert [e for e in console_errors(page) if "status of 401" not in e] == []

        page.goto(f"{live_server}/account")
        page.get_by_role("button", name="Uitloggen").click()
        expect(page).to_have_url(f"{live_server}/login")
        page.goto(f"{live_server}/console")
        expect(page).to_have_url(re.compile(r"/login\?next=/console$"))
