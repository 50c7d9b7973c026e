"""Why the screen decided what it did for one message, for the clinic's medical reviewer.

`python -m bot.safety explain "message"` prints the context cues found (context_rules.yml), each
finding with its concept and category (lexicon.yml), the modifiers that applied and the outcome
that finding alone leads to, then the rules' decision, the learned second opinion and the two
combined: what the patient gets.
"""

from __future__ import annotations

from typing import Any

from bot.safety.decision import ScreenResult, combine, decide, finding_outcome, learned_outcome
from bot.safety.detector import analyse
from bot.safety.learned import learned_screen


def explain(text: str) -> dict[str, Any]:
    analysis = analyse(text or "")
    rules = decide(analysis)
    opinion = learned_screen().opinion(text or "")
    return {
        "message": text,
        "cues": [{"kind": kind, "words": words} for kind, words in analysis.cues],
        "unnamed_something": analysis.deictic,
        "findings": [
            {**mention.as_finding().as_dict(), "severity": mention.severity,
             "outcome_alone": finding_outcome(mention).name}
            for mention in analysis.mentions
        ],
        "rules": summary(rules),
        "learned": {"handoff": round(opinion.handoff, 3), "emergency": round(opinion.emergency, 3),
                    "outcome_alone": learned_outcome(opinion, rules_found_nothing=not rules.findings).name},
        "combined": summary(combine(rules, opinion)),
    }


def summary(result: ScreenResult) -> dict[str, Any]:
    return {"outcome": result.outcome.name, "reason": result.reason and str(result.reason),
            "severity": result.severity and str(result.severity), "emergency_line": result.emergency_line,
            "on_behalf": result.on_behalf}


def as_text(explanation: dict[str, Any]) -> str:
    lines = [f"Message: {explanation['message']!r}", "", "Context cues (context_rules.yml):"]
    lines += [f"  {cue['kind']}: {cue['words']!r}" for cue in explanation["cues"]] or ["  none"]
    if explanation["unnamed_something"]:
        lines.append("  (an unnamed 'this' or 'it' may be happening: at least the yes/no question)")
    lines += ["", "Findings (lexicon.yml):"]
    lines += [
        f"  {f['term']!r}: {f['concept']} ({f['category']}, {f['severity']}); modifiers: "
        f"{', '.join(f['modifiers'])}; alone: {f['outcome_alone']}"
        for f in explanation["findings"]
    ] or ["  none"]
    learned = explanation["learned"]
    lines += ["", f"Rules decide:   {describe(explanation['rules'])}",
              f"Learned opinion: handoff {learned['handoff']}, emergency {learned['emergency']} "
              f"(learned.yml thresholds) -> {learned['outcome_alone']}",
              f"Combined:       {describe(explanation['combined'])}"]
    return "\n".join(lines)


def describe(result: dict[str, Any]) -> str:
    details = [str(result[key]) for key in ("reason", "severity") if result[key]]
    details += [flag for flag in ("emergency_line", "on_behalf") if result[flag]]
    return f"{result['outcome']}" + (f" ({', '.join(details)})" if details else "")
