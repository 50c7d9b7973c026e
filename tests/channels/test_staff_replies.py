"""Staff replies and the hand-back line reach messaging-channel patients through their platforms.

For each channel a patient's report hands off, a staff member signed in to the real inbox
(`python -m bot inbox`) replies and resolves, and the fake platform must have been asked to deliver
"Nurse Lee (clinic team): …" and then "You're back with the assistant." to that patient, and nothing
else meanwhile, though the patient writes (and types /restart) during the takeover. When the
platform refuses, the inbox says so and the conversation does not claim the message was sent.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Callable

import pytest
from twilio.http.http_client import TwilioHttpClient

from bot.handoff import Status, TicketStore
from rasa_ext.channels import SignedTwilioInput
from rasa_ext.staff_delivery import DeliveryFailed
from runtime.rasa_store import MARKERS, TranscriptEntry, read_transcript_entries
from tests.channels import test_facebook as facebook
from tests.channels import test_slack as slack
from tests.channels import test_telegram as telegram
from tests.channels import test_twilio as twilio
from tests.channels.fake_platforms import FakePlatforms, recipient, text_of
from tests.channels.helpers import CHANNEL_ENV, FAQ, REPORT, SECRETS, STAFF, post_json
from tests.inbox.conftest import InboxClient
from tests.servers.webhook import WebhookReceiver
from tests.support.waiting import wait_for

pytestmark = pytest.mark.servers

REPLY = "Hello, this is the clinic. Could you send us a photo of the swelling?"
STAFF_LINE = f"{STAFF.display_name} (clinic team): {REPLY}"
HAND_BACK = "You're back with the assistant."
WHILE_TAKEN_OVER = ["hello?", "/restart", FAQ, "it is getting worse"]
CHANNELS = ["telegram", "twilio", "facebook", "slack", "callback"]


@dataclass
class Patient:
    """One patient on one platform, as the tests see them."""

    conversation_id: str
    staff_recipient: str  # whom the platform must be asked to deliver staff messages to
    say: Callable[[str], None]  # one message, posted to the webhook as the platform posts it
    delivered: Callable[[], list[tuple[str, str]]]  # (recipient, text) the platform accepted for them, in order
    refuse: Callable[[bool], None]  # make the platform refuse (True) or accept (False) messages to them
    refusal: str  # the platform's reason, as the inbox shows it


def accepted(fake: FakePlatforms, platform: str, method: str, recipients: set[str]) -> list[tuple[str, str]]:
    return [(str(recipient(call)), text_of(call)) for call in fake.sent(platform, method)
            if recipient(call) in recipients]


def refuser(fake: FakePlatforms, who: str) -> Callable[[bool], None]:
    return lambda on: fake.refused.add(who) if on else fake.refused.discard(who)


def telegram_patient(stack, fake: FakePlatforms, _receiver: WebhookReceiver) -> Patient:
    chat = telegram.new_chat()

    def say(text: str) -> None:
        assert telegram.send(stack, fake, telegram.message_update(chat, text)) == (200, "success")

    return Patient(str(chat), str(chat), say, lambda: accepted(fake, "telegram", "sendMessage", {str(chat)}),
                   refuser(fake, str(chat)), "blocked by the user")


def twilio_patient(stack, fake: FakePlatforms, _receiver: WebhookReceiver) -> Patient:
    phone = twilio.new_phone()

    def say(text: str) -> None:
        assert twilio.send(stack, twilio.inbound(phone, text)) == 204

    return Patient(phone, phone, say, lambda: accepted(fake, "twilio", "Messages.json", {phone}),
                   refuser(fake, phone), "Attempt to send to unsubscribed recipient (error 21610)")


def facebook_patient(stack, fake: FakePlatforms, _receiver: WebhookReceiver) -> Patient:
    psid = facebook.new_psid()

    def say(text: str) -> None:
        assert facebook.send(stack, facebook.event(psid, text)) == (200, "success")

    return Patient(psid, psid, say, lambda: accepted(fake, "facebook", "me/messages", {psid}),
                   refuser(fake, psid), "(#551) This person is not available right now. (code 551)")


def slack_patient(stack, fake: FakePlatforms, _receiver: WebhookReceiver) -> Patient:
    """The assistant answers in the direct-message channel the patient wrote in (D…); staff
    messages go to the patient's user id (U…), which Slack delivers in their DM with the app."""
    user, dm = slack.new_user()

    def say(text: str) -> None:
        assert slack.send(stack, slack.message_event(user, dm, text))[0] == 200

    return Patient(user, user, say, lambda: accepted(fake, "slack", "chat.postMessage", {user, dm}),
                   refuser(fake, user), "channel_not_found")


def callback_patient(stack, _fake: FakePlatforms, receiver: WebhookReceiver) -> Patient:
    sender = f"callback-{uuid.uuid4().hex}"

    def say(text: str) -> None:
        assert post_json(f"{stack.rasa_url}/webhooks/callback/webhook", {"sender": sender, "message": text}) == \
            (200, "success")

    def delivered() -> list[tuple[str, str]]:
        return [(sender, message.get("text", "")) for message in receiver.received
                if message.get("recipient_id") == sender]

    def refuse(on: bool) -> None:
        receiver.failing = on

    return Patient(sender, sender, say, delivered, refuse, "the callback URL answered HTTP 500")


PATIENTS = {"telegram": telegram_patient, "twilio": twilio_patient, "facebook": facebook_patient,
            "slack": slack_patient, "callback": callback_patient}


@pytest.fixture
def patient(request, channel_stack, fake, callback_receiver) -> Patient:
    return PATIENTS[request.param](channel_stack, fake, callback_receiver)


