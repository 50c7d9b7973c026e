"""Security of the running servers: the HTTP API needs the token, the action server is on loopback
only, browsers from other sites are refused (REST CORS and socket.io), and oversized requests and
messages are cut or refused without breaking anything."""

import json
import socket
import uuid

import pytest
import socketio

from rasa_ext.limits import MAX_MESSAGE_CHARS
from runtime.servers import HOST, free_port, http_get, listening_addresses
from tests.hardening.conftest import CLINIC_ORIGIN, OTHER_ORIGIN, request
from tests.servers.test_socketio import converse

pytestmark = pytest.mark.servers

REPORT = "I had mesotherapy yesterday and now my face is very swollen and hot"


# --- the HTTP API -------------------------------------------------------------------------------

API_CALLS = [
    ("GET", "/status", None),
    ("GET", "/domain", None),
    ("GET", "/conversations/someone/tracker", None),
    ("GET", "/conversations/someone/story", None),
    ("PUT", "/conversations/someone/tracker/events", b"[]"),
    ("POST", "/conversations/someone/tracker/events", b'{"event": "resume"}'),
    ("POST", "/conversations/someone/messages", b'{"text": "hi", "sender": "user"}'),
    ("POST", "/model/parse", b'{"text": "hello"}'),
    ("PUT", "/model", b'{"model_file": "/tmp/evil.tar.gz"}'),
    ("DELETE", "/model", None),
    ("POST", "/model/train", b"{}"),
]


@pytest.mark.parametrize("method, path, body", API_CALLS, ids=[f"{m} {p}" for m, p, _ in API_CALLS])
@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_the_http_api_refuses_calls_without_the_token(hardened, method, path, body, token):
    url = hardened.stack.rasa_url + path + (f"?token={token}" if token else "")
    status, _, _ = request(url, method, body, {"Content-Type": "application/json"})
    assert status in (401, 403)


def test_the_http_api_answers_with_the_token(hardened):
    stack, sender = hardened.stack, f"api-{uuid.uuid4().hex}"
    stack.say(sender, "what is mesotherapy?")
    token = f"?token={stack.auth_token}"
    assert request(f"{stack.rasa_url}/status{token}")[0] == 200
    assert stack.parse("what is mesotherapy?")["intent"]["name"] == "faq_what_is"
    status, _, body = request(f"{stack.rasa_url}/conversations/{sender}/tracker{token}")
    assert status == 200 and json.loads(body)["sender_id"] == sender
    replaced = json.dumps([{"event": "action", "name": "action_listen"}]).encode()
    status, _, body = request(f"{stack.rasa_url}/conversations/{sender}/tracker/events{token}", "PUT", replaced,
                              {"Content-Type": "application/json"})
    assert status == 200 and [e["event"] for e in json.loads(body)["events"]] == ["action"]


# --- loopback only ------------------------------------------------------------------------------


def test_the_address_check_sees_a_public_listener():
    port = free_port()
    with socket.socket() as public:
        public.bind(("0.0.0.0", port))
        public.listen()
        assert set(listening_addresses(port)) == {"0.0.0.0"}


def test_both_servers_listen_on_loopback_only(hardened):
    assert set(listening_addresses(hardened.stack.action_port)) == {HOST}
    assert set(listening_addresses(hardened.stack.rasa_port)) == {HOST}


# --- browsers from other sites ------------------------------------------------------------------


def preflight(stack, origin: str):
    return request(f"{stack.rasa_url}/webhooks/rest/webhook", "OPTIONS", None, {
        "Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type",
    })


def test_rest_cors_allows_the_clinics_site_and_no_other(hardened):
    _, allowed_headers, _ = preflight(hardened.stack, CLINIC_ORIGIN)
    assert allowed_headers.get_all("Access-Control-Allow-Origin") == [CLINIC_ORIGIN]
    _, refused_headers, _ = preflight(hardened.stack, OTHER_ORIGIN)
    assert refused_headers.get("Access-Control-Allow-Origin") is None
    body = json.dumps({"sender": f"cors-{uuid.uuid4().hex}", "message": "hello"}).encode()
    _, headers, _ = request(f"{hardened.stack.rasa_url}/webhooks/rest/webhook", "POST", body,
                            {"Origin": OTHER_ORIGIN, "Content-Type": "application/json"})
    assert headers.get("Access-Control-Allow-Origin") is None


