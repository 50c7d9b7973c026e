"""RecentTurnsRulePolicy predicts exactly what Rasa's RulePolicy predicts, on the project's own
rules and domain, over long random conversations (fallbacks, reverts and restarts included)."""

import random

import pytest
import yaml
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.core.training import load_data
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_DEFAULT_FALLBACK_NAME, ACTION_LISTEN_NAME, ACTION_RESTART_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.importers.importer import TrainingDataImporter

from bot.paths import DOMAIN, ROOT
from rasa_ext.rule_policy import RecentTurnsRulePolicy, recent_turns_start, states_depend_on_latest_turn_only


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(DOMAIN)


@pytest.fixture(scope="module")
def policies(domain: Domain, tmp_path_factory: pytest.TempPathFactory) -> tuple[RulePolicy, RecentTurnsRulePolicy]:
    """Both policies, trained on the project's rules with the settings in config.yml."""
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    settings = next(p for p in config["policies"] if p["name"].endswith("RecentTurnsRulePolicy"))
    settings = {key: value for key, value in settings.items() if key != "name"}
    importer = TrainingDataImporter.load_from_dict(domain_path=str(DOMAIN), training_data_paths=[str(ROOT / "data")])
    trackers = load_data(importer, domain, augmentation_factor=0)
    trained = []
    for policy_class in (RulePolicy, RecentTurnsRulePolicy):
        storage = LocalModelStorage(tmp_path_factory.mktemp(policy_class.__name__))
        policy = policy_class.create(
            {**policy_class.get_default_config(), **settings}, storage, Resource(policy_class.__name__),
            ExecutionContext(GraphSchema({}), "test"),
        )
        policy.train(trackers, domain)
        trained.append(policy)
    return trained[0], trained[1]


def comparable(prediction: PolicyPrediction) -> tuple:
    return (prediction.probabilities, prediction.events, prediction.optional_events,
            prediction.is_no_user_prediction, prediction.action_metadata)


def random_conversation(domain: Domain, rng: random.Random, turns: int) -> list[tuple[str, float]]:
    intents = [*domain.intents, "nlu_fallback", "restart"]
    return [(rng.choice(intents), rng.random()) for _ in range(turns)]


def session_start() -> list:
    return [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted(ACTION_LISTEN_NAME)]


def play_random_conversations(domain, rasa_policy, recent_policy, seed: int) -> tuple[int, int]:
    """40 random conversations of 15 messages, each prediction compared between the two
    policies; returns how many predictions were made and how many used the recent turns only."""
    rng = random.Random(seed)
    predictions = trimmed = 0
    for conversation in range(40):
        tracker = DialogueStateTracker.from_events(f"c{conversation}", session_start(), domain.slots)
        for intent, confidence in random_conversation(domain, rng, turns=15):
            if rng.random() < 0.05:  # a new session in the same conversation
                tracker.update_with_events(session_start(), domain)
            tracker.update(UserUttered(f"text for {intent}", intent={"name": intent, "confidence": confidence}))
            for _ in range(5):
                expected = rasa_policy.predict_action_probabilities(tracker, domain)
                assert comparable(recent_policy.predict_action_probabilities(tracker, domain)) == comparable(expected)
                predictions += 1
                trimmed += recent_policy._recent_tracker(tracker, domain) is not tracker
                action = domain.action_names_or_texts[expected.max_confidence_index]
                tracker.update(ActionExecuted(action))
                if action == "action_screen_message" and rng.random() < 0.5:
                    tracker.update(SlotSet("screen_pending_text", rng.choice([None, "pending"])))
                if action == ACTION_DEFAULT_FALLBACK_NAME:
                    tracker.update(UserUtteranceReverted())
                if action == ACTION_RESTART_NAME:
                    tracker.update(Restarted())
                if action in (ACTION_LISTEN_NAME, ACTION_DEFAULT_FALLBACK_NAME, ACTION_RESTART_NAME):
                    break
    return predictions, trimmed


def test_predictions_match_rasas_rule_policy_turn_by_turn(domain, policies):
    predictions, trimmed = play_random_conversations(domain, *policies, seed=7)
    assert predictions > 1000 and trimmed > predictions / 2  # long conversations were really cut short


def test_remembered_rule_matches_give_the_same_predictions(domain, policies):
    play_random_conversations(domain, *policies, seed=11)
    remembered = len(policies[1]._matches)
    play_random_conversations(domain, *policies, seed=11)  # the same turns again: every match from memory
    assert len(policies[1]._matches) == remembered > 0


def test_the_recent_turns_start_at_a_user_message_with_enough_actions_after_it():
    events = [ActionExecuted(ACTION_LISTEN_NAME), UserUttered("a"), ActionExecuted("x"), ActionExecuted(ACTION_LISTEN_NAME),
              UserUttered("b"), ActionExecuted("y")]
    assert recent_turns_start(events, 1) == 4
    assert recent_turns_start(events, 2) == 1
    assert recent_turns_start(events, 4) is None


def test_a_domain_with_a_featurized_slot_or_a_form_keeps_the_whole_session(domain):
    assert states_depend_on_latest_turn_only(domain)
    featurized = Domain.from_dict({"slots": {"s": {"type": "text", "influence_conversation": True,
                                                   "mappings": [{"type": "custom"}]}}})
    form = Domain.from_dict({"forms": {"f": {"required_slots": []}}})
    assert not states_depend_on_latest_turn_only(featurized)
    assert not states_depend_on_latest_turn_only(form)


def test_the_policy_is_the_one_the_assistant_is_trained_with():
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    assert [p["name"] for p in config["policies"]] == ["rasa_ext.rule_policy.RecentTurnsRulePolicy"]
