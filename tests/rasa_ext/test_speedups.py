"""The speed-ups return exactly what Rasa's own code returns."""

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

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
