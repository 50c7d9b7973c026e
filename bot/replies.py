"""The assistant's safety and handoff wording (content/safety_messages.yml), filled in with the
clinic profile, plus the machine-readable handoff payload for the web widget and channels."""

from functools import lru_cache
from typing import Any

import yaml

from bot.paths import DOMAIN, ROOT
from bot.profile import ClinicProfile

MESSAGES = ROOT / "content" / "safety_messages.yml"


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
