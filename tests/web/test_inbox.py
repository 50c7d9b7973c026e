"""The staff inbox in headless Chromium on the real servers, with two browser contexts: a patient on
the clinic page's chat widget and a staff member signed in to the inbox. The patient's report
appears in the list without a reload; staff open it, claim it, reply (the patient sees the reply
live and answers), and resolve it (the patient sees "You're back with the assistant." and the
assistant answers again). Staff replies written while the patient's page is closed show once when
it is opened again, and not again after a reload. A patient waiting for staff who closes the tab
altogether gets the reply in a new tab (the widget's localStorage record, which holds no
transcript), and the record is gone once staff hand back.

Screenshots: test-artifacts/screenshots/<test name>.png (staff) and <test name>_patient.png.
"""

import json
import time
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from bot.handoff import Status, TicketStore
from bot.website import PAGE_PATH
from runtime.servers import HOST
from tests.support.inbox import add_user, running_inbox
from tests.support.waiting import wait_for
from tests.web.conftest import DESKTOP, SCREENSHOTS, WAITING_KEY, Chat

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


def test_a_takeover_with_a_live_reply_both_ways_and_the_bot_back(page, chat: Chat, inbox_url, handoff_database_url,
                                                                 render):
    sign_in(page, inbox_url)
    expect(page.locator("#list-status")).not_to_have_text("Loading…")
    page.evaluate("window.notReloaded = true")

    chat.open()
    chat.ask(SIDE_EFFECT)
    expect(chat.page.locator("#chat-handoff")).to_be_visible()
    tickets = TicketStore(handoff_database_url)
    ticket = wait_for(lambda: tickets.open_ticket_for(chat.stored()["sessionId"]))
    assert ticket is not None
    row = page.locator(f'#tickets tr[data-ticket="{ticket.id}"]')
    expect(row).to_be_visible(timeout=10_000)  # the list is pushed to the page as it changes
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

    before = len(chat.bot_texts())
    page.fill("#reply", "Hello, this is Joy from the clinic. Is the swelling getting worse?")
    page.click("#send-reply")
    expect(page.locator("#notice")).to_have_text("Reply added to the conversation.")
    assert chat.wait_for_replies(before) == [
        f"{DISPLAY_NAME} (clinic team): Hello, this is Joy from the clinic. Is the swelling getting worse?"]
    chat.page.fill("#chat-input", "No, it is a bit better today")
    chat.page.press("#chat-input", "Enter")
    page.evaluate("window.notReloaded = true")
    expect(page.locator("#transcript li.patient").last).to_have_text("patient No, it is a bit better today",
                                                                    timeout=10_000)  # pushed to the page
    expect(page.locator("#transcript li.clinic-team").last).to_contain_text("Is the swelling getting worse?")
    assert page.evaluate("window.notReloaded") is True

    before = len(chat.bot_texts())
    page.fill("#resolution", "Called her; seen in clinic today.")
    page.click("#resolve")
    expect(page.locator("#notice")).to_have_text("Resolved: the assistant answers the patient again.")
    expect(page.locator("#error")).to_have_count(0)
    assert chat.wait_for_replies(before) == ["You're back with the assistant."]
    expect(chat.page.locator("#chat-handoff")).to_be_hidden()  # the widget leaves its handoff state
    expect(chat.page.locator("#chat-input")).to_have_attribute("placeholder", "Type your question…")
    resolved = tickets.get(ticket.id)
    assert resolved.status is Status.resolved and f"{DISPLAY_NAME}: Called her" in resolved.staff_notes
    tickets.close()
    assert chat.ask("what is mesotherapy?") == [render("utter_faq_what_is")]  # the assistant is back
    chat.page.reload()
    chat.wait_online()
    expect(chat.page.locator("#chat-handoff")).to_be_hidden()
    chat.page.screenshot(path=str(SCREENSHOTS / "test_a_takeover_with_a_live_reply_both_ways_and_the_bot_back_patient.png"))

    page.click("text=← All open tickets")
    expect(page.locator(f'#tickets tr[data-ticket="{ticket.id}"]')).to_have_count(0)


def staff_lines(chat: Chat) -> list[str]:
    return [text for text in chat.bot_texts() if "(clinic team):" in text]


def test_replies_written_while_the_patients_page_is_closed_show_once_when_it_opens_again(page, chat: Chat, inbox_url,
                                                                                       handoff_database_url):
    sign_in(page, inbox_url)
    chat.open()
    chat.ask(SIDE_EFFECT)
    expect(chat.page.locator("#chat-handoff")).to_be_visible()
    tickets = TicketStore(handoff_database_url)
    ticket = wait_for(lambda: tickets.open_ticket_for(chat.stored()["sessionId"]))
    tickets.close()
    chat.page.goto("about:blank")  # the patient leaves the page; the tab keeps its sessionStorage

    page.goto(f"{inbox_url}/tickets/{ticket.id}")
    replies = ["Are you still there? Please call us.", "We have a slot at 4 pm today."]
    for text in replies:
        page.fill("#reply", text)
        page.click("#send-reply")
        expect(page.locator("#notice")).to_have_text("Reply added to the conversation.")

    chat.load()  # the patient comes back to the page
    chat.wait_online()
    expected = [f"{DISPLAY_NAME} (clinic team): {text}" for text in replies]
    expect(chat.log.locator(".msg--bot .msg__bubble").last).to_contain_text(replies[-1], timeout=10_000)
    time.sleep(1.5)  # anything sent twice would have arrived by now
    assert staff_lines(chat) == expected
    chat.page.reload()
    chat.wait_online()
    time.sleep(1.5)
    assert staff_lines(chat) == expected  # shown once, not again after a reload
    expect(chat.page.locator("#chat-handoff")).to_be_visible()


