"""The public pages in a real browser: phone-first layout, touch targets, axe-core, language.

Every page is opened on a 360 px phone (and some at laptop width); screenshots land in
``test-artifacts/`` for a human to look at.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, Response

from app import i18n
from tests.browser.conftest import (
    axe_violations,
    console_errors,
    describe_violations,
    screenshot,
    write_artifact,
)

CATALOGUE_PATH = "/catalogi/waardenkaart-sociaal-domein"
PRINCIPEKAART_PATH = "/principekaarten/principekaart-professionals-2024"
PAGE_WEIGHT_BUDGET = 100_000
MIN_TARGET = 44
EXPECTED_VALUES = 25
EXPECTED_OPVATTINGEN = 67
CARD_ORDER = [
    "Menselijkheid",
    "Zelfbeschikking",
    "Verantwoordelijkheid",
    "Billijkheid",
    "Doeltreffendheid",
]
ENGLISH_CATALOGUE = i18n.I18N_DIR / "en" / "LC_MESSAGES" / "messages.po"

# Links and chips a finger has to hit; links inside running text are exempt (WCAG 2.5.8).
TOUCH_TARGETS = (
    ".site-header a, .jump a, .chips a, .breadcrumb a, .tile h2 a, .casus-item h2 a, "
    ".site-footer p:not(.source) a"
)


def goto(page: Page, url: str) -> Response:
    response = page.goto(url, wait_until="load")
    assert response is not None, f"no response for {url}"
    assert response.ok, f"{url} answered {response.status}"
    return response


def assert_no_horizontal_overflow(page: Page) -> None:
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width, (
        f"{page.url} scrolls sideways: scrollWidth {scroll_width} > innerWidth {inner_width}; "
        f"widest elements: {widest_elements(page, inner_width)}"
    )


def widest_elements(page: Page, inner_width: int) -> list[str]:
    found: list[str] = page.evaluate(
        """(limit) => [...document.querySelectorAll("body *")]
            .filter((el) => el.getBoundingClientRect().right > limit)
            .slice(0, 5)
            .map((el) => `${el.tagName.toLowerCase()}.${el.className}`)""",
        inner_width,
    )
    return found


def assert_axe_clean(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)


def assert_no_console_errors(page: Page) -> None:
    errors = console_errors(page)
    assert errors == [], f"console errors or CSP violations on {page.url}: {errors}"


def visible_count(page: Page, selector: str) -> int:
    locator = page.locator(selector)
    return sum(1 for item in locator.all() if item.is_visible())


def small_targets(page: Page) -> list[dict[str, Any]]:
    boxes: list[dict[str, Any]] = page.locator(TOUCH_TARGETS).evaluate_all(
        """(els) => els.map((el) => {
            const box = el.getBoundingClientRect();
            return {text: el.textContent.trim(), width: box.width, height: box.height};
        })"""
    )
    assert boxes, f"no touch targets found on {page.url}"
    return [b for b in boxes if b["width"] < MIN_TARGET or b["height"] < MIN_TARGET]


@pytest.mark.browser
class TestWaardenkaart:
    def test_phone_shows_the_whole_map_without_sideways_scrolling(
        self, phone_page: Page, live_server: str
    ) -> None:
        goto(phone_page, f"{live_server}/waardenkaart")

        assert phone_page.url == f"{live_server}{CATALOGUE_PATH}"
        assert_no_horizontal_overflow(phone_page)
        assert phone_page.locator(".value").count() == EXPECTED_VALUES
        assert visible_count(phone_page, ".value") == EXPECTED_VALUES
        assert visible_count(phone_page, ".value .opvattingen > li") == EXPECTED_OPVATTINGEN
        heading = phone_page.get_by_role("heading", name="Zelfbeschikking", exact=True)
        assert heading.is_visible()
        screenshot(phone_page, "waardenkaart-360")
        assert_no_console_errors(phone_page)

    def test_the_three_groups_have_distinct_heading_colours(
        self, phone_page: Page, live_server: str
    ) -> None:
        goto(phone_page, f"{live_server}{CATALOGUE_PATH}")

        colours: list[str] = phone_page.locator("section.group > h2").evaluate_all(
            "(els) => els.map((el) => getComputedStyle(el).backgroundColor)"
        )
        assert len(colours) == 3
        assert len(set(colours)) == 3, colours
        assert "rgba(0, 0, 0, 0)" not in colours, colours

    def test_phone_passes_axe(self, phone_page: Page, live_server: str) -> None:
        goto(phone_page, f"{live_server}{CATALOGUE_PATH}")
        assert_no_console_errors(phone_page)
        assert_axe_clean(phone_page)

    def test_laptop_layout(self, laptop_page: Page, live_server: str) -> None:
        goto(laptop_page, f"{live_server}/waardenkaart")

        assert_no_horizontal_overflow(laptop_page)
        assert visible_count(laptop_page, ".value") == EXPECTED_VALUES
        screenshot(laptop_page, "waardenkaart-laptop")
        assert_no_console_errors(laptop_page)
        assert_axe_clean(laptop_page)

    def test_page_weight_on_a_phone_stays_under_budget(
        self, phone_page: Page, live_server: str
    ) -> None:
        responses: list[Response] = []

        def record(response: Response) -> None:
            responses.append(response)

        phone_page.on("response", record)

        goto(phone_page, f"{live_server}/waardenkaart")
        phone_page.wait_for_load_state("networkidle")

        sizes = {
            f"{response.status} {response.url}": len(response.body())
            for response in responses
            if not 300 <= response.status < 400
        }
        total = sum(sizes.values())
        report = "\n".join([*(f"{size:>8} {url}" for url, size in sizes.items()), f"{total:>8}"])
        write_artifact("waardenkaart-360-weight.txt", report + "\n")
        print(f"\nWaardenkaart page weight on a phone: {total} bytes\n{report}")  # noqa: T201
        assert total < PAGE_WEIGHT_BUDGET, report
        assert_no_console_errors(phone_page)


@pytest.mark.browser
class TestTouchTargets:
    @pytest.mark.parametrize("path", ["/", CATALOGUE_PATH, "/casussen", PRINCIPEKAART_PATH])
    def test_links_and_chips_are_at_least_44_px(
        self, phone_page: Page, live_server: str, path: str
    ) -> None:
        goto(phone_page, f"{live_server}{path}")

        assert small_targets(phone_page) == []

    def test_casus_value_chips_are_at_least_44_px(self, phone_page: Page, live_server: str) -> None:
        goto(phone_page, f"{live_server}/casussen")
        phone_page.locator(".casus-item h2 a").first.click()
        phone_page.wait_for_url(re.compile(r".*/casussen/\d+$"))

        assert phone_page.locator(".chips a").count() > 0
        assert small_targets(phone_page) == []


@pytest.mark.browser
class TestCasussen:
    def test_library_on_a_phone(self, phone_page: Page, live_server: str) -> None:
        goto(phone_page, f"{live_server}/casussen")

        assert visible_count(phone_page, ".casus-item") >= 12
        assert_no_horizontal_overflow(phone_page)
        screenshot(phone_page, "casussen-360")
        assert_no_console_errors(phone_page)
        assert_axe_clean(phone_page)

    def test_first_casus_asks_a_decision_question(self, phone_page: Page, live_server: str) -> None:
        goto(phone_page, f"{live_server}/casussen")
        first = phone_page.locator(".casus-item h2 a").first
        title = first.inner_text().strip()

        first.click()
        phone_page.wait_for_url(re.compile(r".*/casussen/\d+$"))

        assert phone_page.get_by_role("heading", level=1).inner_text().strip() == title
        question = phone_page.locator(".question")
        assert question.is_visible()
        assert "wel of niet toe" in question.inner_text()
        assert_no_horizontal_overflow(phone_page)
        screenshot(phone_page, "casus-360")
        assert_no_console_errors(phone_page)
        assert_axe_clean(phone_page)


@pytest.mark.browser
class TestPrincipekaart:
    def test_five_values_in_order(self, phone_page: Page, live_server: str) -> None:
        goto(phone_page, f"{live_server}{PRINCIPEKAART_PATH}")

        names = [name.strip() for name in phone_page.locator(".card-value h2").all_inner_texts()]
        assert names == CARD_ORDER
        assert_no_horizontal_overflow(phone_page)
        screenshot(phone_page, "principekaart-360")
        assert_no_console_errors(phone_page)
        assert_axe_clean(phone_page)

    def test_laptop_layout(self, laptop_page: Page, live_server: str) -> None:
        goto(laptop_page, f"{live_server}{PRINCIPEKAART_PATH}")

        assert_no_horizontal_overflow(laptop_page)
        screenshot(laptop_page, "principekaart-laptop")
        assert_no_console_errors(laptop_page)
        assert_axe_clean(laptop_page)


@pytest.mark.browser
class TestLanguage:
    def test_switching_to_english_sticks_on_the_next_page(
        self, phone_page: Page, live_server: str
    ) -> None:
        goto(phone_page, f"{live_server}/waardenkaart")
        assert phone_page.locator("html").get_attribute("lang") == "nl"

        phone_page.get_by_role("link", name="English", exact=True).click()
        phone_page.wait_for_url(re.compile(r".*\?lang=en$"))

        self.assert_english(phone_page)
        cookies = {c["name"]: c.get("value") for c in phone_page.context.cookies()}
        assert cookies.get("lang") == "en"

        phone_page.locator(".site-header nav a").nth(1).click()
        phone_page.wait_for_url(f"{live_server}/casussen")

        self.assert_english(phone_page)
        assert_no_console_errors(phone_page)
        assert_axe_clean(phone_page)

    @staticmethod
    def assert_english(page: Page) -> None:
        assert page.locator("html").get_attribute("lang") == "en"
        switch = page.locator(".language a")
        assert switch.inner_text().strip() == "Nederlands"
        assert switch.get_attribute("hreflang") == "nl"
        if ENGLISH_CATALOGUE.exists():
            english = i18n.translations("en").gettext("Waardenkaart")
            assert english != "Waardenkaart", "the English catalogue lacks 'Waardenkaart'"
            nav = page.locator(".site-header nav").inner_text()
            assert english in nav, nav


@pytest.mark.browser
class TestKeyboard:
    def test_first_tab_reaches_the_visible_skip_link(
        self, phone_page: Page, live_server: str
    ) -> None:
        goto(phone_page, f"{live_server}{CATALOGUE_PATH}")

        phone_page.keyboard.press("Tab")

        focused = phone_page.evaluate(
            """() => {
                const el = document.activeElement;
                const box = el.getBoundingClientRect();
                return {
                    cls: el.className, text: el.textContent.trim(),
                    left: box.left, top: box.top, right: box.right, bottom: box.bottom,
                };
            }"""
        )
        assert focused["cls"] == "skip"
        assert focused["text"] == "Naar de inhoud"
        viewport = phone_page.viewport_size
        assert viewport is not None
        assert focused["left"] >= 0, focused
        assert focused["top"] >= 0, focused
        assert focused["right"] <= viewport["width"], focused
        assert focused["bottom"] <= viewport["height"], focused
        assert phone_page.locator("a.skip").is_visible()
        screenshot(phone_page, "skip-link-360")

        phone_page.keyboard.press("Enter")

        assert phone_page.evaluate("document.activeElement.id") == "inhoud"
        assert phone_page.url.endswith("#inhoud")
        assert_no_console_errors(phone_page)


@pytest.mark.browser
class TestConsole:
    @pytest.mark.parametrize(
        "path",
        [
            "/",
            "/waardenkaart",
            "/casussen",
            PRINCIPEKAART_PATH,
            f"{CATALOGUE_PATH}?lang=en",
            "/casussen/999999",
        ],
    )
    def test_no_console_errors_or_csp_violations(
        self, phone_page: Page, live_server: str, path: str
    ) -> None:
        response = phone_page.goto(f"{live_server}{path}", wait_until="networkidle")
        assert response is not None

        errors = [e for e in console_errors(phone_page) if "404 (Not Found)" not in e]
        assert errors == [], errors
