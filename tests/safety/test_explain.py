"""`python -m bot.safety explain`: what the medical reviewer reads matches what the screen does."""

import json
import subprocess
import sys

from bot.paths import ROOT
from bot.safety import screen
from bot.safety.explain import as_text, explain


def test_an_on_behalf_emergency_names_its_finding_cues_and_outcome():
    text = "my wife had lipolysis shots this afternoon and now she's struggling to breathe"
    explanation = explain(text)
    (finding,) = explanation["findings"]
    assert (finding["concept"], finding["category"], finding["outcome_alone"]) == (
        "breathing_difficulty", "red_flag", "EMERGENCY")
    assert {"kind": "other_person", "words": "my wife"} in explanation["cues"]
    assert explanation["combined"]["outcome"] == screen(text).outcome.name == "EMERGENCY"
    assert explanation["combined"]["on_behalf"] is True


def test_resolved_history_shows_the_modifier_that_lowered_it():
    explanation = explain("I was on Roaccutane in my 20s, I'm 38 now")
    assert "resolved_history" in explanation["findings"][0]["modifiers"]
    assert explanation["rules"]["outcome"] == "ANSWER_WITH_CAVEAT"


def test_a_message_with_nothing_in_it_says_so():
    text = as_text(explain("how many sessions will I need?"))
    assert "Findings (lexicon.yml):\n  none" in text and "Combined:       ANSWER" in text


def test_the_command_line_prints_json_for_odd_input():
    message = "<script>alert(1)</script> 😀 ¿Qué es?"
    completed = subprocess.run([sys.executable, "-m", "bot.safety", "explain", message, "--json"],
                               cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(completed.stdout)["message"] == message


def test_the_learned_opinion_alone_is_judged_as_combine_judges_it():
    """Where the rules find nothing, the learned opinion's own question threshold applies in the
    explanation too, so "learned -> …" never disagrees with what the combination did."""
    explanation = explain("my dark circles look worse in this light")
    assert explanation["findings"] == []
    assert explanation["learned"]["outcome_alone"] == explanation["combined"]["outcome"] == "CLARIFY"