def test_a_patient_who_closed_the_tab_while_waiting_gets_the_reply_in_a_new_tab(page, browser: Browser, stack,
                                                                                 inbox_url, handoff_database_url,
                                                                                 request):
    sign_in(page, inbox_url)
    context = browser.new_context(viewport=DESKTOP)  # one browser: its tabs share localStorage only
    patient = Chat(context.new_page(), f"{stack.rasa_url}{PAGE_PATH}")
    try:
        patient.open()
        patient.ask(SIDE_EFFECT)
        expect(patient.page.locator("#chat-handoff")).to_be_visible()
        session_id = patient.stored()["sessionId"]
        tickets = TicketStore(handoff_database_url)
        ticket = wait_for(lambda: tickets.open_ticket_for(session_id))
        assert ticket is not None
        patient.page.fill("#chat-input", "It started this morning, my cheeks are burning")
        patient.page.press("#chat-input", "Enter")

        kept = patient.local_storage()
        assert list(kept) == [WAITING_KEY]
        record = json.loads(kept[WAITING_KEY])
        assert set(record) == {"sessionId", "handoff", "savedAt"}
        assert record["sessionId"] == session_id and record["handoff"]["ticket"] == str(ticket.id)
        assert abs(record["savedAt"] / 1000 - time.time()) < 60
        patient_words = [SIDE_EFFECT, "swollen", "cheeks are burning"]
        assert not [word for word in patient_words if word in json.dumps(kept)]  # no transcript

        patient.page.close()  # the tab is closed: its sessionStorage is gone
        page.goto(f"{inbox_url}/tickets/{ticket.id}")
        reply = "Please put a cold compress on it and call us at 4 pm."
        page.fill("#reply", reply)
        page.click("#send-reply")
        expect(page.locator("#notice")).to_have_text("Reply added to the conversation.")

        patient = Chat(context.new_page(), patient.url)  # later: the clinic's site in a new tab
        patient.load()
        expect(patient.page.locator("#chat-panel")).to_be_visible()  # opened by itself, to show the reply
        patient.wait_online()
        expected = [f"{DISPLAY_NAME} (clinic team): {reply}"]
        expect(patient.log.locator(".msg--bot .msg__bubble").last).to_contain_text(reply, timeout=10_000)
        time.sleep(1.5)  # anything sent twice would have arrived by now
        assert staff_lines(patient) == expected
        assert any("conversation with our team continues here" in text for text in patient.bot_texts())
        assert patient.user_texts() == []  # the patient's own messages were not kept on the device
        handoff = patient.page.locator("#chat-handoff")
        expect(handoff).to_be_visible()
        expect(handoff).to_contain_text("Connecting you with our team")
        expect(patient.page.locator("#chat-handoff-ticket")).to_have_text(f"Your reference: {ticket.id}")
        expect(patient.page.locator("#chat-input")).to_have_attribute("placeholder", "Add a message for our team…")
        assert patient.stored()["sessionId"] == session_id

        patient.page.fill("#chat-input", "Thank you, I will call at 4")
        patient.page.press("#chat-input", "Enter")
        expect(page.locator("#transcript li.patient").last).to_have_text("patient Thank you, I will call at 4",
                                                                        timeout=10_000)  # the same conversation
        assert not [word for word in [*patient_words, "I will call"] if word in json.dumps(patient.local_storage())]

        before = len(patient.bot_texts())
        page.fill("#resolution", "Called her; compress advice given.")
        page.click("#resolve")
        expect(page.locator("#notice")).to_have_text("Resolved: the assistant answers the patient again.")
        assert patient.wait_for_replies(before) == ["You're back with the assistant."]
        expect(handoff).to_be_hidden()
        assert staff_lines(patient) == expected
        assert patient.local_storage() == {}  # nothing waits any more
        tickets.close()

        patient.page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}_patient.png"))
        patient.page.close()
        patient = Chat(context.new_page(), patient.url)  # another new tab: a new conversation
        patient.load()
        expect(patient.page.locator("#chat-panel")).to_be_hidden()
        patient.page.click("#chat-launcher")
        patient.wait_online()
        assert patient.stored()["sessionId"] != session_id and patient.bot_texts() == []
        expect(patient.page.locator("#chat-handoff")).to_be_hidden()
    finally:
        context.close()
