"""The real action server and Rasa server on loopback, spoken to over the REST channel."""

import json
import os
import urllib.request
import uuid
from pathlib import Path

import pytest

from bench.run import process_tree
from runtime.servers import http_get, http_post_json, listening_sockets

pytestmark = pytest.mark.servers

# One plainly worded question per topic, and the response the patient must get for it.
QUESTIONS = {
    "faq_what_is": "what is mesotherapy?",
    "faq_procedure": "how is a mesotherapy session done?",
    "faq_treats_overview": "what can mesotherapy treat?",
    "faq_treats_skin": "can mesotherapy help with wrinkles and fine lines?",
    "faq_treats_cellulite": "does mesotherapy work on cellulite?",
    "faq_treats_fat": "can mesotherapy remove stubborn belly fat?",
    "faq_treats_hair_loss": "can mesotherapy help my hair loss?",
    "faq_treats_scars": "does it help acne scars and stretch marks?",
    "faq_treats_pigmentation": "can it lighten dark spots and pigmentation?",
    "faq_treats_contouring": "can mesotherapy contour my jawline?",
    "faq_ingredients": "what is in the injections?",
    "faq_recovery": "how much downtime is there after mesotherapy?",
    "faq_side_effects": "what are the side effects of mesotherapy?",
    "faq_sessions": "how many sessions will I need?",
    "faq_session_length": "how long does one session last?",
    "faq_pain": "is mesotherapy painful?",
    "faq_preparation": "how should I prepare for my mesotherapy appointment?",
    "faq_aftercare": "what aftercare should I follow after mesotherapy?",
    "faq_results": "when will I see the results?",
    "faq_effectiveness": "is there scientific evidence that mesotherapy works?",
    "faq_eligibility": "who is a good candidate for mesotherapy?",
    "faq_contraindications": "who should not have mesotherapy?",
    "faq_permanence": "are the results of mesotherapy permanent?",
    "ask_price": "how much does mesotherapy cost?",
    "ask_booking": "can I book an appointment for next week?",
    "ask_comparison": "is mesotherapy better than botox?",
    "ask_clinic_info": "where is the clinic located and is there parking?",
    "ask_contact": "what is the clinic's phone number?",
    "greet": "hello",
    "goodbye": "bye",
    "thanks": "thank you",
    "bot_challenge": "am I talking to a real person?",
    "request_human": "I want to speak to a nurse",
    "out_of_scope": "what's the weather like tomorrow?",
    "affirm": "yes please",
    "deny": "no thanks",
}
EXPECTED_RESPONSE = {
    **{intent: f"utter_{intent}" for intent in QUESTIONS if intent.startswith(("faq_", "ask_"))},
    "ask_contact": "utter_contact", "greet": "utter_greet", "goodbye": "utter_goodbye",
    "thanks": "utter_you_are_welcome", "bot_challenge": "utter_i_am_a_bot",
    "out_of_scope": "utter_default",
    "affirm": "utter_anything_else", "deny": "utter_anything_else",
}


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex}"


def texts(messages: list) -> list:
    return [message.get("text") for message in messages]


def test_every_topic_in_the_domain_has_a_question_here(domain_yaml):
    assert set(QUESTIONS) == set(domain_yaml["intents"])


ANSWERED = sorted(intent for intent in QUESTIONS if intent != "request_human")  # that one hands off


@pytest.mark.parametrize("intent", ANSWERED)
def test_each_topic_gets_its_answer(stack, render, intent):
    """The topic's answer, preceded at most by the screen's general-information line."""
    *before, answer = texts(stack.say(new_sender(), QUESTIONS[intent]))
    assert answer == render(EXPECTED_RESPONSE[intent])
    assert all("happening to you now" in line for line in before)


def test_off_topic_text_never_gets_a_faq_answer(stack, render):
    faq_answers = {render(f"utter_{i}") for i in QUESTIONS if i.startswith("faq_")}
    for text in ["what's the capital of france", "tell me about botox side effects", "write me a poem",
                 "can you help me with my taxes", "who won the election", "I need a plumber"]:
        reply = texts(stack.say(new_sender(), text))
        assert reply and not faq_answers & set(reply), (text, reply)


def test_fallback_asks_to_rephrase_then_offers_a_person(stack, render):
    sender = new_sender()
    assert texts(stack.say(sender, "blorp zibble")) in ([render("utter_ask_rephrase")], [render("utter_default")])
    sender = new_sender()
    assert texts(stack.say(sender, "")) == [render("utter_ask_rephrase")]
    assert texts(stack.say(sender, "   ")) == [render("utter_offer_human")]
    assert texts(stack.say(sender, "how many sessions will I need?")) == [render("utter_faq_sessions")]
    assert texts(stack.say(sender, "")) == [render("utter_ask_rephrase")]


