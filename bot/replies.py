"""The assistant's safety and handoff wording (content/safety_messages.yml), filled in with the
clinic profile, plus the machine-readable handoff payload for the web widget and channels.

What a channel can show decides the shape of a message. REST, socket.io and the callback channel
pass custom JSON on to a client we wrote, so they get the handoff payload. Every other channel
(Telegram, Twilio, Messenger, Slack, the staff shell, any channel added later) gets the same
content as plain text: Rasa's Messenger and Slack outputs would post the JSON to the platform,
which rejects it, and Telegram's and Twilio's drop it or send an empty message. Buttons go only to
channels that show them; the others get the choices in words and understand a typed yes or no.
"""

import string
from functools import lru_cache
from typing import Any, Sequence

import yaml

from bot.language.clarify import topic_settings, topic_title
from bot.paths import DOMAIN, ROOT
from bot.profile import ClinicProfile

MESSAGES = ROOT / "content" / "safety_messages.yml"
# The metadata `from` of bot events written by staff rather than by the assistant's turn: a staff
# reply from the inbox, and the line that hands the conversation back. rasa_ext's socket.io relay
# sends these to the web widget live; the inbox labels the first as the clinic team's.
CLINIC_TEAM = "clinic_team"
HANDBACK = "handback"
STAFF_SOURCES = (CLINIC_TEAM, HANDBACK)


@lru_cache(maxsize=1)
def messages() -> dict[str, Any]:
    return yaml.safe_load(MESSAGES.read_text(encoding="utf-8"))


def render(key: str, profile: ClinicProfile, **values: Any) -> str:
    return " ".join(str(messages()[key]).split()).format(**profile.as_slots(), **values)


@lru_cache(maxsize=1)
def domain_response_names() -> frozenset[str]:
    """The responses domain.yml defines. Rasa sends the actions no domain (selective domain in
    endpoints.yml), so they look here before naming a response."""
    return frozenset(yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"])


def clarify_buttons() -> list[dict[str, str]]:
    return [dict(button) for button in messages()["clarify_buttons"]]


def handoff_payload(ticket: int | None, reason: str, severity: str, profile: ClinicProfile) -> dict[str, Any]:
    """What the web widget and channels need to show the "connecting you with our team" state."""
    return {
        "handoff": {
            "ticket": ticket,
            "reason": reason,
            "severity": severity,
            "emergency": severity == "emergency",
            "clinic": {"name": profile.name, "phone": profile.phone, "hours": profile.hours,
                       "website": profile.website, "emergency_number": profile.emergency_number},
        }
    }


def for_channel(payload: dict[str, Any], channel: str | None) -> dict[str, Any]:
    """Rasa's socket.io output passes custom JSON keys to `emit()` as arguments, so the payload
    must travel under "data" there (the widget then receives the payload itself, rasa#3823)."""
    return {"data": payload} if channel == "socketio" else payload


PAYLOAD_CHANNELS = frozenset({"rest", "socketio", "callback"})
# Channels that show buttons, with the longest button title each accepts (None: no limit).
# Messenger's button template refuses titles over 20 characters.
BUTTON_TITLE_LIMITS: dict[str, int | None] = {
    "rest": None, "socketio": None, "callback": None, "cmdline": None,
    "telegram": None, "slack": 75, "facebook": 20,
}
YES_WORDS = frozenset({"yes", "y", "yeah", "yea", "yep", "yup", "ya", "yess", "yes please"})
NO_WORDS = frozenset({"no", "n", "nope", "nah", "no thanks"})


def shows_buttons(channel: str | None, buttons: list[dict[str, str]]) -> bool:
    if channel not in BUTTON_TITLE_LIMITS:
        return False
    limit = BUTTON_TITLE_LIMITS[channel]
    return limit is None or all(len(button["title"]) <= limit for button in buttons)


def clarify_message(profile: ClinicProfile, channel: str | None) -> dict[str, Any]:
    """"Is this happening to you now?" with Yes/No buttons, or with the choices in words."""
    buttons = clarify_buttons()
    if shows_buttons(channel, buttons):
        return {"text": render("clarify", profile), "buttons": buttons}
    return {"text": f"{render('clarify', profile)} {render('clarify_in_words', profile)}"}


def topic_choice_message(choices: Sequence[str], profile: ClinicProfile, channel: str | None) -> dict[str, Any]:
    """"Did you mean: A or B?" with a button per topic and "Something else", or numbered in words.
    A button sends the topic's intent, so choosing one is answered by that topic's own rule."""
    settings = topic_settings()
    buttons = [{"title": topic_title(topic), "payload": f"/{topic}"} for topic in choices]
    buttons.append({"title": settings["something_else"], "payload": "/nlu_fallback"})
    if shows_buttons(channel, buttons):
        return {"text": render("topic_choice", profile), "buttons": buttons}
    numbered = ", ".join(f"{number}) {button['title']}" for number, button in enumerate(buttons, start=1))
    return {"text": f"{render('topic_choice', profile)} {numbered}. {render('topic_choice_in_words', profile)}"}


def handoff_message(text: str, payload: dict[str, Any], channel: str | None, profile: ClinicProfile) -> dict[str, Any]:
    """The handoff reply: text plus the payload where the client reads it, else the payload's
    content (clinic name and website; the emergency number for an emergency) as text."""
    if channel in PAYLOAD_CHANNELS:
        return {"text": text, "json_message": for_channel(payload, channel)}
    lines = [text, render("handoff_clinic", profile)]
    if payload["handoff"]["emergency"]:
        lines.append(render("handoff_emergency", profile))
    return {"text": "\n".join(lines)}


def yes_or_no(text: str, intent: str | None) -> bool | None:
    """The patient's answer to a yes/no question: a bare yes or no word counts whatever NLU made
    of it (text channels ask "reply YES or NO"), else the affirm/deny intent; None otherwise."""
    words = " ".join(text.lower().translate(str.maketrans("", "", string.punctuation)).split())
    if words in YES_WORDS:
        return True
    if words in NO_WORDS:
        return False
    return {"affirm": True, "deny": False}.get(intent or "")
