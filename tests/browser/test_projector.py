"""The projector with a full room: 300 participants and 25 values, at 1280x720 and 1920x1080.

Every view (lobby, an open round of each kind, each kind's results, the wall of principles) must
fit the screen without scrolling, keep its smallest text readable from the back of the room
(1/36 of the screen's height: 20 px at 720 p, 30 px at 1080 p; decision 0019) and pass axe-core.
The ballots are written through the services straight into the live server's database (300
browsers would prove nothing more); the facilitator's controls go through the API, so the screen
hears about them as it would in a room. Screenshots land in ``test-artifacts/projector-*.png``.
"""

from __future__ import annotations

import random
import re
import time
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect
from sqlmodel import Session

from app.catalogue import service as catalogues
from app.config import Settings
from app.db import build_engine, transaction
from app.sessions import service as sessions
from app.sessions.ballots import cast_ballot, round_principles
from app.sessions.models import Denksessie, Participant, SessionRound
from app.sessions.schemas import JoinRequest
from tests.browser.conftest import (
    ARTIFACTS,
    assert_axe_clean,
    log_in,
    screenshot,
    watched_page,
)
from tests.browser.test_live import (  # noqa: F401 (room: the fixture)
    TIMEOUT_MS,
    Room,
    api_post,
    assert_no_console_errors,
    room,
)

ROOM = 300
VALUES = 25
# The README's two images are copies of test-artifacts/projector-{casus,ranking}.png (the join
# address holds a random port, so the test does not write into docs/img itself).
SCREENS: list[tuple[ViewportSize, str]] = [
    ({"width": 1280, "height": 720}, "no-preference"),
    ({"width": 1920, "height": 1080}, "reduce"),
]
LONG = (
    "Ik vraag eerst wat iemand zelf wil en kan, ook als dat meer tijd kost dan de regels ons "
    "geven, en ik leg uit waarom we uiteindelijk kiezen wat we kiezen, in gewone woorden"
)
SITUATION = (
    "Angela is 84 en woont alleen in het huis waar ze haar hele leven woonde. Haar dochter woont "
    "ver weg en belt elke week; de buren doen soms boodschappen. Sinds haar val in maart loopt ze "
    "slecht, en de wijkverpleging ziet dat ze minder eet. Angela wil niet naar een verpleeghuis: "
    "'Hier ken ik alles, hier wil ik dood.' Haar huisarts vraagt om meer hulp thuis, maar het "
    "budget is krap en de wachtlijst lang."
)

# Problems that make someone scroll the projector or lose text: the page is taller or wider
# than the window, an element reaches past its edge, or a box clips what is inside it.
OVERFLOW_JS = """() => {
  const doc = document.documentElement;
  const found = [];
  if (doc.scrollHeight > innerHeight || doc.scrollWidth > innerWidth)
    found.push(`page ${doc.scrollWidth}x${doc.scrollHeight} in ${innerWidth}x${innerHeight}`);
  const name = (n) => n.tagName.toLowerCase() + (n.id ? "#" + n.id : "") +
    (n.className && typeof n.className === "string" ? "." + n.className.split(" ").join(".") : "");
  for (const node of document.querySelectorAll("body *")) {
    if (node.closest(".skip, .sr-only, [hidden]") || node.closest("svg")) continue;
    const style = getComputedStyle(node);
    if (style.display === "none" || style.visibility === "hidden") continue;
    const box = node.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.bottom > innerHeight + 1 || box.right > innerWidth + 1)
      found.push(`${name(node)} reaches ${Math.round(box.right)},${Math.round(box.bottom)}`);
    // Visually hidden (1 px, clipped) text is for screen readers, not a clipped box.
    const clips = (style.overflowX !== "visible" || style.overflowY !== "visible") &&
      (node.clientWidth > 1 || node.clientHeight > 1);
    const over = node.scrollHeight > node.clientHeight + 1 ||
      node.scrollWidth > node.clientWidth + 1;
    if (clips && over)
      found.push(`${name(node)} clips ${node.scrollWidth}x${node.scrollHeight} to ` +
        `${node.clientWidth}x${node.clientHeight}`);
  }
  return found;
}"""

