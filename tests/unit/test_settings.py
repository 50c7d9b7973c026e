from bot.paths import VAR
from bot.settings import action_server_url, handoff_database_url, redis_url, tracker_database_url


def test_embedded_defaults_are_sqlite_under_var():
    assert tracker_database_url({}) == f"sqlite:///{VAR / 'tracker.db'}"
    assert handoff_database_url({}) == f"sqlite:///{VAR / 'handoff.db'}"
    assert redis_url({}) is None


def test_one_database_url_moves_both_stores():
    env = {"DATABASE_URL": "postgresql://db/clinic", "REDIS_URL": "redis://cache:6379/0"}
    assert tracker_database_url(env) == handoff_database_url(env) == "postgresql://db/clinic"
    assert redis_url(env) == "redis://cache:6379/0"


def test_each_store_can_be_overridden_alone():
    env = {"DATABASE_URL": "postgresql://db/clinic", "TRACKER_DATABASE_URL": "postgresql://db/conversations"}
    assert tracker_database_url(env) == "postgresql://db/conversations"
    assert handoff_database_url(env) == "postgresql://db/clinic"


def test_a_postgres_scheme_from_a_hosting_provider_is_accepted():
    env = {"DATABASE_URL": "postgres://rasa:pw@db:5432/clinic"}
    assert tracker_database_url(env) == handoff_database_url(env) == "postgresql://rasa:pw@db:5432/clinic"


def test_the_action_server_url_is_optional():
    assert action_server_url({}) is None
    assert action_server_url({"ACTION_SERVER_URL": "http://actions:5055/webhook"}) == "http://actions:5055/webhook"
