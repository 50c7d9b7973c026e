"""The real-text sets: their size, sources and labels, and that the test splits stay out of tuning."""

from pathlib import Path

import yaml

from bot.paths import ROOT
from bot.safety.learned import settings as learned_settings
from tools.real_questions_nlu import TARGET, render

HERE = Path(__file__).resolve().parent
DOMAIN_INTENTS = set(yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"])
SCREEN_LABELS = {"emergency", "side_effect", "contraindication", "other_person", "no_escalation", "uncertain"}


def items(name: str) -> list[dict]:
    return yaml.safe_load((HERE / name).read_text(encoding="utf-8"))


def assert_sourced_and_labelled(questions: list[dict]) -> None:
    for question in questions:
        assert question["url"].startswith("http"), question["text"]
        assert question["label"] == "not_covered" or question["label"] in DOMAIN_INTENTS, question
        assert set(question.get("also", [])) <= DOMAIN_INTENTS, question


def assert_no_shared_page_or_text(extra: list[dict], others: list[dict]) -> None:
    assert not {canonical(i["url"]) for i in extra} & {canonical(i["url"]) for i in others}
    assert not {i["text"].strip().lower() for i in extra} & {i["text"].strip().lower() for i in others}


def training_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "data").rglob("*.yml"))


def test_questions_are_at_least_300_with_sources_and_known_labels():
    questions = items("questions_dev.yml") + items("questions_test.yml")
    assert len(questions) >= 300
    assert_sourced_and_labelled(questions)


def test_screening_messages_are_at_least_150_with_sources_and_labels():
    messages = items("screening_dev.yml") + items("screening_test.yml")
    assert len(messages) >= 150
    for message in messages:
        assert message["url"].startswith("http") and message["label"] in SCREEN_LABELS, message["text"]


def test_the_test_splits_hold_at_least_half_and_share_no_source_page_with_dev():
    for kind in ("questions", "screening"):
        dev, test = items(f"{kind}_dev.yml"), items(f"{kind}_test.yml")
        assert len(test) >= len(dev)
        assert not {i["url"] for i in dev} & {i["url"] for i in test}
        assert not {i["text"] for i in dev} & {i["text"] for i in test}


def test_nothing_is_fitted_on_a_test_split():
    fitted_on = learned_settings()["screening_sets"]
    assert not [name for name in fitted_on if name.endswith("_test.yml")]
    trained = training_text()
    leaked = [q["text"] for q in items("questions_test.yml") if f"- {q['text']}\n" in trained]
    assert leaked == []


def test_the_train_pools_share_no_page_and_no_text_with_either_split():
    """Pools collected after the split (screening_train.yml; questions_train.yml when there is one)
    come from pages in neither split, so the test splits stay unseen."""
    for kind in ("questions", "screening"):
        path = HERE / f"{kind}_train.yml"
        if not path.is_file():
            continue
        pool = items(path.name)
        labels = DOMAIN_INTENTS | {"not_covered"} if kind == "questions" else SCREEN_LABELS
        for message in pool:
            assert message["url"].startswith("http") and message["label"] in labels, message["text"]
        assert_no_shared_page_or_text(pool, items(f"{kind}_dev.yml") + items(f"{kind}_test.yml"))


def test_the_untrained_fourth_round_shares_no_page_and_no_text_with_any_other_set():
    """questions_round4.yml (collected 2026-12-07, not adopted for training) stays an unseen sample:
    no page and no text of it is in another set, nothing of it is in data/, and the learned safety
    opinion is not fitted on it."""
    name = "questions_round4.yml"
    extra = items(name)
    assert len(extra) >= 50
    for message in extra:
        assert message["url"].startswith("http") and message["label"] in DOMAIN_INTENTS | {"not_covered"}, message
    held = [i for other in ("questions_dev.yml", "questions_test.yml", "questions_train.yml", "questions_round5.yml",
                            "screening_dev.yml", "screening_test.yml", "screening_train.yml") for i in items(other)]
    assert_no_shared_page_or_text(extra, held)
    trained = training_text()
    assert [m["text"] for m in extra if f"- {m['text']}\n" in trained] == []
    assert f"tests/real_text/{name}" not in learned_settings()["screening_sets"]


def test_the_fifth_round_shares_no_page_and_no_text_with_any_other_question_set():
    """questions_round5.yml (collected 2026-12-07) comes from pages in no other set, so training on it
    leaves the test split and the fourth round unseen."""
    fifth = items("questions_round5.yml")
    assert len(fifth) >= 50
    assert_sourced_and_labelled(fifth)
    assert_no_shared_page_or_text(
        fifth, [i for name in ("questions_dev.yml", "questions_test.yml", "questions_train.yml") for i in items(name)])


def canonical(url: str) -> str:
    return url.split("://", 1)[-1].removeprefix("www.").rstrip("/").lower()


def test_the_nlu_file_made_from_the_question_pool_is_up_to_date():
    """data/nlu/real_questions.yml is generated from questions_train.yml: a change to the pool
    without re-running the script would leave NLU training on the old pool."""
    assert TARGET.read_text(encoding="utf-8") == render(), "run .venv/bin/python -m tools.real_questions_nlu"
