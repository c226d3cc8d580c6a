"""Browser tests: the whole system from `slrt up` (one stack for the session, with the demo
registry) and the console driven in real headless Chromium (Debian's, through Playwright).

Each test signs in as a persona in a fresh browser context; `shot(page, name)` saves a
screenshot under `artifacts/screenshots/` (kept by CI as an artifact).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from slrt.embedded.ports import free_port

from ..slrt_up import slrt_up

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"]
TABLET = {"width": 1280, "height": 800}  # a 10-inch tablet in landscape


def chromium_path() -> str:
    found = os.environ.get("SLRT_CHROMIUM") or shutil.which("chromium") \
        or shutil.which("chromium-browser")
    if not found:
        pytest.fail("Chromium is missing: `bash scripts/test.sh` installs Debian's chromium")
    return found


@dataclass
class ConsoleStack:
    url: str  # the console
    ports: dict[str, int]
    data: Path
    bootstrap: str  # the broker

    def service_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def token(self, *args: str) -> str:
        """A development token, e.g. token("--role", "front_office", "--region", "3402")."""
        out = subprocess.run([sys.executable, "-m", "slrt.cli", "token", "--data-dir",
                              str(self.data), *args], check=True, capture_output=True, text=True)
        return out.stdout.strip()


@pytest.fixture(scope="session")
def console_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleStack]:
    base = tmp_path_factory.mktemp("console-stack")
    names = ("intake", "registry", "referral", "notification", "console", "smtp", "webhook")
    ports = {name: free_port() for name in names}
    broker_port = free_port()
    with slrt_up(base, ports, broker_port) as running:
        url = f"http://127.0.0.1:{ports['console']}"
        assert httpx.get(url + "/healthz").status_code == 200
        yield ConsoleStack(url, ports, running.data, f"127.0.0.1:{broker_port}")


# Per module, not per session: Playwright's sync API keeps an event loop of its own while it
# runs, and the suite's async tests (in other modules) need theirs.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def page_as(browser: Browser, console_stack: ConsoleStack) -> Iterator[Callable[..., Page]]:
    """`page_as("back-office-bantul")`: a fresh browser context signed in as that persona."""
    contexts = []

    def sign_in(persona: str, lang: str = "id") -> Page:
        context = browser.new_context(viewport=TABLET, base_url=console_stack.url)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"/sign-in?lang={lang}")
        page.get_by_test_id(f"persona-{persona}").click()
        page.wait_for_load_state()
        return page

    try:
        yield sign_in
    finally:
        for context in contexts:
            context.close()


def shot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
