"""The learned safety opinion scored on real messages it was not fitted on (`make bench-opinion`).

`make bench-text` scores the opinion on the dev splits it is fitted on, so its dev figures there
are training figures. Here the real development messages (the real dev split, and the real train
pool, which the opinion is not fitted on) are split into folds by source page, as
`make bench-cv` splits the questions. For each fold the opinion is fitted on everything it is
normally fitted on except that fold's real messages, then judges them. Never a test split.

It compares the classifier in use with a few others on the same sentence embeddings, so a choice
between them rests on these figures:
- AUC: how well the probability of a handoff (or an emergency) ranks messages that need one above
  messages that do not (1.0 perfect, 0.5 chance);
- at the thresholds in bot/safety/learned.yml: the opinion alone, and combined with the rules
  (the rules were written with these messages in view, so "combined" flatters them).
It also shows how `clarify_when_rules_find_nothing` in learned.yml was chosen: for each candidate
threshold, how many real patients' FAQ questions (the real question dev split and pool, which the
opinion is not fitted on) the rules find nothing in and the opinion would still ask "Is this
happening to you now?", beside the same count for the real screening messages (out of fold).
Reports go to bench/reports/opinion-<UTC time>.{json,md}; it takes about a minute.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any, Callable

import numpy as np
import yaml

from bench.cross_validation import fold_of
from bench.run import BENCH, machine, write_report
from bench.safety_scoring import MUST_ESCALATE, ScreeningReport, evaluate
from bot.paths import ROOT
from bot.safety import screen, screen_by_rules
from bot.safety.decision import learned_result
from bot.safety.learned import (
    CLASSES,
    LABEL_CLASS,
    LearnedScreen,
    Opinion,
    opinion_of_probabilities,
    pieces,
    settings,
    training_items,
)

POOL = "tests/real_text/screening_train.yml"
QUESTIONS = ("tests/real_text/questions_dev.yml", "tests/real_text/questions_train.yml")
FOLDS = 5
QUESTION_THRESHOLDS = (0.96, 0.9, 0.85, 0.8, 0.7, 0.6)
Judge = Callable[[np.ndarray], Opinion]  # the embeddings of a message's pieces -> its opinion


def logistic(vectors: np.ndarray, labels: list[int]) -> Judge:
    return LearnedScreen.fit_vectors(vectors, labels).opinion_of_vectors


def support_vectors(vectors: np.ndarray, labels: list[int]) -> Judge:
    from sklearn.svm import SVC

    model = SVC(C=3.0, probability=True, class_weight="balanced", random_state=42).fit(vectors, labels)
    return lambda piece_vectors: opinion_of_probabilities(model.predict_proba(piece_vectors))


def nearest_neighbours(vectors: np.ndarray, labels: list[int]) -> Judge:
    from sklearn.neighbors import KNeighborsClassifier

    model = KNeighborsClassifier(10, metric="cosine", weights="distance").fit(vectors, labels)
    return lambda piece_vectors: opinion_of_probabilities(model.predict_proba(piece_vectors))


# name -> (how it is fitted, whether the real train pool is fitted on too)
IN_USE = "in use: logistic regression"
CANDIDATES: dict[str, tuple[Callable[[np.ndarray, list[int]], Judge], bool]] = {
    IN_USE: (logistic, False),
    "logistic regression, also fitted on the real train pool": (logistic, True),
    "RBF support-vector machine": (support_vectors, False),
    "10 nearest neighbours (cosine)": (nearest_neighbours, False),
}


def real_messages() -> list[dict[str, Any]]:
    """The real development messages: the real sets the opinion is fitted on, and the pool."""
    names = [name for name in settings()["screening_sets"] if name.startswith("tests/real_text/")] + [POOL]
    return [dict(item, pool=name == POOL) for name in names
            for item in yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))]


def out_of_fold_opinions(fit: Callable[[np.ndarray, list[int]], Judge], with_pool: bool,
                         messages: list[dict[str, Any]], embed: Callable[[list[str]], np.ndarray]) -> dict[str, Opinion]:
    real_texts = {message["text"] for message in messages}
    always = [(text, label) for text, label in training_items() if text not in real_texts]
    opinions: dict[str, Opinion] = {}
    for fold in range(FOLDS):
        held = [m for m in messages if fold_of(m["url"], FOLDS) == fold]
        fitted = always + [(m["text"], LABEL_CLASS[m["label"]]) for m in messages
                           if fold_of(m["url"], FOLDS) != fold and m["label"] in LABEL_CLASS
                           and (with_pool or not m["pool"])]
        judge = fit(embed([text for text, _ in fitted]), [CLASSES.index(label) for _, label in fitted])
        opinions.update({m["text"]: judge(embed(pieces(m["text"]))) for m in held})
    return opinions


def auc(positives: list[float], negatives: list[float]) -> float:
    """The chance that a random positive scores above a random negative (ties count half)."""
    pos, neg = np.array(positives)[:, None], np.array(negatives)[None, :]
    return round(float((pos > neg).mean() + 0.5 * (pos == neg).mean()), 3)


def figures(report: ScreeningReport) -> dict[str, float]:
    return {"side effects handed off": round(report.recall("side_effect"), 3),
            "contraindications handed off": round(report.recall("contraindication"), 3),
            "red flags with the emergency line": round(report.recall("emergency"), 3),
            "look-alikes escalated": round(report.false_escalation_rate(), 3)}


def score(opinions: dict[str, Opinion], messages: list[dict[str, Any]]) -> dict[str, Any]:
    must = [opinions[m["text"]] for m in messages if m["label"] in MUST_ESCALATE]
    calm = [opinions[m["text"]] for m in messages if m["label"] in ("no_escalation", "other_person")]
    emergencies = [opinions[m["text"]].emergency for m in messages if m["label"] == "emergency"]
    others = [opinions[m["text"]].emergency for m in messages if m["label"] != "emergency"]
    return {"handoff AUC": auc([o.handoff for o in must], [o.handoff for o in calm]),
            "emergency AUC": auc(emergencies, others),
            "alone": figures(evaluate(messages, lambda text: learned_result(opinions[text]))),
            "combined": figures(evaluate(messages, lambda text: screen(text, opinions[text])))}


def question_thresholds(opinions: dict[str, Opinion], messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per threshold: who would be asked "Is this happening to you now?" by the opinion alone,
    among messages in which the rules find no symptom or condition word."""
    from bot.safety.learned import learned_screen

    def unfound(texts: list[str]) -> list[str]:
        return [text for text in texts if not screen_by_rules(text).findings]

    questions = [item["text"] for name in QUESTIONS for item in yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))]
    asked_questions = [learned_screen().opinion(text).handoff for text in unfound(questions)]
    reports = unfound([m["text"] for m in messages if m["label"] in MUST_ESCALATE])
    calm = unfound([m["text"] for m in messages if m["label"] in ("no_escalation", "other_person")])
    return [{"threshold": threshold,
             "real FAQ questions asked": f"{sum(value >= threshold for value in asked_questions)}/{len(questions)}",
             "real reports asked (out of fold)": f"{sum(opinions[t].handoff >= threshold for t in reports)}/{len(reports)}",
             "real look-alikes asked (out of fold)": f"{sum(opinions[t].handoff >= threshold for t in calm)}/{len(calm)}"}
            for threshold in QUESTION_THRESHOLDS]


