"""Test settings for the messaging channels, and what a platform sends to the Rasa server."""

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from tests.channels.fake_platforms import PlatformSecrets

PUBLIC = "https://bot.clinic.test"  # the public address the platforms are told; never contacted
SECRETS = PlatformSecrets(
    telegram_token="123456789:TEST-telegram-token",
    telegram_username="clinic_test_bot",
    twilio_sid="AC" + "0" * 32,
    twilio_token="test-twilio-auth-token",
    facebook_page_token="test-page-access-token",
    slack_token="xoxb-test-slack-token",
)
TWILIO_NUMBER = "+15550000000"
FACEBOOK_VERIFY = "test-verify-token"
FACEBOOK_SECRET = "test-facebook-app-secret"
SLACK_SIGNING_SECRET = "test-slack-signing-secret"

CHANNEL_ENV = {
    "TELEGRAM_ACCESS_TOKEN": SECRETS.telegram_token,
    "TELEGRAM_VERIFY": SECRETS.telegram_username,
    "TELEGRAM_WEBHOOK_URL": f"{PUBLIC}/webhooks/telegram/webhook",
    "TWILIO_ACCOUNT_SID": SECRETS.twilio_sid,
    "TWILIO_AUTH_TOKEN": SECRETS.twilio_token,
    "TWILIO_NUMBER": TWILIO_NUMBER,
    "TWILIO_WEBHOOK_URL": f"{PUBLIC}/webhooks/twilio/webhook",
    "FACEBOOK_VERIFY": FACEBOOK_VERIFY,
    "FACEBOOK_SECRET": FACEBOOK_SECRET,
    "FACEBOOK_PAGE_ACCESS_TOKEN": SECRETS.facebook_page_token,
    "SLACK_TOKEN": SECRETS.slack_token,
    "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
    "SLACK_CHANNEL": "",
}

@dataclass(frozen=True)
class StaffAccount:
    name: str
    display_name: str
    password: str


STAFF = StaffAccount("nurse.lee", "Nurse Lee", "correct horse battery")

FAQ = "what is mesotherapy?"
REPORT = "I had mesotherapy yesterday and now my face is very swollen and hot"
UNSURE = "bruising after meso??"


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def post_json(url: str, payload: object, headers: dict[str, str] | None = None) -> tuple[int, str]:
    return post(url, json.dumps(payload).encode(), {"Content-Type": "application/json", **(headers or {})})


def twilio_signature(url: str, form: dict[str, str], auth_token: str = SECRETS.twilio_token) -> str:
    return RequestValidator(auth_token).compute_signature(url, form)


def facebook_signature(body: bytes, secret: str = FACEBOOK_SECRET) -> str:
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def slack_headers(body: bytes, secret: str = SLACK_SIGNING_SECRET) -> dict[str, str]:
    timestamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"}


def form_body(form: dict[str, str]) -> bytes:
    return urlencode(form).encode()
