"""`make bench-cv` scores every dev question once, with a model that did not train on it."""

from pathlib import Path

import yaml

from bench.cross_validation import fold_of, training_data_without
from bench.run import REAL_QUESTIONS
from bench.safety_scoring import read_screening_set
from tools.real_questions_nlu import TARGET


def test_every_page_falls_wholly_in_one_fold_and_every_fold_holds_questions():
    questions = read_screening_set(REAL_QUESTIONS["dev"])
    folds_of_page: dict[str, set[int]] = {}
    for item in questions:
        folds_of_page.setdefault(item["url"], set()).add(fold_of(item["url"], 5))
    assert all(len(folds) == 1 for folds in folds_of_page.values())
    assert {fold for folds in folds_of_page.values() for fold in folds} == set(range(5))


def trained_texts(nlu_file: Path) -> set[str]:
    blocks = yaml.safe_load(nlu_file.read_text(encoding="utf-8"))["nlu"]
    return {line.strip().removeprefix("- ") for block in blocks for line in block["examples"].splitlines() if line.strip()}


def test_a_folds_training_data_leaves_out_its_questions_and_keeps_the_rest(tmp_path):
    dev = [item for item in read_screening_set(REAL_QUESTIONS["dev"]) if not item.get("unsure")]
    held = [item for item in dev if fold_of(item["url"], 5) == 0]
    data = training_data_without(held, tmp_path)
    file = data / TARGET.relative_to(TARGET.parents[1])
    everything, without_fold = trained_texts(TARGET), trained_texts(file)
    held_texts = {" ".join(item["text"].split()) for item in held}
    assert held_texts & everything  # the fold's questions are trained on normally…
    assert not held_texts & without_fold  # …and not in the fold's own training data
    assert without_fold == everything - held_texts
    assert (data / "rules").is_dir() and (data / "stories").is_dir()