def markdown(report: dict[str, Any]) -> str:
    lines = [f"# The learned safety opinion, out of fold {report['date']}", "",
             f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores. Command: `make bench-opinion`. "
             f"{report['messages']} real development messages, {FOLDS} folds by source page; thresholds "
             f"{report['thresholds']}.", "",
             "| classifier | handoff AUC | emergency AUC | detector | side effects | contraindications "
             "| red flags with line | look-alikes escalated |", "|---|---|---|---|---|---|---|---|"]
    for name, result in report["candidates"].items():
        for detector in ("alone", "combined"):
            row = result[detector]
            lines.append(f"| {name} | {result['handoff AUC']} | {result['emergency AUC']} | {detector} | "
                         + " | ".join(str(value) for value in row.values()) + " |")
    lines += ["", "Where the rules find no symptom or condition word: who the opinion in use would ask \"Is this "
              "happening to you now?\" (`clarify_when_rules_find_nothing`, now "
              f"{report['thresholds']['clarify_when_rules_find_nothing']}).", "",
              "| threshold | real FAQ questions asked | real reports asked (out of fold) "
              "| real look-alikes asked (out of fold) |", "|---|---|---|---|"]
    lines += ["| " + " | ".join(str(value) for value in row.values()) + " |" for row in report["question_thresholds"]]
    return "\n".join(lines) + "\n"


def main() -> int:
    from bot.language.encoder import sentence_encoder

    vectors: dict[str, np.ndarray] = {}

    def embed(texts: list[str]) -> np.ndarray:
        missing = [text for text in dict.fromkeys(texts) if text not in vectors]
        if missing:
            vectors.update(zip(missing, sentence_encoder().encode(missing), strict=True))
        return np.array([vectors[text] for text in texts])

    messages = real_messages()
    opinions = {name: out_of_fold_opinions(fit, with_pool, messages, embed)
                for name, (fit, with_pool) in CANDIDATES.items()}
    date = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H%M%SZ")
    report = {"date": date, "machine": machine(), "messages": len(messages),
              "thresholds": {key: settings()[key] for key in
                             ("handoff", "clarify", "clarify_when_rules_find_nothing", "emergency")},
              "candidates": {name: score(judged, messages) for name, judged in opinions.items()},
              "question_thresholds": question_thresholds(opinions[IN_USE], messages)}
    write_report(BENCH / "reports" / f"opinion-{date}", report, markdown(report))
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
