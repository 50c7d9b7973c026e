"""Rasa's RulePolicy with the same predictions for less work per turn.

To predict an action, RulePolicy turns the conversation into one state per action taken so far and
checks every rule against the most recent states. Rasa 3.6 does both from scratch for each of the
three predictions a patient message takes: under load that was about 14% of the Rasa server's
CPU by profile, growing with every turn of the session. Two changes keep the results identical:

1. **Recent turns only.** A rule can only look back as many states as it has. When a state holds
   nothing but the latest user message and the latest action (no slot influences the
   conversation and the domain has no forms, so no loop is ever active), the recent turns decide
   exactly what the whole session would. They are cut at a user message with more actions after
   it than the longest rule has states, so every state a rule can see is the same; slot events are
   left out, since no slot reaches a state. A domain that does not qualify, or a conversation with
   a loop event in it, keeps the whole session. This assistant qualifies.
2. **Rule matches remembered.** Whether a rule of n states fits depends on nothing but the last n
   states, and a FAQ conversation keeps producing the same few short runs, so the rules that fit
   are kept per rule length and run of states (bounded; forgotten whenever the policy trains).

tests/rasa_ext/test_rule_policy.py checks the predictions against RulePolicy's own over long random
conversations with fallbacks, reverted turns and restarts.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

REMEMBERED_MATCHES = 10_000
# Events after which the events Rasa applies are not simply the events stored.
UNDOING = (ActionReverted, UserUtteranceReverted, Restarted, SessionStarted)


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
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._forget_rules()

    def _forget_rules(self) -> None:
        """Drop everything derived from the rules; they are about to change (or just did)."""
        self._longest_rule: int | None = None
        self._by_length: dict[int, dict[int, dict[str, str]]] = {}
        self._matches: OrderedDict[tuple[int, int, str], set[str]] = OrderedDict()
        self._remembering = True

    def train(
        self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        """While training, the rules change under the policy's feet: match without remembering.
        (The parameters are spelled out because Rasa's graph passes inputs by parameter name.)"""
        self._forget_rules()
        self._remembering = False
        try:
            return super().train(training_trackers, domain, **kwargs)
        finally:
            self._forget_rules()

    def _rule_states(self, key: str) -> int:
        return len(self._rule_key_to_state(key))

    def _states_a_rule_can_see(self) -> int:
        if self._longest_rule is None or not self._remembering:
            keys = [*self.lookup.get(RULES, {}), *self.lookup.get(RULES_FOR_LOOP_UNHAPPY_PATH, {})]
            self._longest_rule = max((self._rule_states(key) for key in keys), default=0)
        return self._longest_rule

    def _recent_tracker(self, tracker: DialogueStateTracker, domain: Domain) -> DialogueStateTracker:
        """The turns a rule can see, as a tracker of their own: from the cut on, the events Rasa
        would apply, without slot events (no slot reaches a state, so they change nothing)."""
        events = list(tracker.events)
        if not states_depend_on_latest_turn_only(domain) or any(isinstance(e, ActiveLoop) for e in events):
            return tracker
        actions_needed = self._states_a_rule_can_see() + 1
        start = recent_turns_start(events, actions_needed)
        if start is not None and any(isinstance(e, UNDOING) for e in events[start:]):
            events = tracker.applied_events()  # Rasa's own replay of reverts and restarts
            start = recent_turns_start(events, actions_needed)
        if start is None:
            return tracker
        return DialogueStateTracker.from_events(
            tracker.sender_id, [e for e in events[start:] if not isinstance(e, SlotSet)]
        )

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

    def _rules_by_length(self, lookup: dict[str, str]) -> dict[int, dict[str, str]]:
        if id(lookup) not in self._by_length:
            grouped: dict[int, dict[str, str]] = {}
            for key, action in lookup.items():
                grouped.setdefault(self._rule_states(key), {})[key] = action
            self._by_length[id(lookup)] = grouped
        return self._by_length[id(lookup)]

    def _get_possible_keys(self, lookup: dict[str, str], states: list[State]) -> set[str]:
        """Rasa's own matching, remembered per rule length: whether a rule with n states fits
        depends only on the last n states (all of them, in a shorter conversation)."""
        if not self._remembering:
            return super()._get_possible_keys(lookup, states)
        matching: set[str] = set()
        for length, rules in self._rules_by_length(lookup).items():
            # repr, not JSON: equal text means equal values of equal types (JSON would make a
            # tuple and a list look alike, and RulePolicy compares them differently).
            remembered = (id(lookup), length, repr(states[-length:]))
            if remembered not in self._matches:
                self._matches[remembered] = super()._get_possible_keys(rules, states)
                if len(self._matches) > REMEMBERED_MATCHES:
                    self._matches.popitem(last=False)
            self._matches.move_to_end(remembered)
            matching |= self._matches[remembered]
        return matching
