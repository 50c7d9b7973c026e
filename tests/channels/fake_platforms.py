"""The outbound side of Telegram, Twilio, Messenger and Slack, faked on loopback.

The Rasa server's own platform clients (aiogram, twilio, fbmessenger, slack_sdk) are pointed here by
tests/channels/shim/sitecustomize.py and send their real HTTP requests. Each request is checked the
way the platform checks it (credentials, required fields, length and button limits) and recorded;
a request the platform would refuse is answered with the platform's error and recorded as rejected,
so a test can assert that the bot never sends a message the platform would drop. A test can also
make the platform refuse every message to one recipient (`refused`), as the real ones do for a
patient who blocked the bot, unsubscribed, or is out of reach.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from tests.support.waiting import wait_for


@dataclass
class Call:
    platform: str
    method: str  # the API method: sendMessage, Messages.json, me/messages, chat.postMessage …
    body: dict[str, Any]
    status: int
    ok: bool = True  # False: refused with HTTP 200, as Slack refuses (`"ok": false`)
    to_refused: bool = False  # addressed to a recipient the test made the platform refuse

    @property
    def refused(self) -> bool:
        return self.status >= 400 or not self.ok


@dataclass(frozen=True)
class PlatformSecrets:
    telegram_token: str
    telegram_username: str
    twilio_sid: str
    twilio_token: str
    facebook_page_token: str
    slack_token: str


class PlatformError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body)
        self.status, self.body = status, body


def form_or_json(content_type: str, raw: bytes) -> dict[str, Any]:
    if content_type.startswith("application/json"):
        return json.loads(raw or b"{}")
    return {key: values[-1] for key, values in parse_qs(raw.decode(), keep_blank_values=True).items()}


class FakePlatforms:
    def __init__(self, secrets: PlatformSecrets) -> None:
        self.secrets = secrets
        self.calls: list[Call] = []
        self.refused: set[str] = set()  # recipients every message to whom is refused
        self.lock = threading.Lock()
        self.ids = itertools.count(1000)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, answer = fake.handle(self.path, dict(self.headers), raw)
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST  # noqa: N815 (getMe may come as GET)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakePlatforms:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- what the tests read -----------------------------------------------------------------

    def sent(self, platform: str, method: str, to: str | None = None) -> list[Call]:
        """Accepted calls of one API method, optionally to one recipient."""
        with self.lock:
            calls = [c for c in self.calls if c.platform == platform and c.method == method and not c.refused]
        return [c for c in calls if to is None or recipient(c) == to]

    def rejected(self) -> list[Call]:
        """Refused calls, except those to a recipient a test made the platform refuse."""
        with self.lock:
            return [c for c in self.calls if c.refused and not c.to_refused]

    def wait_for(self, condition: Callable[[], bool], timeout: float = 60.0) -> bool:
        return wait_for(condition, timeout)

    # --- the platforms -------------------------------------------------------------------------

    def handle(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        url = urlsplit(path)
        platform, _, rest = url.path.lstrip("/").partition("/")
        body = form_or_json(headers.get("Content-Type", ""), raw)
        handlers = {"telegram": self.telegram, "twilio": self.twilio, "facebook": self.facebook, "slack": self.slack}
        method = rest.rsplit("/", 1)[-1]
        try:
            if platform not in handlers:
                raise PlatformError(404, {"error": "unknown platform"})
            method, status, answer = handlers[platform](rest, parse_qs(url.query), headers, body)
        except PlatformError as error:
            status, answer = error.status, error.body
        call = Call(platform, method, body, status, ok=answer.get("ok") is not False)
        call.to_refused = recipient(call) in self.refused
        with self.lock:
            self.calls.append(call)
        return status, answer

    def telegram(self, rest: str, query: dict, headers: dict, body: dict) -> tuple[str, int, dict]:
        token, _, method = rest.removeprefix("bot").partition("/")

        def bad(description: str, code: int = 400) -> PlatformError:
            return PlatformError(code, {"ok": False, "error_code": code, "description": description})

        if token != self.secrets.telegram_token:
            raise bad("Unauthorized", 401)
        if method == "getMe":
            user = {"id": 4242, "is_bot": True, "first_name": "Clinic", "username": self.secrets.telegram_username}
            return method, 200, {"ok": True, "result": user}
        if method == "setWebhook":
            if not body.get("url", "").startswith("https://"):
                raise bad("Bad Request: bad webhook: HTTPS url must be provided for webhook")
            return method, 200, {"ok": True, "result": True, "description": "Webhook was set"}
        if method == "sendMessage":
            text = body.get("text", "")
            if not body.get("chat_id") or not text.strip():
                raise bad("Bad Request: message text is empty")
            if str(body["chat_id"]) in self.refused:
                raise bad("Forbidden: bot was blocked by the user", 403)
            if len(text) > 4096:
                raise bad("Bad Request: message is too long")
            if "reply_markup" in body:
                json.loads(body["reply_markup"])  # the keyboard must be valid JSON
            message = {"message_id": next(self.ids), "date": int(time.time()), "text": text,
                       "chat": {"id": int(body["chat_id"]), "type": "private"}}
            return method, 200, {"ok": True, "result": message}
        raise bad("Not Found", 404)

    def twilio(self, rest: str, query: dict, headers: dict, body: dict) -> tuple[str, int, dict]:
        sid, token = self.secrets.twilio_sid, self.secrets.twilio_token
        method = rest.rsplit("/", 1)[-1]
        expected = "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode()
        if headers.get("Authorization") != expected or f"/Accounts/{sid}/" not in rest:
            raise PlatformError(401, {"code": 20003, "message": "Authenticate", "status": 401})
        if method != "Messages.json":
            raise PlatformError(404, {"code": 20404, "message": "The requested resource was not found", "status": 404})
        if not body.get("To") or not body.get("From"):
            raise PlatformError(400, {"code": 21604, "message": "A 'To' phone number is required.", "status": 400})
        if body["To"] in self.refused:
            raise PlatformError(400, {"code": 21610, "message": "Attempt to send to unsubscribed recipient",
                                      "status": 400})
        if body["To"].startswith("whatsapp:") != body["From"].startswith("whatsapp:"):
            raise PlatformError(400, {"code": 63007, "message": "Twilio could not find a Channel with the specified "
                                      "From address", "status": 400})
        if not body.get("Body", "").strip() and not body.get("MediaUrl"):
            raise PlatformError(400, {"code": 21619, "message": "A text message body or media urls must be specified.",
                                      "status": 400})
        if len(body.get("Body", "")) > 1600:
            raise PlatformError(400, {"code": 21617, "message": "The concatenated message body exceeds the 1600 "
                                      "character limit.", "status": 400})
        message = {"sid": f"SM{next(self.ids):032d}", "account_sid": sid, "to": body["To"], "from": body["From"],
                   "body": body.get("Body", ""), "status": "queued", "num_segments": "1", "direction": "outbound-api"}
        return method, 201, message

    def facebook(self, rest: str, query: dict, headers: dict, body: dict) -> tuple[str, int, dict]:
        method = rest.split("/", 1)[-1]  # me/messages
        if query.get("access_token") != [self.secrets.facebook_page_token]:
            raise facebook_error("Invalid OAuth access token.", 190, 401)
        if method != "me/messages" or not body.get("recipient", {}).get("id"):
            raise facebook_error("(#100) The parameter recipient is required")
        if "sender_action" in body:
            return "sender_action", 200, {"recipient_id": body["recipient"]["id"]}
        if body["recipient"]["id"] in self.refused:
            raise facebook_error("(#551) This person is not available right now.", 551)
        check_facebook_message(body.get("message"))
        return method, 200, {"recipient_id": body["recipient"]["id"], "message_id": f"m_{next(self.ids)}"}

    def slack(self, rest: str, query: dict, headers: dict, body: dict) -> tuple[str, int, dict]:
        method = rest.rsplit("/", 1)[-1]
        if headers.get("Authorization") != f"Bearer {self.secrets.slack_token}":
            return method, 200, {"ok": False, "error": "invalid_auth"}
        if method != "chat.postMessage":
            return method, 200, {"ok": False, "error": "unknown_method"}
        if not body.get("channel") or body["channel"] in self.refused:
            return method, 200, {"ok": False, "error": "channel_not_found"}
        if not (body.get("text") or body.get("blocks") or body.get("attachments")):
            return method, 200, {"ok": False, "error": "no_text"}
        for block in body.get("blocks") or []:
            for element in block.get("elements", []):
                if len(element.get("text", {}).get("text", "")) > 75:
                    return method, 200, {"ok": False, "error": "invalid_blocks"}
        ts = f"{time.time():.6f}"
        return method, 200, {"ok": True, "channel": body["channel"], "ts": ts, "message": {"text": body.get("text")}}


def facebook_error(message: str, code: int = 100, status: int = 400) -> PlatformError:
    return PlatformError(status, {"error": {"message": message, "type": "OAuthException", "code": code}})


def check_facebook_message(message: Any) -> None:
    """The Send API's rules that Rasa's Messenger output can run into."""
    if not isinstance(message, dict) or set(message) - {"text", "attachment", "quick_replies", "metadata"}:
        raise facebook_error("(#100) Param message must be a message with text or an attachment")
    if ("text" in message) == ("attachment" in message):
        raise facebook_error("(#100) Must send either text or attachment")
    if len(message.get("text", "")) > 2000:
        raise facebook_error("(#100) Param message[text] must be UTF-8 encoded with 2000 or fewer characters")
    template = message.get("attachment", {}).get("payload", {})
    buttons = template.get("buttons", [])
    if len(buttons) > 3 or any(len(button.get("title", "")) > 20 for button in buttons):
        raise facebook_error("(#100) Button title must be 20 characters or fewer, and at most 3 buttons")


def recipient(call: Call) -> str | None:
    body = call.body
    value = body.get("chat_id") or body.get("To") or body.get("recipient", {}).get("id") or body.get("channel")
    return None if value is None else str(value)


def text_of(call: Call) -> str:
    """The message text a patient sees, whichever platform."""
    body = call.body
    if call.platform == "facebook":
        message = body.get("message", {})
        return message.get("text") or message.get("attachment", {}).get("payload", {}).get("text", "")
    return body.get("text") or body.get("Body") or ""
