"""The staff inbox in headless Chromium, on the real servers: a patient's report over REST appears in
the signed-in list without a reload; staff open it, claim it and resolve it, and the assistant
answers the patient again.

Screenshot: test-artifacts/screenshots/<test name>.png (git-ignored).
"""

import uuid
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from bot.handoff import Status, TicketStore
from runtime.servers import HOST
from tests.support.inbox import add_user, running_inbox
from tests.support.waiting import wait_for
from tests.web.conftest import DESKTOP, SCREENSHOTS

pytestmark = pytest.mark.servers

NAME, DISPLAY_NAME, PASSWORD = "nurse.joy", "Joy Smith", "correct horse battery"
SIDE_EFFECT = "I had mesotherapy yesterday and now my face is very swollen and hot"


@pytest.fixture(scope="module")
def inbox_url(tmp_path_factory, stack, handoff_database_url, tracker_database) -> Iterator[str]:
    """The inbox on the shared stack's ticket database and tracker store, resuming through its Rasa."""
    add_user(handoff_database_url, NAME, DISPLAY_NAME, PASSWORD)
    with running_inbox(tmp_path_factory.mktemp("inbox"), handoff_database_url, f"sqlite:///{tracker_database}",
                       stack.rasa_url, stack.auth_token) as port:
        yield f"http://{HOST}:{port}"


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP)
    staff_page = context.new_page()
    try:
        yield staff_page
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        staff_page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
        context.close()


def sign_in(page: Page, inbox_url: str) -> None:
    page.goto(inbox_url + "/")
    expect(page).to_have_url(inbox_url + "/login")
    page.fill("#name", NAME)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    expect(page).to_have_url(inbox_url + "/")
    expect(page.locator("#me")).to_have_text(DISPLAY_NAME)


def test_a_new_handoff_appears_live_and_staff_claim_and_resolve_it(page, inbox_url, stack, handoff_database_url):
    sign_in(page, inbox_url)
    expect(page.locator("#list-status")).not_to_have_text("Loading…")
    page.evaluate("window.notReloaded = true")

    patient = f"inbox-{uuid.uuid4().hex[:8]}"
    stack.say(patient, SIDE_EFFECT)
    tickets = TicketStore(handoff_database_url)
    ticket = wait_for(lambda: tickets.open_ticket_for(patient))
    assert ticket is not None
    row = page.locator(f'#tickets tr[data-ticket="{ticket.id}"]')
    expect(row).to_be_visible(timeout=10_000)  # the list polls every 2 s
    expect(row).to_contain_text(SIDE_EFFECT)
    assert page.evaluate("window.notReloaded") is True

    row.locator("a").click()
    expect(page).to_have_url(f"{inbox_url}/tickets/{ticket.id}")
    expect(page.locator("#trigger")).to_have_text(SIDE_EFFECT)
    expect(page.locator("#transcript li.patient").first).to_contain_text(SIDE_EFFECT)
    expect(page.locator("#findings")).to_be_visible()

    page.click("#claim")
    expect(page.locator("#notice")).to_have_text("You claimed this ticket.")
    expect(page.locator("#ticket-status")).to_have_text(f"claimed by {DISPLAY_NAME}")

    page.fill("#resolution", "Called her; seen in clinic today.")
    page.click("#resolve")
    expect(page.locator("#notice")).to_have_text("Resolved: the assistant answers the patient again.")
    expect(page.locator("#error")).to_have_count(0)
    resolved = tickets.get(ticket.id)
    assert resolved.status is Status.resolved and f"{DISPLAY_NAME}: Called her" in resolved.staff_notes
    tickets.close()
    assert stack.say(patient, "what is mesotherapy?")  # resumed: the assistant answers again

    page.click("text=← All open tickets")
    expect(page.locator(f'#tickets tr[data-ticket="{ticket.id}"]')).to_have_count(0)
