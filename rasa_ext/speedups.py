"""Two fixes for work Rasa 3.6 repeats on every turn, found by profiling the server under load
(see README, Benchmark). Neither changes behaviour; both replace a recomputation with a lookup.

1. Every custom-action response is checked with `jsonschema.validate(result, schema)`, which first
   re-validates Rasa's own, constant schema against the JSON-Schema meta-schema. That took about a
   fifth of the server's CPU. Here the schema is checked once and its validator is reused.
2. Every stored event is deserialised through `Event.resolve_by_type`, which walks the whole Event
   class hierarchy for each event. Here the name-to-class map is built once.
"""

from functools import lru_cache
from typing import Any, Dict, Type

import jsonschema
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

_original_resolve_by_type = Event.resolve_by_type


@lru_cache(maxsize=1)
def action_response_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
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


def apply() -> None:
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]