def test_clinic_details_in_replies_come_from_the_profile(stack, profile):
    (reply,) = stack.say(new_sender(), "what is the clinic's phone number?")
    for value in (profile.phone, profile.hours, profile.website, profile.emergency_number):
        assert value in reply["text"]


def test_conversations_are_stored_in_the_sqlite_tracker_store(stack):
    sender = new_sender()
    stack.say(sender, "what is mesotherapy?")
    code, body = http_get(f"{stack.rasa_url}/conversations/{sender}/tracker?token={stack.auth_token}")
    events = json.loads(body)["events"]
    assert code == 200
    assert [e["text"] for e in events if e["event"] == "user"] == ["what is mesotherapy?"]
    assert any(e["event"] == "slot" and e["name"] == "clinic_phone" for e in events)


def test_each_rest_reply_closes_its_connection_so_the_free_worker_takes_the_next(stack):
    """With keep-alive a client stays on the worker that first accepted it (see clinic_server_env)."""
    request = urllib.request.Request(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        data=json.dumps({"sender": new_sender(), "message": "hello"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        assert response.headers["Connection"].lower() == "close"


def test_each_rasa_worker_listens_on_its_own_socket(stack):
    """rasa_ext.workers: the kernel spreads connections over the workers' SO_REUSEPORT sockets."""
    workers = int(os.environ.get("SANIC_WORKERS", os.cpu_count() or 1))
    assert listening_sockets(stack.rasa_port) == workers


def test_every_server_process_runs_numpy_and_tensorflow_on_one_thread(stack):
    """Workers scale by process; a second BLAS thread per process only spins (runtime.servers.QUIET_ENV)."""
    pids = [pid for managed in stack.processes for pid in process_tree(managed.process.pid)]
    assert len(pids) > len(stack.processes)  # the Rasa workers are in there too
    for pid in pids:
        environment = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        for setting in (b"OPENBLAS_NUM_THREADS=1", b"OMP_NUM_THREADS=1", b"TF_INTRA_OP_PARALLELISM_THREADS=1"):
            assert setting in environment, (pid, setting)


# --- Bad input: a safe reply or a clear JSON error, never a 500, and the server keeps serving ----

SAFE_TEXT_INPUTS = {
    "empty": "",
    "whitespace": " \n\t ",
    "10,000 characters": ("how long is the recovery after mesotherapy " * 240)[:10_000],
    "emoji only": "😀🙏💉✨",
    "non-English": "¿Cuánto tiempo dura la recuperación después de la mesoterapia?",
    "HTML and script": "<b>hi</b><script>alert('x')</script>",
    "SQL-looking": "'; DROP TABLE events; --",
}


@pytest.mark.parametrize("case", sorted(SAFE_TEXT_INPUTS))
def test_odd_messages_get_a_safe_reply(stack, render, case):
    reply = texts(stack.say(new_sender(), SAFE_TEXT_INPUTS[case]))
    assert len(reply) == 1 and reply[0]
    assert "<script>" not in reply[0]


def post_raw(stack, body: bytes) -> tuple:
    request = urllib.request.Request(f"{stack.rasa_url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.parametrize("body", [b'{"sender": "x", "message": ', b"[1, 2]", b'"hello"', b"not json"])
def test_malformed_json_gets_a_clear_400(stack, body):
    code, answer = post_raw(stack, body)
    assert code == 400
    assert answer["status"] == 400 and answer["message"]


def test_a_missing_sender_gets_a_reply_in_a_conversation_of_its_own(stack, render):
    first = stack_post(stack, {"message": "hello"})
    second = stack_post(stack, {"message": "hello"})
    assert texts(first) == texts(second) == [render("utter_greet")]
    assert first[0]["recipient_id"] != second[0]["recipient_id"]
    assert first[0]["recipient_id"] != "default"


@pytest.mark.parametrize("message", [None, 123, {"a": 1}])
def test_a_non_text_message_gets_a_reply(stack, message):
    reply = stack_post(stack, {"sender": new_sender(), "message": message})
    assert len(reply) == 1 and reply[0]["text"]


def stack_post(stack, payload: dict) -> list:
    code, body = http_post_json(f"{stack.rasa_url}/webhooks/rest/webhook", payload)
    assert code == 200, body
    return body


def test_the_server_still_serves_after_bad_input(stack, render):
    post_raw(stack, b"[[[")
    stack.say(new_sender(), "x" * 10_000)
    assert texts(stack.say(new_sender(), "what is mesotherapy?")) == [render("utter_faq_what_is")]
    assert stack.process("rasa").process.poll() is None
