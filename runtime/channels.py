"""Which messaging channels this run serves, from the environment, as Rasa credentials.

REST and socket.io are always on (credentials.yml). Each other channel is switched on by setting
its environment variables; secrets never appear in a committed file, only in the credentials file
rendered into the run directory. A channel with some but not all of its variables set is an error
that names the missing ones, so a typo never leaves a channel silently off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping


class ChannelConfigError(ValueError):
    """A channel is half configured, or one of its values cannot work."""


@dataclass(frozen=True)
class Channel:
    """One messaging channel: its credentials.yml key and which variable fills which field."""

    title: str
    key: str  # the credentials.yml key: a Rasa channel name or a class path
    route: str  # where the platform posts, on the Rasa server
    required: dict[str, str]  # environment variable -> credentials field
    optional: dict[str, str] = field(default_factory=dict)

    def credentials(self, environ: Mapping[str, str]) -> dict[str, Any]:
        values = {**self.required, **self.optional}
        return {name: environ[var].strip() for var, name in values.items() if environ.get(var, "").strip()}


TELEGRAM = Channel(
    "Telegram", "rasa_ext.channels.SecretTelegramInput", "/webhooks/telegram/webhook",
    required={"TELEGRAM_ACCESS_TOKEN": "access_token", "TELEGRAM_VERIFY": "verify",
              "TELEGRAM_WEBHOOK_URL": "webhook_url"},
)
TWILIO = Channel(
    "Twilio (SMS, WhatsApp)", "rasa_ext.channels.SignedTwilioInput", "/webhooks/twilio/webhook",
    required={"TWILIO_ACCOUNT_SID": "account_sid", "TWILIO_AUTH_TOKEN": "auth_token",
              "TWILIO_NUMBER": "twilio_number", "TWILIO_WEBHOOK_URL": "webhook_url"},
)
FACEBOOK = Channel(
    "Facebook Messenger", "rasa_ext.channels.ClinicFacebookInput", "/webhooks/facebook/webhook",
    required={"FACEBOOK_VERIFY": "verify", "FACEBOOK_SECRET": "secret",
              "FACEBOOK_PAGE_ACCESS_TOKEN": "page-access-token"},
)
SLACK = Channel(
    "Slack", "rasa_ext.channels.ClinicSlackInput", "/webhooks/slack/webhook",
    required={"SLACK_TOKEN": "slack_token", "SLACK_SIGNING_SECRET": "slack_signing_secret"},
    optional={"SLACK_CHANNEL": "slack_channel"},
)
CALLBACK = Channel(
    "Callback", "rasa_ext.rest_channel.PatientCallbackInput", "/webhooks/callback/webhook",
    required={"CALLBACK_URL": "url"},
    optional={"CALLBACK_TOKEN": "token"},
)
OPTIONAL_CHANNELS = (TELEGRAM, TWILIO, FACEBOOK, SLACK, CALLBACK)
# Every variable that switches a channel on: tests blank them so a developer's own settings never
# make a test server register a real webhook.
CHANNEL_VARIABLES = tuple(var for channel in OPTIONAL_CHANNELS for var in (*channel.required, *channel.optional))

TELEGRAM_TOKEN = re.compile(r"^\d+:\S+$")


def missing_variables(channel: Channel, environ: Mapping[str, str]) -> list[str]:
    return [var for var in channel.required if not environ.get(var, "").strip()]


def is_switched_on(channel: Channel, environ: Mapping[str, str]) -> bool:
    """On when any of its variables is set (then all required ones must be)."""
    return any(environ.get(var, "").strip() for var in (*channel.required, *channel.optional))


def check_values(channel: Channel, credentials: Mapping[str, Any]) -> None:
    """Catch values that would only fail later, inside Rasa, with a less helpful message."""
    if channel is TELEGRAM and not TELEGRAM_TOKEN.match(credentials["access_token"]):
        raise ChannelConfigError("Telegram: TELEGRAM_ACCESS_TOKEN must look like 123456789:ABC… (from @BotFather)")
    for name, value in credentials.items():
        if name in ("webhook_url", "url") and not str(value).startswith(("https://", "http://")):
            var = next(var for var, field_name in channel.required.items() if field_name == name)
            raise ChannelConfigError(f"{channel.title}: {var} must be an http(s) URL, got {value!r}")


def enabled_channels(environ: Mapping[str, str]) -> list[Channel]:
    """The optional channels this environment switches on; raises on a half-configured one."""
    enabled = []
    for channel in OPTIONAL_CHANNELS:
        if not is_switched_on(channel, environ):
            continue
        missing = missing_variables(channel, environ)
        if missing:
            raise ChannelConfigError(
                f"{channel.title} is only partly configured: set {', '.join(missing)} "
                f"(or unset its other variables to leave it off)"
            )
        check_values(channel, channel.credentials(environ))
        enabled.append(channel)
    return enabled


def render_credentials(base: Mapping[str, Any], environ: Mapping[str, str]) -> tuple[dict[str, Any], list[Channel]]:
    """The repository's credentials (REST, socket.io) plus every channel switched on in `environ`."""
    channels = enabled_channels(environ)
    credentials = dict(base)
    for channel in channels:
        credentials[channel.key] = channel.credentials(environ)
    return credentials, channels


def describe(channels: list[Channel]) -> str:
    """The start-up banner's line on messaging channels."""
    if not channels:
        return 'none besides REST and socket.io (see docs/channels.md)'
    return "; ".join(f"{channel.title} {channel.route}" for channel in channels)