# The smallest font size of any visible text, and where it is.
SMALLEST_TEXT_JS = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let smallest = [Infinity, ""];
  while (walker.nextNode()) {
    const text = walker.currentNode;
    const parent = text.parentElement;
    if (!text.textContent.trim() || !parent) continue;
    if (parent.closest(".skip, .sr-only, [hidden]")) continue;
    if (!parent.getClientRects().length) continue;
    const size = parseFloat(getComputedStyle(parent).fontSize);
    if (size < smallest[0]) smallest = [size, parent.tagName + "." + parent.className + ": " +
      text.textContent.trim().slice(0, 40)];
  }
  return smallest;
}"""

# Records the most animations (CSS transitions included) seen running at once, every frame.
COUNT_TRANSITIONS_JS = """
window.__transitions = 0;
(function sample() {
  window.__transitions = Math.max(window.__transitions, document.getAnimations().length);
  requestAnimationFrame(sample);
})();
"""


def poll(page: Page, script: str, what: str) -> None:
    """Wait until ``script`` is true in the page (the CSP forbids wait_for_function's eval)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not page.evaluate(script):
        assert time.monotonic() < deadline, f"waited in vain for {what}"
        page.wait_for_timeout(50)


def check_view(page: Page, name: str, viewport: ViewportSize) -> None:
    """The view on screen fits, reads from the back of the room and passes axe-core."""
    poll(page, "() => !!document.querySelector('.fit') && document.fonts.status === 'loaded'", name)
    overflow = page.evaluate(OVERFLOW_JS)
    assert overflow == [], f"{name} at {viewport}: {overflow}"
    size, where = page.evaluate(SMALLEST_TEXT_JS)
    assert size >= viewport["height"] / 36 - 0.01, f"{name}: smallest text {size}px ({where})"
    assert_axe_clean(page)
    screenshot(page, f"projector-{viewport['width']}-{name}")


class Filler:
    """Writes straight into the live server's database, through the services."""

    def __init__(self, settings: Settings, denksessie_id: int) -> None:
        self.engine = build_engine(settings)
        self.denksessie_id = denksessie_id
        self.random = random.Random(12)

    def close(self) -> None:
        self.engine.dispose()

    def _denksessie(self, db: Session) -> Denksessie:
        found = db.get(Denksessie, self.denksessie_id)
        assert found is not None
        return found

    def value_keys(self) -> list[str]:
        with transaction(self.engine) as db:
            denksessie = self._denksessie(db)
            return sorted(catalogues.value_keys(db, sessions.catalogue_of(db, denksessie)))

    def join(self, count: int) -> list[str]:
        with transaction(self.engine) as db:
            denksessie = self._denksessie(db)
            roles = [*denksessie.roles, None]
            return [
                sessions.join(
                    db, denksessie=denksessie, data=JoinRequest(role=roles[i % len(roles)])
                ).id
                for i in range(count)
            ]

    def principle_ids(self, round_id: int) -> list[int]:
        with transaction(self.engine) as db:
            denksessie = self._denksessie(db)
            session_round = db.get(SessionRound, round_id)
            assert session_round is not None
            return [p.id for p in round_principles(db, denksessie, session_round) if p.id]

    def cast(self, round_id: int, kind: str, payloads: list[Any], people: list[str]) -> None:
        with transaction(self.engine) as db:
            denksessie = self._denksessie(db)
            for index, (person, payload) in enumerate(zip(people, payloads, strict=False)):
                participant = db.get(Participant, person)
                assert participant is not None
                cast_ballot(
                    db,
                    denksessie=denksessie,
                    participant=participant,
                    round_id=round_id,
                    kind=kind,
                    payload=payload,
                    client_msg_id=f"fill-{round_id}-{index}",
                )

    def ranked(self, values: list[str], noise: float = 9.0) -> list[str]:
        """A ballot near the group's taste (the first values), each person a little different."""
        return sorted(values, key=lambda v: values.index(v) + self.random.gauss(0, noise))


@pytest.mark.browser
@pytest.mark.parametrize(("viewport", "motion"), SCREENS, ids=["720p", "1080p-reduced-motion"])
def test_every_projector_view_fits_a_full_room(
    room: Room,  # noqa: F811
    live_settings: Settings,
    viewport: ViewportSize,
    motion: str,
) -> None:
    # A casus as long as the library allows: its situation runs over pages on the projector.
    casus_id = api_post(
        room,
        "/api/v1/casussen",
        {
            "title": "Angela wil thuis blijven wonen, ook als het zwaar wordt",
            "situation": "\n".join([SITUATION] * 6)[:3000],
            "decision_question": "Ken je Angela extra hulp thuis wel of niet toe?",
            "domain": "Wmo",
        },
    )["id"]
    created = api_post(
        room,
        "/api/v1/denksessies",
        {"title": "Denksessie Wmo met de hele zaal", "casus_ids": [casus_id], "room_size": ROOM},
    )
    base = f"/api/v1/denksessies/{created['id']}"
    filler = Filler(live_settings, created["id"])
    try:
        values = filler.value_keys()[:VALUES]
        assert len(values) == VALUES
        filler.random.shuffle(values)  # the room's taste, not the alphabet
        people = filler.join(ROOM)

        context = log_in(
            room.browser.new_context(viewport=viewport, reduced_motion=motion),  # type: ignore[arg-type]
            room.base,
            room.login,
        )
        context.set_default_timeout(TIMEOUT_MS)
        room.contexts.append(context)
        screen = watched_page(context)
        screen.add_init_script(COUNT_TRANSITIONS_JS)
        screen.goto(f"{room.base}{created['screen_url']}")
        expect(screen.locator("#participants")).to_have_text(str(ROOM))
        # The lobby: the join panel takes its column, with the QR code.
        expect(screen.locator(".qr svg")).to_be_visible()
        check_view(screen, "lobby", viewport)
        # Locking the door shrinks the join panel to a strip with the code; unlocking brings it
        # back, until the first round opens.
        api_post(room, f"{base}/lock", {"locked": True})
        expect(screen.locator(".qr")).to_be_hidden()
        expect(screen.locator(".join-code")).to_have_text(created["code"])
        api_post(room, f"{base}/lock", {"locked": False})
        expect(screen.locator(".qr svg")).to_be_visible()

        def run_round(kind: str, config: dict[str, Any], payloads: list[Any]) -> int:
            made = api_post(room, f"{base}/rounds", {"kind": kind, "config": config})
            api_post(room, f"{base}/rounds/{made['id']}/open", {})
            expect(screen.locator(".kicker")).to_contain_text(re.compile(r"Ronde \d"))
            expect(screen.locator(".closed-note")).to_have_count(0)
            return int(made["id"])

        def reveal(round_id: int, kind: str) -> None:
            api_post(room, f"{base}/rounds/{round_id}/close", {})
            api_post(room, f"{base}/rounds/{round_id}/reveal", {"revealed": True})
            expect(screen.locator(f".results-{kind}")).to_be_visible()

        # --- casus: the question, then the decision split and the values named -----------------
        casus = run_round("casus", {"casus_id": casus_id, "max_values": 3}, [])
        # Once a round opened the join panel is a strip with the code; C brings the QR back.
        expect(screen.locator(".qr")).to_be_hidden()
        expect(screen.locator(".join-code")).to_have_text(created["code"])
        expect(screen.locator(".pager")).to_have_text(re.compile(r"Deel 1 van [2-9]"))
        check_view(screen, "casus-open", viewport)
        screen.keyboard.press("ArrowLeft")  # from the first page round to the last one
        expect(screen.locator(".casus .question")).to_be_visible()
        check_view(screen, "casus-open-last", viewport)
        screen.keyboard.press("ArrowRight")
        screen.keyboard.press("c")
        expect(screen.locator(".qr svg")).to_be_visible()
        check_view(screen, "casus-open-code", viewport)
        screen.get_by_role("button", name="Code klein").click()
        expect(screen.locator(".qr")).to_be_hidden()
        screen.get_by_role("button", name="Code groot tonen").blur()
        decisions = ["toekennen", "niet_toekennen", "twijfel"]
        ballots = []
        for i in range(ROOM):
            chosen = filler.ranked(values, noise=6)[:3]
            ballots.append(
                {
                    "decision": decisions[i % 3 if i % 5 else 0],
                    "values": chosen,
                    "principles": {chosen[0]: f"{LONG} ({i})."} if i % 2 == 0 else {},
                }
            )
        filler.cast(casus, "casus", ballots, people)
        reveal(casus, "casus")
        # Not all 25 values fit with their split: the first ones, and a line for the rest.
        expect(screen.locator(".results-casus .more")).to_contain_text(re.compile(r"En nog \d+"))
        check_view(screen, "casus", viewport)
        if viewport["width"] == 1280:
            screen.screenshot(path=str(ARTIFACTS / "projector-casus.png"))
        # The principles written in the casus, per value, on pages of their own.
        screen.keyboard.press("ArrowRight")
        expect(screen.locator(".wall-group").first).to_be_visible()
        expect(screen.locator(".pager")).to_have_text(re.compile(r"Deel 2 van \d+"))
        check_view(screen, "casus-principles", viewport)

        # --- ranking: 25 values, 300 ballots ----------------------------------------------------
        ranking = run_round("ranking", {"candidates": values}, [])
        expect(screen.locator(".chips li")).to_have_count(VALUES)
        check_view(screen, "ranking-open", viewport)
        filler.cast(
            ranking, "ranking", [{"ranking": filler.ranked(values)} for _ in people], people
        )
        reveal(ranking, "ranking")
        # The figure agrees with the order: "wint van" falls (or stays level) down the list.
        wins = [
            int(m.group(1))
            for text in screen.locator(".ranked-result .figure").all_inner_texts()
            if (m := re.search(r"wint van (\d+)", text))
        ]
        assert len(wins) >= 8, wins
        assert wins == sorted(wins, reverse=True)
        expect(screen.locator(".why .explanation")).to_be_visible()
        expect(screen.locator(".why .gauge")).to_contain_text(re.compile("overeenstemming"))
        check_view(screen, "ranking", viewport)
        if viewport["width"] == 1280:
            screen.screenshot(path=str(ARTIFACTS / "projector-ranking.png"))

        # --- points and approval ----------------------------------------------------------------
        points = run_round("points", {"candidates": values, "budget": 100}, [])
        check_view(screen, "points-open", viewport)
        filler.cast(
            points,
            "points",
            [{"points": dict.fromkeys(filler.ranked(values)[:4], 25)} for _ in people],
            people,
        )
        reveal(points, "points")
        check_view(screen, "points", viewport)

        approval = run_round("approval", {"candidates": values, "max_approvals": 3}, [])
        filler.cast(
            approval,
            "approval",
            [{"approve": filler.ranked(values)[:3]} for _ in people],
            people,
        )
        reveal(approval, "approval")
        check_view(screen, "approval", viewport)
        # A live change (a participant removed takes their ballot along) grows or shrinks the
        # bars, unless the screen asked for less motion.
        before = screen.locator(".results-approval").inner_text()
        screen.evaluate("window.__transitions = 0")
        for person in people[:6]:
            api_post(room, f"{base}/participants/{person}/remove", {})
        expect(screen.locator(".results-approval")).not_to_have_text(before)
        if motion == "reduce":
            assert screen.evaluate("window.__transitions") == 0
        else:
            poll(screen, "() => window.__transitions > 0", "bars that move")

        # --- principles: the casus's principles on a value, long ones ---------------------------
        written = [value for b in ballots for value in b["principles"]]
        top_value = max(set(written), key=written.count)
        principle = run_round("principle", {"value_key": top_value, "max_approvals": 3}, [])
        expect(screen.locator(".wall-group li").first).to_be_visible()
        check_view(screen, "principle-open", viewport)
        ids = filler.principle_ids(principle)
        assert len(ids) > 10
        filler.cast(
            principle,
            "principle",
            [{"approve": filler.random.sample(ids, 3)} for _ in people[6:]],
            people[6:],
        )
        reveal(principle, "principle")
        check_view(screen, "principle", viewport)
        assert_no_console_errors(screen)
    finally:
        filler.close()
