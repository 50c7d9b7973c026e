"""Rasa's RulePolicy, matching its rules against the recent turns instead of the whole session.

To predict an action, RulePolicy turns the conversation into one state per action taken so far and
compares the most recent states with every rule. Rasa builds those states from the start of the
session, three times per patient message, so the cost grows with every turn: under load it was
about 14% of the Rasa server's CPU, by profile, for a conversation only ten messages long.

A rule can only look back as many states as it has, so when the states depend on nothing but
the latest user message and the latest action, the recent turns decide exactly what the whole
session would. That holds when no slot influences the conversation and the domain has no forms
(so no loop is ever active); this assistant meets both, and for any domain that does not, the
policy falls back to the whole session. The recent turns are cut at a user message with more
actions after it than the longest rule has states, so that every state a rule can see is
identical; tests/rasa_ext/test_rule_policy.py checks the predictions against RulePolicy's own.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker


def states_depend_on_latest_turn_only(domain: Domain) -> bool:
    """True when a state holds only the latest user message and action: no slot is featurized
    and no loop can be active."""
    return not domain.form_names and not any(slot.influence_conversation for slot in domain.slots)


def recent_turns_start(events: list[Event], actions_needed: int) -> int | None:
    """The index of the latest user message with at least `actions_needed` actions after it, or
    None when the conversation is not that long."""
    actions_after = 0
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if isinstance(event, ActionExecuted):
            actions_after += 1
        elif isinstance(event, UserUttered) and actions_after >= actions_needed:
            return index
    return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class RecentTurnsRulePolicy(RulePolicy):
    def _longest_rule(self) -> int:
        keys = [*self.lookup.get(RULES, {}), *self.lookup.get(RULES_FOR_LOOP_UNHAPPY_PATH, {})]
        return max((len(self._rule_key_to_state(key)) for key in keys), default=0)

    def _recent_tracker(self, tracker: DialogueStateTracker, domain: Domain) -> DialogueStateTracker:
        if not states_depend_on_latest_turn_only(domain):
            return tracker
        events = tracker.applied_events()  # reverted turns removed, as Rasa's own states do
        start = recent_turns_start(events, self._longest_rule() + 1)
        if start is None:
            return tracker
        return DialogueStateTracker.from_events(tracker.sender_id, events[start:], domain.slots)

    def _prediction_states(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        use_text_for_last_user_input: bool = False,
        rule_only_data: dict[str, Any] | None = None,
    ) -> list[State]:
        return super()._prediction_states(
            self._recent_tracker(tracker, domain), domain, use_text_for_last_user_input, rule_only_data
        )
