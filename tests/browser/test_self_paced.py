"""A self-paced denksessie in the browser (docs/decisions/0033): made from the console with a
closing time, started (every round opens), answered on a 360 px phone in any order, a draft
that survives a reload, results only after "Nu sluiten"; axe-core finds nothing on the phone.
Screenshots: ``test-artifacts/self-paced-*``."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Page, Response, ViewportSize, expect

from tests.browser.conftest import assert_axe_clean, screenshot, write_artifact
from tests.browser.test_live import (
    Room,
    api_post,
    assert_no_console_errors,
    confirm_click,
    room,  # noqa: F401  (the fixture)
    small_targets,
    submit_and_wait_saved,
)
from tests.browser.test_projector import check_view

CANDIDATES = ["zelfbeschikking", "privacy", "compassie", "eenvoud"]
SMALL_SCREEN: ViewportSize = {"width": 1280, "height": 720}
BIG_SCREEN: ViewportSize = {"width": 1920, "height": 1080}


def statuses(page: Page) -> list[str]:
    texts: list[str] = page.locator(".sp-status").all_inner_texts()
    return texts


def phone_weight(in_room: Room, phone: Page) -> int:
    """Bytes sent (gzipped as served) when the phone page loads cold, with the list of rounds."""
    page = in_room.page(phone=True, like=phone.context)
    responses: list[Response] = []

    def record(response: Response) -> None:
        responses.append(response)

    page.on("response", record)
    page.goto(phone.url)
    expect(page.locator(".sp-round")).to_have_count(2)
    page.wait_for_load_state("networkidle")
    sizes = [(r.request.sizes()["responseBodySize"], r.url) for r in responses if r.status < 300]
    sent = sum(size for size, _ in sizes)
    lines = [f"{size:>8} {url}" for size, url in sizes] + [f"{sent:>8} in all"]
    write_artifact("self-paced-phone-weight.txt", "\n".join(lines) + "\n")
    return sent


@pytest.mark.browser
def test_a_team_answers_in_its_own_time(room: Room) -> None:  # noqa: F811
    console = room.page()
    console.goto(f"{room.base}/console")
    console.get_by_label("Titel").fill("Teamoverleg op afstand")
    console.get_by_role("checkbox", name=re.compile("eigen telefoon")).check()
    # The browser's own time zone: what a facilitator types.
    closes = (datetime.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    console.get_by_label("Sluit op (datum en tijd)").fill(closes)
    console.get_by_role("button", name="Denksessie aanmaken").click()
    console.wait_for_url(re.compile(r"/console/\d+$"))
    denksessie_id = int(console.url.rsplit("/", 1)[1])
    code = console.locator("dd.code").inner_text().strip()
    expect(console.locator("#self-paced")).to_contain_text("Nog niet gestart")
    for title in ("Eerste ronde", "Tweede ronde"):
        api_post(
            room,
            f"/api/v1/denksessies/{denksessie_id}/rounds",
            {"kind": "approval", "title": title, "config": {"candidates": CANDIDATES}},
        )
    console.reload()
    console.get_by_role("button", name="Starten: alle rondes openen").click()
    expect(console.get_by_role("button", name="Nu sluiten")).to_be_visible()
    screen_url = console.locator("#screen-link").get_attribute("href")
    screen = room.page(viewport=SMALL_SCREEN)
    screen.clock.install()  # time runs as ever, and can be moved on (the tour of results)
    screen.goto(f"{room.base}{screen_url}")
    expect(screen.locator(".sp-progress li")).to_have_count(2)

    anna = room.page(phone=True)
    anna.goto(f"{room.base}/j/{code}")
    anna.get_by_role("button", name="Meedoen").click()
    anna.wait_for_url(f"**/p/{code}")
    expect(anna.locator(".sp-round")).to_have_count(2)
    assert statuses(anna) == ["Nog te doen", "Nog te doen"]
    screenshot(anna, "self-paced-list-360")
    assert_axe_clean(anna)
    assert small_targets(anna) == []

    # The second round first.
    anna.locator(".sp-round", has_text="Tweede ronde").click()
    expect(anna.get_by_role("heading", name="Tweede ronde")).to_be_visible()
    anna.get_by_role("checkbox", name=re.compile("Privacy")).check()
    submit_and_wait_saved(anna)
    expect(anna.locator(".my-results")).to_be_hidden()  # hidden until the close
    screenshot(anna, "self-paced-round-360")
    assert_axe_clean(anna)
    anna.get_by_role("button", name="← Alle rondes").click()
    expect(anna.locator(".sp-status")).to_have_text(["Nog te doen", "Bewaard"])

    # The first round: a choice made, not sent; the phone is reloaded.
    anna.locator(".sp-round", has_text="Eerste ronde").click()
    anna.get_by_role("checkbox", name=re.compile("Zelfbeschikking")).check()
    anna.reload()
    expect(anna.locator(".sp-status")).to_have_text(["Nog niet verstuurd", "Bewaard"])
    anna.locator(".sp-round", has_text="Eerste ronde").click()
    expect(anna.get_by_role("checkbox", name=re.compile("Zelfbeschikking"))).to_be_checked()
    submit_and_wait_saved(anna)
    anna.get_by_role("button", name="← Alle rondes").click()
    expect(anna.locator(".sp-status")).to_have_text(["Bewaard", "Bewaard"])
    expect(anna.locator(".self-paced")).to_contain_text("2 van 2 rondes beantwoord")

    # The console and the projector count the answers per round; results wait for the close.
    expect(screen.locator(".sp-progress li").first).to_contain_text("1 van 1")
    check_view(screen, "self-paced-progress", SMALL_SCREEN)
    expect(console.locator(".round-card .answered").first).to_contain_text("1 van 1")
    confirm_click(console.get_by_role("button", name="Nu sluiten"), "Zeker? Nu sluiten")
    expect(console.locator("#self-paced")).to_contain_text("Gesloten")
    expect(anna.locator(".sp-status")).to_have_text(["Gesloten · je antwoord telt mee"] * 2)
    anna.locator(".sp-round", has_text="Tweede ronde").click()
    expect(anna.locator(".my-results")).to_be_visible()
    expect(anna.locator(".my-results")).to_contain_text("Privacy")
    screenshot(anna, "self-paced-results-360")
    assert_axe_clean(anna)
    assert phone_weight(room, anna) < 100_000
    screen.set_viewport_size(BIG_SCREEN)
    expect(screen.locator(".sp-progress")).to_have_count(0)
    expect(screen.locator(".stage")).to_contain_text("Privacy")
    check_view(screen, "self-paced-closed", BIG_SCREEN)
    # After the close the projector shows every round's results in turn.
    expect(screen.locator(".round-title")).to_have_text("Eerste ronde")
    screen.clock.fast_forward("00:40")
    expect(screen.locator(".round-title")).to_have_text("Tweede ronde")
    assert_no_console_errors(console, anna, screen)
