"""Headless Chromium (Debian's, never a downloaded build) driving the clinic page on the real servers.

Every test gets a fresh browser context (so a fresh sessionStorage) and leaves a screenshot in
test-artifacts/screenshots/<test name>.png: the browser window as the patient sees it at the end.
"""

from __future__ import annotations

import time
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from bot.paths import ROOT
from bot.website import PAGE_PATH, SOCKET_IO_BUNDLE
from runtime.servers import ServerError, Stack
from tools.local_services import ensure_debian_packages

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium tries to reach Google's hosts at every start.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}  # a 6.1" phone in CSS pixels
STORAGE_KEY = "clinic-chat:v1"
WAITING_KEY = "clinic-chat:waiting:v1"  # localStorage: a handoff waiting for staff, kept after the tab closes


def ensure_chromium() -> str:
    """Debian's chromium package, installed with apt when missing (CI starts from a bare machine)."""
    try:
        ensure_debian_packages({CHROMIUM: "chromium"})
    except ServerError as error:
        pytest.fail(str(error))
    return CHROMIUM


@pytest.fixture(scope="package")  # Playwright's sync API holds an event loop: end it with tests/web
def browser() -> Iterator[Browser]:
    if not SOCKET_IO_BUNDLE.exists():
        pytest.fail("web/node_modules is missing: run `make setup` (or `make test`), which runs npm ci")
    executable = ensure_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Chat:
    """The clinic page in one browser tab, with the chat widget's controls."""

    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url
        self.requests: list[str] = []
        self.sockets: list[str] = []
        self.dialogs: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("websocket", lambda socket: self.sockets.append(socket.url))
        page.on("dialog", self._dismiss)

    def _dismiss(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    @property
    def log(self):
        return self.page.locator("#chat-log")

    def load(self):
        return self.page.goto(self.url)

    def open(self) -> None:
        self.load()
        self.page.click("#chat-launcher")
        self.wait_online()

    def wait_online(self) -> None:
        self.page.locator('#chat-status[data-state="online"]').wait_for(timeout=30_000)

    def bot_texts(self) -> list[str]:
        return [text.removeprefix("Assistant: ") for text in self.log.locator(".msg--bot .msg__bubble").all_text_contents()]

    def user_texts(self) -> list[str]:
        return [text.removeprefix("You: ") for text in self.log.locator(".msg--user .msg__bubble").all_text_contents()]

    def wait_for_replies(self, before: int, quiet: float = 1.5, timeout: float = 60.0) -> list[str]:
        """Wait for the first reply after `before` bot messages, then until no more arrive for
        `quiet` seconds (the bot's reply can be several messages); return the new ones."""
        bubbles = self.log.locator(".msg--bot .msg__bubble")
        bubbles.nth(before).wait_for(timeout=timeout * 1000)
        count, settled_at = bubbles.count(), time.monotonic()
        while time.monotonic() - settled_at < quiet:
            time.sleep(0.2)
            if bubbles.count() != count:
                count, settled_at = bubbles.count(), time.monotonic()
        return self.bot_texts()[before:]

    def ask(self, text: str) -> list[str]:
        """Type a message, press Enter, return the bot's replies."""
        before = len(self.bot_texts())
        self.page.fill("#chat-input", text)
        self.page.press("#chat-input", "Enter")
        return self.wait_for_replies(before)

    def snapshot(self, name: str) -> None:
        """A full-page screenshot, test-artifacts/screenshots/<name>.png."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def stored(self) -> dict:
        return self.page.evaluate(f"JSON.parse(sessionStorage.getItem('{STORAGE_KEY}'))")

    def local_storage(self) -> dict:
        """Everything the page's origin keeps in localStorage (shared by the context's tabs, kept after they close)."""
        return self.page.evaluate("Object.fromEntries(Object.keys(localStorage).map(k => [k, localStorage.getItem(k)]))")

    def focused(self) -> str:
        """The focused element, as `tag#id` or `tag:text`."""
        return self.page.evaluate(
            "(() => { const e = document.activeElement, tag = e.tagName.toLowerCase();"
            " return e.id ? `${tag}#${e.id}` : `${tag}:${e.textContent.trim()}`; })()"
        )


def new_chat(browser: Browser, stack: Stack, request: pytest.FixtureRequest, viewport: dict) -> Iterator[Chat]:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        yield Chat(page, f"{stack.rasa_url}{PAGE_PATH}")
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"))
        context.close()


@pytest.fixture
def chat(browser: Browser, stack: Stack, request: pytest.FixtureRequest) -> Iterator[Chat]:
    yield from new_chat(browser, stack, request, DESKTOP)


@pytest.fixture
def phone_chat(browser: Browser, stack: Stack, request: pytest.FixtureRequest) -> Iterator[Chat]:
    yield from new_chat(browser, stack, request, PHONE)