@pytest.fixture
def staff(channel_inbox) -> InboxClient:
    client = InboxClient(channel_inbox)
    assert client.sign_in(STAFF.name, STAFF.password).location == "/"
    return client


@pytest.fixture
def transcript(channel_tracker_db) -> Callable[[Patient], list[TranscriptEntry]]:
    return lambda patient: read_transcript_entries(f"sqlite:///{channel_tracker_db}", patient.conversation_id)


def tell(patient: Patient, transcript, text: str) -> None:
    """One patient message, handled: Rasa stores it after sending any reply, so once it is in the
    conversation, whatever the assistant said to it has reached the platform (Slack handles
    messages in the background, after answering the webhook)."""

    def heard() -> int:
        return sum(entry.speaker == "patient" and entry.text == text for entry in transcript(patient))

    before = heard()
    patient.say(text)
    assert wait_for(lambda: heard() > before, timeout=60), f"{text!r} never reached the conversation"


def hand_off(patient: Patient, transcript, tickets: TicketStore):
    tell(patient, transcript, REPORT)
    ticket = tickets.open_ticket_for(patient.conversation_id)
    assert ticket is not None and len(patient.delivered()) >= 2  # the handoff message and the reassurance
    return ticket


def answered_faq(patient: Patient, since: int, render) -> bool:
    return render("utter_faq_what_is").strip() in [text.strip() for _, text in patient.delivered()[since:]]


@pytest.mark.parametrize("patient", CHANNELS, indirect=True)
def test_staff_replies_and_the_hand_back_reach_the_patient_and_the_assistant_stays_silent(
        patient, staff, transcript, tickets, fake, render):
    ticket = hand_off(patient, transcript, tickets)
    before = len(patient.delivered())
    csrf = staff.get(f"/tickets/{ticket.id}").csrf()

    sent = staff.post(f"/tickets/{ticket.id}/reply", {"csrf": csrf, "text": REPLY})
    assert sent.location == f"/tickets/{ticket.id}?done=replied"
    assert patient.delivered()[before:] == [(patient.staff_recipient, STAFF_LINE)]  # before the inbox said so

    for text in WHILE_TAKEN_OVER:
        tell(patient, transcript, text)
    assert staff.post(f"/tickets/{ticket.id}/resolve", {"csrf": csrf}).location == f"/tickets/{ticket.id}?done=resolved"
    assert patient.delivered()[before:] == [(patient.staff_recipient, STAFF_LINE), (patient.staff_recipient, HAND_BACK)]

    tell(patient, transcript, FAQ)
    assert answered_faq(patient, before + 2, render)
    assert [call for call in fake.rejected() if recipient(call) in {patient.staff_recipient}] == []
    entries = [(entry.speaker, entry.text) for entry in transcript(patient)]
    assert ("clinic team", STAFF_LINE) in entries and ("assistant", HAND_BACK) in entries


@pytest.mark.parametrize("patient", CHANNELS, indirect=True)
def test_a_staff_message_the_platform_refuses_is_reported_and_not_stored_as_sent(
        patient, staff, transcript, tickets, render):
    ticket = hand_off(patient, transcript, tickets)
    before = len(patient.delivered())
    csrf = staff.get(f"/tickets/{ticket.id}").csrf()

    patient.refuse(True)
    try:
        refused = staff.post(f"/tickets/{ticket.id}/reply", {"csrf": csrf, "text": REPLY})
        resolved = staff.post(f"/tickets/{ticket.id}/resolve", {"csrf": csrf})
    finally:
        patient.refuse(False)
    assert refused.status == 502 and "The reply was not sent: Rasa answered HTTP 500" in refused.body
    assert patient.refusal.lower() in refused.body.lower()
    assert resolved.status == 200 and "the patient was not told" in resolved.body
    assert patient.refusal.lower() in resolved.body.lower() and "curl" not in resolved.body
    assert tickets.get(ticket.id).status is Status.resolved
    assert patient.delivered()[before:] == []

    entries = transcript(patient)
    assert entries[-1].text == MARKERS["resume"]  # resumed, without a line the patient never got
    assert all(entry.speaker != "clinic team" and entry.text != HAND_BACK for entry in entries)
    tell(patient, transcript, FAQ)
    assert answered_faq(patient, before, render)


def test_on_whatsapp_staff_messages_go_out_from_the_whatsapp_sender(fake, monkeypatch):
    """One Twilio number serves SMS or WhatsApp, and the channel stack's is an SMS number, so the
    output Rasa's HTTP API gets for a WhatsApp conversation is checked here, against the same fake."""
    twilio_request = TwilioHttpClient.request

    def to_fake(self, method, url, *args, **kwargs):
        return twilio_request(self, method, url.replace("https://api.twilio.com", f"{fake.url}/twilio", 1),
                              *args, **kwargs)

    monkeypatch.setattr(TwilioHttpClient, "request", to_fake)
    sender = "whatsapp:+15550000001"
    channel = SignedTwilioInput(SECRETS.twilio_sid, SECRETS.twilio_token, sender, CHANNEL_ENV["TWILIO_WEBHOOK_URL"])
    patient = f"whatsapp:{twilio.new_phone()}"  # the conversation id: Twilio's `From` for a WhatsApp user

    def send() -> None:
        message = {"text": STAFF_LINE, "from": "clinic_team", "staff": STAFF.display_name}  # BotUttered.message()
        asyncio.run(channel.get_output_channel().send_response(patient, message))

    send()
    (call,) = fake.sent("twilio", "Messages.json", to=patient)
    assert (call.body["From"], call.body["Body"]) == (sender, STAFF_LINE)
    fake.refused.add(patient)
    try:
        with pytest.raises(DeliveryFailed, match="Attempt to send to unsubscribed recipient"):
            send()
    finally:
        fake.refused.discard(patient)
