"""Test-only start-up hook: point the platform clients at the fake platform API on loopback.

Python imports `sitecustomize` at start-up from the path. The channel tests put this directory on
the Rasa server's PYTHONPATH together with FAKE_PLATFORM_API_URL, so Rasa's real connectors and the
platforms' own client libraries run unchanged and send their real HTTP requests, to
tests/channels/fake_platforms.py instead of api.telegram.org, api.twilio.com, graph.facebook.com
and slack.com. Without FAKE_PLATFORM_API_URL it does nothing.
"""

import os

FAKE = os.environ.get("FAKE_PLATFORM_API_URL")


def point_clients_at(url: str) -> None:
    from aiogram.bot import api
    from fbmessenger import MessengerClient
    from slack_sdk.web.async_client import AsyncWebClient
    from twilio.http.http_client import TwilioHttpClient

    # aiogram: every Bot defaults to this server object, so change it in place.
    object.__setattr__(api.TELEGRAM_PRODUCTION, "base", f"{url}/telegram/bot{{token}}/{{method}}")
    object.__setattr__(api.TELEGRAM_PRODUCTION, "file", f"{url}/telegram/file/bot{{token}}/{{path}}")

    twilio_request = TwilioHttpClient.request

    def request(self, method, twilio_url, *args, **kwargs):
        return twilio_request(self, method, twilio_url.replace("https://api.twilio.com", f"{url}/twilio", 1),
                              *args, **kwargs)

    TwilioHttpClient.request = request

    messenger_init = MessengerClient.__init__

    def messenger(self, *args, **kwargs):
        messenger_init(self, *args, **kwargs)
        self.graph_url = f"{url}/facebook/v{self.api_version}"

    MessengerClient.__init__ = messenger

    slack_init = AsyncWebClient.__init__

    def slack(self, *args, **kwargs):
        kwargs.setdefault("base_url", f"{url}/slack/api/")
        slack_init(self, *args, **kwargs)

    AsyncWebClient.__init__ = slack


if FAKE:
    point_clients_at(FAKE)
