"""Browser fixtures: a live server in a thread, Debian's chromium through Playwright, axe-core.

The server runs the real app (``create_app``) with uvicorn on a free port of 127.0.0.1 against a
SQLite file migrated by Alembic and filled with the built-in content. Chromium is the Debian
package (``make system-deps``); Playwright never downloads a browser here.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    ViewportSize,
    sync_playwright,
)

from app.api.deps import LOGIN_COOKIE
from app.config import Settings
from tests.conftest import committed_login
from tests.live import LiveServer, prepared_database

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE: ViewportSize = {"width": 360, "height": 740}
LAPTOP: ViewportSize = {"width": 1280, "height": 800}

# Records Content-Security-Policy violations in the page itself, so a test can read them even
# when chromium does not report them on the console. Init scripts are not subject to the CSP.
_CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} on ${event.documentURI}`
  );
});
"""


def prepared_settings(directory: Path) -> Settings:
    """Settings for a migrated SQLite file holding the built-in content."""
    return prepared_database(f"sqlite:///{directory / 'browser.sqlite3'}")


@pytest.fixture(scope="session")
def live_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return prepared_settings(tmp_path_factory.mktemp("browser-db"))


@pytest.fixture(scope="session")
def live_server(live_settings: Settings) -> Iterator[str]:
    server = LiveServer(live_settings)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def facilitator_login(live_settings: Settings) -> dict[str, str]:
    """A login session of the demo organisation's owner (cookie value and CSRF token)."""
    return committed_login(live_settings.database_url)


def log_in(context: BrowserContext, base: str, login: dict[str, str]) -> BrowserContext:
    """Give a browser context the facilitator's login cookie (HttpOnly, like the real one)."""
    context.add_cookies(
        [
            {
                "name": LOGIN_COOKIE,
                "value": login["cookie"],
                "url": base,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )
    return context


# Package scope, not session scope: the sync API keeps its asyncio loop marked as running in the
# main thread while Playwright is up, and pytest-asyncio then refuses to run any async test
# ("Runner.run() cannot be called from a running event loop"). Scoped to tests/browser, one
# chromium serves every browser test and is gone before the next package's tests start.
@pytest.fixture(scope="package")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="package")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `make system-deps` to install Debian's chromium "
            "(never `playwright install`)"
        )
    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@dataclass
class ConsoleLog:
    """Console errors and uncaught page errors of one page."""

    errors: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"{message.text} ({message.location.get('url', '?')})")

    def on_page_error(self, error: Exception) -> None:
        self.errors.append(f"uncaught: {error}")


_LOGS: weakref.WeakKeyDictionary[Page, ConsoleLog] = weakref.WeakKeyDictionary()


def _watched(page: Page) -> Page:
    log = ConsoleLog()
    page.on("console", log.on_console)
    page.on("pageerror", log.on_page_error)
    page.add_init_script(_CSP_RECORDER)
    _LOGS[page] = log
    return page


def watched_page(context: BrowserContext) -> Page:
    """A new page of ``context`` whose console errors and CSP violations are recorded."""
    return _watched(context.new_page())


def console_errors(page: Page) -> list[str]:
    """Console errors so far plus the CSP violations the current document recorded."""
    log = _LOGS[page]
    csp: list[str] = page.evaluate("window.__cspViolations || []")
    return [*log.errors, *(f"CSP: {violation}" for violation in csp)]


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = _watched(context.new_page())
    yield page
    context.close()


@pytest.fixture
def laptop_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=LAPTOP)
    page = _watched(context.new_page())
    yield page
    context.close()


@pytest.fixture
def console_page(
    browser: Browser, live_server: str, facilitator_login: dict[str, str]
) -> Iterator[Page]:
    """A laptop page logged in as the demo organisation's owner."""
    context = log_in(browser.new_context(viewport=LAPTOP), live_server, facilitator_login)
    page = _watched(context.new_page())
    yield page
    context.close()


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as ``test-artifacts/<name>.png`` and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def write_artifact(name: str, text: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    path.write_text(text, encoding="utf-8")
    return path


_AXE = Axe()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """The axe-core violations of the current page against WCAG 2.1 A and AA."""
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    results = _AXE.run(page, options=options)
    violations: list[dict[str, Any]] = results.response["violations"]
    return violations


def describe_violations(violations: list[dict[str, Any]], limit: int = 5) -> str:
    """One block per rule: id, impact, help text and the first failing target selectors."""
    lines = [f"{len(violations)} axe violation(s):"]
    for violation in violations:
        nodes = violation.get("nodes", [])
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation.get('help')} "
            f"[{len(nodes)} node(s)] {violation.get('helpUrl', '')}"
        )
        for node in nodes[:limit]:
            target = " ".join(str(part) for part in node.get("target", []))
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {target}: {summary}")
    return "\n".join(lines)


def assert_axe_clean(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)
