"""The speed-ups return exactly what Rasa's own code returns."""

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    FollowupAction,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.utils.common import all_subclasses

from bot.paths import DOMAIN
from rasa_ext import speedups


def test_event_lookup_matches_rasas_for_every_event_type():
    for cls in all_subclasses(Event):
        assert speedups.resolve_by_type(cls.type_name) is speedups._original_resolve_by_type(cls.type_name)


def test_unknown_event_types_behave_as_in_rasa():
    assert speedups.resolve_by_type("topic") is None
    with pytest.raises(ValueError):
        speedups.resolve_by_type("no-such-event")


def test_valid_action_responses_pass_and_invalid_ones_fail_as_in_rasa():
    valid = {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "hi"}]}
    invalid = {"events": [{"no_event_key": True}], "responses": []}
    for result in (valid, invalid):
        try:
            jsonschema.validate(result, RemoteAction.action_response_format_spec())
            rasa_accepts = True
        except jsonschema.ValidationError:
            rasa_accepts = False
        if rasa_accepts:
            assert speedups.validate_action_result(None, result) is True
        else:
            with pytest.raises(jsonschema.ValidationError):
                speedups.validate_action_result(None, result)
    assert speedups.validate_action_result(None, valid) is True


def rasa_accepts(result) -> bool:
    try:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
    except jsonschema.ValidationError:
        return False
    return True


def sample_events() -> list:
    events = [SessionStarted(), SlotSet("clinic_phone", "+44 20"), SlotSet("flag", None), ActionExecuted("action_listen"),
              BotUttered("hi", {"custom": {"handoff": {"ticket": 1}}}), FollowupAction("action_listen"), Restarted(),
              ActiveLoop("a_form"), UserUttered("hi", {"name": "greet", "confidence": 1.0}, [{"entity": "e", "value": 1}])]
    return [event.as_dict() for event in events]


def broken_variants(event: dict) -> list:
    """The event with each field removed, and with each field set to a value of another type."""
    variants = []
    for key in event:
        variants.append({k: v for k, v in event.items() if k != key})
        for wrong in (12345, "text", None, [1], {"a": 1}, True):
            variants.append({**event, key: wrong})
    return variants


def test_the_per_type_check_passes_only_what_rasas_full_schema_passes():
    samples = sample_events()
    candidates = [*samples, *(v for e in samples for v in broken_variants(e)), {"event": "no-such-type"}, "slot", None]
    responses = [{"events": [candidate], "responses": []} for candidate in candidates]
    responses += [{"events": samples, "responses": [{"text": "hi"}]}, {"events": samples, "responses": ["hi"]},
                  {"events": None}, {"events": "slot"}, {}, [], {"responses": [{"text": "hi"}]}]
    outcomes = {True: 0, False: 0}
    for response in responses:
        accepted = rasa_accepts(response)
        assert accepted or not speedups.passes_by_event_type(response), response
        outcomes[accepted] += 1
        if accepted:
            assert speedups.validate_action_result(None, response) is True
        else:
            with pytest.raises(jsonschema.ValidationError):
                speedups.validate_action_result(None, response)
    assert outcomes[True] > 20 and outcomes[False] > 20  # both kinds were tried


def test_the_responses_this_assistants_actions_send_take_the_per_type_check():
    for event in sample_events():
        assert speedups.passes_by_event_type({"events": [event], "responses": [{"text": "hi"}]}), event
    assert speedups.passes_by_event_type({"events": sample_events(), "responses": []})


def test_domain_emptiness_matches_rasas():
    domains = [Domain.empty(), Domain.load(DOMAIN), Domain.from_dict({"intents": ["greet"]}),
               Domain.from_dict({"responses": {"utter_hi": [{"text": "hi"}]}}), Domain.from_dict({"slots": {}})]
    assert Domain.is_empty is not speedups.domain_is_empty  # Rasa's own, to compare with
    verdicts = [speedups.domain_is_empty(domain) for domain in domains]
    assert verdicts == [domain.is_empty() for domain in domains] and verdicts.count(True) == 2
    assert speedups.domain_is_empty(Domain.empty())  # the remembered dictionary was not changed by comparing
