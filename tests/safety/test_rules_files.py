"""The lexicon and context-rule files are checked on load: a slip in them stops the screen, loudly."""

import copy

import pytest
import spacy
import yaml

from bot.safety.detector import CONTEXT_RULES, LEXICON, ContextAnnotator, read_yaml
from bot.safety.schema import RulesFileError, check_context_rules, check_lexicon


@pytest.fixture(scope="module")
def lexicon():
    return read_yaml(LEXICON)


@pytest.fixture(scope="module")
def rules():
    return read_yaml(CONTEXT_RULES)


def edited(document, change):
    copied = copy.deepcopy(document)
    change(copied)
    return copied


def test_the_files_in_the_repository_pass(lexicon, rules):
    check_lexicon(lexicon)
    check_context_rules(rules, ContextAnnotator.KINDS)


def misspell_phrases(lexicon):
    lexicon["concepts"][0]["phrase"] = lexicon["concepts"][0].pop("phrases")


@pytest.mark.parametrize("change, problem", [
    (misspell_phrases, "unknown key(s) ['phrase']"),
    (lambda lx: lx["concepts"][0].update(category="red flag"), "category must be one of"),
    (lambda lx: lx["concepts"][1].update(severity="soon"), "severity must be one of"),
    (lambda lx: lx["concepts"].append({"name": "nothing", "category": "side_effect"}), "it would match nothing"),
    (lambda lx: lx["concepts"].append(dict(lx["concepts"][0])), "is defined twice"),
    (lambda lx: lx["concepts"][0]["near"][0].update(windw=3), "unknown key(s) ['windw']"),
    (lambda lx: lx["concepts"][0]["near"][0].update(ordered="yes"), "near.ordered must be true or false"),
    (lambda lx: lx["concepts"][0].update(words="wheeze"), "words must be a list of non-empty text"),
    (lambda lx: lx.pop("urgent_modifiers"), "missing key(s) ['urgent_modifiers']"),
    (lambda lx: lx["concepts"][0].update(words=["eczema flare"]), "has a space; list it under phrases"),
    (lambda lx: lx["concepts"][0].update(words=["sjogren'?s"]), "must end in \"'?s?\""),
])
def test_a_slip_in_the_lexicon_is_named(lexicon, change, problem):
    with pytest.raises(RulesFileError, match="lexicon.yml") as raised:
        check_lexicon(edited(lexicon, change))
    assert problem in str(raised.value)


@pytest.mark.parametrize("change, problem", [
    (lambda r: r.update(negations=r.pop("negation")), "unknown key(s) ['negations']"),
    (lambda r: r.update(negation_scope=0), "'negation_scope' must be a positive whole number"),
    (lambda r: r["hypothetical"].append(None), "hypothetical must be a list of non-empty text"),
])
def test_a_slip_in_the_context_rules_is_named(rules, change, problem):
    with pytest.raises(RulesFileError, match="context_rules.yml") as raised:
        check_context_rules(edited(rules, change), ContextAnnotator.KINDS)
    assert problem in str(raised.value)


def test_the_screen_refuses_to_load_a_broken_lexicon(tmp_path, lexicon):
    broken = tmp_path / "lexicon.yml"
    broken.write_text(yaml.safe_dump(edited(lexicon, misspell_phrases)), encoding="utf-8")
    nlp = spacy.blank("en")
    with pytest.raises(RulesFileError, match="unknown key"):
        nlp.add_pipe("clinic_targets", config={"lexicon_path": str(broken)})
