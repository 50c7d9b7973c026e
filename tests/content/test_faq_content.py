"""The FAQ content is complete, sourced and kept apart from the held-out test set."""

import re
import string
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.language.nlu_examples import read_nlu_examples
from bot.paths import FAQ_SOURCES, HELD_OUT_NLU, ROOT, SEEDS

DATA = ROOT / "data"
TRAINING = [example for path in sorted((DATA / "nlu").glob("*.yml")) for example in read_nlu_examples(path)]
HELD_OUT = read_nlu_examples(HELD_OUT_NLU)
SOURCES = yaml.safe_load(FAQ_SOURCES.read_text(encoding="utf-8"))

# Topics the documents cannot answer: they must get "I don't have that" plus the clinic's contacts.
UNANSWERABLE = ["ask_price", "ask_booking", "ask_comparison", "ask_clinic_info"]
# Topics the issue names; each must be its own FAQ intent.
REQUIRED_TOPICS = [
    "faq_what_is", "faq_procedure", "faq_treats_overview", "faq_treats_skin", "faq_treats_cellulite",
    "faq_treats_fat", "faq_treats_hair_loss", "faq_treats_scars", "faq_treats_pigmentation",
    "faq_treats_contouring", "faq_ingredients", "faq_recovery", "faq_side_effects", "faq_sessions",
    "faq_session_length", "faq_pain", "faq_preparation", "faq_aftercare", "faq_results",
    "faq_effectiveness", "faq_eligibility", "faq_contraindications", "faq_permanence",
]


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def rules_by_intent() -> dict[str, list[str]]:
    """The answer each intent's rule gives, after the safety screen that every rule runs first."""
    mapping: dict[str, list[str]] = {}
    for path in (DATA / "rules").glob("*.yml"):
        for rule in yaml.safe_load(path.read_text(encoding="utf-8")).get("rules", []):
            steps = rule["steps"]
            if "intent" in steps[0]:  # intent → action_screen_message → the answer
                assert steps[1] == {"action": "action_screen_message"}, rule["rule"]
                mapping.setdefault(steps[0]["intent"], []).append(steps[-1]["action"])
    return mapping


def faq_intents(domain_yaml: dict) -> list[str]:
    return [intent for intent in domain_yaml["intents"] if intent.startswith("faq_")]


def test_every_required_topic_is_an_intent(domain_yaml):
    assert sorted(faq_intents(domain_yaml)) == sorted(REQUIRED_TOPICS)


def test_every_faq_intent_is_answered_by_its_own_response(domain_yaml):
    rules = rules_by_intent()
    for intent in faq_intents(domain_yaml):
        assert rules.get(intent) == [f"utter_{intent}"], intent
        assert domain_yaml["responses"][f"utter_{intent}"][0]["text"].strip()


def test_every_faq_answer_records_its_sources(domain_yaml):
    faq_responses = {f"utter_{intent}" for intent in faq_intents(domain_yaml)}
    assert set(SOURCES) == faq_responses
    for response, sources in SOURCES.items():
        assert sources, f"{response} has no source"


@pytest.mark.parametrize("response", sorted(SOURCES))
def test_every_quoted_source_passage_is_in_its_document(response):
    for source in SOURCES[response]:
        document = SEEDS / f"{source['doc']}.txt"
        assert document.exists(), f"{response}: no document {source['doc']}"
        text = normalise(document.read_text(encoding="utf-8"))
        assert source["quotes"], f"{response}: {source['doc']} has no quote"
        for quote in source["quotes"]:
            assert normalise(quote) in text, f"{response}: not in {source['doc']}: {quote!r}"


def test_unanswerable_topics_say_so_and_give_the_clinic_contacts(domain_yaml):
    rules = rules_by_intent()
    for intent in UNANSWERABLE:
        (action,) = rules[intent]
        text = domain_yaml["responses"][action][0]["text"]
        assert re.search(r"\bI (don't|can't)\b", text), intent
        assert "{clinic_phone}" in text, intent


def test_responses_use_only_known_slots_and_no_hard_coded_clinic_details(domain_yaml, profile):
    slots = set(domain_yaml["slots"])
    domain_text = Path(ROOT / "domain.yml").read_text(encoding="utf-8")
    for value in profile.as_slots().values():
        assert value not in domain_text, f"clinic detail {value!r} is hard-coded in domain.yml"
    for name, variants in domain_yaml["responses"].items():
        for variant in variants:
            fields = {field for _, field, _, _ in string.Formatter().parse(variant["text"]) if field}
            assert fields <= slots, f"{name} uses unknown slots {fields - slots}"


def test_greeting_says_general_information_and_what_to_do_in_an_emergency(domain_yaml):
    text = domain_yaml["responses"]["utter_greet"][0]["text"]
    assert "not medical advice" in text and "{emergency_number}" in text


def test_training_has_at_least_15_distinct_examples_per_intent(domain_yaml):
    counts = Counter(example.intent for example in TRAINING)
    for intent in domain_yaml["intents"]:
        assert counts[intent] >= 15, f"{intent}: {counts[intent]} training examples"
    assert len({example.text.lower() for example in TRAINING}) == len(TRAINING), "duplicate examples"


def test_held_out_set_has_at_least_5_phrasings_per_topic_and_is_never_trained_on(domain_yaml):
    counts = Counter(example.intent for example in HELD_OUT)
    for intent in domain_yaml["intents"]:
        assert counts[intent] >= 5, f"{intent}: {counts[intent]} held-out examples"
    trained = {normalise(example.text.lower()) for example in TRAINING}
    leaked = [example.text for example in HELD_OUT if normalise(example.text.lower()) in trained]
    assert not leaked, f"held-out examples also in training data: {leaked}"
