"""The words the safety screen, the turn and the handoff share: why a person is needed, and how soon.

One definition for all three, so a reason or a severity means the same thing from the screen's
finding to the staff ticket. The enums are `str` subclasses: they compare equal to their stored
values and serialise to JSON as plain strings.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Mapping


class TextEnum(str, enum.Enum):
    def __str__(self) -> str:
        return str(self.value)


class Reason(TextEnum):
    side_effect = "side_effect"
    contraindication = "contraindication"
    emergency = "emergency"
    human_request = "human_request"
    repeated_fallback = "repeated_fallback"

    @property
    def asked_for_a_person(self) -> bool:
        """The patient asked for a person; nothing medical was found."""
        return self in (Reason.human_request, Reason.repeated_fallback)


class Severity(TextEnum):
    emergency = "emergency"
    urgent = "urgent"
    routine = "routine"

    @property
    def rank(self) -> int:
        """0 for the most serious: staff lists sort on it, and the screen keeps the lowest."""
        return SEVERITY_ORDER.index(self)


SEVERITY_ORDER = (Severity.emergency, Severity.urgent, Severity.routine)  # most serious first


def most_serious(severities: list[Severity]) -> Severity:
    return min(severities, key=lambda severity: severity.rank, default=Severity.routine)


@dataclass(frozen=True)
class Finding:
    """One thing the safety screen found in a message, as the screen reports it and the ticket keeps
    it: the words, what they name (`concept`), the category and the context cues that applied."""

    term: str
    category: str
    modifiers: tuple[str, ...] = ()
    concept: str = ""

    def as_dict(self) -> dict[str, Any]:
        record: dict[str, Any] = {"term": self.term, "category": self.category, "modifiers": list(self.modifiers)}
        return {**record, "concept": self.concept} if self.concept else record

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> Finding:
        return cls(record["term"], record["category"], tuple(record.get("modifiers") or ()),
                   str(record.get("concept") or ""))
