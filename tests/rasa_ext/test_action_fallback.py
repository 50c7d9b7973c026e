"""What the Rasa server does itself when the action server cannot screen a message."""

import asyncio
import socket

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, FollowupAction, SessionStarted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from bot.paths import DOMAIN
from rasa_ext import action_fallback


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(DOMAIN))


def run(name, domain, port):
    action = RemoteAction(name, EndpointConfig(f"http://127.0.0.1:{port}/webhook"))
    tracker = DialogueStateTracker.from_events("p", [ActionExecuted("action_listen")])
    return asyncio.run(action_fallback.run_with_fallback(action, None, None, tracker, domain))


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unscreened_message_gets_the_clinics_contacts_and_the_turn_stops(domain, profile):
    events = run("action_screen_message", domain, closed_port())
    assert isinstance(events[0], BotUttered) and profile.phone in events[0].text
    assert profile.emergency_number in events[0].text
    assert events[1] == FollowupAction("action_listen")


def test_a_session_still_starts_with_the_clinics_details(domain, profile):
    events = run("action_session_start", domain, closed_port())
    assert isinstance(events[0], SessionStarted) and isinstance(events[-1], ActionExecuted)
    assert SlotSet("clinic_phone", profile.phone) in events


def test_other_actions_fail_as_in_rasa(domain):
    with pytest.raises(RasaException):
        run("action_something_else", domain, closed_port())


@pytest.mark.parametrize("value, expected", [(None, 60.0), ("5", 5.0), ("soon", 60.0)])
def test_timeout_setting(value, expected):
    assert action_fallback.action_timeout({} if value is None else {"ACTION_SERVER_TIMEOUT": value}) == expected
