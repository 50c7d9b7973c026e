"""Three fixes for work Rasa 3.6 repeats on every turn, found by profiling the server under load
(see docs/benchmarks.md). Neither changes behaviour; both replace a recomputation with a lookup.

1. Every custom-action response is checked with `jsonschema.validate(result, schema)`, which first
   re-validates Rasa's own, constant schema against the JSON-Schema meta-schema. That took about a
   fifth of the server's CPU. Here the schema is checked once and its validator is reused.
   Each event is then matched against the schema's `oneOf`: every event type's schema, in full,
   although only the one whose `event` name matches can pass. That was still a seventh of a new
   conversation's CPU (its session start returns several slots). So each event is first checked
   against its own type's schema only, which passes exactly when the `oneOf` would; a response
   that does not pass that way gets Rasa's full validation, and so the same result and error.
2. Every stored event is deserialised through `Event.resolve_by_type`, which walks the whole Event
   class hierarchy for each event. Here the name-to-class map is built once.
3. Every parsed message asks `Domain.is_empty()`, which builds a new empty Domain to compare with
   (3% of a worker's CPU, by profile). Here the empty domain's dictionary is built once.
"""

from functools import lru_cache
from typing import Any, Dict, Type

import jsonschema
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

_original_resolve_by_type = Event.resolve_by_type


@lru_cache(maxsize=1)
def action_response_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


@lru_cache(maxsize=1)
def validators_by_event() -> tuple[Any, Dict[str, Any]] | None:
    """A validator of the response without its events, and one per event type of that type's
    own schema. None if the schema is not a `oneOf` of event types that each name their own
    `event` (then every response gets the full validation)."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(schema)
    event_schema = schema["properties"]["events"]["items"]
    common = {key: value for key, value in event_schema.items() if key != "oneOf"}
    by_event: Dict[str, Any] = {}
    for alternative in event_schema["oneOf"]:
        name = alternative.get("properties", {}).get("event", {}).get("const")
        if not isinstance(name, str) or name in by_event:
            return None
        by_event[name] = validator_class({**common, "allOf": [alternative]})
    events = {**schema["properties"]["events"], "items": {}}
    return validator_class({**schema, "properties": {**schema["properties"], "events": events}}), by_event


def passes_by_event_type(result: Any) -> bool:
    """True only if the full schema accepts `result`: the response shape is right and each event
    passes its own type's schema (which no other type's schema can then pass)."""
    validators = validators_by_event()
    if validators is None or not isinstance(result, dict):
        return False
    response_validator, by_event = validators
    if not response_validator.is_valid(result):  # also: `events`, if there, is a list
        return False
    for event in result.get("events") or []:
        name = event.get("event") if isinstance(event, dict) else None
        if not (isinstance(name, str) and name in by_event and by_event[name].is_valid(event)):
            return False
    return True


def validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
    if passes_by_event_type(result):
        return True
    try:
        action_response_validator().validate(result)
    except jsonschema.ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from "
            "the Action endpoint is valid."
        )
        raise
    return True


@lru_cache(maxsize=1)
def event_classes() -> Dict[str, Type[Event]]:
    """type_name -> class, in the order Rasa's own lookup would find them."""
    classes: Dict[str, Type[Event]] = {}
    for cls in all_subclasses(Event):
        classes.setdefault(cls.type_name, cls)
    return classes


def resolve_by_type(type_name: str, default: Type[Event] | None = None) -> Type[Event] | None:
    """A name the map lacks (an Event subclass defined later) falls back to Rasa's own walk."""
    found = event_classes().get(type_name)
    return found if found is not None else _original_resolve_by_type(type_name, default)


@lru_cache(maxsize=1)
def empty_domain_as_dict() -> Dict[str, Any]:
    return Domain.empty().as_dict()


def domain_is_empty(self: Domain) -> bool:
    return self.as_dict() == empty_domain_as_dict()


def apply() -> None:
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]
    Domain.is_empty = domain_is_empty  # type: ignore[method-assign]
