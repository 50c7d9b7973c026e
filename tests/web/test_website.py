"""The clinic page and its chat widget in headless Chromium, on the real action and Rasa servers.

Screenshots: test-artifacts/screenshots/<test name>.png (git-ignored).
"""

import json
import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from bot.handoff import TicketStore
from runtime.servers import http_get
from tests.web.conftest import STORAGE_KEY, WAITING_KEY, Chat

pytestmark = pytest.mark.servers

FAQ = "what is mesotherapy?"
SIDE_EFFECT = "I had mesotherapy yesterday and now my face is very swollen and hot"
EMERGENCY = "I can't breathe and my throat is swelling after my injections"
AMBIGUOUS = "bruising after meso??"  # the screen asks "is this happening to you now?" with Yes/No buttons


@pytest.fixture
def tickets(handoff_database_url):
    return TicketStore(handoff_database_url)


def test_the_page_and_the_chat_load_nothing_from_outside_loopback(chat, profile):
    response = chat.load()
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(chat.page.locator("header .brand")).to_contain_text(profile.name)
    expect(chat.page.locator(".cards")).to_contain_text(profile.hours)
    expect(chat.page.locator(".cards")).to_contain_text(profile.phone)
    chat.snapshot("page_desktop")
    chat.page.click("#chat-launcher")
    chat.wait_online()
    assert chat.ask(FAQ)
    chat.ask(EMERGENCY)  # the handoff state and banner render from local data too
    expect(chat.page.locator("#chat-emergency")).to_be_visible()

    assert chat.sockets and all(urlparse(url).path == "/socket.io/" for url in chat.sockets)
    assert len(chat.requests) >= 4  # page, stylesheet, two scripts (and the icon)
    outside = [url for url in chat.requests + chat.sockets if urlparse(url).hostname != "127.0.0.1"]
    assert outside == []


def test_a_question_gets_the_clinics_answer(chat, render):
    chat.open()
    assert chat.ask(FAQ) == [render("utter_faq_what_is")]
    assert chat.user_texts() == [FAQ]


def test_a_side_effect_report_shows_the_handoff_and_opens_a_ticket(chat, tickets, profile):
    chat.open()
    chat.ask(SIDE_EFFECT)
    handoff = chat.page.locator("#chat-handoff")
    expect(handoff).to_be_visible()
    expect(handoff).to_contain_text("Connecting you with our team")
    expect(handoff).to_contain_text(profile.phone)
    expect(handoff).to_contain_text(profile.hours)
    ticket = tickets.open_ticket_for(chat.stored()["sessionId"])
    assert ticket is not None and ticket.channel == "socketio" and ticket.reason == "side_effect"
    expect(chat.page.locator("#chat-handoff-ticket")).to_have_text(f"Your reference: {ticket.id}")
    expect(chat.page.locator("#chat-emergency")).to_be_hidden()

    # The conversation is paused for staff: no "typing" promise of a bot reply, and it survives a reload.
    chat.page.fill("#chat-input", "ok, thank you")
    chat.page.press("#chat-input", "Enter")
    expect(chat.log.locator(".msg--typing")).to_have_count(0)
    assert chat.user_texts()[-1] == "ok, thank you"
    chat.page.reload()
    expect(handoff).to_be_visible()
    expect(chat.page.locator("#chat-handoff-ticket")).to_have_text(f"Your reference: {ticket.id}")
    expect(chat.page.locator("#chat-input")).to_have_attribute("placeholder", "Add a message for our team…")


def test_an_emergency_shows_the_emergency_banner(chat, tickets, profile):
    chat.open()
    chat.ask(EMERGENCY)
    banner = chat.page.locator("#chat-emergency")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(f"Call {profile.emergency_number} now")
    assert banner.get_attribute("role") == "alert"
    expect(chat.page.locator("#chat-handoff")).to_be_visible()
    ticket = tickets.open_ticket_for(chat.stored()["sessionId"])
    assert ticket is not None and ticket.severity == "emergency"


def test_markup_in_messages_is_shown_as_text_and_never_runs(chat):
    attack = '<script>window.__injected = 1</script><img src="x" onerror="window.__injected = 2; alert(1)">'
    chat.open()
    chat.ask(attack)
    assert chat.user_texts() == [attack]

    # A bot message goes through the same rendering; the only way to make this bot say markup is
    # to put it in the tab's stored transcript, which the widget re-renders on reload.
    stored = chat.stored()
    stored["entries"].append({"from": "bot", "text": attack, "buttons": [{"title": attack, "payload": "/deny"}]})
    chat.page.evaluate(f"sessionStorage.setItem('{STORAGE_KEY}', {json.dumps(json.dumps(stored))})")
    chat.page.reload()
    chat.wait_online()
    assert chat.bot_texts()[-1] == attack
    expect(chat.log.get_by_role("button", name=attack)).to_be_visible()
    assert chat.log.locator("script, img").count() == 0
    assert chat.page.evaluate("window.__injected") is None
    assert chat.dialogs == []


def test_a_reload_keeps_the_conversation_and_its_session(chat, stack):
    chat.open()
    assert chat.ask(FAQ)
    session_id = chat.stored()["sessionId"]
    assert re.fullmatch(r"[0-9a-f]{32}", session_id)
    transcript = chat.log.locator(".msg").all_text_contents()

    chat.page.reload()
    expect(chat.page.locator("#chat-panel")).to_be_visible()  # still open after the reload
    chat.wait_online()
    assert chat.log.locator(".msg").all_text_contents() == transcript
    assert chat.stored()["sessionId"] == session_id
    assert chat.ask("how many sessions will I need?")  # the reloaded tab still gets replies

    code, body = http_get(f"{stack.rasa_url}/conversations/{session_id}/tracker?token={stack.auth_token}")
    said = [event.get("text") for event in json.loads(body)["events"] if event["event"] == "user"]
    assert code == 200 and said == [FAQ, "how many sessions will I need?"]


