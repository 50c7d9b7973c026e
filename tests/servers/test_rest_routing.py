"""The REST channel's parts for running behind nginx: the conversation id as a header or query
parameter (what nginx routes on), and a message id that makes a second delivery harmless."""

import json
import urllib.error
import urllib.request
import uuid

import pytest

from runtime.servers import http_get

pytestmark = pytest.mark.servers


def post(stack, body: dict, headers: dict | None = None, query: str = "") -> tuple[int, object]:
    request = urllib.request.Request(
        f"{stack.rasa_url}/webhooks/rest/webhook{query}", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def user_events(stack, sender: str) -> list[dict]:
    code, body = http_get(f"{stack.rasa_url}/conversations/{sender}/tracker?token={stack.auth_token}")
    assert code == 200
    return [event for event in json.loads(body)["events"] if event["event"] == "user"]


def test_the_conversation_id_can_come_as_a_header_or_a_query_parameter(stack):
    by_header, by_query = uuid.uuid4().hex, uuid.uuid4().hex
    code, reply = post(stack, {"message": "what is mesotherapy?"}, {"X-Conversation-Id": by_header})
    assert code == 200 and reply[0]["recipient_id"] == by_header
    code, reply = post(stack, {"message": "what is mesotherapy?"}, query=f"?sender={by_query}")
    assert code == 200 and reply[0]["recipient_id"] == by_query
    code, reply = post(stack, {"sender": by_query, "message": "is it painful?"}, {"X-Conversation-Id": by_query})
    assert code == 200 and len(user_events(stack, by_query)) == 2


def test_a_body_sender_that_disagrees_with_the_routed_one_is_refused(stack):
    code, body = post(stack, {"sender": "alice", "message": "hi"}, {"X-Conversation-Id": "bob"})
    assert code == 400 and "differ" in json.dumps(body)
    code, _ = post(stack, {"sender": "x" * 200, "message": "hi"})
    assert code == 400


def test_a_message_id_sent_twice_is_answered_twice_and_stored_once(stack):
    sender, message_id = uuid.uuid4().hex, uuid.uuid4().hex
    first = post(stack, {"sender": sender, "message": "how many sessions will I need?", "message_id": message_id})
    again = post(stack, {"sender": sender, "message": "how many sessions will I need?"}, {"X-Message-Id": message_id})
    assert first[0] == 200 and first[1] and again == first
    [stored] = user_events(stack, sender)
    assert stored["message_id"] == message_id
    other = post(stack, {"sender": sender, "message": "how many sessions will I need?", "message_id": uuid.uuid4().hex})
    assert other == first and len(user_events(stack, sender)) == 2  # a new id is a new message
