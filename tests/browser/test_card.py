"""A Principekaart in a real browser: the public link of a published card (no login), its
verantwoording and QR code, the print layout and the comparison page, checked with axe-core.

The server runs on its own SQLite file with one published card in the demo organisation, made
the way a traject leaves a card and then published through the service.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from app.cards import service as cards
from app.db import build_engine, transaction
from app.organisations import service as organisations
from tests.browser.conftest import (
    LAPTOP,
    assert_axe_clean,
    console_errors,
    log_in,
    prepared_settings,
    screenshot,
    watched_page,
)
from tests.cards.factories import (
    DEFAULT_VALUES,
    CardValueSpec,
    long_values,
    make_draft_card,
    realistic_verantwoording,
)
from tests.conftest import committed_login
from tests.live import LiveServer

HOSTILE = "<img src=x onerror=alert(1)>"


@dataclass(frozen=True)
class CardServer:
    url: str
    public_path: str
    login: dict[str, str]


@pytest.fixture(scope="module")
def card_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CardServer]:
    settings = prepared_settings(tmp_path_factory.mktemp("card-db"))
    engine = build_engine(settings)
    try:
        with transaction(engine) as db:
            demo = organisations.ensure_demo(db)
            assert demo.id is not None
            values = (
                CardValueSpec("menselijkheid", HOSTILE, ("Ik luister eerst.",)),
                *DEFAULT_VALUES[1:],
            )
            verantwoording = realistic_verantwoording().model_copy(update={"illustrative": True})
            card = make_draft_card(
                db, organisation_id=demo.id, values=values, verantwoording=verantwoording
            )
            cards.publish(db, card=card)
            public_path = f"/k/{card.public_token}"
            make_draft_card(db, organisation_id=demo.id, slug="concept-kaart")
            make_draft_card(db, organisation_id=demo.id, slug="lang-7", values=long_values(7))
    finally:
        engine.dispose()
    login = committed_login(settings.database_url)
    server = LiveServer(settings)
    server.start()
    try:
        yield CardServer(server.url, public_path, login)
    finally:
        server.stop()


def _open(page: Page, url: str) -> None:
    response = page.goto(url, wait_until="load")
    assert response is not None
    assert response.ok, f"{url} answered {response.status}"


@pytest.mark.browser
class TestPublicCard:
    def test_phone_shows_card_verantwoording_and_qr_without_login(
        self, phone_page: Page, card_server: CardServer
    ) -> None:
        _open(phone_page, card_server.url + card_server.public_path)
        screenshot(phone_page, "card-public-phone")
        assert (
            phone_page.get_by_role("heading", level=1)
            .inner_text()
            .startswith("Principekaart Wijkteam Noord")
        )
        assert phone_page.locator(".card-value .headline").first.inner_text() == HOSTILE
        assert phone_page.locator("img[src='x']").count() == 0
        assert phone_page.get_by_text("gesimuleerde deelnemers, illustratief").is_visible()
        assert phone_page.get_by_role("heading", name="Verantwoording").is_visible()
        assert phone_page.locator(".qr-code").is_visible()
        assert phone_page.get_by_role("button", name="Publiceren").count() == 0
        scroll_width, inner_width = phone_page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert scroll_width <= inner_width
        assert console_errors(phone_page) == []
        assert_axe_clean(phone_page)

    def test_group_colours_as_on_the_waardenkaart(
        self, laptop_page: Page, card_server: CardServer
    ) -> None:
        _open(laptop_page, card_server.url + card_server.public_path)
        colours = laptop_page.eval_on_selector_all(
            ".card-value",
            "(nodes) => nodes.map((n) => getComputedStyle(n).backgroundColor)",
        )
        # menselijkheid (sociaal), zelfbeschikking and billijkheid (ideeel)
        assert colours == ["rgb(207, 227, 243)", "rgb(246, 213, 199)", "rgb(246, 213, 199)"]
        screenshot(laptop_page, "card-public-laptop")

    def test_public_pdf_downloads(self, laptop_page: Page, card_server: CardServer) -> None:
        response = laptop_page.request.get(
            card_server.url + card_server.public_path + "/kaart.pdf?formaat=a3"
        )
        assert response.ok
        assert response.body().startswith(b"%PDF")


@pytest.mark.browser
class TestComparePage:
    def test_compare_page_passes_axe(self, laptop_page: Page, card_server: CardServer) -> None:
        _open(laptop_page, card_server.url + "/principekaarten/vergelijk")
        screenshot(laptop_page, "card-compare-laptop")
        assert laptop_page.get_by_role("heading", name="Gedeelde waarden").is_visible()
        assert laptop_page.get_by_label("Kaart A", exact=True).is_visible()
        assert console_errors(laptop_page) == []
        assert_axe_clean(laptop_page)


@pytest.fixture
def owner_page(browser: Browser, card_server: CardServer) -> Iterator[Page]:
    context = log_in(browser.new_context(viewport=LAPTOP), card_server.url, card_server.login)
    yield watched_page(context)
    context.close()


@pytest.mark.browser
class TestDraftCard:
    def test_owner_edits_reorders_and_publishes_a_draft(
        self, owner_page: Page, card_server: CardServer
    ) -> None:
        page = owner_page
        _open(page, card_server.url + "/principekaarten/concept-kaart")
        assert page.get_by_text("Concept: deze kaart is nog niet gepubliceerd").is_visible()
        assert_axe_clean(page)
        first = page.locator(".edit-value").first
        first.get_by_label("Hoofdprincipe").fill("Ik kijk eerst naar de mens.")
        first.get_by_role("button", name="Lager").click()
        page.get_by_label("Waarde toevoegen").select_option("vertrouwen")
        added = page.locator(".edit-value").last
        added.get_by_label("Hoofdprincipe").fill("Ik ga uit van goede trouw.")
        added.get_by_label("Subprincipes").fill("Ik controleer achteraf.\nIk vraag door.")
        page.get_by_role("button", name="Opslaan").click()
        expect(page.locator(".card-values .headline").nth(1)).to_have_text(
            "Ik kijk eerst naar de mens."
        )
        headlines = page.locator(".card-values .headline").all_inner_texts()
        assert headlines[:2] == [
            "Ik laat inwoners zelf kiezen waar het kan.",
            "Ik kijk eerst naar de mens.",
        ]
        assert headlines[-1] == "Ik ga uit van goede trouw."
        screenshot(page, "card-draft-edited")
        page.get_by_role("button", name="Publiceren").click()
        page.locator(".qr-code").wait_for()
        assert page.get_by_role("button", name="Nieuwe versie maken").is_visible()
        assert page.locator(".card-edit").count() == 0
        assert console_errors(page) == []


@pytest.mark.browser
class TestPrintFromTheBrowser:
    @pytest.mark.parametrize("slug", ["wijkteam-noord", "lang-7"])
    def test_the_a3_print_view_prints_on_one_sheet(
        self, owner_page: Page, card_server: CardServer, slug: str
    ) -> None:
        _open(owner_page, f"{card_server.url}/principekaarten/{slug}/afdruk?formaat=a3")
        pdf = owner_page.pdf(prefer_css_page_size=True, print_background=True)
        reader = PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) == 1
        width, height = (float(x) for x in reader.pages[0].mediabox.upper_right)
        assert (round(width), round(height)) == (842, 1191)  # A3
        assert console_errors(owner_page) == []

    def test_the_list_of_cards_passes_axe(self, owner_page: Page, card_server: CardServer) -> None:
        _open(owner_page, card_server.url + "/principekaarten")
        assert owner_page.get_by_role("link", name="Principekaart Wijkteam Noord (2026)").count()
        assert_axe_clean(owner_page)