def socketio_conversation(url: str, message: str, origin: str | None, session_id: str | None = None) -> list[dict]:
    """One message over socket.io's websocket transport from a page at `origin` (None: the
    server's own); returns the replies."""
    return converse(url, session_id or uuid.uuid4().hex, [message], origin)[0]


@pytest.mark.parametrize("origin", [CLINIC_ORIGIN, None], ids=["clinic site", "same origin"])
def test_socketio_works_from_the_clinics_site_and_its_own_pages(hardened, origin, render):
    replies = socketio_conversation(hardened.stack.rasa_url, "how many sessions will I need?", origin)
    assert [m.get("text") for m in replies] == [render("utter_faq_sessions")]


def test_socketio_refuses_a_page_from_another_site(hardened):
    with pytest.raises(socketio.exceptions.ConnectionError):
        socketio_conversation(hardened.stack.rasa_url, "hello", OTHER_ORIGIN)
    status, _, _ = request(f"{hardened.stack.rasa_url}/socket.io/?EIO=4&transport=polling", headers={"Origin": OTHER_ORIGIN})
    assert status == 400
    status, headers, _ = request(f"{hardened.stack.rasa_url}/socket.io/?EIO=4&transport=polling",
                                 headers={"Origin": CLINIC_ORIGIN})
    assert status == 200 and headers.get("Access-Control-Allow-Origin") == CLINIC_ORIGIN


# --- sizes --------------------------------------------------------------------------------------


def stored_user_texts(stack, sender: str) -> list[str]:
    code, body = http_get(f"{stack.rasa_url}/conversations/{sender}/tracker?token={stack.auth_token}")
    return [event.get("text") for event in json.loads(body)["events"] if event["event"] == "user"]


def test_a_long_message_is_cut_before_nlu_and_still_screened(hardened, profile):
    stack = hardened.stack
    rambling, report = f"long-{uuid.uuid4().hex}", f"long-report-{uuid.uuid4().hex}"
    long_text = "what is mesotherapy? " + "please tell me more " * 500
    assert len(long_text) > 10_000
    assert stack.say(rambling, long_text)  # a reply, not silence or an error
    assert stored_user_texts(stack, rambling) == [long_text[:MAX_MESSAGE_CHARS]]
    reply = stack.say(report, REPORT + ". " + "I am so worried about it. " * 400)
    ticket = hardened.tickets().open_ticket_for(report)
    assert ticket is not None and ticket.trigger_message.startswith(REPORT)
    assert len(ticket.trigger_message) == MAX_MESSAGE_CHARS and profile.phone in reply[0]["text"]


def test_a_long_socketio_message_is_cut_too(hardened):
    session_id, long_text = f"long-socket-{uuid.uuid4().hex}", "what is mesotherapy? " + "x" * 10_000
    replies = socketio_conversation(hardened.stack.rasa_url, long_text, None, session_id)
    assert replies and all("text" in m for m in replies)
    assert stored_user_texts(hardened.stack, session_id) == [long_text[:MAX_MESSAGE_CHARS]]


def test_an_oversized_request_is_refused_and_the_server_carries_on(hardened):
    stack = hardened.stack
    body = json.dumps({"sender": "big", "message": "a" * 100_000}).encode()
    status, _, _ = request(f"{stack.rasa_url}/webhooks/rest/webhook", "POST", body, {"Content-Type": "application/json"})
    assert status == 413
    # rasa-sdk's catch-all error handler turns Sanic's 413 into a 500, with Sanic's reason
    status, _, answer = request(f"{stack.action_url}/webhook", "POST", b"{" + b" " * (3 * 1024 * 1024) + b"}",
                                {"Content-Type": "application/json"})
    assert status in (413, 500) and b"Request body exceeds the size limit" in answer
    assert stack.say(f"after-{uuid.uuid4().hex}", "what is mesotherapy?")


def test_an_oversized_socketio_message_is_dropped_and_the_server_carries_on(hardened, render):
    big = f"big-{uuid.uuid4().hex}"
    client = socketio.Client()
    client.connect(hardened.stack.rasa_url, transports=["websocket"], socketio_path="/socket.io")
    try:
        client.emit("session_request", {"session_id": big})
        client.emit("user_uttered", {"message": "a" * 100_000, "session_id": big})
        client.sleep(1)
    finally:
        client.disconnect()
    replies = socketio_conversation(hardened.stack.rasa_url, "how many sessions will I need?", None)
    assert [m.get("text") for m in replies] == [render("utter_faq_sessions")]
    assert stored_user_texts(hardened.stack, big) == []
