"""The shape of lexicon.yml and context_rules.yml, checked whenever they are loaded.

A misspelt key ("phrase:" for "phrases:") would otherwise be ignored and silently drop what it
held from the screen; here it stops the screen from loading, with the file, the concept and the
key named, so an edit by the medical reviewer cannot quietly weaken it.
"""

from __future__ import annotations

from typing import Any, Iterable

CATEGORIES = {"red_flag", "side_effect", "contraindication"}
SEVERITIES = {"routine", "urgent", "emergency"}
MATCH_KEYS = {"phrases", "words", "near"}
FLAG_KEYS = {"asked_means_general", "treatment_goal", "history_resolves", "applies_to_others", "settles"}
CONCEPT_KEYS = {"name", "category", "severity", "unless_followed_by", *MATCH_KEYS, *FLAG_KEYS}
LEXICON_KEYS = {"concepts", "exclusions", "weeks_later", "urgent_modifiers"}
NEAR_KEYS = {"first", "second", "window", "ordered"}
SCOPE_KEYS = {"negation_scope", "post_negation_scope"}


class RulesFileError(ValueError):
    """A safety data file does not have the shape the screen reads."""


def check_lexicon(lexicon: Any, source: str = "lexicon.yml") -> None:
    where = Where(source)
    where.mapping(lexicon, "the file")
    where.keys(lexicon, LEXICON_KEYS, LEXICON_KEYS, "the file")
    for key in LEXICON_KEYS - {"concepts"}:
        where.texts(lexicon[key], key)
    where.require(isinstance(lexicon["concepts"], list) and lexicon["concepts"], "'concepts' must be a non-empty list")
    names: set[str] = set()
    for index, concept in enumerate(lexicon["concepts"]):
        check_concept(concept, f"concept {index + 1}", where)
        where.require(concept["name"] not in names, f"concept '{concept['name']}' is defined twice")
        names.add(concept["name"])


def check_concept(concept: Any, label: str, where: Where) -> None:
    where.mapping(concept, label)
    label = f"concept '{concept.get('name', label)}'"
    where.keys(concept, CONCEPT_KEYS, {"name", "category"}, label)
    where.require(isinstance(concept["name"], str) and concept["name"], f"{label}: 'name' must be text")
    where.require(concept["category"] in CATEGORIES, f"{label}: category must be one of {sorted(CATEGORIES)}")
    where.require("severity" not in concept or concept["severity"] in SEVERITIES,
                  f"{label}: severity must be one of {sorted(SEVERITIES)}")
    where.require(bool(MATCH_KEYS & concept.keys()), f"{label} has none of {sorted(MATCH_KEYS)}: it would match nothing")
    for key in ("phrases", "words"):
        if key in concept:
            where.texts(concept[key], f"{label}: {key}")
    for word in concept.get("words", []):
        # A word is matched against one token: with a space it never matches, and spaCy splits a
        # possessive off ("Sjogren's" is "Sjogren" + "'s"), so "...'?s" would miss it.
        where.require(" " not in word, f"{label}: the word '{word}' has a space; list it under phrases")
        where.require("'" not in word or word.endswith("'?s?"),
                      f"{label}: the word '{word}' must end in \"'?s?\": spaCy splits \"'s\" off a word")
    for flag in FLAG_KEYS & concept.keys():
        where.require(isinstance(concept[flag], bool), f"{label}: '{flag}' must be true or false")
    for pair in concept.get("near", []):
        where.mapping(pair, f"{label}: a 'near' entry")
        where.keys(pair, NEAR_KEYS, {"first", "second"}, f"{label}: a 'near' entry")
        where.texts(pair["first"], f"{label}: near.first")
        where.texts(pair["second"], f"{label}: near.second")
        where.require(isinstance(pair.get("window", 4), int) and pair.get("window", 4) > 0,
                      f"{label}: near.window must be a positive whole number")
        where.require(isinstance(pair.get("ordered", False), bool), f"{label}: near.ordered must be true or false")


def check_context_rules(rules: Any, kinds: Iterable[str], source: str = "context_rules.yml") -> None:
    where = Where(source)
    where.mapping(rules, "the file")
    expected = {*kinds, *SCOPE_KEYS}
    where.keys(rules, expected, expected, "the file")
    for key in SCOPE_KEYS:
        where.require(isinstance(rules[key], int) and rules[key] > 0, f"'{key}' must be a positive whole number")
    for kind in kinds:
        where.texts(rules[kind], kind)


class Where:
    """Raises RulesFileError naming the file; the checks above read as a list of requirements."""

    def __init__(self, source: str) -> None:
        self.source = source

    def require(self, condition: object, problem: str) -> None:
        if not condition:
            raise RulesFileError(f"{self.source}: {problem}")

    def mapping(self, value: Any, label: str) -> None:
        self.require(isinstance(value, dict), f"{label} must be a mapping of keys to values")

    def keys(self, value: dict[str, Any], allowed: set[str], required: set[str], label: str) -> None:
        unknown, missing = sorted(value.keys() - allowed), sorted(required - value.keys())
        self.require(not unknown, f"{label}: unknown key(s) {unknown} (allowed: {sorted(allowed)})")
        self.require(not missing, f"{label}: missing key(s) {missing}")

    def texts(self, value: Any, label: str) -> None:
        self.require(isinstance(value, list) and all(isinstance(item, str) and item for item in value),
                     f"{label} must be a list of non-empty text")