def test_every_tab_gets_its_own_unguessable_session(browser, stack, chat):
    chat.open()
    other_context = browser.new_context()
    try:
        other = Chat(other_context.new_page(), chat.url)
        other.open()
        other_id = other.stored()["sessionId"]
    finally:
        other_context.close()
    assert re.fullmatch(r"[0-9a-f]{32}", other_id) and other_id != chat.stored()["sessionId"]


def test_the_chat_works_with_the_keyboard_alone(chat):
    chat.load()
    keyboard = chat.page.keyboard
    keyboard.press("Tab")
    assert chat.focused() == "a:Skip to the chat"
    keyboard.press("Enter")
    assert chat.focused() == "button#chat-launcher"
    keyboard.press("Enter")
    assert chat.focused() == "input#chat-input"
    chat.wait_online()

    keyboard.type(AMBIGUOUS)
    before = len(chat.bot_texts())
    keyboard.press("Enter")
    chat.wait_for_replies(before)
    choices = chat.log.locator(".msg__buttons button")
    expect(choices).to_have_count(2)
    keyboard.press("Shift+Tab")  # from the message box back to the last answer button
    assert chat.focused() == "button:No, just asking"
    keyboard.press("Shift+Tab")
    assert chat.focused() == "button:Yes, it's happening to me"
    before = len(chat.bot_texts())
    keyboard.press("Enter")
    chat.wait_for_replies(before)
    assert chat.user_texts()[-1] == "Yes, it's happening to me"
    expect(chat.page.locator("#chat-handoff")).to_be_visible()
    assert chat.focused() == "input#chat-input"
    assert choices.first.is_disabled()  # answered questions can't be answered twice

    keyboard.press("Escape")
    expect(chat.page.locator("#chat-panel")).to_be_hidden()
    assert chat.focused() == "button#chat-launcher"


def test_new_messages_are_announced(chat):
    chat.open()
    assert chat.log.get_attribute("role") == "log"
    assert chat.log.get_attribute("aria-live") == "polite"
    assert chat.page.locator("#chat-status").get_attribute("role") == "status"
    chat.ask(FAQ)
    # The speaker is part of each message's text for screen readers, hidden on screen.
    assert chat.log.locator(".msg--bot .msg__bubble .visually-hidden").first.text_content() == "Assistant: "


def test_a_phone_screen_has_no_sideways_scrolling(phone_chat):
    page = phone_chat.page
    width = page.viewport_size["width"]
    phone_chat.load()
    phone_chat.snapshot("page_phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.click("[data-open-chat]")
    phone_chat.wait_online()
    phone_chat.ask("a_very_long_word_without_spaces_" * 6)
    phone_chat.ask(SIDE_EFFECT)
    expect(page.locator("#chat-handoff")).to_be_visible()
    assert page.locator("#chat-panel").bounding_box()["width"] == width  # the chat takes the whole screen
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    overflowing = page.evaluate(
        "[...document.querySelectorAll('#chat-panel *')]"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5).map(e => e.className)"
    )
    assert overflowing == []
    expect(page.locator("#chat-input")).to_be_in_viewport()


def test_a_faq_conversation_leaves_nothing_in_local_storage(chat):
    chat.open()
    assert chat.ask(FAQ)
    assert chat.ask("how many sessions will I need?")
    chat.page.reload()
    chat.wait_online()
    assert chat.local_storage() == {}  # only a handoff waiting for staff is kept beyond the tab

    other = Chat(chat.page.context.new_page(), chat.url)  # a new tab in the same browser: a new conversation
    other.load()
    expect(other.page.locator("#chat-panel")).to_be_hidden()
    other.page.click("#chat-launcher")
    other.wait_online()
    assert other.stored()["sessionId"] != chat.stored()["sessionId"] and other.bot_texts() == []
    assert other.local_storage() == {}


@pytest.mark.parametrize("spoil", [
    "record.savedAt = Date.now() - 25 * 3600 * 1000",  # older than 24 hours
    "record.sessionId = '../../etc'",
])
def test_an_expired_or_malformed_waiting_record_is_deleted_and_a_new_conversation_starts(chat, spoil):
    chat.open()
    chat.ask(SIDE_EFFECT)
    expect(chat.page.locator("#chat-handoff")).to_be_visible()
    session_id = chat.stored()["sessionId"]
    assert json.loads(chat.local_storage()[WAITING_KEY])["sessionId"] == session_id
    chat.page.evaluate(f"(() => {{ const record = JSON.parse(localStorage.getItem('{WAITING_KEY}')); {spoil};"
                       f" localStorage.setItem('{WAITING_KEY}', JSON.stringify(record)); }})()")

    other = Chat(chat.page.context.new_page(), chat.url)
    other.load()
    expect(other.page.locator("#chat-panel")).to_be_hidden()
    expect(other.page.locator("#chat-handoff")).to_be_hidden()
    assert other.local_storage() == {}
    other.page.click("#chat-launcher")
    other.wait_online()
    assert other.stored()["sessionId"] != session_id and other.bot_texts() == []
