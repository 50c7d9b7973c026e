"""What the patient gets for an NLU result: answer, a choice of two topics, or a decline."""

from bot.language.clarify import chosen_topic, reply_for, topic_settings


def test_a_confident_topic_is_answered():
    assert reply_for("faq_sessions", [("faq_sessions", 0.9)]).kind == "answer"


def test_two_close_topics_are_offered_as_a_choice():
    reply = reply_for("nlu_fallback", [("nlu_fallback", 0.5), ("faq_sessions", 0.48), ("faq_results", 0.4)])
    assert (reply.kind, reply.choices) == ("choose", ("faq_sessions", "faq_results"))


def test_weak_or_spread_out_rankings_decline():
    assert reply_for("nlu_fallback", [("faq_sessions", 0.2), ("faq_results", 0.19)]).kind == "decline"
    assert reply_for("nlu_fallback", [("faq_sessions", 0.3), ("faq_results", 0.1)]).kind == "decline"


def test_only_topics_with_an_answer_are_offered():
    ranking = [("faq_pain", 0.45), ("greet", 0.44)]
    assert reply_for("nlu_fallback", ranking).kind == "decline"
    assert reply_for("nlu_fallback", [("out_of_scope", 0.5), ("faq_pain", 0.4)]).kind == "decline"


def test_every_offerable_title_fits_messengers_button_limit():
    assert all(len(title) <= 20 for title in topic_settings()["titles"].values())
    assert len(topic_settings()["something_else"]) <= 20


def test_a_typed_number_picks_an_offered_topic():
    choices = ("faq_sessions", "faq_results")
    assert chosen_topic("1", choices) == "faq_sessions"
    assert chosen_topic(" 2. ", choices) == "faq_results"
    assert chosen_topic("3", choices) is None
    assert chosen_topic("how many", choices) is None
