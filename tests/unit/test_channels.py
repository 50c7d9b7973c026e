"""Which channels an environment switches on, and the credentials rendered for them."""

import pytest

from runtime.channels import OPTIONAL_CHANNELS, ChannelConfigError, describe, enabled_channels, render_credentials

BASE = {"rasa_ext.rest_channel.PatientRestInput": None, "socketio": {"session_persistence": True}}
TELEGRAM = {"TELEGRAM_ACCESS_TOKEN": "123456:abc-DEF", "TELEGRAM_VERIFY": "clinic_bot",
            "TELEGRAM_WEBHOOK_URL": "https://bot.clinic.example/webhooks/telegram/webhook"}
TWILIO = {"TWILIO_ACCOUNT_SID": "AC123", "TWILIO_AUTH_TOKEN": "secret", "TWILIO_NUMBER": "+15550001111",
          "TWILIO_WEBHOOK_URL": "https://bot.clinic.example/webhooks/twilio/webhook"}
FACEBOOK = {"FACEBOOK_VERIFY": "v", "FACEBOOK_SECRET": "s", "FACEBOOK_PAGE_ACCESS_TOKEN": "t"}
SLACK = {"SLACK_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
CALLBACK = {"CALLBACK_URL": "http://127.0.0.1:9/replies"}


def test_with_no_channel_variables_only_rest_and_socketio_are_served():
    credentials, channels = render_credentials(BASE, {"HOME": "/root"})
    assert credentials == BASE and channels == []


def test_each_channel_is_added_with_its_credentials_from_the_environment():
    environ = {**TELEGRAM, **TWILIO, **FACEBOOK, **SLACK, **CALLBACK, "SLACK_CHANNEL": "#clinic"}
    credentials, channels = render_credentials(BASE, environ)
    assert [c.title for c in channels] == [c.title for c in OPTIONAL_CHANNELS]
    assert credentials["rasa_ext.channels.SecretTelegramInput"] == {
        "access_token": "123456:abc-DEF", "verify": "clinic_bot", "webhook_url": TELEGRAM["TELEGRAM_WEBHOOK_URL"]}
    assert credentials["rasa_ext.channels.SignedTwilioInput"]["auth_token"] == "secret"
    assert credentials["rasa_ext.channels.ClinicFacebookInput"] == {"verify": "v", "secret": "s", "page-access-token": "t"}
    assert credentials["rasa_ext.channels.ClinicSlackInput"] == {
        "slack_token": "xoxb-1", "slack_signing_secret": "s", "slack_channel": "#clinic"}
    assert credentials["rasa_ext.rest_channel.PatientCallbackInput"] == {"url": CALLBACK["CALLBACK_URL"]}
    assert credentials["socketio"] == BASE["socketio"]


def test_slack_channel_is_optional():
    credentials, _ = render_credentials(BASE, SLACK)
    assert "slack_channel" not in credentials["rasa_ext.channels.ClinicSlackInput"]


@pytest.mark.parametrize("settings, missing", [
    ({"TELEGRAM_ACCESS_TOKEN": "1:a"}, "TELEGRAM_VERIFY, TELEGRAM_WEBHOOK_URL"),
    ({**TWILIO, "TWILIO_NUMBER": "  "}, "TWILIO_NUMBER"),
    ({"FACEBOOK_SECRET": "s"}, "FACEBOOK_VERIFY, FACEBOOK_PAGE_ACCESS_TOKEN"),
    ({"SLACK_CHANNEL": "#clinic"}, "SLACK_TOKEN, SLACK_SIGNING_SECRET"),
    ({"CALLBACK_TOKEN": "t"}, "CALLBACK_URL"),
])
def test_a_half_configured_channel_is_an_error_naming_the_missing_variables(settings, missing):
    with pytest.raises(ChannelConfigError, match="only partly configured: set " + missing):
        enabled_channels(settings)


def test_values_that_cannot_work_are_refused_with_the_variable_named():
    with pytest.raises(ChannelConfigError, match="TELEGRAM_ACCESS_TOKEN must look like"):
        enabled_channels({**TELEGRAM, "TELEGRAM_ACCESS_TOKEN": "not-a-token"})
    with pytest.raises(ChannelConfigError, match="TWILIO_WEBHOOK_URL must be an http"):
        enabled_channels({**TWILIO, "TWILIO_WEBHOOK_URL": "bot.clinic.example/webhooks/twilio/webhook"})


def test_the_banner_lists_every_served_channel_with_its_route():
    assert describe(enabled_channels({**TELEGRAM, **SLACK})) == \
        "Telegram /webhooks/telegram/webhook; Slack /webhooks/slack/webhook"
    assert describe([]).startswith("none besides REST and socket.io")
